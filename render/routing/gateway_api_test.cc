// Tests for the Gateway API routing of a canary in git mode (gatewayapi:v1 and
// gatewayapi:v1beta1): HTTPRoute X per phase, A/B, session affinity,
// mirroring, filters, matches and the refusals. Expected shapes are written
// out by hand from Flagger's Gateway API routers (pkg/router/gateway_api.go,
// gateway_api_v1beta1.go) as render/routing/gateway_api.h states them.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/affinity_cookie.h"
#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/routing/router.h"
#include "render/yaml_parse.h"
#include "render/routing/routing_test_util.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// A Canary "podinfo" in namespace test with provider `provider`, port 9898
// and a Gateway; `service` and `analysis` are bodies indented by 4 spaces.
// The analysis steps by 10 unless it sets iterations.
std::string CanaryText(const std::string& service = "", const std::string& analysis = "",
                       const std::string& provider = "gatewayapi:v1", bool refs = true) {
  std::string s =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: test\nspec:\n"
      "  provider: " + provider + "\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: podinfo\n"
      "  service:\n    port: 9898\n";
  if (refs) s += "    gatewayRefs:\n    - name: gateway\n      namespace: istio-ingress\n";
  return s + service + "  analysis:\n    interval: 1m\n    threshold: 5\n" +
         (analysis.find("iterations:") == std::string::npos ? "    stepWeight: 10\n" : "") + analysis;
}

Manifest Canary(const std::string& text) { return testing::NormalisedCanary(text, "canary.yaml"); }

Node Yaml(const std::string& text) { return testing::OneDocument(text, "expected.yaml"); }

Provider ProviderOf(const Manifest& m) {
  const Node* p = m.doc.Path({"spec", "provider"});
  return p != nullptr && p->value == "gatewayapi:v1beta1" ? Provider::kGatewayApiV1beta1 : Provider::kGatewayApiV1;
}

struct Call {
  long long weight = 0;
  bool mirror = false;
  AffinityCookies cookies;
  Node annotations;
};

Result<std::vector<Node>> TryRoute(const Manifest& canary, const Call& call = {}) {
  RoutingInput in;
  in.provider = ProviderOf(canary);
  in.canary = &canary;
  in.selector_label = "app";
  in.canary_weight = call.weight;
  in.mirror = call.mirror;
  in.cookies = call.cookies;
  in.annotations = call.annotations;
  in.revision = "rev-1";
  return MakeRouting(in);
}

// The HTTPRoute (after the three Services).
Node Route(const Manifest& canary, const Call& call = {}) {
  auto r = TryRoute(canary, call);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  return (*r)[3];
}

const Node& At(const Node& n, std::initializer_list<std::string_view> path) {
  const Node* v = n.Path(path);
  REQUIRE(v != nullptr);
  return *v;
}
const Node& Rules(const Node& route) { return At(route, {"spec", "rules"}); }

// The backend weights of a rule, primary then canary (-1 when absent).
std::pair<long long, long long> Weights(const Node& rule) {
  const Node& refs = At(rule, {"backendRefs"});
  long long primary = -1, canary = -1;
  for (const Node& b : refs.items) {
    if (At(b, {"name"}).value == "podinfo-primary") primary = *At(b, {"weight"}).AsInt();
    if (At(b, {"name"}).value == "podinfo-canary") canary = *At(b, {"weight"}).AsInt();
  }
  return {primary, canary};
}

std::string Error(const std::string& text, const Call& call = {}) {
  auto r = TryRoute(Canary(text), call);
  REQUIRE_FALSE(r.ok());
  return std::string(r.status().message());
}

bool Has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

TEST_CASE("gatewayapi renders the three Services and HTTPRoute X in full") {
  Call call;
  call.weight = 10;
  call.annotations = Yaml("gitcanary.io/phase: Progressing\ngitcanary.io/canary-weight: \"10\"\n");
  const Node route = Route(Canary(CanaryText("    hosts: [app.example.com]\n    timeout: 10s\n    backendTimeout: 5s\n"
                                             "    apex:\n      labels: {team: a}\n      annotations: {note: x}\n")),
                           call);
  CHECK(route == Yaml(R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: podinfo
  namespace: test
  labels: {team: a}
  annotations:
    note: x
    gitcanary.io/phase: Progressing
    gitcanary.io/canary-weight: "10"
spec:
  parentRefs:
  - name: gateway
    namespace: istio-ingress
  hostnames: [app.example.com]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /}
    timeouts: {request: 10s, backendRequest: 5s}
    backendRefs:
    - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: 90}
    - {group: "", kind: Service, name: podinfo-canary, port: 9898, weight: 10}
)"));
}

TEST_CASE("gatewayapi weights follow every phase of the phase table") {
  // The phase table gives the canary weight per phase; the route writes primary 100 - w, canary w.
  struct Row {
    const char* phase;
    long long weight;
  } rows[] = {{"no status or Initializing", 0}, {"Initialized or Succeeded", 0}, {"Waiting", 0},
              {"Progressing at 10", 10},       {"Progressing at 50", 50},     {"WaitingPromotion at 50", 50},
              {"Promoting", 50},               {"Finalising", 0},             {"Failed", 0},
              {"Failed after a failed promotion", 100}};
  for (const char* provider : {"gatewayapi:v1", "gatewayapi:v1beta1"}) {
    for (const Row& row : rows) {
      CAPTURE(provider);
      CAPTURE(row.phase);
      Call call;
      call.weight = row.weight;
      const Node route = Route(Canary(CanaryText("", "", provider)), call);
      CHECK(At(route, {"apiVersion"}).value ==
            (std::string_view(provider) == "gatewayapi:v1" ? "gateway.networking.k8s.io/v1"
                                                           : "gateway.networking.k8s.io/v1beta1"));
      REQUIRE(Rules(route).items.size() == 1);
      CHECK(Weights(Rules(route).items[0]) == std::pair<long long, long long>{100 - row.weight, row.weight});
      CHECK(At(Rules(route).items[0], {"backendRefs"}).items[0].Find("name")->value == "podinfo-primary");
    }
  }
}

TEST_CASE("gatewayapi leaves out hostnames and metadata when there are none") {
  const Node route = Route(Canary(CanaryText()));
  CHECK(At(route, {"metadata"}) == Yaml("name: podinfo\nnamespace: test\n"));
  CHECK(At(route, {"spec"}).Find("hostnames") == nullptr);
  CHECK(Rules(route).items[0].Find("filters") == nullptr);
  CHECK(Rules(route).items[0].Find("timeouts") == nullptr);
}

TEST_CASE("gatewayapi parentRefs copy gatewayRefs as given (GAMMA: the apex Service)") {
  const std::string text =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\nspec:\n  provider: gatewayapi:v1beta1\n"
      "  targetRef:\n    kind: Deployment\n    name: podinfo\n  service:\n    port: 9898\n    gatewayRefs:\n"
      "    - name: podinfo\n      namespace: test\n      group: core\n      kind: Service\n      port: 9898\n"
      "    - name: gw\n      sectionName: https\n  analysis:\n    stepWeight: 5\n";
  const Node route = Route(Canary(text));
  CHECK(At(route, {"spec", "parentRefs"}) ==
        Yaml("- {name: podinfo, namespace: test, group: core, kind: Service, port: 9898}\n"
             "- {name: gw, sectionName: https}\n"));
  CHECK(At(route, {"metadata"}).Find("namespace") == nullptr);  // a namespace-less Canary gives a namespace-less route
}

TEST_CASE("gatewayapi maps service.match as Flagger does") {
  struct Row {
    const char* match;
    const char* want;
  } rows[] = {
      {"- uri: {prefix: /api}", "- path: {type: PathPrefix, value: /api}"},
      {"- uri: {exact: /api}", "- path: {type: Exact, value: /api}"},
      {"- uri: {regex: /api/.*}", "- path: {type: RegularExpression, value: /api/.*}"},
      {"- method: {exact: GET}", "- method: GET"},
      {"- headers: {x-b: {exact: b}, x-a: {regex: a.*}}",
       "- headers:\n  - {name: x-a, type: RegularExpression, value: a.*}\n  - {name: x-b, type: Exact, value: b}"},
      {"- queryParams: {q: {exact: '1'}}", "- queryParams:\n  - {name: q, type: Exact, value: '1'}"},
      {"- uri: {prefix: /a}\n      method: {exact: POST}\n      name: route-a",
       "- path: {type: PathPrefix, value: /a}\n  method: POST"},
      {"- name: only-a-name\n    - uri: {prefix: /b}", "- path: {type: PathPrefix, value: /b}"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.match);
    const Node route = Route(Canary(CanaryText(std::string("    match:\n    ") + row.match + "\n")));
    CHECK(At(Rules(route).items[0], {"matches"}) == Yaml(row.want));
  }
}

TEST_CASE("gatewayapi A/B: merged matches carry the weights, a second rule sends to the primary") {
  const std::string analysis =
      "    iterations: 10\n    match:\n    - headers:\n        user-agent:\n          regex: \".*Firefox.*\"\n"
      "    - headers:\n        cookie:\n          regex: \"^(.*?;)?(type=insider)(;.*)?$\"\n";
  for (long long w : {0LL, 100LL}) {
    CAPTURE(w);
    Call call;
    call.weight = w;
    const Node route = Route(Canary(CanaryText("", analysis)), call);
    CHECK(Rules(route) == Yaml(R"(- matches:
  - path: {type: PathPrefix, value: /}
    headers:
    - {name: user-agent, type: RegularExpression, value: ".*Firefox.*"}
  - path: {type: PathPrefix, value: /}
    headers:
    - {name: cookie, type: RegularExpression, value: "^(.*?;)?(type=insider)(;.*)?$"}
  backendRefs:
  - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: )" + std::to_string(100 - w) + R"(}
  - {group: "", kind: Service, name: podinfo-canary, port: 9898, weight: )" + std::to_string(w) + R"(}
- matches:
  - path: {type: PathPrefix, value: /}
  backendRefs:
  - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: 100}
)"));
  }
}

TEST_CASE("gatewayapi A/B with service.match: every A/B match times every service match") {
  const Node route = Route(
      Canary(CanaryText("    match:\n    - uri: {prefix: /a}\n    - uri: {prefix: /b}\n      headers: {x: {exact: y}}\n",
                        "    iterations: 5\n    match:\n    - headers: {x-canary: {exact: insider}}\n"
                        "    - queryParams: {canary: {exact: 'on'}}\n")),
      [] {
        Call call;
        call.weight = 100;
        return call;
      }());
  CHECK(At(Rules(route).items[0], {"matches"}) == Yaml(R"(- path: {type: PathPrefix, value: /a}
  headers: [{name: x-canary, type: Exact, value: insider}]
- path: {type: PathPrefix, value: /b}
  headers: [{name: x-canary, type: Exact, value: insider}]
- path: {type: PathPrefix, value: /a}
  queryParams: [{name: canary, type: Exact, value: 'on'}]
- path: {type: PathPrefix, value: /b}
  headers: [{name: x, type: Exact, value: y}]
  queryParams: [{name: canary, type: Exact, value: 'on'}]
)"));
  CHECK(At(Rules(route).items[1], {"matches"}) ==
        Yaml("- path: {type: PathPrefix, value: /a}\n- path: {type: PathPrefix, value: /b}\n  headers: [{name: x, "
             "type: Exact, value: y}]\n"));
}

TEST_CASE("gatewayapi session affinity: sticky canary rule and Set-Cookie while the canary has weight") {
  const std::string affinity =
      "    sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 300\n      domain: flagger.app\n"
      "      httpOnly: true\n      path: /app\n      sameSite: Strict\n      secure: true\n      partitioned: true\n";
  for (const char* provider : {"gatewayapi:v1", "gatewayapi:v1beta1"}) {
    CAPTURE(provider);
    Call call;
    call.weight = 10;
    call.cookies.canary = "flagger-cookie=abcdefghij";
    const Node route = Route(Canary(CanaryText("", affinity, provider)), call);
    CHECK(Rules(route) == Yaml(R"(- matches:
  - headers: [{name: Cookie, type: RegularExpression, value: ".*flagger-cookie.*abcdefghij.*"}]
  backendRefs:
  - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: 0}
  - {group: "", kind: Service, name: podinfo-canary, port: 9898, weight: 100}
- matches:
  - path: {type: PathPrefix, value: /}
  backendRefs:
  - {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: 90}
  - group: ""
    kind: Service
    name: podinfo-canary
    port: 9898
    weight: 10
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add:
        - name: Set-Cookie
          value: "flagger-cookie=abcdefghij; Max-Age=300; Domain=flagger.app; HttpOnly; Partitioned; Path=/app; SameSite=Strict; Secure"
)"));
  }
}

TEST_CASE("gatewayapi session affinity: a missing cookie derives from the revision, the primary cookie lasts one interval") {
  Call call;
  call.weight = 20;
  const Node route = Route(
      Canary(CanaryText("    match:\n    - uri: {prefix: /api}\n",
                        "    sessionAffinity:\n      cookieName: c\n      primaryCookieName: p\n")),
      call);
  const std::string canary = AffinityCookie("c", "rev-1");
  const std::string primary = AffinityCookie("p", "rev-1");
  REQUIRE(Rules(route).items.size() == 3);
  const Node& sticky_canary = Rules(route).items[0];
  const Node& sticky_primary = Rules(route).items[1];
  const Node& weighted = Rules(route).items[2];
  auto cookie_regex = [](const std::string& c) {
    const auto eq = c.find('=');
    return ".*" + c.substr(0, eq) + ".*" + c.substr(eq + 1) + ".*";
  };
  // Cookie matches merge with the service match: its path stays, the Cookie header is added.
  CHECK(At(sticky_canary, {"matches"}) ==
        Yaml("- path: {type: PathPrefix, value: /api}\n  headers: [{name: Cookie, type: RegularExpression, value: '" +
             cookie_regex(canary) + "'}]\n"));
  CHECK(Weights(sticky_canary) == std::pair<long long, long long>{0, 100});
  CHECK(Weights(sticky_primary) == std::pair<long long, long long>{100, 0});
  CHECK(At(sticky_primary, {"matches"}).items[0].Find("headers")->items[0].Find("value")->value ==
        cookie_regex(primary));
  CHECK(Weights(weighted) == std::pair<long long, long long>{80, 20});
  const Node& refs = At(weighted, {"backendRefs"});
  // Default maxAge 86400 for the canary cookie; the primary's is the analysis interval (1m = 60 s).
  CHECK(refs.items[1].Path({"filters"})->items[0].Path({"responseHeaderModifier"})->Find("add")->items[0].Find(
            "value")->value == canary + "; Max-Age=86400");
  CHECK(refs.items[0].Path({"filters"})->items[0].Path({"responseHeaderModifier"})->Find("add")->items[0].Find(
            "value")->value == primary + "; Max-Age=60");
  CHECK(sticky_canary.Find("backendRefs")->items[1].Find("filters") == nullptr);
}

TEST_CASE("gatewayapi session affinity at weight 0: the previous cookie is expired, else one rule") {
  const std::string affinity = "    sessionAffinity:\n      cookieName: c\n";
  struct Row {
    const char* name;
    AffinityCookies cookies;
    const char* expired;  // "" = no expiry rule
  } rows[] = {
      {"promotion: the status still holds the run's cookie", {"c=current", "", ""}, "c=current"},
      {"later: the previous cookie", {"", "", "c=previous"}, "c=previous"},
      {"the current cookie wins over the previous", {"c=current", "", "c=previous"}, "c=current"},
      {"no cookie yet", {}, ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    Call call;
    call.cookies = row.cookies;
    const Node route = Route(Canary(CanaryText("    headers:\n      request:\n        set: {x: y}\n", affinity)), call);
    const Node& rules = Rules(route);
    if (std::string_view(row.expired).empty()) {
      REQUIRE(rules.items.size() == 1);
      CHECK(Weights(rules.items[0]) == std::pair<long long, long long>{100, 0});
      continue;
    }
    REQUIRE(rules.items.size() == 2);
    const std::string cookie = row.expired;
    const auto eq = cookie.find('=');
    CHECK(rules.items[0] == Yaml(R"(matches:
- headers: [{name: Cookie, type: RegularExpression, value: ".*)" + cookie.substr(0, eq) + ".*" + cookie.substr(eq + 1) + R"(.*"}]
filters:
- type: RequestHeaderModifier
  requestHeaderModifier:
    set: [{name: x, value: y}]
- type: ResponseHeaderModifier
  responseHeaderModifier:
    add: [{name: Set-Cookie, value: ")" + cookie + R"(; Max-Age=-1"}]
backendRefs:
- {group: "", kind: Service, name: podinfo-primary, port: 9898, weight: 100}
- {group: "", kind: Service, name: podinfo-canary, port: 9898, weight: 0}
)"));
    CHECK(Weights(rules.items[1]) == std::pair<long long, long long>{100, 0});
    CHECK(At(rules.items[1], {"backendRefs"}).items[1].Find("filters") == nullptr);
  }
}

TEST_CASE("gatewayapi Blue/Green mirroring adds RequestMirror to the canary while mirroring") {
  const std::string analysis = "    iterations: 5\n    mirror: true\n";
  struct Row {
    bool mirror;
    long long weight;
    bool want;
  } rows[] = {{true, 0, true}, {false, 0, false}, {false, 100, false}};
  for (const char* provider : {"gatewayapi:v1", "gatewayapi:v1beta1"}) {
    for (const Row& row : rows) {
      CAPTURE(provider);
      CAPTURE(row.mirror);
      CAPTURE(row.weight);
      Call call;
      call.mirror = row.mirror;
      call.weight = row.weight;
      const Node route = Route(Canary(CanaryText("", analysis, provider)), call);
      REQUIRE(Rules(route).items.size() == 1);
      const Node* filters = Rules(route).items[0].Find("filters");
      if (!row.want) {
        CHECK(filters == nullptr);
        continue;
      }
      REQUIRE(filters != nullptr);
      CHECK(*filters == Yaml("- type: RequestMirror\n  requestMirror:\n    backendRef: {group: \"\", kind: Service, "
                             "name: podinfo-canary, port: 9898}\n"));
      CHECK(Weights(Rules(route).items[0]) == std::pair<long long, long long>{100, 0});
    }
  }
}

TEST_CASE("gatewayapi filters: headers sorted, rewrite, static mirrors and CORS on every rule") {
  const std::string service = R"(    headers:
      request:
        add: {h3: v3, h1: v1, h2: v2}
        set: {b: "2", a: "1"}
        remove: [x-drop]
      response:
        set: {z: "1"}
    rewrite:
      uri: /v2
      authority: api.example.com
    mirror:
    - backendRef: {name: shadow, port: 8080}
    corsPolicy:
      allowOrigin: [https://example.com]
      allowMethods: [GET, POST]
      allowHeaders: [Content-Type]
      exposeHeaders: [X-Custom]
      allowCredentials: true
      maxAge: 24h
)";
  const Node want = Yaml(R"(- type: RequestHeaderModifier
  requestHeaderModifier:
    set: [{name: a, value: "1"}, {name: b, value: "2"}]
    add: [{name: h1, value: v1}, {name: h2, value: v2}, {name: h3, value: v3}]
    remove: [x-drop]
- type: ResponseHeaderModifier
  responseHeaderModifier:
    set: [{name: z, value: "1"}]
- type: URLRewrite
  urlRewrite:
    hostname: api.example.com
    path: {type: ReplaceFullPath, replaceFullPath: /v2}
- type: RequestMirror
  requestMirror:
    backendRef: {name: shadow, port: 8080}
- type: CORS
  cors:
    allowOrigins: [https://example.com]
    allowCredentials: true
    allowMethods: [GET, POST]
    allowHeaders: [Content-Type]
    exposeHeaders: [X-Custom]
    maxAge: 86400
)");
  const Node route = Route(Canary(CanaryText(service, "    iterations: 3\n    match:\n    - headers: {x: {exact: y}}\n")));
  REQUIRE(Rules(route).items.size() == 2);
  for (const Node& rule : Rules(route).items) CHECK(At(rule, {"filters"}) == want);
}

TEST_CASE("gatewayapi rewrite type ReplacePrefixMatch, and v1beta1 filters without CORS") {
  const Node route = Route(
      Canary(CanaryText("    rewrite: {uri: /v2, type: ReplacePrefixMatch}\n    mirror:\n    - backendRef: {name: m}\n", "",
                        "gatewayapi:v1beta1")));
  CHECK(At(Rules(route).items[0], {"filters"}) ==
        Yaml("- type: URLRewrite\n  urlRewrite:\n    path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}\n"
             "- type: RequestMirror\n  requestMirror:\n    backendRef: {name: m}\n"));
}

TEST_CASE("gatewayapi refuses what it cannot render, naming the field") {
  struct Row {
    const char* name;
    std::string text;
    const char* field;
    const char* reason;
  } rows[] = {
      {"no gatewayRefs", CanaryText("", "", "gatewayapi:v1", false), "spec.service.gatewayRefs", "add spec.service.gatewayRefs"},
      {"host *", CanaryText("    hosts: [\"*\"]\n"), "spec.service.hosts[0]", "leave spec.service.hosts out"},
      {"host with a port", CanaryText("    hosts: [a.example.com, \"b.example.com:80\"]\n"), "spec.service.hosts[1]",
       "no HTTPRoute hostname"},
      {"upper-case host", CanaryText("    hosts: [App.example.com]\n"), "spec.service.hosts[0]", "lower-case"},
      {"an Istio gateway", CanaryText("    gateways: [istio/public]\n"), "spec.service.gateways[0]", "gatewayRefs"},
      {"trafficPolicy", CanaryText("    trafficPolicy:\n      tls: {mode: ISTIO_MUTUAL}\n"), "spec.service.trafficPolicy",
       "DestinationRule"},
      {"retries", CanaryText("    retries: {attempts: 3}\n"), "spec.service.retries", "retries would not happen"},
      {"delegation", CanaryText("    delegation: true\n"), "spec.service.delegation", "delegate"},
      {"mirrorWeight", CanaryText("", "    iterations: 3\n    mirror: true\n    mirrorWeight: 50\n"),
       "spec.analysis.mirrorWeight", "mirror percentage"},
      {"A/B with affinity",
       CanaryText("", "    iterations: 3\n    match:\n    - headers: {x: {exact: y}}\n    sessionAffinity: {cookieName: c}\n"),
       "spec.analysis.sessionAffinity", "every request to the canary"},
      {"progressive mirror", CanaryText("", "    mirror: true\n"), "spec.analysis.mirror", "never advance"},
      {"v1beta1 timeout", CanaryText("    timeout: 10s\n", "", "gatewayapi:v1beta1"), "spec.service.timeout",
       "gatewayapi:v1"},
      {"v1beta1 backendTimeout", CanaryText("    backendTimeout: 5s\n", "", "gatewayapi:v1beta1"),
       "spec.service.backendTimeout", "gatewayapi:v1"},
      {"v1beta1 corsPolicy", CanaryText("    corsPolicy: {allowOrigin: [a]}\n", "", "gatewayapi:v1beta1"),
       "spec.service.corsPolicy", "gatewayapi:v1"},
      {"v1beta1 primary cookie",
       CanaryText("", "    sessionAffinity: {cookieName: c, primaryCookieName: p}\n", "gatewayapi:v1beta1"),
       "spec.analysis.sessionAffinity.primaryCookieName", "gatewayapi:v1"},
      {"authority match", CanaryText("    match:\n    - authority: {exact: a.example.com}\n"),
       "spec.service.match[0].authority", "widen the match"},
      {"ignoreUriCase", CanaryText("    match:\n    - uri: {prefix: /a}\n      ignoreUriCase: true\n"),
       "spec.service.match[0].ignoreUriCase", "case-sensitive"},
      {"method regex", CanaryText("    match:\n    - method: {regex: G.*}\n"), "spec.service.match[0].method",
       "exact only"},
      {"header prefix", CanaryText("    match:\n    - headers: {x: {prefix: a}}\n"), "spec.service.match[0].headers.x",
       "exact or regex"},
      {"A/B header suffix", CanaryText("", "    iterations: 3\n    match:\n    - headers: {x: {suffix: a}}\n"),
       "spec.analysis.match[0].headers.x", "exact or regex"},
      {"A/B sourceLabels", CanaryText("", "    iterations: 3\n    match:\n    - sourceLabels: {app: a}\n"),
       "spec.analysis.match[0].sourceLabels", "widen the match"},
      {"CORS allowOrigins", CanaryText("    corsPolicy:\n      allowOrigins: [{exact: a}]\n"),
       "spec.service.corsPolicy.allowOrigins", "allowOrigin"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const std::string message = Error(row.text);
    CHECK(Has(message, std::string(row.field) + ":"));
    CHECK(Has(message, row.reason));
    CHECK(Has(message, "canary.yaml:"));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("gatewayapi keeps the default mesh gateway and a match name and copies wildcard hosts") {
  const Node route = Route(Canary(CanaryText("    gateways: [mesh]\n    hosts: [\"*.example.com\", a-1.b.example]\n"
                                             "    match:\n    - name: a\n      uri: {prefix: /}\n")));
  CHECK(At(route, {"spec", "hostnames"}) == Yaml("[\"*.example.com\", a-1.b.example]"));
  CHECK(At(Rules(route).items[0], {"matches"}) == Yaml("- path: {type: PathPrefix, value: /}\n"));
}

}  // namespace
}  // namespace gitcanary::render
