#include "policies/analysis_spec.h"

#include <algorithm>
#include <array>
#include <utility>

namespace gitcanary::policies {

namespace {

constexpr std::array<std::pair<HookType, std::string_view>, 8> kHookTypes = {{
    {HookType::kConfirmRollout, "confirm-rollout"},
    {HookType::kPreRollout, "pre-rollout"},
    {HookType::kRollout, "rollout"},
    {HookType::kConfirmTrafficIncrease, "confirm-traffic-increase"},
    {HookType::kConfirmPromotion, "confirm-promotion"},
    {HookType::kPostRollout, "post-rollout"},
    {HookType::kRollback, "rollback"},
    {HookType::kEvent, "event"},
}};

constexpr int kTotalWeight = 100;

}  // namespace

std::string_view HookTypeName(HookType type) {
  for (const auto& [t, name] : kHookTypes)
    if (t == type) return name;
  return "unknown";
}

std::optional<HookType> ParseHookType(std::string_view name) {
  if (name.empty()) return HookType::kRollout;
  for (const auto& [t, n] : kHookTypes)
    if (n == name) return t;
  return std::nullopt;
}

std::string_view StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kABTesting: return "A/B testing";
    case Strategy::kBlueGreen: return "blue/green";
    case Strategy::kCanary: break;
  }
  return "canary";
}

bool ShiftsTraffic(const AnalysisSpec& spec) { return spec.provider != "kubernetes"; }

int AnalysisIterations(const AnalysisSpec& spec) {
  if (!ShiftsTraffic(spec) && spec.iterations < 1) return kKubernetesIterations;
  return spec.iterations;
}

Strategy StrategyOf(const AnalysisSpec& spec) {
  if (!ShiftsTraffic(spec)) return Strategy::kBlueGreen;
  if (spec.iterations > 0) return spec.has_match ? Strategy::kABTesting : Strategy::kBlueGreen;
  return Strategy::kCanary;
}

int MaxWeight(const AnalysisSpec& spec) {
  if (StrategyOf(spec) != Strategy::kCanary) return kTotalWeight;
  if (!spec.step_weights.empty()) return std::min(kTotalWeight, spec.step_weights.back());
  if (spec.max_weight > 0) return std::min(kTotalWeight, spec.max_weight);
  return kTotalWeight;
}

int NextStepWeight(const AnalysisSpec& spec, int weight) {
  if (spec.step_weight > 0 || spec.step_weights.empty()) return spec.step_weight;
  const int room = kTotalWeight - weight;
  if (room <= 0) return 1;
  if (weight == 0) return std::min(room, spec.step_weights.front());
  for (std::size_t i = 0; i + 1 < spec.step_weights.size(); ++i) {
    if (spec.step_weights[i] == weight) return std::min(room, spec.step_weights[i + 1] - weight);
  }
  return room;
}

}  // namespace gitcanary::policies
