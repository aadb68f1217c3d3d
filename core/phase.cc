#include "core/phase.h"

#include <array>
#include <utility>

namespace gitcanary {

namespace {

constexpr std::array<std::pair<Phase, std::string_view>, 9> kPhases = {{
    {Phase::kInitializing, "Initializing"},
    {Phase::kInitialized, "Initialized"},
    {Phase::kWaiting, "Waiting"},
    {Phase::kProgressing, "Progressing"},
    {Phase::kWaitingPromotion, "WaitingPromotion"},
    {Phase::kPromoting, "Promoting"},
    {Phase::kFinalising, "Finalising"},
    {Phase::kSucceeded, "Succeeded"},
    {Phase::kFailed, "Failed"},
}};

}  // namespace

std::string_view PhaseName(Phase p) {
  for (const auto& [phase, name] : kPhases)
    if (phase == p) return name;
  return "Unknown";
}

std::optional<Phase> ParsePhase(std::string_view name) {
  for (const auto& [phase, n] : kPhases)
    if (n == name) return phase;
  return std::nullopt;
}

std::string PhaseList() {
  std::string out;
  for (const auto& [phase, name] : kPhases) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace gitcanary
