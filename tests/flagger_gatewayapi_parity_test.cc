// Flagger's Gateway API router tests, re-expressed as rows of ours.
//
// Every assertion that fluxcd/flagger's pkg/router/gateway_api_test.go and
// gateway_api_v1beta1_test.go make about an HTTPRoute (or a status cookie) is
// restated here as a CHECK on what git mode renders for the same Canary; the
// fixture (newTestGatewayAPICanary of router_test.go) is written out as YAML.
// Assertions that only test a Kubernetes client (annotations other
// controllers added in the cluster, the parents' Accepted status) have no git
// mode counterpart: the ledger below lists them with the reason, and a test
// keeps the ledger's sums equal to the number of assertions in both files
// (require.NoError excluded).
//
// Three fixture changes: the Blue/Green case drops stepWeight (Flagger's CRD
// takes one of stepWeight and iterations), and two deliberate differences of
// git mode: under gatewayapi:v1beta1 the fixture drops service.timeout and
// backendTimeout (Flagger's v1beta1 router ignores them; git mode refuses
// them), and the CORS fixture drops corsPolicy.allowOrigins (Flagger logs and
// drops Istio string matches; git mode refuses them). Neither is asserted
// upstream.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/affinity_cookie.h"
#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/routing/router.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// router_test.go's newTestGatewayAPICanary; @PROVIDER@, @SERVICE@ and @ANALYSIS@ are filled in.
constexpr const char* kFixture = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: default
spec:
  provider: @PROVIDER@
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    name: podinfo
    port: 80
    portName: http
    targetPort: 9898
    portDiscovery: true
    gatewayRefs:
    - name: podinfo
    @SERVICE@
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
    @ANALYSIS@
)";

constexpr const char* kTimeouts = "timeout: 10s\n    backendTimeout: 5s";

std::string Fixture(bool v1, const std::string& service, const std::string& analysis) {
  std::string text = kFixture;
  auto put = [&text](const std::string& mark, const std::string& value) {
    if (auto at = text.find(mark); at != std::string::npos) text.replace(at, mark.size(), value);
  };
  put("@PROVIDER@", v1 ? "gatewayapi:v1" : "gatewayapi:v1beta1");
  put("@SERVICE@", service);
  put("@ANALYSIS@", analysis);
  return text;
}

Manifest Canary(const std::string& text) {
  auto parsed = ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  Manifest m = (*parsed)[0];
  auto info = NormaliseCanary(m);
  REQUIRE_MESSAGE(info.ok(), info.status().message());
  return m;
}

struct Call {
  long long weight = 0;
  bool mirror = false;
  AffinityCookies cookies;
};

// HTTPRoute podinfo, as git mode renders it for `call`.
Node Route(const Manifest& canary, const Call& call = {}) {
  RoutingInput in;
  const Node* p = canary.doc.Path({"spec", "provider"});
  in.provider = p->value == "gatewayapi:v1" ? Provider::kGatewayApiV1 : Provider::kGatewayApiV1beta1;
  in.canary = &canary;
  in.selector_label = "app";
  in.canary_weight = call.weight;
  in.mirror = call.mirror;
  in.cookies = call.cookies;
  in.revision = "rev-1";
  auto r = MakeRouting(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  REQUIRE((*r)[3].Find("kind")->value == "HTTPRoute");
  return (*r)[3];
}

const Node& Rules(const Node& route) { return *route.Path({"spec", "rules"}); }
std::size_t Len(const Node* n) { return n == nullptr ? 0 : (n->IsSequence() ? n->items.size() : n->fields.size()); }
bool Has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
bool Starts(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

const Node* Backend(const Node& rule, const std::string& name) {
  for (const Node& b : rule.Find("backendRefs")->items)
    if (b.Find("name")->value == name) return &b;
  return nullptr;
}
long long Weight(const Node& rule, const std::string& name) {
  const Node* b = Backend(rule, name);
  return b == nullptr ? -1 : *b->Find("weight")->AsInt();
}
// The first header match of the rule's first match.
const Node* CookieMatch(const Node& rule) {
  const Node* matches = rule.Find("matches");
  if (matches == nullptr || matches->items.empty()) return nullptr;
  const Node* headers = matches->items[0].Find("headers");
  return headers == nullptr || headers->items.empty() ? nullptr : &headers->items[0];
}
std::string Field(const Node* n, const char* key) {
  const Node* v = n == nullptr ? nullptr : n->Find(key);
  return v == nullptr ? "" : v->value;
}
// The first filter of `filters` (a backendRef's or a rule's), or nullptr.
const Node* FirstFilter(const Node* holder) {
  const Node* filters = holder == nullptr ? nullptr : holder->Find("filters");
  return filters == nullptr || filters->items.empty() ? nullptr : &filters->items[0];
}
const Node* FirstAdd(const Node* filter) {
  const Node* add = filter == nullptr ? nullptr : filter->Path({"responseHeaderModifier", "add"});
  return add == nullptr || add->items.empty() ? nullptr : &add->items[0];
}

// One Flagger test: how many of its assertions (require.NoError excluded) are
// re-expressed here, and how many are not applicable, and why.
struct LedgerRow {
  const char* file;
  const char* test;
  int assertions;
  int re_expressed;
  const char* not_applicable_because;
};

constexpr LedgerRow kLedger[] = {
    {"gateway_api_test.go", "TestGatewayAPIRouter_Reconcile", 7, 6,
     "1: an annotation another controller wrote on the HTTPRoute in the cluster survives Reconcile; git mode "
     "renders no cluster state, and apply keeps keys it never wrote"},
    {"gateway_api_test.go", "TestGatewayAPIRouter_Routes", 67, 67, ""},
    {"gateway_api_test.go", "TestGatewayAPIRouter_getSessionAffinityRouteRules", 55, 55, ""},
    {"gateway_api_test.go", "TestGatewayAPIRouter_makeFilters", 1, 1, ""},
    {"gateway_api_test.go", "TestGatewayAPIRouter_makeFilters_CORS", 17, 17, ""},
    {"gateway_api_test.go", "TestGatewayAPIRouter_GetRoutes", 5, 3,
     "2: GetRoutes fails while a parent's Accepted condition in the cluster is false or stale; git mode reads no "
     "HTTPRoute status (README: route readiness)"},
    {"gateway_api_v1beta1_test.go", "TestGatewayAPIV1Beta1Router_Reconcile", 5, 4,
     "1: as above, annotations written in the cluster by another controller"},
    {"gateway_api_v1beta1_test.go", "TestGatewayAPIV1Beta1Router_Routes", 67, 67, ""},
    {"gateway_api_v1beta1_test.go", "TestGatewayAPIV1Beta1Router_getSessionAffinityRouteRules", 22, 22, ""},
    {"gateway_api_v1beta1_test.go", "TestGatewayAPIV1Beta1Router_makeFilters", 1, 1, ""},
};

TEST_CASE("flagger gatewayapi parity: the ledger covers every assertion of both test files") {
  int v1 = 0, v1beta1 = 0, re_expressed = 0, not_applicable = 0;
  for (const LedgerRow& row : kLedger) {
    (std::string_view(row.file) == "gateway_api_test.go" ? v1 : v1beta1) += row.assertions;
    re_expressed += row.re_expressed;
    not_applicable += row.assertions - row.re_expressed;
    CHECK_MESSAGE((row.assertions == row.re_expressed) == (std::string_view(row.not_applicable_because).empty()),
                  row.test);
  }
  // Counted in fluxcd/flagger at 15bd6ad5: every assert.* and require.* call but require.NoError.
  CHECK(v1 == 152);
  CHECK(v1beta1 == 95);
  CHECK(re_expressed == 243);
  CHECK(not_applicable == 4);
}

TEST_CASE("flagger gatewayapi parity: TestGatewayAPIRouter_Reconcile and TestGatewayAPIV1Beta1Router_Reconcile") {
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    const Node route = Route(Canary(Fixture(v1, v1 ? kTimeouts : "", "")));
    REQUIRE(Len(&Rules(route)) == 1);
    REQUIRE(Len(Rules(route).items[0].Find("backendRefs")) == 2);
    const Node& refs = *Rules(route).items[0].Find("backendRefs");
    CHECK(*refs.items[0].Find("weight")->AsInt() == 100);
    CHECK(*refs.items[1].Find("weight")->AsInt() == 0);
    if (v1) {
      CHECK(Rules(route).items[0].Path({"timeouts", "request"})->value == "10s");
      CHECK(Rules(route).items[0].Path({"timeouts", "backendRequest"})->value == "5s");
    }
  }
}

TEST_CASE("flagger gatewayapi parity: Routes normal") {
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    const Node route = Route(Canary(Fixture(v1, v1 ? kTimeouts : "", "")), {50, false, {}});
    CHECK(*Rules(route).items[0].Find("backendRefs")->items[0].Find("weight")->AsInt() == 50);
  }
}

constexpr const char* kAffinity = R"(sessionAffinity:
      cookieName: flagger-cookie
      domain: flagger.app
      httpOnly: true
      maxAge: 300
      partitioned: true
      path: /app
      sameSite: Strict
      secure: true)";

// The assertions made at each step of a canary run with the affinity fixture.
void CheckRunStep(const Node& route, long long w) {
  REQUIRE(Len(&Rules(route)) == 2);
  const Node& sticky = Rules(route).items[0];
  const Node& weighted = Rules(route).items[1];
  const Node* match = CookieMatch(sticky);
  CHECK(Field(match, "type") == "RegularExpression");
  CHECK(Field(match, "name") == "Cookie");
  CHECK(Has(Field(match, "value"), "flagger-cookie"));
  CHECK(Len(sticky.Find("backendRefs")) == 2);
  CHECK(Weight(sticky, "podinfo-primary") == 0);
  CHECK(Weight(sticky, "podinfo-canary") == 100);
  const Node* canary = Backend(weighted, "podinfo-canary");
  REQUIRE(canary != nullptr);  // found
  const Node* filter = FirstFilter(canary);
  const std::string val = Field(FirstAdd(filter), "value");
  CHECK(Field(filter, "type") == "ResponseHeaderModifier");
  CHECK(filter->Find("responseHeaderModifier") != nullptr);
  CHECK(Field(FirstAdd(filter), "name") == "Set-Cookie");
  CHECK(Starts(val, "flagger-cookie"));
  CHECK(Has(val, "Domain=flagger.app"));
  CHECK(Has(val, "HttpOnly"));
  CHECK(Has(val, "Max-Age=300"));
  CHECK(Has(val, "Partitioned"));
  CHECK(Has(val, "Path=/app"));
  CHECK(Has(val, "SameSite=Strict"));
  CHECK(Has(val, "Secure"));
  CHECK(Weight(weighted, "podinfo-canary") == w);
  CHECK(Weight(weighted, "podinfo-primary") == 100 - w);
}

TEST_CASE("flagger gatewayapi parity: Routes session affinity") {
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    const Manifest canary = Canary(Fixture(v1, v1 ? kTimeouts : "", kAffinity));
    // The status has no cookie at the first step: one is derived, as the decision then stores it.
    const std::string cookie = AffinityCookie("flagger-cookie", "rev-1");
    const Node first = Route(canary, {10, false, {}});
    CheckRunStep(first, 10);
    CHECK(Starts(cookie, "flagger-cookie"));
    // Rendering the same status again changes nothing (Flagger: Reconcile keeps the rules).
    const Node again = Route(canary, {10, false, {cookie, "", ""}});
    CHECK(Len(&Rules(again)) == 2);
    CHECK(Rules(again).items[0] == Rules(first).items[0]);
    CHECK(Rules(again).items[1] == Rules(first).items[1]);
    CheckRunStep(Route(canary, {50, false, {cookie, "", ""}}), 50);
    // Promotion: weight 0; the decision moved the cookie to previousSessionAffinityCookie.
    const AffinityCookies promoted{"", "", cookie};
    CHECK(promoted.canary.empty());
    CHECK(Has(promoted.previous, "flagger-cookie"));
    const Node done = Route(canary, {0, false, promoted});
    REQUIRE(Len(&Rules(done)) == 2);
    const Node& sticky = Rules(done).items[0];
    const Node& weighted = Rules(done).items[1];
    const Node* match = CookieMatch(sticky);
    CHECK(Field(match, "type") == "RegularExpression");
    CHECK(Field(match, "name") == "Cookie");
    CHECK(Has(Field(match, "value"), "flagger-cookie"));
    const Node* filter = FirstFilter(&sticky);
    CHECK(Field(filter, "type") == "ResponseHeaderModifier");
    CHECK(filter->Find("responseHeaderModifier") != nullptr);
    CHECK(Field(FirstAdd(filter), "name") == "Set-Cookie");
    CHECK(Field(FirstAdd(filter), "value") == cookie + "; Max-Age=-1");
    CHECK(Weight(sticky, "podinfo-primary") == 100);
    CHECK(Weight(sticky, "podinfo-canary") == 0);
    const Node* canary_ref = Backend(weighted, "podinfo-canary");
    REQUIRE(canary_ref != nullptr);  // found
    CHECK(Len(canary_ref->Find("filters")) == 0);
    CHECK(Weight(weighted, "podinfo-canary") == 0);
    CHECK(Weight(weighted, "podinfo-primary") == 100);
  }
}

TEST_CASE("flagger gatewayapi parity: Routes b/g mirror") {
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    // Mirror with iterations: Blue/Green. Upstream keeps the fixture's stepWeight beside iterations (its
    // scheduler lets iterations win); Flagger's CRD, and so gitcanary, takes only one: stepWeight goes.
    std::string text = Fixture(v1, v1 ? kTimeouts : "", "mirror: true\n    iterations: 5");
    text.erase(text.find("    stepWeight: 10\n"), std::string("    stepWeight: 10\n").size());
    const Manifest canary = Canary(text);
    const Node mirroring = Route(canary, {0, true, {}});
    REQUIRE(Len(&Rules(mirroring)) == 1);
    bool found = false;
    if (const Node* filters = Rules(mirroring).items[0].Find("filters"))
      for (const Node& f : filters->items)
        found = found || (Field(&f, "type") == "RequestMirror" &&
                          f.Path({"requestMirror", "backendRef", "name"})->value == "podinfo-canary");
    CHECK(found);
    // Progressing: rendering the same status again keeps the mirror.
    const Node again = Route(canary, {0, true, {}});
    CHECK(Len(&Rules(again)) == 1);
    CHECK(Rules(again).items[0] == Rules(mirroring).items[0]);
    const Node stopped = Route(canary, {0, false, {}});
    CHECK(Len(&Rules(stopped)) == 1);
    CHECK(Len(Rules(stopped).items[0].Find("filters")) == 0);
  }
}

TEST_CASE("flagger gatewayapi parity: getSessionAffinityRouteRules without primary cookie") {
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    const Manifest canary =
        Canary(Fixture(v1, v1 ? kTimeouts : "", "sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 300"));
    const std::string cookie = AffinityCookie("flagger-cookie", "rev-1");
    const Node route = Route(canary, {10, false, {}});
    CHECK(Len(&Rules(route)) == 2);
    CHECK(Starts(cookie, "flagger-cookie"));
    const Node& sticky = Rules(route).items[0];
    const Node* match = CookieMatch(sticky);
    CHECK(Field(match, "type") == "RegularExpression");
    CHECK(Field(match, "name") == "Cookie");
    CHECK(Has(Field(match, "value"), "flagger-cookie"));
    CHECK(Len(sticky.Find("backendRefs")) == 2);
    CHECK(Weight(sticky, "podinfo-primary") == 0);
    CHECK(Weight(sticky, "podinfo-canary") == 100);
    const Node* canary_ref = Backend(Rules(route).items[1], "podinfo-canary");
    CHECK(canary_ref != nullptr);  // found
    const Node* filter = FirstFilter(canary_ref);
    CHECK(Field(filter, "type") == "ResponseHeaderModifier");
    CHECK(filter->Find("responseHeaderModifier") != nullptr);
    CHECK(Field(FirstAdd(filter), "name") == "Set-Cookie");
    CHECK(Field(FirstAdd(filter), "value") == cookie + "; Max-Age=300");
    const AffinityCookies left{"", "", cookie};  // as the decision leaves them at weight 0
    CHECK(left.canary.empty());
    CHECK(Has(left.previous, "flagger-cookie"));
    const Node after = Route(canary, {0, false, left});
    const Node& expire = Rules(after).items[0];
    const Node* expire_match = CookieMatch(expire);
    CHECK(Field(expire_match, "type") == "RegularExpression");
    CHECK(Field(expire_match, "name") == "Cookie");
    CHECK(Has(Field(expire_match, "value"), "flagger-cookie"));
    const Node* expire_filter = FirstFilter(&expire);
    CHECK(Field(expire_filter, "type") == "ResponseHeaderModifier");
    CHECK(expire_filter->Find("responseHeaderModifier") != nullptr);
    CHECK(Field(FirstAdd(expire_filter), "name") == "Set-Cookie");
    CHECK(Field(FirstAdd(expire_filter), "value") == cookie + "; Max-Age=-1");
  }
}

TEST_CASE("flagger gatewayapi parity: getSessionAffinityRouteRules with primary cookie (v1)") {
  const Manifest canary = Canary(Fixture(true, kTimeouts,
                                         "interval: 15s\n    sessionAffinity:\n      cookieName: canary-flagger-cookie\n"
                                         "      primaryCookieName: primary-flagger-cookie\n      maxAge: 300"));
  const std::string cookie = AffinityCookie("canary-flagger-cookie", "rev-1");
  const std::string primary = AffinityCookie("primary-flagger-cookie", "rev-1");
  const Node route = Route(canary, {10, false, {}});
  CHECK(Len(&Rules(route)) == 3);
  CHECK(Starts(cookie, "canary-flagger-cookie"));
  const Node& canary_sticky = Rules(route).items[0];
  const Node* match = CookieMatch(canary_sticky);
  CHECK(Field(match, "type") == "RegularExpression");
  CHECK(Field(match, "name") == "Cookie");
  CHECK(Has(Field(match, "value"), "canary-flagger-cookie"));
  CHECK(Len(canary_sticky.Find("backendRefs")) == 2);
  CHECK(Weight(canary_sticky, "podinfo-primary") == 0);
  CHECK(Weight(canary_sticky, "podinfo-canary") == 100);
  const Node& primary_sticky = Rules(route).items[1];
  const Node* primary_match = CookieMatch(primary_sticky);
  CHECK(Field(primary_match, "type") == "RegularExpression");
  CHECK(Field(primary_match, "name") == "Cookie");
  CHECK(Has(Field(primary_match, "value"), "primary-flagger-cookie"));
  CHECK(Len(primary_sticky.Find("backendRefs")) == 2);
  CHECK(Weight(primary_sticky, "podinfo-primary") == 100);
  CHECK(Weight(primary_sticky, "podinfo-canary") == 0);
  const Node& weighted = Rules(route).items[2];
  int found = 0;
  if (const Node* b = Backend(weighted, "podinfo-canary")) {
    ++found;
    const Node* filter = FirstFilter(b);
    CHECK(Field(filter, "type") == "ResponseHeaderModifier");
    CHECK(filter->Find("responseHeaderModifier") != nullptr);
    CHECK(Field(FirstAdd(filter), "name") == "Set-Cookie");
    CHECK(Field(FirstAdd(filter), "value") == cookie + "; Max-Age=300");
  }
  if (const Node* b = Backend(weighted, "podinfo-primary")) {
    ++found;
    const Node* filter = FirstFilter(b);
    CHECK(Field(filter, "type") == "ResponseHeaderModifier");
    CHECK(filter->Find("responseHeaderModifier") != nullptr);
    CHECK(Field(FirstAdd(filter), "name") == "Set-Cookie");
    CHECK(Has(Field(FirstAdd(filter), "value"), "primary-flagger-cookie"));
    CHECK(Has(Field(FirstAdd(filter), "value"), "Max-Age=15"));  // the analysis interval in seconds
  }
  CHECK(found == 2);
  const AffinityCookies left{"", primary, cookie};
  CHECK(left.canary.empty());
  CHECK(Has(left.previous, "canary-flagger-cookie"));
  const Node after = Route(canary, {0, false, left});
  const Node& expire = Rules(after).items[0];
  const Node* expire_match = CookieMatch(expire);
  CHECK(Field(expire_match, "type") == "RegularExpression");
  CHECK(Field(expire_match, "name") == "Cookie");
  CHECK(Has(Field(expire_match, "value"), "canary-flagger-cookie"));
  const Node* expire_filter = FirstFilter(&expire);
  CHECK(Field(expire_filter, "type") == "ResponseHeaderModifier");
  CHECK(expire_filter->Find("responseHeaderModifier") != nullptr);
  CHECK(Field(FirstAdd(expire_filter), "name") == "Set-Cookie");
  CHECK(Field(FirstAdd(expire_filter), "value") == cookie + "; Max-Age=-1");
}

TEST_CASE("flagger gatewayapi parity: makeFilters gives the same filters every time") {
  const std::string headers = R"(headers:
      response:
        set: {h1: v1, h2: v2, h3: v3}
        add: {h1: v1, h2: v2, h3: v3}
      request:
        set: {h3: v3, h2: v2, h1: v1}
        add: {h2: v2, h3: v3, h1: v1})";
  for (bool v1 : {true, false}) {
    CAPTURE(v1);
    const Manifest canary = Canary(Fixture(v1, headers, ""));
    const Node filters = *Rules(Route(canary)).items[0].Find("filters");
    for (int i = 0; i < 10; ++i) CHECK(*Rules(Route(canary)).items[0].Find("filters") == filters);
    // Sorted by name whatever the written order (Flagger sorts the Go map's random order).
    CHECK(filters.items[0].Path({"requestHeaderModifier", "set"})->items[0].Find("name")->value == "h1");
  }
}

TEST_CASE("flagger gatewayapi parity: makeFilters CORS") {
  const std::string cors = R"(corsPolicy:
      allowOrigin: [https://example.com, https://app.example.com]
      allowMethods: [GET, POST, PUT]
      allowHeaders: [Content-Type, Authorization]
      exposeHeaders: [X-Custom-Header]
      allowCredentials: true
      maxAge: 24h)";
  const Node route = Route(Canary(Fixture(true, cors, "")));
  const Node* cors_filter = nullptr;
  for (const Node& f : Rules(route).items[0].Find("filters")->items)
    if (Field(&f, "type") == "CORS") cors_filter = &f;
  REQUIRE(cors_filter != nullptr);
  const Node* c = cors_filter->Find("cors");
  REQUIRE(c != nullptr);
  CHECK(Len(c->Find("allowOrigins")) == 2);
  CHECK(c->Find("allowOrigins")->items[0].value == "https://example.com");
  CHECK(c->Find("allowOrigins")->items[1].value == "https://app.example.com");
  CHECK(Len(c->Find("allowMethods")) == 3);
  CHECK(c->Find("allowMethods")->items[0].value == "GET");
  CHECK(c->Find("allowMethods")->items[1].value == "POST");
  CHECK(c->Find("allowMethods")->items[2].value == "PUT");
  CHECK(Len(c->Find("allowHeaders")) == 2);
  CHECK(c->Find("allowHeaders")->items[0].value == "Content-Type");
  CHECK(c->Find("allowHeaders")->items[1].value == "Authorization");
  CHECK(Len(c->Find("exposeHeaders")) == 1);
  CHECK(c->Find("exposeHeaders")->items[0].value == "X-Custom-Header");
  REQUIRE(c->Find("allowCredentials") != nullptr);
  CHECK(c->Find("allowCredentials")->AsBool() == std::optional<bool>(true));
  CHECK(*c->Find("maxAge")->AsInt() == 86400);
}

TEST_CASE("flagger gatewayapi parity: GetRoutes weights and mirror") {
  // GetRoutes reads 90/10 back from the route; git mode's route carries the committed weight.
  const Node route = Route(Canary(Fixture(true, kTimeouts, "")), {10, false, {}});
  CHECK(Weight(Rules(route).items[0], "podinfo-primary") == 90);
  CHECK(Weight(Rules(route).items[0], "podinfo-canary") == 10);
  CHECK(Rules(route).items[0].Find("filters") == nullptr);  // not mirrored
}

}  // namespace
}  // namespace gitcanary::render
