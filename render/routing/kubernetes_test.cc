// Tests for the kubernetes provider of git mode: the three Services and
// nothing else (Flagger's no-op router), and the fields that need a router,
// refused with the reason where Flagger drops them (scheduler.go forces
// Blue/Green and clears analysis.match; runBlueGreen skips mirroring).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/routing/router.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// A kubernetes Canary "podinfo" with the given analysis body (4 spaces).
// Line 12 is "  analysis:", so the body starts on line 13.
std::string CanaryText(const std::string& analysis, const std::string& service = "  service: {port: 9898}\n") {
  return "apiVersion: flagger.app/v1beta1\n"  // 1
         "kind: Canary\n"                      // 2
         "metadata:\n"                         // 3
         "  name: podinfo\n"                   // 4
         "  namespace: prod\n"                 // 5
         "spec:\n"                             // 6
         "  provider: kubernetes\n"            // 7
         "  targetRef:\n"                      // 8
         "    kind: Deployment\n"              // 9
         "    name: podinfo\n" +               // 10
         service +                            // 11
         "  analysis:\n" +                     // 12
         analysis;
}

Result<std::vector<Node>> TryRouting(const std::string& analysis, long long weight = 0,
                                     const std::string& service = "  service: {port: 9898}\n") {
  auto parsed = ParseManifests(CanaryText(analysis, service), "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  Manifest m = (*parsed)[0];
  auto info = NormaliseCanary(m);
  REQUIRE_MESSAGE(info.ok(), info.status().message());
  RoutingInput in;
  in.provider = Provider::kKubernetes;
  in.canary = &m;
  in.selector_label = "app";
  in.canary_weight = weight;
  return MakeRouting(in);
}

TEST_CASE("kubernetes: Blue/Green renders the three Services and no routing object at any weight") {
  for (long long w : {0, 100}) {
    CAPTURE(w);
    auto r = TryRouting("    interval: 10s\n    iterations: 10\n", w);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    REQUIRE(r->size() == 3);
    const char* names[] = {"podinfo", "podinfo-primary", "podinfo-canary"};
    const char* selects[] = {"podinfo-primary", "podinfo-primary", "podinfo"};
    for (std::size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK((*r)[i].Path({"kind"})->value == "Service");
      CHECK((*r)[i].Path({"metadata", "name"})->value == names[i]);
      // The apex always selects the primary: the weight changes nothing here.
      CHECK((*r)[i].Path({"spec", "selector", "app"})->value == selects[i]);
    }
  }
}

TEST_CASE("kubernetes: fields that need a router are one error line with the reason") {
  struct Case {
    const char* analysis;
    const char* where;
    const char* reason;
  };
  const Case cases[] = {
      {"    iterations: 10\n    match:\n    - headers: {x-canary: {exact: insider}}\n",
       "canary.yaml:15:5: spec.analysis.match", "no router to send the matching requests to the canary"},
      {"    iterations: 10\n    mirror: true\n", "canary.yaml:14:13: spec.analysis.mirror",
       "no router to copy requests"},
      {"    iterations: 10\n    sessionAffinity: {cookieName: c}\n",
       "canary.yaml:14:22: spec.analysis.sessionAffinity", "no router to set or read its cookies"},
      {"    stepWeight: 5\n    maxWeight: 50\n", "canary.yaml:13:17: spec.analysis.stepWeight",
       "no traffic shifts by weight"},
      {"    stepWeights: [1, 10, 50]\n", "canary.yaml:13:18: spec.analysis.stepWeights",
       "Blue/Green with 10 iterations"},
  };
  // spec.service on line 11 is {port: 9898}; these replace it.
  const Case service_cases[] = {
      {"  service: {port: 9898, match: [{uri: {prefix: /api}}]}\n", "canary.yaml:11:32: spec.service.match",
       "takes every request, not only the matching ones"},
      {"  service: {port: 9898, mirror: [{backendRef: {name: shadow}}]}\n", "canary.yaml:11:33: spec.service.mirror",
       "no router to send copies"},
  };
  for (const Case& c : cases) {
    auto r = TryRouting(c.analysis);
    REQUIRE_FALSE(r.ok());
    const std::string& msg = r.status().message();
    INFO(msg);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.rfind(std::string(c.where) + ": not supported with provider kubernetes: ", 0) == 0);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
  for (const Case& c : service_cases) {
    auto r = TryRouting("    iterations: 10\n", 0, c.analysis);
    REQUIRE_FALSE(r.ok());
    const std::string& msg = r.status().message();
    INFO(msg);
    CHECK(msg.rfind(std::string(c.where) + ": not supported with provider kubernetes: ", 0) == 0);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("kubernetes: refused fields that ask for nothing pass") {
  CHECK(TryRouting("    iterations: 10\n    mirror: false\n    match: []\n    sessionAffinity: null\n").ok());
}

}  // namespace
}  // namespace gitcanary::render
