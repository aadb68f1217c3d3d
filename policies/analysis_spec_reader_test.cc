// What serve reads from a Canary for its analysis: here, the ready thresholds
// of the primary and the canary (Flagger's default is 100 for both) and a
// webhook's disableTLS.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plugin/serve/analysis_executor.h"
#include "policies/analysis_spec_reader.h"
#include "render/loader.h"

namespace gitcanary::policies {
namespace {

Result<policies::AnalysisSpec> Read(const std::string& analysis_extra, const std::string& spec_extra = "",
                                    const std::string& default_provider = "") {
  const std::string text = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: test\n"
                           "spec:\n" + spec_extra + "  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
                           "  service:\n    port: 80\n  analysis:\n    stepWeight: 10\n" + analysis_extra;
  auto parsed = render::ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return ReadAnalysisSpec((*parsed)[0], "test", TemplateIndex{}, kFlaggerMinIntervalMs, {}, default_provider);
}

}  // namespace

TEST_CASE("analysis spec: ready thresholds default to 100 and are read per Deployment") {
  auto plain = Read("");
  REQUIRE(plain.ok());
  CHECK(plain->canary_ready_threshold == 100);
  CHECK(plain->primary_ready_threshold == 100);
  auto set = Read("    canaryReadyThreshold: 50\n    primaryReadyThreshold: 75\n");
  REQUIRE(set.ok());
  CHECK(set->canary_ready_threshold == 50);
  CHECK(set->primary_ready_threshold == 75);
  auto over = Read("    primaryReadyThreshold: 101\n");
  REQUIRE(!over.ok());
  CHECK(over.status().message().find("spec.analysis.primaryReadyThreshold") != std::string::npos);
}

TEST_CASE("analysis spec: a webhook's disableTLS is read, off by default, and reaches the HTTP request") {
  auto spec = Read("    webhooks:\n      - name: plain\n        url: https://127.0.0.1:1/\n"
                   "      - name: insecure\n        url: https://127.0.0.1:1/\n        disableTLS: true\n");
  REQUIRE(spec.ok());
  REQUIRE(spec->webhooks.size() == 2);
  CHECK_FALSE(spec->webhooks[0].disable_tls);
  CHECK(spec->webhooks[1].disable_tls);
  // The executor asks the HTTP client to skip verification for that hook only.
  CHECK_FALSE(plugin::HookRequest(*spec, spec->webhooks[0], "Progressing", "abc", {}).skip_tls_verify);
  CHECK(plugin::HookRequest(*spec, spec->webhooks[1], "Progressing", "abc", {}).skip_tls_verify);
}

TEST_CASE("analysis spec: the provider and metrics provider and the ingressRef and routeRef names") {
  struct Case {
    std::string spec_extra, default_provider, provider, metrics_provider, ingress, route;
  };
  const std::vector<Case> cases = {
      {"", "", "istio", "istio", "", ""},
      {"", "nginx", "nginx", "nginx", "", ""},
      {"  provider: nginx\n  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: public\n",
       "", "nginx", "nginx", "public", ""},
      // Flagger: a linkerd mesh provider makes every canary's built-in metrics Linkerd's.
      {"  provider: nginx\n", "linkerd", "nginx", "linkerd", "", ""},
      {"  provider: gatewayapi:v1\n  routeRef:\n    name: edge\n", "istio", "gatewayapi:v1", "gatewayapi:v1", "",
       "edge"},
      {"  provider: kubernetes\n", "", "kubernetes", "kubernetes", "", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.spec_extra);
    CAPTURE(c.default_provider);
    auto spec = Read("", c.spec_extra, c.default_provider);
    REQUIRE_MESSAGE(spec.ok(), spec.status().message());
    CHECK(spec->provider == c.provider);
    CHECK(spec->metrics_provider == c.metrics_provider);
    CHECK(spec->ingress == c.ingress);
    CHECK(spec->route == c.route);
  }
}

}  // namespace gitcanary::policies
