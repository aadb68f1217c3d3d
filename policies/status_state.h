// The status of record (render::CanaryStatus, as committed) and the analysis
// engine's state (policies::AnalysisState) are two views of one thing: this
// converts between them, and between RFC 3339 times and Unix milliseconds.
//
// A status's lastTransitionTime is written in UTC, with milliseconds only
// when they are not zero ("2026-11-22T04:16:49Z", "...49.250Z"), and read
// with any offset or fraction RFC 3339 allows.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "policies/step.h"
#include "render/canary_status.h"

namespace gitcanary::policies {

std::string FormatRfc3339(long long unix_ms);
Result<long long> ParseRfc3339(std::string_view text);

// The engine's state from a committed status (nullopt: none yet, Initializing).
// A lastTransitionTime that does not parse is an error naming the canary.
Result<policies::AnalysisState> StateOf(const std::optional<render::CanaryStatus>& status, const std::string& canary);

// `base` (or a fresh status) updated to `next`; the promoted snapshot and
// trackedConfigs are left to the caller (they change only on promotion).
render::CanaryStatus WithState(const std::optional<render::CanaryStatus>& base, const policies::AnalysisState& next);

}  // namespace gitcanary::policies
