// Simulation: runs Step over scripted ticks, offline, and records the
// timeline that `gitcanary simulate` prints.
//
// The canary starts Succeeded at revision "rev-a"; at tick 0 its target is at
// "rev-b", so tick 0 detects the new revision. Tick k happens k analysis
// intervals later. Each tick calls Step until it needs nothing more, answering
// every need from the scenario, and records one Entry. The run ends when the
// canary, having left Succeeded, is Succeeded or Failed again, or after
// `max_ticks`.
#pragma once

#include <string>
#include <vector>

#include "core/phase.h"
#include "policies/analysis_spec.h"
#include "policies/scenario.h"

namespace gitcanary::policies {

struct TimelineEntry {
  int tick = 0;
  long long at_seconds = 0;
  Phase phase = Phase::kSucceeded;
  int weight = 0;
  int failed_checks = 0;
  std::string reason;
};

struct Timeline {
  std::vector<TimelineEntry> entries;
  enum class Outcome { kSucceeded, kFailed, kUnfinished } outcome = Outcome::kUnfinished;
  long long end_seconds = 0;        // when the outcome was reached
  long long promotion_seconds = -1;  // when Promoting began; -1 if never
};

inline constexpr int kDefaultMaxTicks = 1000;

Timeline Simulate(const AnalysisSpec& spec, const Scenario& scenario, int max_ticks = kDefaultMaxTicks);

// "7m", "7m30s", "1h2m", "45s", "0s".
std::string FormatSeconds(long long seconds);

// One line: "Succeeded after 8m (promotion began at 6m)", "Failed after 3m", or
// "not finished after 1000 ticks (16h40m)".
std::string OutcomeLine(const Timeline& timeline, int max_ticks = kDefaultMaxTicks);

}  // namespace gitcanary::policies
