// Flagger's SMI router tests, re-expressed as rows of ours.
//
// Every assertion that fluxcd/flagger's pkg/router/smi_test.go makes about a
// TrafficSplit is restated here as a CHECK on what git mode renders for the
// same Canary with provider linkerd (Flagger's factory gives linkerd the
// v1alpha1 SmiRouter). The fixture, router_test.go's newTestSMICanary, is
// written out as YAML. Flagger's SetRoutes(p, c) becomes a render at status
// weight c (primary gets 100 - c); GetRoutes reads the backends of the
// rendered TrafficSplit by Service name, as Flagger's does. A ledger counts
// the assertions per Flagger test and a test keeps its sums right.
//
// Not ported: smi_v1alpha2_test.go and smi_v1alpha3_test.go test the routers
// of providers smi:v1alpha2:<mesh>, smi:v1alpha3:<mesh> and osm, which git
// mode does not render. The no-op routers of provider kubernetes
// (nop.go, kubernetes_noop.go) have no tests upstream.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/routing/router.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// router_test.go's newTestSMICanary; @NAME@ is spec.service.name.
constexpr const char* kSmiCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: default
spec:
  provider: linkerd
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    name: @NAME@
    port: 80
    portName: http
    targetPort: 9898
    portDiscovery: true
  analysis:
    threshold: 10
    stepWeight: 10
    maxWeight: 50
    metrics:
    - name: request-success-rate
      threshold: 99
      interval: 1m
    - name: request-duration
      threshold: 500
      interval: 1m
)";

Manifest Canary(const std::string& service_name) {
  std::string text = kSmiCanary;
  text.replace(text.find("@NAME@"), 6, service_name);
  auto parsed = ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  Manifest m = (*parsed)[0];
  auto info = NormaliseCanary(m);
  REQUIRE_MESSAGE(info.ok(), info.status().message());
  return m;
}

// The TrafficSplit git mode renders for `canary` at canary weight `w`, with
// router_test.go's deployment fixture: podinfo listening on 9898, metrics on 8888.
Node TrafficSplit(const Manifest& canary, long long w) {
  auto tmpl = ParseManifests(std::string("apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n") +
                                 "  metadata:\n    labels: {name: podinfo}\n  spec:\n    containers:\n"
                                 "    - name: podinfo\n      image: quay.io/stefanprodan/podinfo:1.2.0\n"
                                 "      ports:\n      - {containerPort: 9898, name: http}\n"
                                 "      - {containerPort: 8888, name: http-metrics}\n",
                             "template.yaml");
  REQUIRE(tmpl.ok());
  RoutingInput in;
  in.provider = Provider::kLinkerd;
  in.canary = &canary;
  in.pod_template = (*tmpl)[0].doc.Find("template");
  in.selector_label = "name";
  in.canary_weight = w;
  auto r = MakeRouting(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  REQUIRE((*r)[3].Find("kind")->value == "TrafficSplit");
  return (*r)[3];
}

// GetRoutes: the weights of the backends named primary and canary, and
// whether the split mirrors (it has no field for it: never).
struct Routes {
  long long primary = 0, canary = 0;
  bool mirrored = false;
};

Routes GetRoutes(const Node& ts, const std::string& apex) {
  Routes out;
  const Node* spec = ts.Find("spec");
  REQUIRE(spec != nullptr);
  for (const yaml::Field& f : spec->fields) CHECK((f.key == "service" || f.key == "backends"));
  for (const Node& b : spec->Find("backends")->items) {
    for (const yaml::Field& f : b.fields) CHECK((f.key == "service" || f.key == "weight"));
    if (b.Find("service")->value == apex + "-primary") out.primary = *b.Find("weight")->AsInt();
    if (b.Find("service")->value == apex + "-canary") out.canary = *b.Find("weight")->AsInt();
  }
  return out;
}

struct LedgerRow {
  const char* test;
  int assertions;
  int re_expressed;
  const char* not_applicable_because;
};

constexpr LedgerRow kLedger[] = {
    {"TestSmiRouter_Sync", 5, 5, ""},
    {"TestSmiRouter_SetRoutes", 2, 2, ""},
    {"TestSmiRouter_GetRoutes", 3, 3, ""},
};

TEST_CASE("flagger smi parity: the ledger covers every assertion of smi_test.go") {
  int total = 0, re_expressed = 0;
  for (const LedgerRow& row : kLedger) {
    total += row.assertions;
    re_expressed += row.re_expressed;
    CHECK_MESSAGE((row.assertions == row.re_expressed) == std::string_view(row.not_applicable_because).empty(),
                  row.test);
  }
  // Counted in fluxcd/flagger at 15bd6ad5: every assert.* and require.* call but require.NoError.
  CHECK(total == 10);
  CHECK(re_expressed == 10);
}

TEST_CASE("flagger smi parity: TestSmiRouter_Sync") {
  Node ts = TrafficSplit(Canary("podinfo"), 0);  // Reconcile creates the split at 100/0
  CHECK(ts.Path({"spec", "backends"})->items.size() == 2);        // assert.Len(dests, 2)
  CHECK(ts.Path({"spec", "service"})->value == "podinfo");        // spec.service == apexName
  Routes r = GetRoutes(ts, "podinfo");
  CHECK(r.primary == 100);
  CHECK(r.canary == 0);
  // The test's update: spec.service.name "test" gives TrafficSplit "test" whose spec.service is "test".
  Node renamed = TrafficSplit(Canary("test"), 0);
  CHECK(renamed.Path({"metadata", "name"})->value == "test");
  CHECK(renamed.Path({"spec", "service"})->value == "test");
}

TEST_CASE("flagger smi parity: TestSmiRouter_SetRoutes") {
  Routes r = GetRoutes(TrafficSplit(Canary("podinfo"), 50), "podinfo");  // SetRoutes(50, 50, false)
  CHECK(r.primary == 50);
  CHECK(r.canary == 50);
}

TEST_CASE("flagger smi parity: TestSmiRouter_GetRoutes") {
  Routes r = GetRoutes(TrafficSplit(Canary("podinfo"), 0), "podinfo");
  CHECK(r.primary == 100);
  CHECK(r.canary == 0);
  CHECK_FALSE(r.mirrored);
}

}  // namespace
}  // namespace gitcanary::render
