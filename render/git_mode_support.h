// Canary fields that Flagger supports and git mode does not implement yet.
//
// In git mode gitcanary renders the routing and workload objects itself, so a
// field it does not act on would be silently ignored; instead such a field is
// an error: `spec.autoscalerRef.primaryScalerQueries is not supported in git
// mode: remove it or use --mode flagger`. The list (git_mode_support.cc) holds one path per line,
// sorted; a path may go through lists (`spec.analysis.metrics[].query`). An
// entry with an allowed value (spec.provider: istio) refuses only other values.
// A field set to null or false asks for nothing and passes.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

struct GitModeGap {
  std::string_view path;
  std::string_view allowed = {};  // the one value git mode implements, or "" for none
};

extern const GitModeGap kGitModeGaps[];
extern const std::size_t kGitModeGapCount;

// The first field of a normalised Canary that git mode does not implement, as an error.
Status CheckGitModeSupport(const Manifest& canary);

}  // namespace gitcanary::render
