// Closed-loop end-to-end tests, part 3: releases through each traffic
// provider (tests/e2e/README.md). The same release as part 1, with the Canary
// naming linkerd, gatewayapi:v1 or nginx: the cluster applies the provider's
// routing objects (a TrafficSplit, an HTTPRoute, a canary Ingress), the
// router exports that provider's series, and serve decides from Flagger's
// built-in queries for it. An A/B release (analysis.match with iterations)
// sends only the requests carrying header x-canary: insider or cookie
// canary=always to the canary.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/release_run.h"

namespace gitcanary {
namespace {

using e2e::AppVersion;
using e2e::ReleaseRun;
using e2e::Traffic;
using testing::StatusAt;

// How applied_routing.h names the provider whose objects the render holds.
std::string RoutingKind(const std::string& provider) {
  return provider.rfind("gatewayapi:", 0) == 0 ? "gatewayapi" : provider.empty() ? "istio" : provider;
}

// Every applied commit was routed by `provider`'s own objects.
void ExpectRoutedBy(const ReleaseRun& run, const std::string& provider) {
  for (const e2e::Applied& a : run.cluster.applied()) {
    CAPTURE(a.commit);
    CHECK(a.provider == RoutingKind(provider));
  }
}

// 1.0.0, then 2.0.0: the healthy release, its routing and measurements as with Istio.
void HealthyRelease(const std::string& provider) {
  ReleaseRun run(100, Traffic{provider});
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  run.ExpectHealthyRelease(3);
  ExpectRoutedBy(run, provider);
  // The steps at 40 and 60 % were decided on the provider's series: every request succeeded, fast.
  for (const auto& row : nlohmann::json::parse(run.HistoryJson())) {
    if (row["kind"] != "status" || (row["weight"] != 40 && row["weight"] != 60) || row["phase"] == "Finalising")
      continue;
    CAPTURE(row.dump());
    CHECK(row["metrics"]["request-success-rate"] == 100.0);
    CHECK(row["metrics"]["request-duration"].get<double>() < 100.0);
  }
}

// 2.0.0 answering half its requests with 500: two failed checks at 20 %, then the rollback.
void BrokenRelease(const std::string& provider) {
  ReleaseRun run(100, Traffic{provider});
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0", 50}, "podinfo 2.0.0 (half its answers are 500)");
  const bool failed = run.WaitForPhase("Failed");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(failed);
  CHECK(run.StatusSteps() == std::string("Initialized 0, ") + e2e::kRolledBack);
  for (const StatusAt& s : run.repo.StatusHistory("podinfo")) {
    if (s.phase != "Progressing" || s.failed_checks == 0) continue;
    CAPTURE(s.subject);
    CHECK(s.subject.find("request-success-rate ") != std::string::npos);
    CHECK(s.subject.find(" < 99") != std::string::npos);
  }
  CHECK(run.Routing() ==
        "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
        "80/20 primary=1.0.0 canary=2.0.0; 100/0 primary=1.0.0 canary=-");
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  ExpectRoutedBy(run, provider);
  CHECK(run.cluster.errors().empty());
}

// What the router was given through an A/B release, as ReleaseRun::Routing()
// prints it: the default route stays 100/0 throughout; `idle` are the match
// rules (with their weights) at weight 0, `active` those of the analysis and
// the promotion (weight 100), "" when there are none.
std::string AbRouting(const std::string& idle, const std::string& active) {
  const auto state = [](const std::string& rules, const std::string& pods) {
    return "100/0" + (rules.empty() ? "" : " [" + rules + "]") + " " + pods;
  };
  return state(idle, "primary=1.0.0 canary=1.0.0") + "; " + state(idle, "primary=1.0.0 canary=-") + "; " +
         state(idle, "primary=1.0.0 canary=2.0.0") + "; " + state(active, "primary=1.0.0 canary=2.0.0") + "; " +
         state(active, "primary=2.0.0 canary=2.0.0") + "; " + state(idle, "primary=2.0.0 canary=2.0.0") + "; " +
         state(idle, "primary=2.0.0 canary=-");
}

// The A/B match of the e2e Canary (header x-canary: insider, or the cookie by
// Flagger's regular expression) as a VirtualService or HTTPRoute renders it.
constexpr char kHeaderMatch[] = "header x-canary=insider";
constexpr char kCookieMatch[] = "header cookie~^(.*?;)?(canary=always)(;.*)?$";

// An A/B release: while the canary is analysed, only requests with the header
// or the cookie reach it; then it is promoted. `ab_routing` is AbRouting()'s.
void AbRelease(const std::string& provider, const std::string& ab_routing) {
  ReleaseRun run(100, Traffic{provider, true});
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0"}, "podinfo 2.0.0 for insiders");
  run.Require(run.WaitForStep("Progressing", 100), "the A/B analysis never started");
  const std::string plain = run.Answers(20);
  const std::string header = run.Answers(10, e2e::kAbHeader);
  const std::string cookie = run.Answers(10, e2e::kAbCookie);
  const std::string other = run.Answers(10, {{"x-canary", "outsider"}});
  const bool succeeded = run.WaitForPhase("Succeeded");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  CHECK(plain == "version=1.0.0 x20");
  CHECK(header == "version=2.0.0 x10");
  CHECK(cookie == "version=2.0.0 x10");
  CHECK(other == "version=1.0.0 x10");
  REQUIRE(succeeded);
  CHECK(run.StatusSteps() ==
        "Initialized 0, Progressing 0, Progressing 100, Progressing 100, Promoting 100, Finalising 0, Succeeded 0");
  CHECK(run.Routing() == ab_routing);
  CHECK(run.Answers(20) == "version=2.0.0 x20");
  CHECK(run.Answers(10, e2e::kAbHeader) == "version=2.0.0 x10");
  ExpectRoutedBy(run, provider);
  CHECK(run.cluster.errors().empty());
}

}  // namespace

TEST_CASE("e2e: an A/B release through Istio routes only the matching requests to the canary, then promotes") {
  // The match route (both matches) ahead of the primary-only route, at the status weights.
  const std::string match = std::string(kHeaderMatch) + " | " + kCookieMatch;
  AbRelease("", AbRouting(match + ": 100/0", match + ": 0/100"));
}

TEST_CASE("e2e: a healthy version through Linkerd's TrafficSplit is promoted on Linkerd's series") {
  HealthyRelease("linkerd");
}

TEST_CASE("e2e: a broken version (HTTP 500s) through Linkerd's TrafficSplit is rolled back") {
  BrokenRelease("linkerd");
}

TEST_CASE("e2e: a healthy version through a Gateway API HTTPRoute is promoted on the app's own histogram") {
  HealthyRelease("gatewayapi:v1");
}

TEST_CASE("e2e: a broken version (HTTP 500s) through a Gateway API HTTPRoute is rolled back") {
  BrokenRelease("gatewayapi:v1");
}

TEST_CASE("e2e: an A/B release through a Gateway API HTTPRoute routes only the matching requests to the canary") {
  // Rule 0 carries each match (merged with the default path match) at the status weights, rule 1 the primary.
  AbRelease("gatewayapi:v1", AbRouting(std::string(kHeaderMatch) + ": 100/0, " + kCookieMatch + ": 100/0",
                                       std::string(kHeaderMatch) + ": 0/100, " + kCookieMatch + ": 0/100"));
}

TEST_CASE("e2e: a healthy version through the NGINX canary Ingress is promoted on NGINX's series") {
  HealthyRelease("nginx");
}

TEST_CASE("e2e: a broken version (HTTP 500s) through the NGINX canary Ingress is rolled back") {
  BrokenRelease("nginx");
}

TEST_CASE("e2e: an A/B release through the NGINX canary Ingress routes only the matching requests to the canary") {
  // At rest the canary Ingress has weight 0 and no match; during the analysis by-header (with its
  // value) and by-cookie, while canary-weight stays 0, so the rest goes to the primary.
  AbRelease("nginx", AbRouting("", "header x-canary=insider: 0/100, cookie canary=always: 0/100, "
                                   "cookie canary=never: 100/0"));
}

}  // namespace gitcanary
