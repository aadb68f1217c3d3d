// Flagger's router tests, re-expressed as rows of ours.
//
// Every assertion that fluxcd/flagger's pkg/router/istio_test.go and
// kubernetes_default_test.go make about an object (a Service, a
// DestinationRule, a VirtualService, a status cookie) is restated here as a
// CHECK on what git mode renders for the same Canary; their fixtures (the
// podinfo canary of router_test.go, the abtest canary, the TCP canary) are
// written out as YAML facts. Assertions that only test a Kubernetes client
// (drift written into the cluster, finalizers, ownership, metadata that other
// writers added in the cluster) have no git mode counterpart: the ledger below
// lists them with the reason, and a test keeps the ledger's sums equal to the
// number of assertions in those two files (require.NoError excluded).
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/affinity_cookie.h"
#include "render/canary_spec.h"
#include "render/routing/router.h"
#include "render/loader.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// router_test.go's podinfo canary (newTestCanary).
constexpr const char* kPodinfo = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: default
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
    portDiscovery: true
    appProtocol: http
    headers:
      request:
        add:
          x-envoy-upstream-rq-timeout-ms: "15000"
        remove: [test]
      response:
        remove: [token]
    corsPolicy:
      allowMethods: [GET, POST]
    match:
      - name: podinfo
        uri:
          prefix: /podinfo
        method:
          exact: GET
        ignoreUriCase: true
    retries:
      attempts: 10
      perTryTimeout: 30s
      retryOn: connect-failure,gateway-error
    gateways: [istio/public-gateway, mesh]
    @SERVICE@
  analysis:
    interval: 1m
    threshold: 10
    stepWeight: 10
    maxWeight: 50
    @ANALYSIS@
)";

// router_test.go's abtest canary (newTestABTest).
constexpr const char* kAbtest = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: abtest
  namespace: default
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: abtest
  service:
    port: 9898
    @SERVICE@
  analysis:
    interval: 1m
    threshold: 10
    iterations: 2
    match:
      @MATCH@
)";

// istio_test.go's TCP canary (newTestCanaryTCP).
constexpr const char* kTcp = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: default
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: podinfo
  service:
    port: 9898
    portDiscovery: true
    appProtocol: TCP
    match:
      - port: 9898
    gateways: [istio/public-gateway, mesh]
  analysis:
    interval: 1m
    threshold: 10
    stepWeight: 10
    maxWeight: 50
)";

std::string Fill(std::string text, const std::string& service, const std::string& analysis_or_match) {
  auto put = [&text](const std::string& mark, const std::string& value) {
    if (auto at = text.find(mark); at != std::string::npos) text.replace(at, mark.size(), value);
  };
  put("@SERVICE@", service);
  put("@ANALYSIS@", analysis_or_match);
  put("@MATCH@", analysis_or_match.empty() ? "- headers:\n          x-user-type:\n            exact: test"
                                           : analysis_or_match);
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
  std::string label = "app";
};

std::vector<Node> Render(const Manifest& canary, const Call& call = {}) {
  RoutingInput in;
  in.canary = &canary;
  in.selector_label = call.label;
  in.canary_weight = call.weight;
  in.mirror = call.mirror;
  in.cookies = call.cookies;
  in.revision = "rev-1";
  auto r = MakeRouting(in);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 6);
  return *r;
}

const Node& VsSpec(const std::vector<Node>& objs) { return *objs[5].Find("spec"); }
const Node& Http(const std::vector<Node>& objs) { return *VsSpec(objs).Find("http"); }
std::size_t Len(const Node* n) { return n == nullptr ? 0 : (n->IsSequence() ? n->items.size() : n->fields.size()); }

// The weight of the destination to `host` in `route` (-1 when absent).
long long Weight(const Node& route, const std::string& host) {
  for (const Node& d : route.Find("route")->items)
    if (d.Path({"destination", "host"})->value == host) return *d.Find("weight")->AsInt();
  return -1;
}
const Node* Dest(const Node& route, const std::string& host) {
  for (const Node& d : route.Find("route")->items)
    if (d.Path({"destination", "host"})->value == host) return &d;
  return nullptr;
}
std::string SetCookie(const Node* n) {
  const Node* v = n == nullptr ? nullptr : n->Path({"headers", "response", "add", "Set-Cookie"});
  return v == nullptr ? "" : v->value;
}
std::string CookieRegex(const Node& route) {
  const Node* match = route.Find("match");
  if (match == nullptr || match->items.empty()) return "";
  const Node* v = match->items[0].Path({"headers", "Cookie", "regex"});
  return v == nullptr ? "" : v->value;
}
bool Has(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
bool Starts(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

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
    {"istio_test.go", "TestIstioRouter_Sync", 5, 4,
     "1: the cluster object holds a gateway written into it by hand (client semantics; git mode renders from git)"},
    {"istio_test.go", "TestIstioRouter_SetRoutes", 61, 61, ""},
    {"istio_test.go", "TestIstioRouter_getSessionAffinityRoutes", 40, 40, ""},
    {"istio_test.go", "TestIstioRouter_GetRoutes", 9, 9, ""},
    {"istio_test.go", "TestIstioRouter_HTTPRequestHeaders", 4, 4, ""},
    {"istio_test.go", "TestIstioRouter_CORS", 3, 3, ""},
    {"istio_test.go", "TestIstioRouter_ABTest", 4, 4, ""},
    {"istio_test.go", "TestIstioRouter_GatewayPort", 1, 1, ""},
    {"istio_test.go", "TestIstioRouter_Delegate", 4, 4, ""},
    {"istio_test.go", "TestIstioRouter_Finalize", 2, 0,
     "2: Finalize restores a VirtualService from its kubectl or Flagger annotation in the cluster; in git mode "
     "removing the Canary from git restores the written objects"},
    {"istio_test.go", "TestIstioRouter_Match", 13, 13, ""},
    {"istio_test.go", "TestIstioRouter_SetRoutesTCP", 2, 2, ""},
    {"istio_test.go", "TestIstioRouter_GetRoutesTCP", 6, 6, ""},
    {"kubernetes_default_test.go", "TestServiceRouter_Create", 7, 7, ""},
    {"kubernetes_default_test.go", "TestServiceRouter_TrafficDistribution", 6, 6, ""},
    {"kubernetes_default_test.go", "TestServiceRouter_Update", 1, 1, ""},
    {"kubernetes_default_test.go", "TestServiceRouter_Undo", 2, 2, ""},
    {"kubernetes_default_test.go", "TestServiceRouter_Finalize", 5, 0,
     "5: Finalize points an adopted Service back at the target's pods; in git mode removing the Canary from git "
     "restores the written Service"},
    {"kubernetes_default_test.go", "TestServiceRouter_InitializeMetadata", 5, 4,
     "1: Flagger adds Flux's reconcile-disabled annotations to its own objects; git mode's objects are the git "
     "state Flux or Argo CD must keep applying, so they do not carry them"},
    {"kubernetes_default_test.go", "TestServiceRouter_ReconcileMetadata", 10, 8,
     "2: as above, Flux's reconcile-disabled annotations"},
    {"kubernetes_default_test.go", "TestServiceRouter_UnmanagedAnnotations", 3, 1,
     "2: annotations other writers put on the Service in the cluster (kept or dropped by Flagger); git mode "
     "renders no cluster state, and apply keeps keys it never wrote"},
    {"kubernetes_default_test.go", "TestServiceRouter_UnmanagedLabels", 3, 1, "2: as above, for labels"},
    {"kubernetes_default_test.go", "TestServiceRouter_UnmanagedMetadata_AnnotationsAndLabels", 6, 2,
     "4: as above, for annotations and labels"},
};

TEST_CASE("flagger router parity: the ledger covers every assertion of both test files") {
  int istio = 0, kubernetes = 0, re_expressed = 0, not_applicable = 0;
  for (const LedgerRow& row : kLedger) {
    (std::string_view(row.file) == "istio_test.go" ? istio : kubernetes) += row.assertions;
    re_expressed += row.re_expressed;
    not_applicable += row.assertions - row.re_expressed;
    CHECK_MESSAGE((row.assertions == row.re_expressed) == (std::string_view(row.not_applicable_because).empty()),
                  row.test);
  }
  // Counted in fluxcd/flagger at 15bd6ad5: every assert.* and require.* call but require.NoError.
  CHECK(istio == 154);
  CHECK(kubernetes == 48);
  CHECK(re_expressed == 183);
  CHECK(not_applicable == 19);
}

TEST_CASE("flagger router parity: TestIstioRouter_Sync") {
  auto objs = Render(Canary(Fill(kPodinfo, "", "")));
  CHECK(objs[3].Path({"metadata", "name"})->value == "podinfo-primary");  // DestinationRules exist
  CHECK(objs[4].Path({"metadata", "name"})->value == "podinfo-canary");
  REQUIRE(Len(&Http(objs)) == 1);
  CHECK(Len(Http(objs).items[0].Find("route")) == 2);
  auto with_host = Render(Canary(Fill(kPodinfo, "hosts: [test.example.com]", "")));
  CHECK(Len(VsSpec(with_host).Find("hosts")) == 2);
  CHECK(Len(VsSpec(objs).Find("gateways")) == 2);  // what the Canary says, whatever was in the cluster
}

TEST_CASE("flagger router parity: TestIstioRouter_SetRoutes normal and mirror") {
  const Manifest canary = Canary(Fill(kPodinfo, "", ""));
  auto objs = Render(canary, {40, false, {}});
  const Node& route = Http(objs).items[0];
  CHECK(Weight(route, "podinfo-primary") == 60);
  CHECK(Weight(route, "podinfo-canary") == 40);
  CHECK(route.Find("mirror") == nullptr);
  for (int w : {0, 10, 50}) {
    CAPTURE(w);
    const std::string analysis = w == 0 ? "" : "mirrorWeight: " + std::to_string(w);
    auto m = Render(Canary(Fill(kPodinfo, "", analysis)), {0, true, {}});
    const Node& r = Http(m).items[0];
    CHECK(Weight(r, "podinfo-primary") == 100);
    CHECK(Weight(r, "podinfo-canary") == 0);
    REQUIRE(r.Find("mirror") != nullptr);
    CHECK(r.Path({"mirror", "host"})->value == "podinfo-canary");
    if (w > 0) {
      REQUIRE(r.Find("mirrorPercentage") != nullptr);
      CHECK(*r.Path({"mirrorPercentage", "value"})->AsInt() == w);
    } else {
      CHECK(r.Find("mirrorPercentage") == nullptr);
    }
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

void CheckCanaryRun(const std::vector<Node>& objs, long long canary_weight, const std::string& cookie) {
  REQUIRE(Len(&Http(objs)) == 2);
  const Node& sticky = Http(objs).items[0];
  const Node& weighted = Http(objs).items[1];
  CHECK(Has(CookieRegex(sticky), "flagger-cookie"));
  CHECK(Weight(sticky, "podinfo-primary") == 0);
  CHECK(Weight(sticky, "podinfo-canary") == 100);
  CHECK(!CookieRegex(sticky).empty());  // found
  CHECK(Weight(weighted, "podinfo-primary") == 100 - canary_weight);
  CHECK(Weight(weighted, "podinfo-canary") == canary_weight);
  const std::string set = SetCookie(Dest(weighted, "podinfo-canary"));
  CHECK(!set.empty());
  CHECK(Starts(set, "flagger-cookie"));
  CHECK(Has(set, "Domain=flagger.app"));
  CHECK(Has(set, "HttpOnly"));
  CHECK(Has(set, "Max-Age=300"));
  CHECK(Has(set, "Partitioned"));
  CHECK(Has(set, "Path=/app"));
  CHECK(Has(set, "SameSite=Strict"));
  CHECK(Has(set, "Secure"));
  CHECK(Starts(cookie, "flagger-cookie"));  // the cookie the status keeps
}

TEST_CASE("flagger router parity: TestIstioRouter_SetRoutes session affinity") {
  const Manifest canary = Canary(Fill(kPodinfo, "", kAffinity));
  // The status has no cookie yet at the first step: one is derived, as the decision stores it.
  const std::string cookie = AffinityCookie("flagger-cookie", "rev-1");
  auto first = Render(canary, {10, false, {}});
  CheckCanaryRun(first, 10, cookie);
  // Rendering the same status again changes nothing (Flagger: Reconcile keeps the routes).
  auto again = Render(canary, {10, false, {}});
  CHECK(Len(&Http(again)) == 2);
  CHECK(!again.empty());
  CHECK(Http(again).items[0] == Http(first).items[0]);
  CHECK(Http(again).items[1] == Http(first).items[1]);
  auto half = Render(canary, {50, false, {cookie, "", ""}});
  CheckCanaryRun(half, 50, cookie);
  CHECK(SetCookie(Dest(Http(half).items[1], "podinfo-canary")).rfind(cookie, 0) == 0);
  // Promotion: weight 0; the status moved the cookie to previousSessionAffinityCookie.
  auto done = Render(canary, {0, false, {"", "", cookie}});
  REQUIRE(Len(&Http(done)) == 2);
  const Node& sticky = Http(done).items[0];
  const Node& weighted = Http(done).items[1];
  CHECK(Has(CookieRegex(sticky), "flagger-cookie"));
  CHECK(Weight(sticky, "podinfo-primary") == 100);
  CHECK(Weight(sticky, "podinfo-canary") == 0);
  CHECK(!CookieRegex(sticky).empty());
  const AffinityCookies promoted{"", "", cookie};  // as the decision leaves them (policies tests check it)
  CHECK(promoted.canary.empty());
  CHECK(promoted.previous == cookie);
  const std::string expire = SetCookie(&sticky);
  CHECK(!expire.empty());
  CHECK(Starts(expire, cookie));
  CHECK(Has(expire, "Max-Age=-1"));
  CHECK(Weight(weighted, "podinfo-primary") == 100);
  CHECK(Weight(weighted, "podinfo-canary") == 0);
  CHECK(SetCookie(Dest(weighted, "podinfo-canary")).empty());
}

TEST_CASE("flagger router parity: TestIstioRouter_getSessionAffinityRoutes") {
  SUBCASE("without primary cookie") {
    const Manifest canary = Canary(Fill(kPodinfo, "", "sessionAffinity:\n      cookieName: flagger-cookie\n      maxAge: 300"));
    const std::string cookie = AffinityCookie("flagger-cookie", "rev-1");
    auto objs = Render(canary, {10, false, {}});
    CHECK(Len(&Http(objs)) == 2);
    CHECK(Starts(cookie, "flagger-cookie"));
    const Node& sticky = Http(objs).items[0];
    CHECK(!CookieRegex(sticky).empty());
    CHECK(Has(CookieRegex(sticky), "flagger-cookie"));
    CHECK(Len(sticky.Find("route")) == 2);
    CHECK(Weight(sticky, "podinfo-primary") == 0);
    CHECK(Weight(sticky, "podinfo-canary") == 100);
    const Node* canary_dest = Dest(Http(objs).items[1], "podinfo-canary");
    CHECK(canary_dest->Path({"headers", "response", "add"}) != nullptr);
    CHECK(SetCookie(canary_dest) == cookie + "; Max-Age=300");
    CHECK(canary_dest != nullptr);  // found
    auto after = Render(canary, {0, false, {"", "", cookie}});
    const AffinityCookies left{"", "", cookie};
    CHECK(left.canary.empty());
    CHECK(Has(left.previous, "flagger-cookie"));
    const Node& expire = Http(after).items[0];
    CHECK(!CookieRegex(expire).empty());
    CHECK(Has(CookieRegex(expire), "flagger-cookie"));
    CHECK(expire.Path({"headers", "response", "add"}) != nullptr);
    CHECK(SetCookie(&expire) == cookie + "; Max-Age=-1");
  }
  SUBCASE("with primary cookie") {
    const Manifest canary = Canary(Fill(kPodinfo, "",
                                        "sessionAffinity:\n      cookieName: canary-flagger-cookie\n"
                                        "      primaryCookieName: primary-flagger-cookie\n      maxAge: 300"));
    // interval: the fixture sets 15s; ours says 1m, so the primary cookie lives 60 seconds.
    const std::string cookie = AffinityCookie("canary-flagger-cookie", "rev-1");
    const std::string primary = AffinityCookie("primary-flagger-cookie", "rev-1");
    auto objs = Render(canary, {10, false, {}});
    CHECK(Len(&Http(objs)) == 3);
    CHECK(Starts(cookie, "canary-flagger-cookie"));
    const Node& canary_sticky = Http(objs).items[0];
    CHECK(!CookieRegex(canary_sticky).empty());
    CHECK(Has(CookieRegex(canary_sticky), "canary-flagger-cookie"));
    CHECK(Len(canary_sticky.Find("route")) == 2);
    CHECK(Weight(canary_sticky, "podinfo-primary") == 0);
    CHECK(Weight(canary_sticky, "podinfo-canary") == 100);
    const Node& primary_sticky = Http(objs).items[1];
    CHECK(!CookieRegex(primary_sticky).empty());
    CHECK(Has(CookieRegex(primary_sticky), "primary-flagger-cookie"));
    CHECK(Len(primary_sticky.Find("route")) == 2);
    CHECK(Weight(primary_sticky, "podinfo-primary") == 100);
    CHECK(Weight(primary_sticky, "podinfo-canary") == 0);
    const Node& weighted = Http(objs).items[2];
    int found = 0;
    if (const Node* d = Dest(weighted, "podinfo-canary")) {
      ++found;
      CHECK(d->Path({"headers", "response", "add"}) != nullptr);
      CHECK(SetCookie(d) == cookie + "; Max-Age=300");
    }
    if (const Node* d = Dest(weighted, "podinfo-primary")) {
      ++found;
      CHECK(d->Path({"headers", "response", "add"}) != nullptr);
      CHECK(Has(SetCookie(d), primary));
      CHECK(Has(SetCookie(d), "Max-Age=60"));
    }
    CHECK(found == 2);
    auto after = Render(canary, {0, false, {"", primary, cookie}});
    const AffinityCookies left{"", primary, cookie};
    CHECK(left.canary.empty());
    CHECK(Has(left.previous, "canary-flagger-cookie"));
    const Node& expire = Http(after).items[0];
    CHECK(!CookieRegex(expire).empty());
    CHECK(Has(CookieRegex(expire), "canary-flagger-cookie"));
    CHECK(expire.Path({"headers", "response", "add"}) != nullptr);
    CHECK(SetCookie(&expire) == cookie + "; Max-Age=-1");
  }
}

TEST_CASE("flagger router parity: TestIstioRouter_GetRoutes") {
  auto objs = Render(Canary(Fill(kPodinfo, "", "")));
  CHECK(Weight(Http(objs).items[0], "podinfo-primary") == 100);
  CHECK(Weight(Http(objs).items[0], "podinfo-canary") == 0);
  CHECK(Http(objs).items[0].Find("mirror") == nullptr);
  const Manifest mirror = Canary(Fill(kPodinfo, "", "mirror: true"));
  auto idle = Render(mirror);  // mirroring is a stage of the run, not on from the start
  CHECK(Weight(Http(idle).items[0], "podinfo-primary") == 100);
  CHECK(Weight(Http(idle).items[0], "podinfo-canary") == 0);
  CHECK(Http(idle).items[0].Find("mirror") == nullptr);
  auto mirroring = Render(mirror, {0, true, {}});
  CHECK(Weight(Http(mirroring).items[0], "podinfo-primary") == 100);
  CHECK(Weight(Http(mirroring).items[0], "podinfo-canary") == 0);
  CHECK(Http(mirroring).items[0].Path({"mirror", "host"})->value == "podinfo-canary");
}

TEST_CASE("flagger router parity: TestIstioRouter_HTTPRequestHeaders and CORS") {
  auto objs = Render(Canary(Fill(kPodinfo, "", "")));
  REQUIRE(Len(&Http(objs)) == 1);
  const Node& route = Http(objs).items[0];
  CHECK(route.Path({"headers", "request", "add", "x-envoy-upstream-rq-timeout-ms"})->value == "15000");
  CHECK(route.Path({"headers", "request", "remove"})->items[0].value == "test");
  CHECK(route.Path({"headers", "response", "remove"})->items[0].value == "token");
  CHECK(Len(&Http(objs)) == 1);
  CHECK(route.Find("corsPolicy") != nullptr);
  CHECK(Len(route.Path({"corsPolicy", "allowMethods"})) == 2);
}

TEST_CASE("flagger router parity: TestIstioRouter_ABTest") {
  const Manifest canary = Canary(Fill(kAbtest, "", ""));
  CHECK(Len(&Http(Render(canary))) == 2);
  auto objs = Render(canary, {100, false, {}});
  // Flagger reads the last route naming each host: the default route's primary.
  CHECK(Weight(Http(objs).items[1], "abtest-primary") == 0);
  CHECK(Weight(Http(objs).items[0], "abtest-canary") == 100);
  CHECK(Http(objs).items[0].Find("mirror") == nullptr);
}

TEST_CASE("flagger router parity: TestIstioRouter_GatewayPort and Delegate") {
  auto objs = Render(Canary(Fill(kPodinfo, "", "")));
  CHECK(*Http(objs).items[0].Find("route")->items[0].Path({"destination", "port", "number"})->AsInt() == 9898);
  std::string text = Fill(kPodinfo, "delegation: true", "");
  const std::string gateways = "    gateways: [istio/public-gateway, mesh]\n";
  text.erase(text.find(gateways), gateways.size());
  auto delegate = Render(Canary(text));
  CHECK(Len(VsSpec(delegate).Find("hosts")) == 0);
  CHECK(Len(VsSpec(delegate).Find("gateways")) == 0);
  CHECK(*Http(delegate).items[0].Find("route")->items[0].Path({"destination", "port", "number"})->AsInt() == 9898);
  const Manifest invalid = Canary(Fill(kPodinfo, "delegation: true", ""));
  RoutingInput in;
  in.canary = &invalid;
  in.selector_label = "app";
  CHECK(!MakeRouting(in).ok());
}

TEST_CASE("flagger router parity: TestIstioRouter_Match") {
  auto objs = Render(Canary(Fill(kAbtest, "", "")));
  CHECK(Len(&Http(objs)) == 2);
  CHECK(Len(Http(objs).items[0].Find("match")) == 1);
  CHECK(Http(objs).items[0].Find("match")->items[0].Path({"headers", "x-user-type", "exact"})->value == "test");
  CHECK(Len(Http(objs).items[1].Find("match")) == 0);
  const std::string service = "match:\n      - name: podinfo\n        uri:\n          prefix: /podinfo\n"
                              "        method:\n          exact: GET\n        ignoreUriCase: true";
  const std::string ab = "- headers:\n          x-user-type:\n            exact: test\n"
                         "          x-auth-test:\n            exact: test\n"
                         "      - headers:\n          x-session-id:\n            exact: test";
  auto both = Render(Canary(Fill(kAbtest, service, ab)));
  const Node& first = Http(both).items[0];
  CHECK(Len(&Http(both)) == 2);
  CHECK(Len(first.Find("match")) == 2);
  CHECK(first.Find("match")->items[0].Path({"uri", "prefix"})->value == "/podinfo");
  CHECK(first.Find("match")->items[0].Path({"headers", "x-user-type", "exact"})->value == "test");
  CHECK(first.Find("match")->items[0].Path({"headers", "x-auth-test", "exact"})->value == "test");
  CHECK(first.Find("match")->items[1].Path({"uri", "prefix"})->value == "/podinfo");
  CHECK(first.Find("match")->items[1].Path({"headers", "x-session-id", "exact"})->value == "test");
  CHECK(Len(Http(both).items[1].Find("match")) == 1);
  CHECK(Http(both).items[1].Find("match")->items[0].Path({"uri", "prefix"})->value == "/podinfo");
}

TEST_CASE("flagger router parity: TestIstioRouter_SetRoutesTCP and GetRoutesTCP") {
  const Manifest canary = Canary(kTcp);
  auto objs = Render(canary, {40, false, {}});
  REQUIRE(VsSpec(objs).Find("tcp") != nullptr);
  CHECK(VsSpec(objs).Find("http") == nullptr);
  const Node& tcp = VsSpec(objs).Find("tcp")->items[0];
  CHECK(Weight(tcp, "podinfo-primary") == 60);
  CHECK(Weight(tcp, "podinfo-canary") == 40);
  auto idle = Render(canary);
  const Node& route = VsSpec(idle).Find("tcp")->items[0];
  CHECK(Weight(route, "podinfo-primary") == 100);
  CHECK(Weight(route, "podinfo-canary") == 0);
  CHECK(route.Find("mirror") == nullptr);
  auto mirror = Render(Canary(Fill(kPodinfo, "", "mirror: true")));
  CHECK(Weight(Http(mirror).items[0], "podinfo-primary") == 100);
  CHECK(Weight(Http(mirror).items[0], "podinfo-canary") == 0);
  CHECK(Http(mirror).items[0].Find("mirror") == nullptr);
}

// kubernetes_default_test.go ------------------------------------------------

const Node& Svc(const std::vector<Node>& objs, int i) { return objs[static_cast<std::size_t>(i)]; }
std::string At(const Node& n, std::initializer_list<std::string_view> path) {
  const Node* v = n.Path(path);
  return v == nullptr ? "<absent>" : v->value;
}
const Node& Port0(const Node& svc) { return svc.Path({"spec", "ports"})->items[0]; }

TEST_CASE("flagger router parity: TestServiceRouter_Create") {
  auto objs = Render(Canary(Fill(kPodinfo, "headless: true", "")));
  const Node& canary = Svc(objs, 2);
  const Node& primary = Svc(objs, 1);
  CHECK(At(Port0(canary), {"appProtocol"}) == "http");
  CHECK(At(Port0(canary), {"name"}) == "http");
  CHECK(At(Port0(canary), {"port"}) == "9898");
  CHECK(At(canary, {"spec", "clusterIP"}) == "None");
  CHECK(At(Port0(primary), {"name"}) == "http");
  CHECK(At(Port0(primary), {"port"}) == "9898");
  CHECK(At(primary, {"spec", "clusterIP"}) == "None");
}

TEST_CASE("flagger router parity: TestServiceRouter_TrafficDistribution") {
  auto objs = Render(Canary(Fill(kPodinfo, "trafficDistribution: PreferClose", "")));
  for (int i : {2, 1, 0}) {
    CAPTURE(i);
    CHECK(Svc(objs, i).Path({"spec", "trafficDistribution"}) != nullptr);
    CHECK(At(Svc(objs, i), {"spec", "trafficDistribution"}) == "PreferClose");
  }
}

TEST_CASE("flagger router parity: TestServiceRouter_Update and Undo") {
  auto grpc = Render(Canary(Fill(kPodinfo, "portName: grpc", "")));
  CHECK(At(Port0(Svc(grpc, 2)), {"name"}) == "grpc");
  auto objs = Render(Canary(Fill(kPodinfo, "", "")));  // whatever was edited in the cluster
  CHECK(At(Port0(Svc(objs, 2)), {"name"}) == "http");
  CHECK(At(Port0(Svc(objs, 2)), {"port"}) == "9898");
}

constexpr const char* kMetadata = R"(apex:
      labels: {test: test}
      annotations: {test: test}
    primary:
      labels: {test: test}
      annotations: {test: test}
    canary:
      labels: {test: test}
      annotations: {test: test})";

TEST_CASE("flagger router parity: TestServiceRouter_InitializeMetadata and ReconcileMetadata") {
  auto objs = Render(Canary(Fill(kPodinfo, kMetadata, "")));
  const Node& apex = Svc(objs, 0);
  const Node& primary = Svc(objs, 1);
  const Node& canary = Svc(objs, 2);
  // InitializeMetadata
  CHECK(At(canary, {"metadata", "annotations", "test"}) == "test");
  CHECK(At(canary, {"metadata", "labels", "test"}) == "test");
  CHECK(At(canary, {"metadata", "labels", "app"}) == "podinfo-canary");
  CHECK(At(primary, {"metadata", "labels", "app"}) == "podinfo-primary");
  // ReconcileMetadata
  CHECK(At(apex, {"metadata", "annotations", "test"}) == "test");
  CHECK(At(apex, {"metadata", "labels", "test"}) == "test");
  CHECK(At(apex, {"metadata", "labels", "app"}) == "podinfo");
  CHECK(At(canary, {"metadata", "labels", "app"}) == "podinfo-canary");
  CHECK(At(primary, {"metadata", "labels", "app"}) == "podinfo-primary");
  auto changed = Render(Canary(Fill(kPodinfo, "apex:\n      labels: {test: test1}\n      annotations: {test1: test}", "")));
  CHECK(At(Svc(changed, 0), {"metadata", "annotations", "test1"}) == "test");
  CHECK(At(Svc(changed, 0), {"metadata", "labels", "test"}) == "test1");
  CHECK(At(Svc(changed, 0), {"metadata", "labels", "app"}) == "podinfo");
}

TEST_CASE("flagger router parity: TestServiceRouter_Unmanaged metadata") {
  // The value the Canary gives wins on the apex Service.
  auto objs = Render(Canary(Fill(kPodinfo, "apex:\n      labels: {test: expectedvalue}\n"
                                           "      annotations: {test: expectedvalue}", "")));
  CHECK(At(Svc(objs, 0), {"metadata", "annotations", "test"}) == "expectedvalue");  // UnmanagedAnnotations
  CHECK(At(Svc(objs, 0), {"metadata", "labels", "test"}) == "expectedvalue");       // UnmanagedLabels
  CHECK(At(Svc(objs, 0), {"metadata", "annotations", "test"}) == "expectedvalue");  // both
  CHECK(At(Svc(objs, 0), {"metadata", "labels", "test"}) == "expectedvalue");
}

}  // namespace
}  // namespace gitcanary::render
