// Step() throughput on one core: decisions per second over a mix of canaries
// (canary, A/B, blue/green, mirrored; with hooks and metrics) and of states
// in every phase, with every observation given up front. Prints the median of
// several rounds as `decisions_per_second N`; bench/analysis.py reads it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "policies/step.h"

using namespace gitcanary;
using namespace gitcanary::policies;

namespace {

AnalysisSpec MakeSpec(int variant) {
  AnalysisSpec s;
  s.name = s.target = s.service = "app-" + std::to_string(variant);
  s.ns = "bench";
  s.threshold = 5;
  s.max_weight = 50;
  s.step_weight = 10;
  if (variant % 4 == 1) { s.iterations = 10; s.has_match = true; }
  if (variant % 4 == 2) s.iterations = 5;
  if (variant % 4 == 3) s.mirror = true;
  MetricSpec rate, latency;
  rate.name = "request-success-rate";
  rate.min = 99;
  latency.name = "request-duration";
  latency.max = 500;
  s.metrics = {rate, latency};
  for (HookType t : {HookType::kPreRollout, HookType::kRollout, HookType::kConfirmPromotion, HookType::kRollback}) {
    HookSpec h;
    h.name = std::string(HookTypeName(t));
    h.type = t;
    s.webhooks.push_back(h);
  }
  return s;
}

}  // namespace

int main() {
  std::vector<AnalysisSpec> specs;
  for (int v = 0; v < 8; ++v) specs.push_back(MakeSpec(v));
  std::vector<AnalysisState> states;
  const Phase phases[] = {Phase::kSucceeded, Phase::kProgressing, Phase::kProgressing, Phase::kProgressing,
                          Phase::kWaitingPromotion, Phase::kPromoting, Phase::kFinalising, Phase::kFailed};
  for (int i = 0; i < 64; ++i) {
    AnalysisState st;
    st.phase = phases[i % 8];
    st.canary_weight = st.phase == Phase::kSucceeded || st.phase == Phase::kFailed ? 0 : (i * 10) % 60;
    st.failed_checks = i % 3;
    st.iterations = i % 6;
    st.last_applied_spec = i % 5 == 0 ? "0123456789abcdef" : "fedcba9876543210";
    st.last_promoted_spec = "00000000deadbeef";
    st.last_transition_ms = 1'700'000'000'000;
    states.push_back(st);
  }
  std::vector<Observations> obs;
  for (const AnalysisSpec& s : specs) {
    Observations o;
    o.revision = "fedcba9876543210";
    o.primary = Readiness{true, ""};
    o.canary = Readiness{true, ""};
    o.hooks.assign(s.webhooks.size(), HookOutcome{true, ""});
    o.hooks.back() = HookOutcome{false, "HTTP 404"};  // the rollback hook does not fire
    o.metrics = {MetricOutcome{99.5, ""}, MetricOutcome{230, ""}};
    obs.push_back(o);
  }
  const long long now = 1'700'000'060'000;
  const int per_round = 2'000'000;
  std::vector<double> rates;
  long long sink = 0;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < per_round; ++i) {
      const std::size_t s = static_cast<std::size_t>(i) % specs.size();
      Decision d = Step(specs[s], states[static_cast<std::size_t>(i) % states.size()], obs[s], now);
      sink += d.next.canary_weight + static_cast<long long>(d.reason.size());
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    rates.push_back(per_round / took.count());
  }
  std::sort(rates.begin(), rates.end());
  std::printf("decisions_per_second %.0f\nchecksum %lld\n", rates[rates.size() / 2], sink);
  return 0;
}
