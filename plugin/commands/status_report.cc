#include "plugin/commands/status_report.h"

#include "plugin/commands/status_break.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

std::string Pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

std::string JsonObject(const StatusRow& r) {
  using policies::GoJsonString;
  return "{\"namespace\":" + GoJsonString(r.ns) + ",\"name\":" + GoJsonString(r.name) + ",\"status\":\"" + r.phase +
         "\",\"weight\":" + std::to_string(r.weight) + ",\"failed_checks\":" + std::to_string(r.failed_checks) +
         ",\"last_transition_time\":" + GoJsonString(r.last_transition_time) +
         ",\"revision\":" + GoJsonString(r.revision) + ",\"error\":" + GoJsonString(r.error) +
         ",\"broken_by\":" + GoJsonString(r.broken_by) + ",\"recovery\":" + GoJsonString(r.recovery) + "}";
}

}  // namespace

Result<StatusReport> BuildStatusReport(RepoAccess& repo, const HeadCatalog& at_head) {
  StatusReport out;
  out.head = at_head.head;
  out.errors = at_head.catalog.errors;
  for (const CatalogEntry& e : at_head.catalog.canaries) {
    StatusRow r;
    const std::size_t slash = e.id.find('/');
    r.ns = e.id.substr(0, slash);
    r.name = e.id.substr(slash + 1);
    r.phase = e.error.ok() ? std::string(PhaseName(e.state.phase)) : "Halted";
    r.weight = e.state.canary_weight;
    r.failed_checks = e.state.failed_checks;
    r.last_transition_time = e.status ? e.status->last_transition_time : "";
    r.revision = e.revision;
    if (!e.error.ok()) {
      r.error = e.error.message();
      auto broke = FindStatusBreak(repo, e, at_head.head);
      if (!broke.ok()) return broke.status();
      if (*broke) {
        r.broken_by = (*broke)->commit;
        r.recovery = RevertCommand(**broke);
        r.error += "\n  " + RecoveryText(**broke);
      }
    }
    out.rows.push_back(std::move(r));
  }
  return out;
}

std::string StatusTable(const StatusReport& report) {
  std::string out = Pad("NAMESPACE", 12) + Pad("NAME", 20) + Pad("STATUS", 18) + Pad("WEIGHT", 8) + Pad("FAILED", 8) +
                    "LASTTRANSITION\n";
  for (const StatusRow& r : report.rows)
    out += Pad(r.ns, 12) + Pad(r.name, 20) + Pad(r.phase, 18) + Pad(std::to_string(r.weight), 8) +
           Pad(std::to_string(r.failed_checks), 8) + (r.last_transition_time.empty() ? "-" : r.last_transition_time) +
           "\n";
  for (const StatusRow& r : report.rows)
    if (!r.error.empty()) out += "\n" + r.id() + ": " + r.error + "\n";
  for (const std::string& err : report.errors) out += "\n" + err + "\n";
  return out;
}

std::string StatusJson(const StatusReport& report) {
  std::string out = "[";
  bool first = true;
  for (const StatusRow& r : report.rows) {
    StatusRow shown = r;
    shown.error = r.error.substr(0, r.error.find('\n'));  // the recovery has fields of its own
    out += std::string(first ? "\n  " : ",\n  ") + JsonObject(shown);
    first = false;
  }
  return out + (first ? "]\n" : "\n]\n");
}

std::string StatusJsonLine(const StatusRow& row, const std::string& time, const std::string& head) {
  StatusRow shown = row;
  shown.error = row.error.substr(0, row.error.find('\n'));
  return "{\"time\":\"" + time + "\",\"commit\":\"" + head + "\"," + JsonObject(shown).substr(1) + "\n";
}

std::string StatusLine(const StatusRow& row, const std::string& time, const std::string& head) {
  std::string out = time + " " + row.id() + " " + row.phase + " weight=" + std::to_string(row.weight) +
                    " failed=" + std::to_string(row.failed_checks) + " commit=" + head.substr(0, 7);
  if (!row.error.empty()) out += " error=" + policies::GoJsonString(row.error.substr(0, row.error.find('\n')));
  if (!row.recovery.empty()) out += " recover=" + policies::GoJsonString(row.recovery);
  return out + "\n";
}

}  // namespace gitcanary::plugin
