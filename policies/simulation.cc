#include "policies/simulation.h"

#include "policies/step.h"

namespace gitcanary::policies {

namespace {

constexpr long long kStartMs = 1'700'000'000'000;  // any fixed instant: the run is relative to it

// Step until it needs nothing, answering from the scenario. Each need is
// answered once, so this ends after at most one call per observation.
Decision DecideTick(const AnalysisSpec& spec, const AnalysisState& state, const Scenario& scenario, int tick,
                    long long now_ms) {
  Observations obs;
  obs.revision = "rev-b";
  while (true) {
    Decision d = Step(spec, state, obs, now_ms);
    if (!d.need) return d;
    Observe(scenario, spec, tick, *d.need, &obs);
  }
}

}  // namespace

Timeline Simulate(const AnalysisSpec& spec, const Scenario& scenario, int max_ticks) {
  Timeline out;
  AnalysisState state;
  state.phase = Phase::kSucceeded;
  state.last_applied_spec = "rev-a";
  state.last_promoted_spec = "rev-a";
  state.last_transition_ms = kStartMs;
  bool started = false;  // the canary left Succeeded
  for (int tick = 0; tick < max_ticks; ++tick) {
    const long long offset_ms = static_cast<long long>(tick) * spec.interval_ms;
    Decision d = DecideTick(spec, state, scenario, tick, kStartMs + offset_ms);
    const long long at = offset_ms / 1000;
    if (d.next.phase == Phase::kPromoting && state.phase != Phase::kPromoting && out.promotion_seconds < 0)
      out.promotion_seconds = at;
    state = std::move(d.next);
    out.entries.push_back(TimelineEntry{tick, at, state.phase, state.canary_weight, state.failed_checks,
                                        std::move(d.reason)});
    started = started || state.phase != Phase::kSucceeded;
    if (started && (state.phase == Phase::kSucceeded || state.phase == Phase::kFailed)) {
      out.outcome = state.phase == Phase::kSucceeded ? Timeline::Outcome::kSucceeded : Timeline::Outcome::kFailed;
      out.end_seconds = at;
      return out;
    }
  }
  out.end_seconds = out.entries.empty() ? 0 : out.entries.back().at_seconds;
  return out;
}

std::string FormatSeconds(long long seconds) {
  if (seconds <= 0) return "0s";
  const long long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  std::string out;
  if (h > 0) out += std::to_string(h) + "h";
  if (m > 0) out += std::to_string(m) + "m";
  if (s > 0) out += std::to_string(s) + "s";
  return out;
}

std::string OutcomeLine(const Timeline& t, int max_ticks) {
  switch (t.outcome) {
    case Timeline::Outcome::kSucceeded: {
      std::string line = "Succeeded after " + FormatSeconds(t.end_seconds);
      if (t.promotion_seconds >= 0) line += " (promotion began at " + FormatSeconds(t.promotion_seconds) + ")";
      return line;
    }
    case Timeline::Outcome::kFailed:
      if (!t.entries.empty() && t.entries.back().weight == 100)  // a failed promotion
        return "Failed after " + FormatSeconds(t.end_seconds) + ", primary not ready: all traffic on the canary";
      return "Failed after " + FormatSeconds(t.end_seconds) + ", rolled back";
    case Timeline::Outcome::kUnfinished: break;
  }
  return "not finished after " + std::to_string(max_ticks) + " ticks (" + FormatSeconds(t.end_seconds) + ")";
}

}  // namespace gitcanary::policies
