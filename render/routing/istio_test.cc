// Tests for the Istio routing objects of a canary in git mode: the three
// Services, two DestinationRules and the VirtualService. Canaries are inline
// YAML, normalised like render does; expected shapes are written out by hand
// from the contract in render/routing/istio.h and compared structurally.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/canary_spec.h"
#include "render/routing/router.h"
#include "render/loader.h"
#include "render/yaml_parse.h"
#include "render/routing/routing_test_util.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

constexpr const char* kFile = "canary.yaml";

// A Canary "podinfo"; `service` and `analysis` are indented bodies (4 spaces).
// The analysis steps by 10 unless `analysis` sets iterations (Flagger's CRD
// takes one of iterations, stepWeight and stepWeights).
std::string CanaryText(const std::string& service = "", const std::string& analysis = "",
                       const std::string& ns = "") {
  std::string s = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  return s + "spec:\n  targetRef:\n    kind: Deployment\n    name: podinfo\n  service:\n    port: 80\n" +
         service + "  analysis:\n" + (analysis.find("iterations:") == std::string::npos ? "    stepWeight: 10\n" : "") +
         analysis;
}

Manifest Canary(const std::string& text) { return testing::NormalisedCanary(text, kFile); }

Node Yaml(const std::string& text) { return testing::OneDocument(text, "expected.yaml"); }

struct Call {
  long long weight = 0;
  bool mirror = false;
  std::string label = "app";
  const Node* pod_template = nullptr;
  Node annotations;
};

std::vector<Node> Routing(const Manifest& canary, const Call& call = {}) {
  RoutingInput in;
  in.canary = &canary;
  in.pod_template = call.pod_template;
  in.selector_label = call.label;
  in.canary_weight = call.weight;
  in.mirror = call.mirror;
  in.annotations = call.annotations;
  auto r = MakeRouting(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 6);
  return *r;
}

const Node& At(const Node& n, std::initializer_list<std::string_view> path) {
  const Node* v = n.Path(path);
  REQUIRE(v != nullptr);
  return *v;
}

std::string Str(const Node& n, std::initializer_list<std::string_view> path) { return At(n, path).value; }

const Node& VirtualService(const std::vector<Node>& objs) { return objs[5]; }
const Node& Http(const std::vector<Node>& objs) { return At(objs[5], {"spec", "http"}); }

std::vector<std::string> Keys(const Node& map) {
  std::vector<std::string> out;
  for (const yaml::Field& f : map.fields) out.push_back(f.key);
  return out;
}

// The primary and canary weights of one http route.
std::pair<long long, long long> Weights(const Node& route) {
  const Node& split = At(route, {"route"});
  REQUIRE(split.items.size() == 2);
  CHECK(Str(split.items[0], {"destination", "host"}) == "podinfo-primary");
  CHECK(Str(split.items[1], {"destination", "host"}) == "podinfo-canary");
  return {*At(split.items[0], {"weight"}).AsInt(), *At(split.items[1], {"weight"}).AsInt()};
}

TEST_CASE("six objects come out in order: Services, DestinationRules, VirtualService") {
  auto objs = Routing(Canary(CanaryText()));
  struct Want {
    const char* api;
    const char* kind;
    const char* name;
  };
  const Want want[] = {{"v1", "Service", "podinfo"},
                       {"v1", "Service", "podinfo-primary"},
                       {"v1", "Service", "podinfo-canary"},
                       {"networking.istio.io/v1beta1", "DestinationRule", "podinfo-primary"},
                       {"networking.istio.io/v1beta1", "DestinationRule", "podinfo-canary"},
                       {"networking.istio.io/v1beta1", "VirtualService", "podinfo"}};
  for (std::size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK(Str(objs[i], {"apiVersion"}) == want[i].api);
    CHECK(Str(objs[i], {"kind"}) == want[i].kind);
    CHECK(Str(objs[i], {"metadata", "name"}) == want[i].name);
  }
}

TEST_CASE("a Service is ClusterIP with the selector and the main port") {
  auto objs = Routing(Canary(CanaryText()));
  // Flagger labels each Service `<selector label>: <its own name>`.
  CHECK(objs[0] == Yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n  labels:\n    app: podinfo\n"
                        "spec:\n  type: ClusterIP\n  selector:\n    app: podinfo-primary\n"
                        "  ports:\n  - name: http\n    port: 80\n    targetPort: 80\n    protocol: TCP\n"));
}

TEST_CASE("apex and primary Services select X-primary, the canary Service selects X") {
  for (const char* label : {"app", "app.kubernetes.io/name"}) {
    CAPTURE(label);
    Call call;
    call.label = label;
    auto objs = Routing(Canary(CanaryText()), call);
    const char* selects[] = {"podinfo-primary", "podinfo-primary", "podinfo"};
    for (std::size_t i = 0; i < 3; ++i) {
      const Node& selector = At(objs[i], {"spec", "selector"});
      REQUIRE(selector.fields.size() == 1);
      CHECK(selector.fields[0].key == label);
      CHECK(selector.fields[0].value.value == selects[i]);
    }
  }
}

TEST_CASE("portName and targetPort, int or name, are taken as given") {
  struct Case {
    const char* service;
    const char* name;
    const char* target;  // as YAML
  };
  const Case cases[] = {{"", "http", "80"},
                        {"    targetPort: 9898\n", "http", "9898"},
                        {"    targetPort: http\n", "http", "http"},
                        {"    portName: grpc\n    targetPort: grpc\n", "grpc", "grpc"}};
  for (const Case& c : cases) {
    CAPTURE(c.service);
    auto objs = Routing(Canary(CanaryText(c.service)));
    const Node want = Yaml(std::string("name: ") + c.name + "\nport: 80\ntargetPort: " + c.target +
                           "\nprotocol: TCP\n");
    for (std::size_t i = 0; i < 3; ++i) {
      const Node& ports = At(objs[i], {"spec", "ports"});
      REQUIRE(ports.items.size() == 1);
      CHECK(ports.items[0] == want);
    }
  }
}

TEST_CASE("the traffic split gives the primary 100 - canary weight and always lists both") {
  struct Case {
    long long weight, primary, canary;
  };
  for (const Case c : {Case{40, 60, 40}, Case{0, 100, 0}, Case{100, 0, 100}, Case{5, 95, 5}}) {
    CAPTURE(c.weight);
    Call call;
    call.weight = c.weight;
    auto objs = Routing(Canary(CanaryText()), call);
    REQUIRE(Http(objs).items.size() == 1);
    auto [primary, canary] = Weights(Http(objs).items[0]);
    CHECK(primary == c.primary);
    CHECK(canary == c.canary);
    CHECK(primary + canary == 100);
  }
}

TEST_CASE("weights sum to 100 for every weight from 0 to 100") {
  const Manifest canary = Canary(CanaryText());
  for (long long w = 0; w <= 100; ++w) {
    Call call;
    call.weight = w;
    auto [primary, canary_weight] = Weights(Http(Routing(canary, call)).items[0]);
    CHECK(primary + canary_weight == 100);
    CHECK(canary_weight == w);
  }
}

TEST_CASE("the VirtualService keeps the default gateway mesh and adds X to the hosts once") {
  struct Case {
    const char* service;
    const char* hosts;     // expected, as YAML flow
    const char* gateways;  // expected, as YAML flow
  };
  const Case cases[] = {
      {"", "[podinfo]", "[mesh]"},
      {"    hosts: [app.example.com]\n", "[app.example.com, podinfo]", "[mesh]"},
      {"    hosts: [podinfo, app.example.com]\n", "[podinfo, app.example.com]", "[mesh]"},
      {"    gateways: [public/gw, mesh]\n    hosts: [app.example.com]\n", "[app.example.com, podinfo]",
       "[public/gw, mesh]"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.service);
    auto objs = Routing(Canary(CanaryText(c.service)));
    CHECK(At(VirtualService(objs), {"spec", "hosts"}) == Yaml(c.hosts));
    CHECK(At(VirtualService(objs), {"spec", "gateways"}) == Yaml(c.gateways));
    CHECK(Keys(At(VirtualService(objs), {"spec"})) == std::vector<std::string>{"hosts", "gateways", "http"});
  }
}

constexpr const char* kServiceFields =
    "    match:\n    - uri:\n        prefix: /api\n"
    "    rewrite:\n      uri: /\n"
    "    retries:\n      attempts: 3\n      perTryTimeout: 1s\n      retryOn: gateway-error\n"
    "    timeout: 5s\n"
    "    headers:\n      request:\n        add:\n          x-canary: \"yes\"\n"
    "    corsPolicy:\n      allowOrigins:\n      - exact: https://example.com\n      maxAge: 24h\n"
    "    trafficPolicy:\n      tls:\n        mode: ISTIO_MUTUAL\n";

TEST_CASE("match, rewrite, retries, timeout, headers and corsPolicy are copied onto the route") {
  Call call;
  call.weight = 30;
  auto objs = Routing(Canary(CanaryText(kServiceFields)), call);
  REQUIRE(Http(objs).items.size() == 1);
  CHECK(Http(objs).items[0] ==
        Yaml("match:\n- uri:\n    prefix: /api\n"
             "rewrite:\n  uri: /\n"
             "retries:\n  attempts: 3\n  perTryTimeout: 1s\n  retryOn: gateway-error\n"
             "timeout: 5s\n"
             "headers:\n  request:\n    add:\n      x-canary: \"yes\"\n"
             "corsPolicy:\n  allowOrigins:\n  - exact: https://example.com\n  maxAge: 24h\n"
             "route:\n"
             "- destination:\n    host: podinfo-primary\n  weight: 70\n"
             "- destination:\n    host: podinfo-canary\n  weight: 30\n"));
  // Without them, a route holds only the split.
  CHECK(Keys(Http(Routing(Canary(CanaryText()))).items[0]) == std::vector<std::string>{"route"});
}

TEST_CASE("trafficPolicy goes on both DestinationRules, whose host is their own name") {
  auto objs = Routing(Canary(CanaryText(kServiceFields)));
  for (const char* suffix : {"primary", "canary"}) {
    CAPTURE(suffix);
    const Node& dr = objs[suffix == std::string("primary") ? 3 : 4];
    CHECK(At(dr, {"spec"}) == Yaml(std::string("host: podinfo-") + suffix + "\n"
                                   "trafficPolicy:\n  tls:\n    mode: ISTIO_MUTUAL\n"));
  }
  auto plain = Routing(Canary(CanaryText()));
  CHECK(At(plain[3], {"spec"}) == Yaml("host: podinfo-primary\n"));
  CHECK(At(plain[4], {"spec"}) == Yaml("host: podinfo-canary\n"));
}

TEST_CASE("objects are namespace-less for a namespace-less Canary and namespaced otherwise") {
  for (const char* ns : {"", "test"}) {
    CAPTURE(ns);
    auto objs = Routing(Canary(CanaryText("", "", ns)));
    for (const Node& obj : objs) {
      const Node& meta = At(obj, {"metadata"});
      if (*ns == '\0') {
        CHECK(meta.Find("namespace") == nullptr);
      } else {
        CHECK(Str(meta, {"namespace"}) == ns);
        CHECK(Keys(meta)[1] == "namespace");
      }
    }
  }
}

constexpr const char* kAbAnalysis =
    "    iterations: 10\n"
    "    match:\n    - headers:\n        x-canary:\n          exact: insider\n";

TEST_CASE("A/B: the match route carries the status weights, the default route stays on the primary") {
  Call call;
  call.weight = 100;
  auto objs = Routing(Canary(CanaryText("    timeout: 5s\n", kAbAnalysis)), call);
  const Node& http = Http(objs);
  REQUIRE(http.items.size() == 2);
  CHECK(At(http.items[0], {"match"}) == Yaml("- headers:\n    x-canary:\n      exact: insider\n"));
  CHECK(Keys(http.items[0]) == std::vector<std::string>{"match", "timeout", "route"});
  CHECK(Weights(http.items[0]) == std::pair<long long, long long>{0, 100});
  CHECK(Keys(http.items[1]) == std::vector<std::string>{"timeout", "route"});
  // The default route has the primary only, with the primary's weight as Flagger writes it.
  CHECK(At(http.items[1], {"route"}) == Yaml("- destination:\n    host: podinfo-primary\n  weight: 0\n"));
}

TEST_CASE("A/B: the match route combines analysis.match with service.match, the default route has service.match") {
  Call call;
  call.weight = 40;
  auto objs = Routing(Canary(CanaryText("    match:\n    - uri:\n        prefix: /api\n", kAbAnalysis)), call);
  const Node& http = Http(objs);
  REQUIRE(http.items.size() == 2);
  CHECK(At(http.items[0], {"match"}) ==
        Yaml("- uri:\n    prefix: /api\n  headers:\n    x-canary:\n      exact: insider\n"));
  CHECK(Weights(http.items[0]) == std::pair<long long, long long>{60, 40});
  CHECK(At(http.items[1], {"match"}) == Yaml("- uri:\n    prefix: /api\n"));
  CHECK(At(http.items[1], {"route"}) == Yaml("- destination:\n    host: podinfo-primary\n  weight: 60\n"));
}

TEST_CASE("an empty analysis.match is not A/B") {
  auto objs = Routing(Canary(CanaryText("", "    match: []\n")));
  CHECK(Http(objs).items.size() == 1);
}

TEST_CASE("mirroring adds mirror, and mirrorPercentage with mirrorWeight, to the first route, never with A/B") {
  struct Case {
    const char* analysis;
    bool mirror;
    std::size_t routes;
    const char* want;  // expected mirror fields of the first route; "" = none
  };
  const std::string ab = kAbAnalysis;
  const Case cases[] = {
      {"    mirror: true\n", false, 1, ""},
      {"    mirror: true\n", true, 1, "mirror:\n  host: podinfo-canary\n"},
      {"    mirror: true\n    mirrorWeight: 25\n", true, 1,
       "mirror:\n  host: podinfo-canary\nmirrorPercentage:\n  value: 25\n"},
      {"    mirror: true\n    mirrorWeight: 25\n", false, 1, ""},
      {"", true, 1, "mirror:\n  host: podinfo-canary\n"},
      {"    mirrorWeight: 10\n    iterations: 10\n    match:\n    - headers:\n        x-canary:\n"
       "          exact: insider\n",
       true, 2, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.analysis);
    CAPTURE(c.mirror);
    Call call;
    call.weight = 20;
    call.mirror = c.mirror;
    auto objs = Routing(Canary(CanaryText("", c.analysis)), call);
    const Node& http = Http(objs);
    REQUIRE(http.items.size() == c.routes);
    Node mirror_fields = Node::Mapping();
    for (const yaml::Field& f : http.items.front().fields)
      if (f.key == "mirror" || f.key == "mirrorPercentage") mirror_fields.Set(f.key, f.value);
    CHECK(mirror_fields == (*c.want == '\0' ? Node::Mapping() : Yaml(c.want)));
    if (*c.want != '\0') CHECK(Keys(http.items.front())[0] == "route");
    if (c.routes == 2) {
      CHECK(http.items[1].Find("mirror") == nullptr);
      CHECK(http.items[1].Find("mirrorPercentage") == nullptr);
    }
  }
}

constexpr const char* kPodTemplate =
    "metadata:\n  labels:\n    app: podinfo\n"
    "spec:\n  containers:\n"
    "  - name: app\n    ports:\n"
    "    - name: http\n      containerPort: 9898\n"
    "    - name: grpc\n      containerPort: 9999\n"
    "    - containerPort: 8080\n"
    "  - name: sidecar\n    ports:\n"
    "    - name: metrics\n      containerPort: 9797\n"
    "    - name: dns\n      containerPort: 53\n      protocol: UDP\n"
    "  - name: istio-proxy\n    ports:\n"
    "    - name: http-envoy-prom\n      containerPort: 15090\n"
    "  - name: envoy\n    ports:\n"
    "    - containerPort: 9901\n";

// Flagger's getPorts: every container but istio-proxy and envoy, all TCP,
// unnamed ports named tcp-<container>-<index in its ports>, the main target left out.
TEST_CASE("portDiscovery adds the pod's other container ports, sorted, once each, only when on") {
  const Node pod = Yaml(kPodTemplate);
  const std::string want_extra =
      "- name: dns\n  port: 53\n  targetPort: 53\n  protocol: TCP\n"
      "- name: tcp-app-2\n  port: 8080\n  targetPort: 8080\n  protocol: TCP\n"
      "- name: metrics\n  port: 9797\n  targetPort: 9797\n  protocol: TCP\n"
      "- name: grpc\n  port: 9999\n  targetPort: 9999\n  protocol: TCP\n";
  struct Case {
    const char* service;
    const char* main;  // the main port, as YAML
    bool discovered;   // whether want_extra follows it
  };
  const Case cases[] = {
      {"    targetPort: 9898\n    portDiscovery: true\n",
       "- name: http\n  port: 80\n  targetPort: 9898\n  protocol: TCP\n", true},
      {"    targetPort: http\n    portDiscovery: true\n",
       "- name: http\n  port: 80\n  targetPort: http\n  protocol: TCP\n", true},
      {"    targetPort: 9898\n", "- name: http\n  port: 80\n  targetPort: 9898\n  protocol: TCP\n", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.service);
    Call call;
    call.pod_template = &pod;
    auto objs = Routing(Canary(CanaryText(c.service)), call);
    const Node want = Yaml(c.main + (c.discovered ? want_extra : ""));
    for (std::size_t i = 0; i < 3; ++i) CHECK(At(objs[i], {"spec", "ports"}) == want);
  }
}

TEST_CASE("annotations land on the VirtualService only") {
  Call call;
  call.annotations = Yaml("gitcanary.io/revision: abc123\n");
  auto objs = Routing(Canary(CanaryText("", "", "test")), call);
  CHECK(At(VirtualService(objs), {"metadata"}) ==
        Yaml("name: podinfo\nnamespace: test\nannotations:\n  gitcanary.io/revision: abc123\n"));
  for (std::size_t i = 0; i < 5; ++i) CHECK(At(objs[i], {"metadata"}).Find("annotations") == nullptr);
  auto plain = Routing(Canary(CanaryText()));
  CHECK(At(VirtualService(plain), {"metadata"}).Find("annotations") == nullptr);
}

TEST_CASE("a weight outside 0..100 or a missing service port is an error naming the file and field") {
  const Manifest canary = Canary(CanaryText());
  for (long long w : {-1LL, 101LL, 1000LL}) {
    CAPTURE(w);
    RoutingInput in;
    in.canary = &canary;
    in.selector_label = "app";
    in.canary_weight = w;
    auto r = MakeRouting(in);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK(r.status().message().find("canary.yaml") == 0);
    CHECK(r.status().message().find("canaryWeight") != std::string::npos);
    CHECK(r.status().message().find(std::to_string(w)) != std::string::npos);
  }
  // Built by hand: normalisation would already reject a Canary without a port.
  auto parsed = ParseManifests(
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n"
      "spec:\n  targetRef:\n    name: podinfo\n  service:\n    portName: http\n",
      kFile);
  REQUIRE(parsed.ok());
  RoutingInput in;
  in.canary = &(*parsed)[0];
  in.selector_label = "app";
  auto r = MakeRouting(in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidInput);
  CHECK(r.status().message().find("canary.yaml:9:5: spec.service.port: missing") == 0);
}

}  // namespace
}  // namespace gitcanary::render

namespace gitcanary::render {
namespace {

Manifest Named(const std::string& canary_name, const std::string& target, const std::string& service = "") {
  return Canary("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + canary_name +
                "\nspec:\n  targetRef:\n    kind: Deployment\n    name: " + target +
                "\n  service:\n    port: 80\n" + service + "  analysis:\n    stepWeight: 10\n");
}

std::vector<std::string> Names(const std::vector<Node>& objs) {
  std::vector<std::string> out;
  for (const Node& o : objs) out.push_back(Str(o, {"metadata", "name"}));
  return out;
}

TEST_CASE("names follow the apex: service.name, else targetRef.name, never the Canary's name") {
  const std::vector<std::string> web = {"web", "web-primary", "web-canary", "web-primary", "web-canary", "web"};
  CHECK(Names(Routing(Named("my-canary", "web"))) == web);
  const std::vector<std::string> api = {"api", "api-primary", "api-canary", "api-primary", "api-canary", "api"};
  CHECK(Names(Routing(Named("my-canary", "web", "    name: api\n"))) == api);
  auto objs = Routing(Named("my-canary", "web"));
  CHECK(Str(objs[3], {"spec", "host"}) == "web-primary");
  CHECK(At(objs[5], {"spec", "hosts"}) == Yaml("- web\n"));
  CHECK(Str(Http(objs).items[0].Find("route")->items[1], {"destination", "host"}) == "web-canary");
}

TEST_CASE("Services select the selector label's value, not the Deployment's name") {
  RoutingInput in;
  const Manifest canary = Named("podinfo-web", "podinfo-web");
  in.canary = &canary;
  in.selector_label = "app.kubernetes.io/name";
  in.selector_value = "podinfo";
  auto r = MakeRouting(in);
  REQUIRE(r.ok());
  CHECK(Str((*r)[0], {"spec", "selector", "app.kubernetes.io/name"}) == "podinfo-primary");
  CHECK(Str((*r)[1], {"spec", "selector", "app.kubernetes.io/name"}) == "podinfo-primary");
  CHECK(Str((*r)[2], {"spec", "selector", "app.kubernetes.io/name"}) == "podinfo");
  CHECK(Str((*r)[0], {"metadata", "name"}) == "podinfo-web");
}

TEST_CASE("hosts: the apex is added unless it or \"*\" is listed") {
  CHECK(At(Routing(Canary(CanaryText("    hosts: ['*']\n")))[5], {"spec", "hosts"}) == Yaml("- '*'\n"));
  CHECK(At(Routing(Canary(CanaryText("    hosts: [podinfo, a.example.com]\n")))[5], {"spec", "hosts"}) ==
        Yaml("- podinfo\n- a.example.com\n"));
  CHECK(At(Routing(Canary(CanaryText("    hosts: [a.example.com]\n")))[5], {"spec", "hosts"}) ==
        Yaml("- a.example.com\n- podinfo\n"));
}

TEST_CASE("destination.port: with portDiscovery behind a gateway other than mesh first, or with delegation") {
  struct Case {
    const char* service;
    bool port;
  };
  const Case cases[] = {
      {"    portDiscovery: true\n    gateways: [istio-system/public]\n", true},
      {"    portDiscovery: true\n    gateways: [istio-system/public, mesh]\n", true},
      {"    portDiscovery: true\n    gateways: [mesh, istio-system/public]\n", false},
      {"    portDiscovery: true\n", false},
      {"    gateways: [istio-system/public]\n", false},
      {"    portDiscovery: true\n    delegation: true\n", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.service);
    auto objs = Routing(Canary(CanaryText(c.service)));
    for (const Node& d : Http(objs).items[0].Find("route")->items)
      CHECK((d.Path({"destination", "port", "number"}) != nullptr) == c.port);
  }
}

TEST_CASE("delegation leaves out hosts and gateways, and refuses them when given") {
  auto objs = Routing(Canary(CanaryText("    delegation: true\n")));
  CHECK(Keys(At(objs[5], {"spec"})) == std::vector<std::string>{"http"});
  const Manifest bad = Canary(CanaryText("    delegation: true\n    hosts: [a.example.com]\n"));
  RoutingInput in;
  in.canary = &bad;
  in.selector_label = "app";
  auto r = MakeRouting(in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("spec.service.delegation") != std::string::npos);
}

TEST_CASE("appProtocol tcp gives a tcp route with the service.match ports, and the port's appProtocol") {
  Call call;
  call.weight = 30;
  auto objs = Routing(Canary(CanaryText("    appProtocol: TCP\n    match:\n    - port: 80\n")), call);
  CHECK(At(objs[5], {"spec", "tcp"}) ==
        Yaml("- match:\n  - port: 80\n  route:\n  - destination:\n      host: podinfo-primary\n    weight: 70\n"
             "  - destination:\n      host: podinfo-canary\n    weight: 30\n"));
  CHECK(At(objs[5], {"spec"}).Find("http") == nullptr);
  CHECK(Str(At(objs[0], {"spec", "ports"}).items[0], {"appProtocol"}) == "TCP");
}

TEST_CASE("rewrite keeps Istio's uri and authority, and the Gateway API type is not copied") {
  auto objs = Routing(Canary(CanaryText("    rewrite:\n      uri: /\n      type: ReplacePrefixMatch\n")));
  CHECK(At(Http(objs).items[0], {"rewrite"}) == Yaml("uri: /\n"));
}

TEST_CASE("service.apex metadata goes on the VirtualService, before the status annotations") {
  Call call;
  call.annotations = Yaml("gitcanary.io/phase: Progressing\n");
  auto objs = Routing(Canary(CanaryText("    apex:\n      labels: {team: a}\n      annotations: {note: x}\n")), call);
  CHECK(At(objs[5], {"metadata"}) ==
        Yaml("name: podinfo\nlabels:\n  team: a\nannotations:\n  note: x\n  gitcanary.io/phase: Progressing\n"));
  CHECK(Str(objs[0], {"metadata", "labels", "team"}) == "a");
  CHECK(objs[1].Path({"metadata", "labels", "team"}) == nullptr);
}

TEST_CASE("the apex adopts the app's own Service: type, nodePorts, policies and metadata kept") {
  const Node own = Yaml(
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n  annotations:\n    lb.example.com/x: y\n"
      "spec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n  loadBalancerSourceRanges: [10.0.0.0/8]\n"
      "  selector:\n    app: podinfo\n  ports:\n  - name: http\n    port: 80\n    nodePort: 30080\n"
      "  - name: other\n    port: 81\n    nodePort: 30081\n");
  const Manifest canary = Canary(CanaryText());
  RoutingInput in;
  in.canary = &canary;
  in.selector_label = "app";
  in.replaced_service = &own;
  auto r = MakeRouting(in);
  REQUIRE(r.ok());
  CHECK((*r)[0] == Yaml("apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\n  annotations:\n"
                        "    lb.example.com/x: y\n"
                        "spec:\n  type: LoadBalancer\n  externalTrafficPolicy: Local\n"
                        "  loadBalancerSourceRanges: [10.0.0.0/8]\n  selector:\n    app: podinfo-primary\n"
                        "  ports:\n  - name: http\n    port: 80\n    targetPort: 80\n    protocol: TCP\n"
                        "    nodePort: 30080\n"));
  CHECK(Str((*r)[1], {"spec", "type"}) == "ClusterIP");
}

TEST_CASE("portDiscovery: two container ports on one number are an error, as the API server would refuse them") {
  const Node pod = Yaml("spec:\n  containers:\n  - name: a\n    ports:\n    - name: x\n      containerPort: 9000\n"
                        "  - name: b\n    ports:\n    - name: y\n      containerPort: 9000\n");
  const Manifest canary = Canary(CanaryText("    portDiscovery: true\n"));
  RoutingInput in;
  in.canary = &canary;
  in.selector_label = "app";
  in.pod_template = &pod;
  auto r = MakeRouting(in);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("spec.service.portDiscovery") != std::string::npos);
  CHECK(r.status().message().find("9000") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render
