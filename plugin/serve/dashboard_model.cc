#include "plugin/serve/dashboard_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/phase.h"
#include "render/xml_escape.h"

namespace gitcanary::plugin {

namespace {

using nlohmann::json;

// JSON text with '<', '>' and '&' escaped; they occur only inside strings,
// where \u003c is the same character. Invalid UTF-8 from git becomes U+FFFD.
std::string SafeDump(const json& j) {
  const std::string raw = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + 16);
  for (char c : raw) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

bool IsHex(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

bool HasHook(const policies::AnalysisSpec& spec, policies::HookType type) {
  return std::any_of(spec.webhooks.begin(), spec.webhooks.end(),
                     [type](const policies::HookSpec& h) { return h.type == type; });
}

json Nullable(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

}  // namespace

std::string StripUserinfo(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t start = scheme + 3;
  const std::size_t end = url.find_first_of("/?#", start);
  const std::size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

Status CheckCommitUrlTemplate(const std::string& tmpl) {
  if (tmpl.empty()) return Status::Ok();
  if (tmpl.rfind("https://", 0) != 0 && tmpl.rfind("http://", 0) != 0)
    return Status::Usage("--commit-url must be an http:// or https:// URL, not \"" + tmpl + "\"");
  if (tmpl.find("{sha}") == std::string::npos)
    return Status::Usage("--commit-url must hold {sha} where the commit id goes, e.g. https://git.example.com/org/repo/commit/{sha}");
  return Status::Ok();
}

std::string CommitUrl(const std::string& tmpl, const std::string& sha) {
  if (tmpl.empty() || !IsHex(sha)) return "";
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl.compare(i, 5, "{sha}") == 0) {
      out += sha;
      i += 5;
    } else {
      out += tmpl[i++];
    }
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  // render::EscapeXml's entities, and the apostrophe, so that text is safe in
  // attributes quoted either way.
  std::string out;
  for (char c : render::EscapeXml(text)) {
    if (c == '\'') out += "&#39;";
    else out += c;
  }
  return out;
}

std::vector<std::string> OperatorCommands(const CatalogEntry& e, const DashboardOptions& options) {
  const std::string where = " --repo " + StripUserinfo(options.repo) + " --branch " + options.branch;
  const Phase phase = e.state.phase;
  const policies::AnalysisSpec& spec = e.spec;
  using policies::HookType;
  const bool gate = (phase == Phase::kWaiting && HasHook(spec, HookType::kConfirmRollout)) ||
                    (phase == Phase::kProgressing && HasHook(spec, HookType::kConfirmTrafficIncrease)) ||
                    (phase == Phase::kWaitingPromotion && HasHook(spec, HookType::kConfirmPromotion));
  const bool running = phase == Phase::kWaiting || phase == Phase::kProgressing || phase == Phase::kWaitingPromotion;
  std::vector<std::string> out;
  if (gate) out.push_back("gitcanary approve " + e.id + where);
  if (phase == Phase::kProgressing || phase == Phase::kWaitingPromotion) out.push_back("gitcanary promote " + e.id + where);
  if (running && e.error.ok()) out.push_back("gitcanary abort " + e.id + where);
  if (phase == Phase::kFailed) out.push_back("gitcanary retry " + e.id + where);
  out.push_back("gitcanary history " + e.id + where);
  out.push_back("gitcanary status" + where);
  return out;
}

namespace {

json RowObject(const CatalogEntry& e) {
  const std::size_t slash = e.id.find('/');
  json row;
  row["id"] = e.id;
  row["namespace"] = e.id.substr(0, slash);
  row["name"] = slash == std::string::npos ? e.id : e.id.substr(slash + 1);
  row["provider"] = e.spec.provider.empty() ? "istio" : e.spec.provider;
  row["phase"] = e.error.ok() ? std::string(PhaseName(e.state.phase)) : "Halted";
  row["has_status"] = e.status.has_value();
  row["weight"] = e.state.canary_weight;
  row["max_weight"] = e.spec.max_weight > 0 ? e.spec.max_weight : 100;
  row["failed_checks"] = e.state.failed_checks;
  row["threshold"] = e.spec.threshold;
  row["last_transition"] = e.status ? e.status->last_transition_time : "";
  row["revision"] = e.revision;
  row["app"] = e.app_dir.empty() ? "." : e.app_dir;
  row["error"] = e.error.ok() ? "" : e.error.message();
  return row;
}

json HeaderObject(const std::string& head, const DashboardOptions& options) {
  json out;
  out["head"] = head;
  out["head_url"] = CommitUrl(options.commit_url, head);
  out["branch"] = options.branch;
  out["repo"] = StripUserinfo(options.repo);
  out["standalone"] = options.standalone;
  return out;
}

}  // namespace

std::string CanaryRowJson(const CatalogEntry& e) { return SafeDump(RowObject(e)); }

std::string OverviewJsonFromRows(const Catalog& catalog, const std::vector<const std::string*>& rows,
                                 const std::string& head, const DashboardOptions& options) {
  json top = HeaderObject(head, options);
  json halted = json::array();
  for (const std::string& err : catalog.errors) {
    const std::size_t colon = err.find(": ");
    halted.push_back({{"app", colon == std::string::npos ? "" : err.substr(0, colon)},
                      {"error", colon == std::string::npos ? err : err.substr(colon + 2)}});
  }
  top["halted_apps"] = halted;
  std::string text = SafeDump(top);  // an object: ends in '}'
  text.pop_back();
  std::size_t size = text.size() + 16;
  for (const std::string* row : rows) size += row->size() + 1;
  text.reserve(size);
  text += ",\"canaries\":[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i != 0) text += ',';
    text += *rows[i];
  }
  text += "]}";
  return text;
}

std::string OverviewJson(const Catalog& catalog, const std::string& head, const DashboardOptions& options) {
  std::vector<std::string> rows;
  rows.reserve(catalog.canaries.size());
  for (const CatalogEntry& e : catalog.canaries) rows.push_back(CanaryRowJson(e));
  std::vector<const std::string*> pointers;
  for (const std::string& row : rows) pointers.push_back(&row);
  return OverviewJsonFromRows(catalog, pointers, head, options);
}

std::string CanaryPageJson(const CatalogEntry& e, const policies::Timeline& timeline,
                           const std::map<std::string, std::vector<std::string>>& evidence,
                           const std::string& history_error, const std::string& head, const DashboardOptions& options) {
  json top = HeaderObject(head, options);
  top["canary"] = RowObject(e);
  top["commands"] = OperatorCommands(e, options);
  top["history_error"] = history_error;
  json decisions = json::array();
  for (auto it = timeline.rows.rbegin(); it != timeline.rows.rend(); ++it) {
    const policies::HistoryRow& r = *it;
    const bool status = r.kind == policies::HistoryRow::Kind::kStatus;
    json d;
    d["commit"] = r.commit;
    d["short"] = r.commit.substr(0, 7);
    d["url"] = CommitUrl(options.commit_url, r.commit);
    d["time"] = policies::FormatUtcSeconds(r.time);
    d["kind"] = status ? "status" : "change";
    d["phase"] = status ? json(std::string(PhaseName(r.phase))) : json(nullptr);
    d["weight"] = status ? json(r.weight) : json(nullptr);
    d["failed_checks"] = status ? json(r.failed_checks) : json(nullptr);
    d["iterations"] = status ? json(r.iterations) : json(nullptr);
    d["subject"] = r.subject;
    json metrics = json::array();
    for (const policies::HistoryMetric& m : r.metrics)
      metrics.push_back({{"name", m.name}, {"value", Nullable(m.value)}, {"min", Nullable(m.min)}, {"max", Nullable(m.max)}});
    d["metrics"] = metrics;
    auto found = evidence.find(r.commit);
    d["evidence"] = found == evidence.end() ? json::array() : json(found->second);
    decisions.push_back(std::move(d));
  }
  top["decisions"] = decisions;
  return SafeDump(top);
}

}  // namespace gitcanary::plugin
