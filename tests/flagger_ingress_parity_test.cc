// Flagger's NGINX ingress router tests, re-expressed as rows of ours.
//
// Every assertion of fluxcd/flagger's pkg/router/ingress_test.go is restated
// here as a CHECK on what git mode renders for the same Canary and Ingress:
// the fixtures of router_test.go (newTestCanaryIngress, newTestIngress) are
// written out as YAML facts, and each SetRoutes call becomes a render at the
// weight it sets. Two things differ by construction, and neither changes an
// assertion:
//  - Flagger's tests set a custom annotation prefix on the router
//    (-ingress-annotations-prefix); git mode writes ingress-nginx's own
//    prefix, nginx.ingress.kubernetes.io, so the rows check that one.
//  - TestIngressRouter_ABTest mutates one Canary and one cluster Ingress across
//    its rows, so later rows still carry the earlier rows' annotations; git
//    mode renders each row from git alone.
// The ledger below counts the assertions per test (require.NoError excluded),
// as the ledger of tests/flagger_router_parity_test.cc does.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/routing/router.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// router_test.go's newTestCanaryIngress (its legacy metric threshold normalised as render does).
constexpr const char* kCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: nginx
  namespace: default
  annotations:
    kustomize.toolkit.fluxcd.io/checksum: 0a40893bfdc545d62125bd3e74eeb2ebaa7097c2
spec:
  provider: nginx
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  ingressRef:
    apiVersion: networking.k8s.io/v1
    kind: Ingress
    name: podinfo
  service:
    port: 9898
  analysis:
    threshold: 10
    @STRATEGY@
    metrics:
    - name: request-success-rate
      thresholdRange:
        min: 99
      interval: 1m
)";

// router_test.go's newTestIngress.
constexpr const char* kIngress = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: podinfo
  namespace: default
  annotations:
    kubernetes.io/ingress.class: nginx
    kustomize.toolkit.fluxcd.io/checksum: 0a40893bfdc545d62125bd3e74eeb2ebaa7097c2
spec:
  rules:
  - host: app.example.com
    http:
      paths:
      - path: /
        backend:
          service:
            name: podinfo
            port:
              number: 9898
)";

constexpr const char* kProgressive = "stepWeight: 10\n    maxWeight: 50";

Manifest Canary(const std::string& strategy) {
  std::string text = kCanary;
  text.replace(text.find("@STRATEGY@"), 10, strategy);
  auto parsed = ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  Manifest m = (*parsed)[0];
  auto info = NormaliseCanary(m);
  REQUIRE_MESSAGE(info.ok(), info.status().message());
  return m;
}

// The canary Ingress git mode renders at `weight` (Flagger: SetRoutes(100 - weight, weight)).
Node Render(const Manifest& canary, long long weight) {
  auto docs = yaml::ParseYamlStream(kIngress, "ingress.yaml");
  REQUIRE(docs.ok());
  RoutingInput in;
  in.provider = Provider::kNginx;
  in.canary = &canary;
  in.selector_label = "app";
  in.canary_weight = weight;
  in.ingress = &(*docs)[0];
  auto r = MakeRouting(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  const Node& ing = (*r)[3];
  REQUIRE(ing.Path({"metadata", "name"})->value == "podinfo-canary");  // <ingressRef.name>-canary
  return ing;
}

std::string Annotation(const Node& ingress, std::string_view suffix) {
  const Node* a = ingress.Path({"metadata", "annotations"});
  const Node* v = a == nullptr ? nullptr : a->Find("nginx.ingress.kubernetes.io/" + std::string(suffix));
  return v == nullptr ? "<absent>" : v->value;
}

struct LedgerRow {
  const char* test;
  int assertions;
  int re_expressed;
  const char* not_applicable_because;
};

constexpr LedgerRow kLedger[] = {
    {"TestIngressRouter_Reconcile", 2, 2, ""},
    {"TestIngressRouter_GetSetRoutes", 4, 4, ""},
    {"TestIngressRouter_ABTest", 2, 2, ""},  // two assertions in a loop over three rows: each row is checked
};

TEST_CASE("flagger ingress parity: the ledger covers every assertion of ingress_test.go") {
  int total = 0, re_expressed = 0;
  for (const LedgerRow& row : kLedger) {
    total += row.assertions;
    re_expressed += row.re_expressed;
    CHECK_MESSAGE((row.assertions == row.re_expressed) == std::string_view(row.not_applicable_because).empty(),
                  row.test);
  }
  // Counted in fluxcd/flagger at 15bd6ad5: every assert.* and require.* call but require.NoError.
  CHECK(total == 8);
  CHECK(re_expressed == 8);
}

TEST_CASE("flagger ingress parity: TestIngressRouter_Reconcile") {
  // Reconcile creates the canary Ingress at weight 0.
  const Node ing = Render(Canary(kProgressive), 0);
  CHECK(Annotation(ing, "canary") == "true");
  CHECK(Annotation(ing, "canary-weight") == "0");
}

TEST_CASE("flagger ingress parity: TestIngressRouter_GetSetRoutes") {
  const Manifest canary = Canary(kProgressive);
  const Node rollout = Render(canary, 50);  // SetRoutes(50, 50)
  CHECK(Annotation(rollout, "canary") == "true");
  CHECK(Annotation(rollout, "canary-weight") == "50");
  const Node promotion = Render(canary, 0);  // SetRoutes(100, 0)
  CHECK(Annotation(promotion, "canary") == "true");
  CHECK(Annotation(promotion, "canary-weight") == "0");
}

TEST_CASE("flagger ingress parity: TestIngressRouter_ABTest") {
  struct Row {
    const char* name;
    const char* match;       // analysis.match, 4 spaces in
    const char* annotation;  // the annotation that carries "test"
  };
  const Row rows[] = {
      {"header exact match", "    - headers:\n        x-user-type:\n          exact: test", "canary-by-header-value"},
      {"header regex match", "    - headers:\n        x-user-type:\n          regex: test", "canary-by-header-pattern"},
      {"cookie exact match", "    - headers:\n        cookie:\n          exact: test", "canary-by-cookie"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    // Iterations 1 with the row's match; SetRoutes(50, 50).
    const Node ing = Render(Canary(std::string("iterations: 1\n    match:\n") + row.match), 50);
    CHECK(Annotation(ing, "canary") == "true");
    CHECK(Annotation(ing, row.annotation) == "test");
  }
}

}  // namespace
}  // namespace gitcanary::render
