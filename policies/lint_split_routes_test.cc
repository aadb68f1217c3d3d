// Table tests for the lint rule split-with-httproute: a Service routed by a
// TrafficSplit and by an HTTPRoute, each written in the app or rendered from a
// Canary (provider linkerd, or gatewayapi:* with a gatewayRef to the Service),
// and the near misses that must stay quiet.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/lint.h"
#include "render/loader.h"

namespace gitcanary::policies {
namespace {

// Lines 1-10: the Deployment.
constexpr const char* kDeployment =
    "apiVersion: apps/v1\n"                                                  // 1
    "kind: Deployment\n"                                                     // 2
    "metadata: {name: web, namespace: shop}\n"                               // 3
    "spec:\n"                                                                // 4
    "  selector: {matchLabels: {app: web}}\n"                                // 5
    "  template:\n"                                                          // 6
    "    metadata: {labels: {app: web}}\n"                                   // 7
    "    spec:\n"                                                            // 8
    "      containers: [{name: web, image: 'web:1', ports: [{containerPort: 8080}]}]\n"  // 9
    "---\n";                                                                 // 10

// Lines 11-22: a clean Canary; `provider` ("" = none: one line less) and
// `service` (extra lines of spec.service, after its port on line 18) change
// its routing.
std::string Canary(const std::string& provider, const std::string& service = "") {
  return std::string(kDeployment) +
         "apiVersion: flagger.app/v1beta1\n"                                  // 11
         "kind: Canary\n"                                                     // 12
         "metadata: {name: web, namespace: shop}\n"                           // 13
         "spec:\n" +                                                          // 14
         (provider.empty() ? "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                           : "  provider: " + provider + "\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n") +
         "  service:\n"                                                       // 16 (15 without provider)
         "    port: 80\n" +                                                   // 17
         service +
         "  analysis:\n"
         "    maxWeight: 50\n"
         "    stepWeight: 10\n"
         "    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]\n";
}

// An HTTPRoute attached to `parent` (a parentRef body), ending in "---".
std::string HttpRoute(const std::string& parent, const std::string& ns = "shop",
                      const std::string& group = "gateway.networking.k8s.io/v1") {
  return "---\napiVersion: " + group + "\nkind: HTTPRoute\nmetadata: {name: web-route, namespace: " + ns +
         "}\nspec:\n  parentRefs:\n  - " + parent + "\n  rules: [{backendRefs: [{name: web, port: 80}]}]\n";
}

std::string TrafficSplit(const std::string& service) {
  return "---\napiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata: {name: web-split, namespace: shop}\n"
         "spec:\n  service: " + service + "\n  backends: [{service: web-a, weight: 50}, {service: web-b, weight: 50}]\n";
}

std::vector<Finding> Lint(const std::string& yaml, const std::string& default_provider = "") {
  auto manifests = render::ParseManifests(yaml, "app.yaml");
  REQUIRE_MESSAGE(manifests.ok(), manifests.status().message());
  render::AppConfig config;
  config.default_provider = default_provider;
  return LintApp(*manifests, config, "default");
}

std::vector<Finding> Rule(const std::vector<Finding>& all) {
  std::vector<Finding> out;
  for (const Finding& f : all)
    if (f.rule == "split-with-httproute") out.push_back(f);
  return out;
}

std::string Shown(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) out += f.file + ":" + std::to_string(f.line) + ": " + f.message + " [" + f.rule + "]\n";
  return out;
}

TEST_CASE("lint split-with-httproute: a Service with both a TrafficSplit and an HTTPRoute written or rendered") {
  struct Case {
    const char* name;
    std::string yaml;
    std::string default_provider;
    int line;                 // of the parentRef or gatewayRef naming the Service
    const char* route_what;   // how the HTTPRoute is named
    const char* split_what;   // how the TrafficSplit is named
  };
  const std::string core_ref = "{group: core, kind: Service, name: web, port: 80}";
  // The route's parentRef is on line 7 of the HTTPRoute text, which starts after the Canary.
  const int canary_end = 22;  // last line of Canary("linkerd"); 21 without a provider
  const Case cases[] = {
      {"a linkerd Canary and a written HTTPRoute on its apex", Canary("linkerd") + HttpRoute(core_ref), "",
       canary_end + 7, "HTTPRoute web-route", "the TrafficSplit of canary shop/web (provider linkerd)"},
      {"linkerd from gitcanary.yaml and a written HTTPRoute with the empty core group",
       Canary("") + HttpRoute("{group: '', kind: Service, name: web}"), "linkerd", canary_end - 1 + 7,
       "HTTPRoute web-route", "the TrafficSplit of canary shop/web"},
      {"a linkerd Canary and Linkerd's own policy HTTPRoute", Canary("linkerd") +
       HttpRoute("{kind: Service, name: web}", "shop", "policy.linkerd.io/v1beta3"), "", canary_end + 7,
       "HTTPRoute web-route", "the TrafficSplit of canary shop/web"},
      {"a linkerd Canary whose first host is the Service the HTTPRoute attaches to",
       Canary("linkerd", "    hosts: [web-root]\n") + HttpRoute("{kind: Service, name: web-root}"), "",
       canary_end + 1 + 7, "HTTPRoute web-route", "the TrafficSplit of canary shop/web"},
      {"a written TrafficSplit and a gatewayapi Canary with a gatewayRef to the Service",
       Canary("gatewayapi:v1beta1", "    gatewayRefs:\n    - " + core_ref + "\n") + TrafficSplit("web"), "",
       20, "the HTTPRoute of canary shop/web (provider gatewayapi:v1beta1)", "TrafficSplit web-split"},
      {"a written TrafficSplit and a written HTTPRoute from another namespace naming the Service's",
       Canary("") + TrafficSplit("web") + HttpRoute("{kind: Service, name: web, namespace: shop}", "edge"), "",
       canary_end - 1 + 7 + 7, "HTTPRoute web-route", "TrafficSplit web-split"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::vector<Finding> all = Lint(c.yaml, c.default_provider);
    std::vector<Finding> findings = Rule(all);
    REQUIRE_MESSAGE(findings.size() == 1, Shown(all));
    CHECK(findings[0].severity == Severity::kWarning);
    CHECK(findings[0].file == "app.yaml");
    CHECK(findings[0].line == c.line);
    const std::string& m = findings[0].message;
    CHECK_MESSAGE(m.rfind(c.route_what, 0) == 0, m);
    CHECK_MESSAGE(m.find(c.split_what) != std::string::npos, m);
    CHECK_MESSAGE(m.find("Linkerd ignores a Service's HTTPRoutes while it has a ServiceProfile") != std::string::npos, m);
    CHECK(all.size() == 1);  // the clean Canary triggers nothing else
  }
}

TEST_CASE("lint split-with-httproute: near misses stay quiet") {
  const char* ref = "{kind: Service, name: web}";
  const std::pair<const char*, std::string> cases[] = {
      {"an istio Canary and an HTTPRoute on the Service", Canary("") + HttpRoute(ref)},
      {"a linkerd Canary and an HTTPRoute on a Gateway", Canary("linkerd") + HttpRoute("{name: public-gateway}")},
      {"a linkerd Canary and an HTTPRoute on another Service", Canary("linkerd") + HttpRoute("{kind: Service, name: api}")},
      {"a linkerd Canary and an HTTPRoute on a Service of the same name in another namespace",
       Canary("linkerd") + HttpRoute(ref, "edge")},
      {"a linkerd Canary whose first host is another Service than the HTTPRoute's",
       Canary("linkerd", "    hosts: [web-root]\n") + HttpRoute(ref)},
      {"a gatewayapi Canary on a Gateway and a TrafficSplit",
       Canary("gatewayapi:v1", "    gatewayRefs: [{name: public, namespace: edge}]\n") + TrafficSplit("web")},
      {"a TrafficSplit of another Service and a gatewayapi Canary",
       Canary("gatewayapi:v1", "    gatewayRefs: [{group: core, kind: Service, name: web}]\n") + TrafficSplit("api")},
  };
  for (const auto& [name, yaml] : cases) {
    CAPTURE(name);
    std::vector<Finding> findings = Rule(Lint(yaml));
    CHECK_MESSAGE(findings.empty(), Shown(findings));
  }
}

}  // namespace
}  // namespace gitcanary::policies
