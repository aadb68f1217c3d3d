// The analysis of a canary whose provider is `kubernetes`, as Flagger's
// scheduler runs it.
//
// The kubernetes provider renders Services only and shifts no traffic, so
// Flagger (pkg/controller/scheduler.go, advanceCanary, just before it picks
// the strategy) drops analysis.match and sets analysis.iterations to 10 when
// it is below 1: the analysis is always blue/green. Its promotion goes from
// Promoting straight to Finalising (runPromotionTrafficShift), whatever
// stepWeightPromotion says. Each timeline below is played by Simulate (every
// check passes unless said otherwise): tick 0 detects the new revision.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/simulation.h"
#include "policies/step.h"

namespace gitcanary::policies {
namespace {

AnalysisSpec Spec(const std::string& provider) {
  AnalysisSpec s;
  s.name = s.target = "podinfo";
  s.ns = "test";
  s.provider = provider;
  s.threshold = 5;
  s.step_weight = 10;
  s.max_weight = 50;
  return s;
}

std::vector<int> Weights(const Timeline& t) {
  std::vector<int> out;
  for (const TimelineEntry& e : t.entries) out.push_back(e.weight);
  return out;
}

std::vector<std::string> Phases(const Timeline& t) {
  std::vector<std::string> out;
  for (const TimelineEntry& e : t.entries) out.emplace_back(PhaseName(e.phase));
  return out;
}

std::vector<std::string> Repeat(const char* phase, int n) { return std::vector<std::string>(n, phase); }

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("kubernetes provider: strategy and iterations as Flagger forces them") {
  struct Case {
    std::string provider;
    int iterations;
    bool match;
    Strategy want_strategy;
    int want_iterations;
  };
  const std::vector<Case> cases = {
      {"kubernetes", 0, false, Strategy::kBlueGreen, 10},  // progressive canary becomes blue/green
      {"kubernetes", 0, true, Strategy::kBlueGreen, 10},
      {"kubernetes", 3, true, Strategy::kBlueGreen, 3},    // A/B testing becomes blue/green
      {"kubernetes", 4, false, Strategy::kBlueGreen, 4},
      {"istio", 0, false, Strategy::kCanary, 0},
      {"", 3, true, Strategy::kABTesting, 3},
      {"linkerd", 4, false, Strategy::kBlueGreen, 4},
      {"nginx", 2, true, Strategy::kABTesting, 2},
      {"gatewayapi:v1", 0, false, Strategy::kCanary, 0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.provider);
    CAPTURE(c.iterations);
    CAPTURE(c.match);
    AnalysisSpec s = Spec(c.provider);
    s.iterations = c.iterations;
    s.has_match = c.match;
    CHECK(StrategyOf(s) == c.want_strategy);
    CHECK(AnalysisIterations(s) == c.want_iterations);
    CHECK(ShiftsTraffic(s) == (c.provider != "kubernetes"));
  }
}

TEST_CASE("kubernetes provider: a progressive canary runs 10 blue/green iterations") {
  Timeline t = Simulate(Spec("kubernetes"), Scenario{});
  // Tick 0 starts; ticks 1..10 are the 10 iterations at weight 0; tick 11
  // (iterations == 10) is Flagger's "route all traffic to canary" step, which
  // the status records as weight 100; tick 12 promotes; tick 13 finalises at
  // once; tick 14 succeeds.
  CHECK(Phases(t) == Concat(Repeat("Progressing", 12), {"Promoting", "Finalising", "Succeeded"}));
  CHECK(Weights(t) == std::vector<int>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 100, 0, 0});
  REQUIRE(t.entries.size() == 15);
  CHECK(t.entries[1].reason.find("iteration 1/10") != std::string::npos);
  CHECK(t.entries[10].reason.find("iteration 10/10") != std::string::npos);
  CHECK(t.outcome == Timeline::Outcome::kSucceeded);

  // The same canary through a provider that shifts traffic steps 10 to 50.
  Timeline istio = Simulate(Spec("istio"), Scenario{});
  CHECK(Weights(istio) == std::vector<int>{0, 10, 20, 30, 40, 50, 50, 0, 0});
}

TEST_CASE("kubernetes provider: analysis.match is dropped and its iterations kept") {
  AnalysisSpec s = Spec("kubernetes");
  s.iterations = 3;
  s.has_match = true;
  Timeline t = Simulate(s, Scenario{});
  // Blue/green: the three iterations leave the weight at 0, where A/B testing
  // would route the matching requests (weight 100) from the first one.
  CHECK(Weights(t) == std::vector<int>{0, 0, 0, 0, 100, 100, 0, 0});
  CHECK(Phases(t) == Concat(Repeat("Progressing", 5), {"Promoting", "Finalising", "Succeeded"}));
  CHECK(t.entries[3].reason.find("iteration 3/3") != std::string::npos);

  s.provider = "nginx";
  Timeline ab = Simulate(s, Scenario{});
  CHECK(Weights(ab) == std::vector<int>{0, 100, 100, 100, 100, 0, 0});
}

TEST_CASE("kubernetes provider: promotion ignores stepWeightPromotion") {
  AnalysisSpec s = Spec("kubernetes");
  s.iterations = 1;
  s.step_weight_promotion = 20;
  Timeline t = Simulate(s, Scenario{});
  // Tick 1 iterates, tick 2 routes to the canary, tick 3 promotes, tick 4
  // finalises in one go (Flagger: no traffic shifting is possible), tick 5
  // succeeds.
  CHECK(Phases(t) == Concat(Repeat("Progressing", 3), {"Promoting", "Finalising", "Succeeded"}));
  CHECK(Weights(t) == std::vector<int>{0, 0, 100, 100, 0, 0});

  // A provider that shifts traffic returns it in steps of 20.
  s.provider = "linkerd";
  Timeline linkerd = Simulate(s, Scenario{});
  CHECK(Weights(linkerd) == std::vector<int>{0, 0, 100, 100, 80, 60, 40, 20, 0, 0});
}

TEST_CASE("kubernetes provider: a denied promotion goes back one of the forced iterations") {
  // Flagger's runConfirmPromotionHooks sets status.iterations to
  // analysis.iterations - 1, with the iterations forced to 10: 9.
  AnalysisSpec s = Spec("kubernetes");
  HookSpec gate;
  gate.name = "gate";
  gate.type = HookType::kConfirmPromotion;
  gate.url = "http://127.0.0.1:1/gate";
  s.webhooks = {gate};
  AnalysisState st;
  st.phase = Phase::kProgressing;
  st.iterations = 10;
  st.last_applied_spec = "rev-b";
  st.last_promoted_spec = "rev-a";
  Observations obs;
  obs.revision = "rev-b";
  obs.primary = Readiness{true, ""};
  obs.canary = Readiness{true, ""};
  obs.hooks = {HookOutcome{false, "HTTP 403"}};
  Decision d = Step(s, st, obs, 1'700'000'000'000);
  REQUIRE_FALSE(d.need.has_value());
  CHECK(d.next.phase == Phase::kWaitingPromotion);
  CHECK(d.next.iterations == 9);
}

}  // namespace gitcanary::policies
