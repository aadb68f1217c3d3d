// Phase: Flagger's canary phases, shared by the status schema (render/) and
// the analysis state machine (policies/), with their names as written in git.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gitcanary {

enum class Phase {
  kInitializing, kInitialized, kWaiting, kProgressing, kWaitingPromotion,
  kPromoting, kFinalising, kSucceeded, kFailed
};

// "Progressing", ...; "Unknown" for a value outside the enum.
std::string_view PhaseName(Phase p);

// The phase of a name, exactly as PhaseName writes it.
std::optional<Phase> ParsePhase(std::string_view name);

// "Initializing, Initialized, ..., Failed", for error messages.
std::string PhaseList();

}  // namespace gitcanary
