#include "policies/scenario.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gitcanary::policies {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status Bad(std::string_view clause, const std::string& why) {
  return Status::Invalid("scenario clause \"" + std::string(clause) + "\": " + why +
                         " (expected pass, fail:METRIC[@K], nodata[:METRIC][@K], deny:TYPE[@K] or "
                         "unready:canary|primary[@K])");
}

Result<ScenarioClause> ParseClause(std::string_view clause) {
  ScenarioClause out;
  std::string_view rest = clause;
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view num = rest.substr(at + 1);
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), out.tick);
    if (ec != std::errc() || end != num.data() + num.size() || num.empty() || out.tick < 0)
      return Bad(clause, "the tick after @ must be a whole number >= 0");
    rest = rest.substr(0, at);
  } else {
    out.tick = -1;
  }
  std::string_view word = rest.substr(0, rest.find(':'));
  std::string_view subject = rest.size() > word.size() ? rest.substr(word.size() + 1) : std::string_view();
  out.subject = std::string(subject);
  if (word == "fail" || word == "nodata") {
    out.kind = word == "fail" ? ScenarioClause::Kind::kFail : ScenarioClause::Kind::kNoData;
    if (word == "fail" && subject.empty()) return Bad(clause, "fail needs a metric name");
    if (out.tick < 0) out.tick = 0;
    return out;
  }
  if (word == "deny") {
    out.kind = ScenarioClause::Kind::kDeny;
    auto type = ParseHookType(subject);
    if (subject.empty() || !type) return Bad(clause, "unknown webhook type \"" + out.subject + "\"");
    return out;
  }
  if (word == "unready") {
    out.kind = ScenarioClause::Kind::kUnready;
    if (subject != "canary" && subject != "primary") return Bad(clause, "unready takes canary or primary");
    return out;
  }
  return Bad(clause, "unknown word \"" + std::string(word) + "\"");
}

bool Active(const ScenarioClause& c, int tick) {
  switch (c.kind) {
    case ScenarioClause::Kind::kFail:
    case ScenarioClause::Kind::kNoData: return tick >= c.tick;
    case ScenarioClause::Kind::kDeny:
    case ScenarioClause::Kind::kUnready: return c.tick < 0 || tick < c.tick;
  }
  return false;
}

bool Matches(const Scenario& s, ScenarioClause::Kind kind, std::string_view subject, int tick) {
  return std::any_of(s.clauses.begin(), s.clauses.end(), [&](const ScenarioClause& c) {
    return c.kind == kind && (c.subject == subject || (c.subject.empty() && kind == ScenarioClause::Kind::kNoData)) &&
           Active(c, tick);
  });
}

double Margin(double bound) { return std::max(0.5, std::fabs(bound) * 0.01); }

double PassingValue(const MetricSpec& m) {
  if (m.min && m.max) return (*m.min + *m.max) / 2;
  if (m.min) return *m.min + Margin(*m.min);
  if (m.max) return *m.max > 0 ? *m.max / 2 : *m.max - Margin(*m.max);
  return 1;
}

double FailingValue(const MetricSpec& m) {
  if (m.min) return *m.min - Margin(*m.min);
  return *m.max + Margin(*m.max);
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view text) {
  Scenario out;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view clause = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (clause.empty() || clause == "pass") continue;
    auto c = ParseClause(clause);
    if (!c.ok()) return c.status();
    out.clauses.push_back(std::move(*c));
  }
  return out;
}

Status CheckScenario(const Scenario& scenario, const AnalysisSpec& spec) {
  for (const ScenarioClause& c : scenario.clauses) {
    if (c.kind != ScenarioClause::Kind::kFail && c.kind != ScenarioClause::Kind::kNoData) continue;
    if (c.subject.empty()) continue;
    auto it = std::find_if(spec.metrics.begin(), spec.metrics.end(),
                           [&](const MetricSpec& m) { return m.name == c.subject; });
    std::string canary = spec.ns + "/" + spec.name;
    if (it == spec.metrics.end()) {
      std::string names;
      for (const MetricSpec& m : spec.metrics) names += (names.empty() ? "" : ", ") + m.name;
      return Status::Invalid("scenario names metric \"" + c.subject + "\", which canary " + canary +
                             " does not have (its metrics: " + (names.empty() ? "none" : names) + ")");
    }
    if (c.kind == ScenarioClause::Kind::kFail && !it->min && !it->max) {
      return Status::Invalid("scenario fails metric \"" + c.subject + "\" of canary " + canary +
                             ", which has no thresholdRange and so cannot fail by value; use nodata:" + c.subject);
    }
  }
  return Status::Ok();
}

void Observe(const Scenario& scenario, const AnalysisSpec& spec, int tick, const Need& need, Observations* obs) {
  using K = ScenarioClause::Kind;
  switch (need.kind) {
    case Need::Kind::kPrimaryReadiness:
    case Need::Kind::kCanaryReadiness: {
      const bool primary = need.kind == Need::Kind::kPrimaryReadiness;
      const bool unready = Matches(scenario, K::kUnready, primary ? "primary" : "canary", tick);
      (primary ? obs->primary : obs->canary) = Readiness{!unready, unready ? "scenario: not ready" : ""};
      return;
    }
    case Need::Kind::kHook: {
      const HookSpec& hook = spec.webhooks[need.index];
      bool deny = Matches(scenario, K::kDeny, HookTypeName(hook.type), tick);
      // A rollback hook answers 200 only when it wants a rollback.
      bool ok = hook.type == HookType::kRollback ? deny : !deny;
      if (obs->hooks.size() < spec.webhooks.size()) obs->hooks.resize(spec.webhooks.size());
      obs->hooks[need.index] = HookOutcome{ok, ok ? "" : "scenario: HTTP 403"};
      return;
    }
    case Need::Kind::kMetric: {
      const MetricSpec& m = spec.metrics[need.index];
      if (obs->metrics.size() < spec.metrics.size()) obs->metrics.resize(spec.metrics.size());
      if (Matches(scenario, K::kNoData, m.name, tick)) {
        obs->metrics[need.index] = MetricOutcome{std::nullopt, "scenario: no values found"};
      } else {
        const bool fail = Matches(scenario, K::kFail, m.name, tick);
        obs->metrics[need.index] = MetricOutcome{fail ? FailingValue(m) : PassingValue(m), ""};
      }
      return;
    }
  }
}

}  // namespace gitcanary::policies
