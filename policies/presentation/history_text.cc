#include "policies/presentation/history_text.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gitcanary::policies {

using policies::HistoryMetric;
using policies::HistoryRow;

namespace {

std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string> Split(const std::string& text, const std::string& sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + sep.size())
    out.push_back(text.substr(start, at - start));
  out.push_back(text.substr(start));
  return out;
}

// One "NAME VALUE [OP BOUND | in [A, B]]" or "NAME no data[: REASON]" part of the
// evidence, as status_commit_message.cc writes it: ">=" and a failing "<"
// name the minimum, "<=" and a failing ">" the maximum.
std::optional<HistoryMetric> MetricVerdict(const std::string& part) {
  const std::vector<std::string> t = Split(part, " ");
  if (t.size() < 2 || t[0].empty()) return std::nullopt;
  if (t.size() >= 3 && t[1] == "no" && (t[2] == "data" || (t[2] == "data:" && t.size() > 3)))
    return HistoryMetric{t[0], std::nullopt, {}, {}};  // "NAME no data[: REASON]"
  HistoryMetric m{t[0], ParseNumber(t[1]), {}, {}};
  if (!m.value) return std::nullopt;
  if (t.size() == 2) return m;
  if (t.size() == 4 && (t[2] == ">=" || t[2] == "<")) m.min = ParseNumber(t[3]);
  if (t.size() == 4 && (t[2] == "<=" || t[2] == ">")) m.max = ParseNumber(t[3]);
  if (t.size() == 5 && t[2] == "in" && t[3].size() > 2 && t[3].front() == '[' && t[3].back() == ',' &&
      t[4].size() > 1 && t[4].back() == ']') {
    m.min = ParseNumber(t[3].substr(1, t[3].size() - 2));
    m.max = ParseNumber(t[4].substr(0, t[4].size() - 1));
    if (!m.min || !m.max) return std::nullopt;
  }
  if (!m.min && !m.max) return std::nullopt;
  return m;
}

// Whether a commit is gitcanary's own: a status or operator commit of any canary.
std::string Dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

std::string SubjectFor(const std::string& message, const std::string& id) {
  const std::string prefix = "canary " + id + ": ";
  std::istringstream lines(message);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) return line;
  return message.substr(0, message.find('\n'));
}

std::vector<HistoryMetric> MetricsFromSubject(const std::string& line) {
  std::string s = line;
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  if (s.empty() || s.back() != ')') return {};
  int depth = 0;
  std::size_t open = std::string::npos;
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] == ')') ++depth;
    if (s[i] == '(' && --depth == 0) {
      open = i;
      break;
    }
  }
  if (open == std::string::npos) return {};
  std::vector<HistoryMetric> out;
  for (const std::string& part : Split(s.substr(open + 1, s.size() - open - 2), "; "))
    if (auto m = MetricVerdict(part)) out.push_back(std::move(*m));
  return out;
}

std::optional<std::vector<HistoryMetric>> MetricsFromNote(const std::string& note, const std::string& id) {
  std::istringstream lines(note);
  std::string line;
  while (std::getline(lines, line) && line != "canary " + id) {
  }
  if (lines.fail()) return std::nullopt;
  std::vector<HistoryMetric> out;
  const std::string prefix = "  metric ";
  while (std::getline(lines, line) && line.rfind("  ", 0) == 0) {
    if (line.rfind(prefix, 0) != 0) continue;
    const std::size_t colon = line.find(": ", prefix.size());
    if (colon == std::string::npos) continue;
    const std::string detail = line.substr(colon + 2);
    const std::size_t eq = detail.rfind(" = ");
    out.push_back({line.substr(prefix.size(), colon - prefix.size()),
                   eq == std::string::npos ? std::nullopt : ParseNumber(detail.substr(eq + 3)), {}, {}});
  }
  return out;
}

std::vector<std::string> NoteSection(const std::string& note, const std::string& id) {
  std::istringstream lines(note);
  std::string line;
  while (std::getline(lines, line) && line != "canary " + id) {
  }
  std::vector<std::string> out;
  if (lines.fail()) return out;
  while (std::getline(lines, line) && line.rfind("  ", 0) == 0) out.push_back(line.substr(2));
  return out;
}

std::string HistoryTable(const policies::Timeline& timeline) {
  std::vector<std::vector<std::string>> cells{
      {"TIME", "PHASE", "WEIGHT", "FAILED", "ITER", "METRICS", "COMMIT", "SUBJECT"}};
  for (const HistoryRow& r : timeline.rows) {
    const bool status = r.kind == HistoryRow::Kind::kStatus;
    if (r.kind == HistoryRow::Kind::kError) {
      cells.push_back({policies::FormatUtcSeconds(r.time), "error", "-", "-", "-", "-", r.commit.substr(0, 7),
                       r.subject + " [status broken: " + r.error + "]"});
      continue;
    }
    std::string metrics;
    for (const HistoryMetric& m : r.metrics)
      metrics += (metrics.empty() ? "" : " ") + m.name + "=" + (m.value ? policies::FormatMetricValue(*m.value) : "n/a");
    cells.push_back({policies::FormatUtcSeconds(r.time), status ? std::string(PhaseName(r.phase)) : "-",
                     status ? std::to_string(r.weight) : "-", status ? std::to_string(r.failed_checks) : "-",
                     status ? std::to_string(r.iterations) : "-", Dash(metrics), r.commit.substr(0, 7), r.subject});
  }
  std::vector<std::size_t> width(cells[0].size(), 0);
  for (const auto& row : cells)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  std::string out;
  for (const auto& row : cells) {
    std::string line;
    for (std::size_t i = 0; i + 1 < row.size(); ++i) line += row[i] + std::string(width[i] - row[i].size() + 2, ' ');
    out += line + row.back() + "\n";
  }
  return out;
}

std::string HistoryJson(const policies::Timeline& timeline) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const HistoryRow& r : timeline.rows) {
    const bool status = r.kind == HistoryRow::Kind::kStatus;
    nlohmann::ordered_json row;
    row["commit"] = r.commit;
    row["time"] = policies::FormatUtcSeconds(r.time);
    row["kind"] = status ? "status" : r.kind == HistoryRow::Kind::kError ? "error" : "change";
    row["phase"] = status ? nlohmann::ordered_json(std::string(PhaseName(r.phase))) : nullptr;
    row["weight"] = status ? nlohmann::ordered_json(r.weight) : nullptr;
    row["failed_checks"] = status ? nlohmann::ordered_json(r.failed_checks) : nullptr;
    row["iterations"] = status ? nlohmann::ordered_json(r.iterations) : nullptr;
    row["metrics"] = nlohmann::ordered_json::object();
    for (const HistoryMetric& m : r.metrics)
      row["metrics"][m.name] = m.value ? nlohmann::ordered_json(*m.value) : nullptr;
    row["subject"] = r.subject;
    row["action"] = r.action.empty() ? nullptr : nlohmann::ordered_json(r.action);
    row["error"] = r.error.empty() ? nullptr : nlohmann::ordered_json(r.error);
    out.push_back(std::move(row));
  }
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}
}  // namespace gitcanary::policies
