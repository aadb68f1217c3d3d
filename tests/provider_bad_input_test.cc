// Bad input for the traffic providers through `gitcanary
// render --mode git`: each refused field gives exit 1, nothing on stdout and
// one `file:line:col: field: message` line on stderr; flagger mode, where
// Flagger routes, renders the same Canary.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tests/test_util.h"

using gitcanary::testing::Gitcanary;
using gitcanary::testing::RunResult;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace {

constexpr const char* kDeployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
    "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: 'web:1'}]}\n";

// canary.yaml: line 7 is "  service:", line 8 its port, then `service`, then
// "  analysis:" and `analysis`.
std::string CanaryText(const std::string& provider, const std::string& service, const std::string& analysis) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\nspec:\n"  // 1-4
         "  provider: " + provider + "\n"                                                  // 5
         "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"               // 6
         "  service:\n    port: 80\n" + service + "  analysis:\n    interval: 1m\n" + analysis;
}

RunResult Render(const std::string& canary, const char* mode) {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "canary.yaml", canary);
  return Gitcanary({"render", "--mode", mode, dir.path()});
}

}  // namespace

TEST_CASE("provider bad input: linkerd and kubernetes refuse what their routing cannot carry") {
  struct Case {
    const char* provider;
    const char* service;
    const char* analysis;
    const char* line;  // expected stderr, from "canary.yaml:" to the message's start
  };
  const Case cases[] = {
      {"linkerd", "", "    iterations: 5\n    match: [{headers: {x-canary: {exact: insider}}}]\n",
       "canary.yaml:12:12: spec.analysis.match: not supported with provider linkerd: "},
      {"linkerd", "", "    stepWeight: 10\n    mirror: true\n",
       "canary.yaml:12:13: spec.analysis.mirror: not supported with provider linkerd: "},
      {"linkerd", "", "    stepWeight: 10\n    sessionAffinity: {cookieName: c}\n",
       "canary.yaml:12:22: spec.analysis.sessionAffinity: not supported with provider linkerd: "},
      {"linkerd", "    hosts: [web.example.com]\n", "    stepWeight: 10\n",
       "canary.yaml:9:13: spec.service.hosts[0]: with provider linkerd the first host is the TrafficSplit's root "
       "Service"},
      {"kubernetes", "", "    stepWeight: 10\n",
       "canary.yaml:11:17: spec.analysis.stepWeight: not supported with provider kubernetes: "},
      {"kubernetes", "", "    iterations: 5\n    match: [{headers: {x-canary: {exact: insider}}}]\n",
       "canary.yaml:12:12: spec.analysis.match: not supported with provider kubernetes: "},
  };
  for (const Case& c : cases) {
    const std::string canary = CanaryText(c.provider, c.service, c.analysis);
    RunResult git = Render(canary, "git");
    INFO(git.err);
    CHECK(git.exit_code == 1);
    CHECK(git.out.empty());
    const std::size_t at = git.err.find("canary.yaml:");
    REQUIRE(at != std::string::npos);
    CHECK(git.err.compare(at, std::string(c.line).size(), c.line) == 0);
    CHECK(std::count(git.err.begin(), git.err.end(), '\n') == 1);
    RunResult flagger = Render(canary, "flagger");
    CHECK_MESSAGE(flagger.exit_code == 0, flagger.err);
  }
}

TEST_CASE("provider bad input: gatewayapi, nginx and providers git mode does not route, through render --mode git") {
  struct Case {
    const char* provider;
    const char* service;
    const char* analysis;
    const char* place;   // "canary.yaml:LINE:COL: field:", reasoned from CanaryText's layout
    const char* reason;  // a part of the message that says why or what to do
    bool flagger_ok;     // flagger mode renders the same Canary
  };
  const Case cases[] = {
      // Flagger would silently route plain gatewayapi through Istio: refused in both modes.
      {"gatewayapi", "", "    stepWeight: 10\n", "canary.yaml:5:13: spec.provider:", "gatewayapi:v1 or gatewayapi:v1beta1",
       false},
      // Providers Flagger routes and git mode does not: refused in git mode only, pointing to --mode flagger.
      {"appmesh", "", "    stepWeight: 10\n", "canary.yaml:5:13: spec.provider:", "--mode flagger", true},
      {"contour", "", "    stepWeight: 10\n", "canary.yaml:5:13: spec.provider:", "--mode flagger", true},
      // Gateway API needs the parents of its HTTPRoute: at spec.service, whose mapping starts at its first key (8:5).
      {"gatewayapi:v1", "", "    stepWeight: 10\n", "canary.yaml:8:5: spec.service.gatewayRefs:", "add spec.service.gatewayRefs",
       true},
      // v1beta1 HTTPRoutes have no timeouts (line 9 is the timeout after the port).
      {"gatewayapi:v1beta1", "    gatewayRefs: [{name: gw}]\n    timeout: 5s\n", "    stepWeight: 10\n",
       "canary.yaml:10:14: spec.service.timeout:", "gatewayapi:v1", true},
      // NGINX: the canary Ingress is a copy of the ingressRef's Ingress; the error points at the provider's key.
      {"nginx", "", "    stepWeight: 10\n", "canary.yaml:5:3: spec.ingressRef:", "copies the Ingress it names", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.provider);
    CAPTURE(c.reason);
    const std::string canary = CanaryText(c.provider, c.service, c.analysis);
    RunResult git = Render(canary, "git");
    INFO(git.err);
    CHECK(git.exit_code == 1);
    CHECK(git.out.empty());
    const std::size_t at = git.err.find("canary.yaml:");
    REQUIRE(at != std::string::npos);
    CHECK(git.err.compare(at, std::string(c.place).size(), c.place) == 0);
    CHECK(git.err.find(c.reason) != std::string::npos);
    CHECK(std::count(git.err.begin(), git.err.end(), '\n') == 1);
    if (c.flagger_ok) {
      RunResult flagger = Render(canary, "flagger");
      CHECK_MESSAGE(flagger.exit_code == 0, flagger.err);
    }
  }
}
