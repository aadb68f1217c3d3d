// Tests for the linkerd provider of git mode: the SMI TrafficSplit, its
// weights in every phase of the README's phase table, its root Service, and
// the fields SMI cannot honour, refused with the reason. Expected objects are
// written out by hand from Flagger's SMI router (canary backend first, primary
// second, spec.service = hosts[0] or the apex, no labels or annotations of its
// own) and compared structurally.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/app_config.h"
#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/render.h"
#include "render/routing/router.h"
#include "render/yaml_parse.h"
#include "render/routing/routing_test_util.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

constexpr const char* kFile = "canary.yaml";

// A linkerd Canary "podinfo"; `service` and `analysis` are indented bodies (4
// spaces). The analysis steps by 5 unless `analysis` sets iterations.
std::string CanaryText(const std::string& service = "", const std::string& analysis = "",
                       const std::string& ns = "prod") {
  std::string s = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  return s + "spec:\n  provider: linkerd\n  targetRef:\n    kind: Deployment\n    name: podinfo\n"
             "  service:\n    port: 9898\n" + service + "  analysis:\n" +
         (analysis.find("iterations:") == std::string::npos ? "    stepWeight: 5\n" : "") + analysis;
}

Manifest Canary(const std::string& text) { return testing::NormalisedCanary(text, kFile); }

Node Yaml(const std::string& text) { return testing::OneDocument(text, "expected.yaml"); }

Result<std::vector<Node>> TryRouting(const Manifest& canary, long long weight = 0, Node annotations = Node()) {
  RoutingInput in;
  in.provider = Provider::kLinkerd;
  in.canary = &canary;
  in.selector_label = "app";
  in.canary_weight = weight;
  in.annotations = std::move(annotations);
  return MakeRouting(in);
}

std::vector<Node> Routing(const Manifest& canary, long long weight = 0, Node annotations = Node()) {
  auto r = TryRouting(canary, weight, std::move(annotations));
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  return *r;
}

TEST_CASE("linkerd: the three Services then one TrafficSplit named after the apex") {
  auto objs = Routing(Canary(CanaryText()));
  const char* kinds[] = {"Service", "Service", "Service", "TrafficSplit"};
  const char* names[] = {"podinfo", "podinfo-primary", "podinfo-canary", "podinfo"};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(objs[i].Path({"kind"})->value == kinds[i]);
    CHECK(objs[i].Path({"metadata", "name"})->value == names[i]);
  }
  // The Services are the common ones: apex and primary select the primary pods.
  CHECK(objs[0].Path({"spec", "selector", "app"})->value == "podinfo-primary");
  CHECK(objs[2].Path({"spec", "selector", "app"})->value == "podinfo");
}

TEST_CASE("linkerd: the TrafficSplit at weight 0 has the canary backend first at 0 and the primary at 100") {
  auto objs = Routing(Canary(CanaryText()));
  CHECK(objs[3] == Yaml("apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\n"
                        "metadata:\n  name: podinfo\n  namespace: prod\n"
                        "spec:\n  service: podinfo\n  backends:\n"
                        "  - service: podinfo-canary\n    weight: 0\n"
                        "  - service: podinfo-primary\n    weight: 100\n"));
}

TEST_CASE("linkerd: weights are integers w and 100 - w at every weight") {
  for (long long w : {0, 5, 10, 35, 50, 95, 100}) {
    CAPTURE(w);
    auto objs = Routing(Canary(CanaryText()), w);
    const Node& backends = *objs[3].Path({"spec", "backends"});
    REQUIRE(backends.items.size() == 2);
    CHECK(backends.items[0].Find("service")->value == "podinfo-canary");
    CHECK(backends.items[0].Find("weight")->AsInt() == w);
    CHECK(backends.items[1].Find("service")->value == "podinfo-primary");
    CHECK(backends.items[1].Find("weight")->AsInt() == 100 - w);
    // Plain integers, never quoted strings (the CRD takes int-or-string; integers compare as numbers).
    CHECK_FALSE(backends.items[0].Find("weight")->IsStringScalar());
  }
}

TEST_CASE("linkerd: spec.service is the first host when hosts are given and the apex otherwise") {
  struct Case {
    const char* service;  // spec.service body
    const char* name;     // metadata.name of the TrafficSplit
    const char* root;     // its spec.service
  };
  const Case cases[] = {
      {"", "podinfo", "podinfo"},
      {"    name: frontend\n", "frontend", "frontend"},
      {"    hosts: [podinfo-web]\n", "podinfo", "podinfo-web"},
      {"    hosts: [podinfo-web, podinfo-api]\n", "podinfo", "podinfo-web"},
      {"    name: frontend\n    hosts: [frontend-web]\n", "frontend", "frontend-web"},
      {"    hosts: []\n", "podinfo", "podinfo"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.service);
    auto objs = Routing(Canary(CanaryText(c.service)));
    CHECK(objs[3].Path({"metadata", "name"})->value == c.name);
    CHECK(objs[3].Path({"spec", "service"})->value == c.root);
    CHECK(objs[3].Path({"spec", "backends"})->items[0].Find("service")->value == std::string(c.name) + "-canary");
    CHECK(objs[3].Path({"spec", "backends"})->items[1].Find("service")->value == std::string(c.name) + "-primary");
  }
}

TEST_CASE("linkerd: a namespace-less Canary gives a namespace-less TrafficSplit") {
  auto objs = Routing(Canary(CanaryText("", "", "")));
  CHECK(objs[3].Path({"metadata", "namespace"}) == nullptr);
}

TEST_CASE("linkerd: the status annotations go on the TrafficSplit and nothing of service.apex does") {
  Node annotations = Yaml("gitcanary.io/phase: Progressing\ngitcanary.io/canary-weight: \"20\"\n");
  auto objs = Routing(Canary(CanaryText("    apex:\n      labels: {team: web}\n      annotations: {note: apex}\n")),
                      20, annotations);
  const Node& meta = *objs[3].Find("metadata");
  CHECK(meta.Find("labels") == nullptr);
  REQUIRE(meta.Find("annotations") != nullptr);
  CHECK(*meta.Find("annotations") == annotations);
  // service.apex metadata stays on the apex Service, as Flagger puts it there.
  CHECK(objs[0].Path({"metadata", "labels", "team"})->value == "web");
  CHECK(objs[0].Path({"metadata", "annotations", "note"})->value == "apex");
}

TEST_CASE("linkerd: Istio-only fields that shape requests are ignored as Flagger's SMI router ignores them") {
  const std::string service =
      "    gateways: [istio-system/public-gateway]\n    trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n"
      "    rewrite: {uri: /}\n    retries: {attempts: 3}\n    timeout: 5s\n"
      "    headers: {request: {add: {x-a: b}}}\n    corsPolicy: {allowOrigin: [example.com]}\n"
      "    delegation: true\n";
  auto objs = Routing(Canary(CanaryText(service)), 10);
  CHECK(objs[3] == Yaml("apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\n"
                        "metadata:\n  name: podinfo\n  namespace: prod\n"
                        "spec:\n  service: podinfo\n  backends:\n"
                        "  - service: podinfo-canary\n    weight: 10\n"
                        "  - service: podinfo-primary\n    weight: 90\n"));
}

TEST_CASE("linkerd: Blue/Green (iterations without match) is a weight split like any other") {
  auto objs = Routing(Canary(CanaryText("", "    iterations: 10\n")), 100);
  const Node& backends = *objs[3].Path({"spec", "backends"});
  CHECK(backends.items[0].Find("weight")->AsInt() == 100);
  CHECK(backends.items[1].Find("weight")->AsInt() == 0);
}

TEST_CASE("linkerd: what SMI cannot honour is one error line naming the field and the reason") {
  struct Case {
    const char* service;
    const char* analysis;
    const char* where;  // file:line:col: field
    const char* reason;
  };
  // Line numbers: "  service:" is line 11 and its port line 12, so a service
  // body starts on line 13; "  analysis:" follows it, then stepWeight unless
  // the body sets iterations. Errors point at the value of the field.
  const Case cases[] = {
      {"", "    iterations: 10\n    match:\n    - headers: {x-canary: {exact: insider}}\n",
       "canary.yaml:16:5: spec.analysis.match", "all traffic, not the matching requests, would reach the canary"},
      {"", "    iterations: 10\n    match:\n    - headers: {x-canary: {exact: insider}}\n",
       "canary.yaml:16:5: spec.analysis.match", "use provider nginx"},
      {"", "    mirror: true\n", "canary.yaml:15:13: spec.analysis.mirror", "redo its mirror step at weight 0 forever"},
      {"", "    iterations: 5\n    mirror: true\n", "canary.yaml:15:13: spec.analysis.mirror", "mirror nothing"},
      {"", "    sessionAffinity:\n      cookieName: flagger-cookie\n",
       "canary.yaml:16:7: spec.analysis.sessionAffinity", "no cookie routes"},
      {"    match:\n    - uri: {prefix: /api}\n", "", "canary.yaml:14:5: spec.service.match",
       "splits every request to the Service, not only the matching ones"},
      {"    mirror:\n    - backendRef: {name: shadow, port: 80}\n", "", "canary.yaml:14:5: spec.service.mirror",
       "sends no copies"},
      {"    hosts: [app.example.com]\n", "", "canary.yaml:13:13: spec.service.hosts[0]",
       "\"app.example.com\" is not a Service name"},
  };
  for (const Case& c : cases) {
    auto r = TryRouting(Canary(CanaryText(c.service, c.analysis)));
    REQUIRE_FALSE(r.ok());
    const std::string& msg = r.status().message();
    INFO(msg);
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.rfind(std::string(c.where) + ": ", 0) == 0);
    CHECK(msg.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("linkerd: refused fields that ask for nothing pass") {
  const char* analyses[] = {"    mirror: false\n", "    match: []\n", "    sessionAffinity: null\n",
                            "    iterations: 5\n    match: []\n"};
  for (const char* a : analyses) {
    CAPTURE(a);
    CHECK(TryRouting(Canary(CanaryText("    match: []\n    mirror: []\n", a))).ok());
  }
}

// ---- every phase of the README's phase table, through git-mode render ----

constexpr const char* kDeployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo, namespace: prod}\nspec:\n"
    "  selector: {matchLabels: {app: podinfo}}\n"
    "  template:\n    metadata: {labels: {app: podinfo}}\n"
    "    spec: {containers: [{name: podinfod, image: 'ghcr.io/stefanprodan/podinfo:6.0.1'}]}\n";

std::string StatusText(const char* phase, long long weight) {
  return std::string("apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: podinfo, namespace: prod}\n"
                     "status:\n  phase: ") +
         phase + "\n  canaryWeight: " + std::to_string(weight) +
         "\n  promoted:\n    template:\n      metadata: {labels: {app: podinfo}}\n"
         "      spec: {containers: [{name: podinfod, image: 'ghcr.io/stefanprodan/podinfo:6.0.0'}]}\n";
}

// The TrafficSplit that git mode renders for the app with `status` ("" = none).
Node RenderedSplit(const std::string& status, const std::string& default_provider = "") {
  std::string app = std::string(kDeployment) + "---\n" + CanaryText();
  const std::string own = "  provider: linkerd\n";
  if (!default_provider.empty()) app.replace(app.find(own), own.size(), "");
  if (!status.empty()) app += "---\n" + status;
  auto parsed = ParseManifests(app, "app.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  AppConfig config;
  config.default_provider = default_provider;
  RenderOptions options;
  options.mode = Mode::kGit;
  auto r = Render(std::move(*parsed), config, options);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Node* found = nullptr;
  for (const Manifest& m : r->objects) {
    CHECK(m.kind != "VirtualService");
    CHECK(m.kind != "DestinationRule");
    if (m.kind == "TrafficSplit") found = &m.doc;
  }
  REQUIRE(found != nullptr);
  return *found;
}

TEST_CASE("linkerd: every phase of the phase table renders its weights into the TrafficSplit") {
  struct Row {
    const char* phase;  // "" = no status
    long long status_weight;
    long long canary;  // expected canary backend weight
  };
  const Row rows[] = {
      {"", 0, 0},
      {"Initializing", 0, 0},
      {"Initialized", 0, 0},
      {"Succeeded", 0, 0},
      {"Waiting", 0, 0},
      {"Progressing", 5, 5},
      {"Progressing", 45, 45},
      {"WaitingPromotion", 100, 100},
      {"Promoting", 100, 100},
      {"Promoting", 60, 60},  // stepWeightPromotion lowering the weight
      {"Finalising", 0, 0},
      {"Failed", 0, 0},
      {"Failed", 100, 100},  // a failed promotion keeps all traffic on the canary
  };
  for (const Row& row : rows) {
    CAPTURE(row.phase);
    CAPTURE(row.status_weight);
    Node ts = RenderedSplit(*row.phase ? StatusText(row.phase, row.status_weight) : "");
    const Node& backends = *ts.Path({"spec", "backends"});
    REQUIRE(backends.items.size() == 2);
    CHECK(backends.items[0].Find("service")->value == "podinfo-canary");
    CHECK(backends.items[0].Find("weight")->AsInt() == row.canary);
    CHECK(backends.items[1].Find("service")->value == "podinfo-primary");
    CHECK(backends.items[1].Find("weight")->AsInt() == 100 - row.canary);
    const Node* phase = ts.Path({"metadata", "annotations", "gitcanary.io/phase"});
    REQUIRE(phase != nullptr);
    CHECK(phase->value == (*row.phase ? row.phase : "Initializing"));
    CHECK(ts.Path({"metadata", "annotations", "gitcanary.io/canary-weight"})->value == std::to_string(row.canary));
  }
}

TEST_CASE("linkerd: gitcanary.yaml's defaults.provider routes a Canary without spec.provider through SMI") {
  Node ts = RenderedSplit(StatusText("Progressing", 15), "linkerd");
  CHECK(ts.Path({"spec", "backends"})->items[0].Find("weight")->AsInt() == 15);
}

}  // namespace
}  // namespace gitcanary::render
