// Tests for Gateways shared between the apps of a repository: the `gateways:`
// settings of gitcanary.yaml (checked against the shape of Istio's Gateway
// Server), the plan that picks one emitting app with the union of the hosts,
// and render following that plan. Expectations follow shared_gateways.h and
// Istio's Gateway API reference (networking.istio.io Server, ServerTLSSettings).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/app_config.h"
#include "render/loader.h"
#include "render/render.h"
#include "render/shared_gateways.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

const std::string kHead = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n";  // lines 1-2

AppConfig ConfigOk(const std::string& body) {
  auto c = ParseAppConfig(kHead + body, "gitcanary.yaml");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  return std::move(*c);
}

std::string ConfigError(const std::string& body) {
  auto c = ParseAppConfig(kHead + body, "gitcanary.yaml");
  REQUIRE_FALSE(c.ok());
  return c.status().message();
}

std::string App(const std::string& name, const std::string& ns, const std::vector<std::string>& gateways,
                const std::vector<std::string>& hosts) {
  std::string s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
                  "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
                  "\n  template:\n    metadata:\n      labels:\n        app: " + name +
                  "\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n"
                  "          ports:\n            - name: http\n              containerPort: 8080\n---\n";
  s += "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
       "\nspec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: " + name +
       "\n  service:\n    port: 80\n    targetPort: 8080\n";
  if (!gateways.empty()) s += "    gateways:\n";
  for (const std::string& g : gateways) s += "      - " + g + "\n";
  if (!hosts.empty()) s += "    hosts:\n";
  for (const std::string& h : hosts) s += "      - \"" + h + "\"\n";
  return s + "  analysis:\n    stepWeight: 10\n";
}

std::vector<Manifest> Parse(const std::string& text) {
  auto parsed = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

GatewayUses Uses(const std::string& text, const AppConfig& config = {}) {
  return CollectGatewayUses(Parse(text), config);
}

const GatewayKey kPublic{"istio-system", "public-gateway"};

std::vector<std::string> Hosts(const HostSet& h) {
  if (h.any) return {"*"};
  return {h.hosts.begin(), h.hosts.end()};
}

std::vector<const Manifest*> Gateways(const RenderResult& r) {
  std::vector<const Manifest*> out;
  for (const Manifest& m : r.objects)
    if (m.kind == "Gateway") out.push_back(&m);
  return out;
}

TEST_CASE("gateway settings: owner, external, selector and HTTPS servers are read") {
  AppConfig c = ConfigOk(
      "gateways:\n"
      "  istio-system/public-gateway:\n"
      "    owner: ./apps/frontend/\n"
      "    selector:\n      istio: public\n"
      "    servers:\n"
      "      - port: {number: 80, name: http, protocol: HTTP}\n"
      "        tls: {httpsRedirect: true}\n"
      "      - port: {number: 443, name: https, protocol: HTTPS}\n"
      "        tls: {mode: SIMPLE, credentialName: public-cert, minProtocolVersion: TLSV1_2}\n"
      "  istio-system/internal:\n"
      "    external: true\n");
  REQUIRE(c.gateways.size() == 2);
  const GatewaySettings& pub = c.gateways.at(kPublic);
  CHECK(pub.owner == std::optional<std::string>("apps/frontend"));
  CHECK_FALSE(pub.external);
  REQUIRE(pub.selector.has_value());
  CHECK(pub.selector->Find("istio")->value == "public");
  REQUIRE(pub.servers.has_value());
  CHECK(pub.servers->items.size() == 2);
  CHECK(c.gateways.at({"istio-system", "internal"}).external);
}

TEST_CASE("gateway settings refuse what Istio's Gateway schema or istiod would refuse") {
  struct Row { const char* body; const char* message; };
  const std::string key = "gateways:\n  istio-system/gw:\n";
  const Row rows[] = {
      {"    servers:\n      - port: {number: 443, name: https, protocol: HTTPS}\n",
       "gitcanary.yaml:6:9: gateways.istio-system/gw.servers[0].tls.mode: missing; an HTTPS server needs tls settings"},
      {"    servers:\n      - port: {number: 443, name: https, protocol: HTTPS}\n        tls: {mode: SIMPLE}\n",
       "gitcanary.yaml:7:14: gateways.istio-system/gw.servers[0].tls.credentialName: missing; tls mode SIMPLE needs credentialName"},
      {"    servers:\n      - port: {number: 80, name: http, protocol: HTTQ}\n",
       "gateways.istio-system/gw.servers[0].port.protocol: must be one of HTTP, HTTPS, GRPC, GRPC-WEB, HTTP2, MONGO, TCP, TLS"},
      {"    servers:\n      - port: {number: 80, name: http, protocol: HTTP}\n        tls: {mode: SIMPEL}\n",
       "gateways.istio-system/gw.servers[0].tls.mode: must be one of PASSTHROUGH, SIMPLE, MUTUAL"},
      {"    servers:\n      - port: {number: 80, name: http, protocol: HTTP}\n        tls: {credentialNmae: x}\n",
       "gateways.istio-system/gw.servers[0].tls.credentialNmae: unknown field"},
      {"    servers:\n      - port: {number: 70000, name: http, protocol: HTTP}\n",
       "gateways.istio-system/gw.servers[0].port.number: must be a port between 1 and 65535"},
      {"    servers:\n      - port: {number: \"80\", name: http, protocol: HTTP}\n",
       "gateways.istio-system/gw.servers[0].port.number: expected an integer"},
      {"    servers:\n      - port: {number: 80, protocol: HTTP}\n",
       "gateways.istio-system/gw.servers[0].port.name: missing; Istio requires it"},
      {"    servers:\n      - port: {number: 80, name: http, protocol: HTTP}\n        hosts: [a.example.com]\n",
       "gateways.istio-system/gw.servers[0].hosts: filled in from the hosts of the Canaries"},
      {"    servers:\n      - port: {number: 80, name: web, protocol: HTTP}\n      - port: {number: 8080, name: web, protocol: HTTP}\n",
       "gateways.istio-system/gw.servers[1].port.name: \"web\" is used by another server"},
      {"    servers: []\n", "gateways.istio-system/gw.servers: must list at least one server"},
      {"    external: true\n    servers:\n      - port: {number: 80, name: http, protocol: HTTP}\n",
       "gateways.istio-system/gw.servers: the gateway is external"},
      {"    owner: ../elsewhere\n", "gateways.istio-system/gw.owner: expected an app directory below"},
      {"    ownr: apps/a\n", "gateways.istio-system/gw.ownr: unknown field; expected one of owner, external, selector, servers"},
      {"    selector: {istio: 1}\n", "gateways.istio-system/gw.selector.istio: expected a string"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.body);
    const std::string message = ConfigError(key + row.body);
    CHECK_MESSAGE(message.find(row.message) != std::string::npos, message);
  }
  CHECK(ConfigError("gateways:\n  public-gateway:\n    external: true\n").find(
            "gitcanary.yaml:4:3: gateways.public-gateway: expected NAMESPACE/NAME") != std::string::npos);
}

TEST_CASE("uses: Canaries with a written namespace name shared Gateways, Istio Gateways are definitions") {
  const std::string text =
      App("a", "shop", {"public-gateway.istio-system.svc.cluster.local", "mesh", "local-gw"}, {"a.example.com"}) +
      "---\napiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: edge\n  namespace: istio-system\n"
      "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: api\n  namespace: istio-system\n";
  GatewayUses u = Uses(text);
  REQUIRE(u.named.size() == 2);
  CHECK(Hosts(u.named.at(kPublic)) == std::vector<std::string>{"a.example.com"});
  CHECK(u.named.count({"shop", "local-gw"}) == 1);  // the Canary's written namespace
  CHECK(u.defined == std::set<GatewayKey>{{"istio-system", "edge"}});
}

TEST_CASE("uses: a gateway in the app's unwritten namespace is the app's own") {
  std::string text = App("a", "x", {"local-gw"}, {});
  for (std::size_t at; (at = text.find("  namespace: x\n")) != std::string::npos;) text.erase(at, 15);
  CHECK(Uses(text).named.empty());
}

TEST_CASE("uses: Canaries generated from templates count") {
  AppConfig c = ConfigOk(
      "templates:\n  web:\n    spec:\n      service:\n        port: 80\n        gateways: [istio-system/public-gateway]\n"
      "        hosts: [\"{{ name }}.example.com\"]\n");
  const std::string deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  namespace: web\n  annotations:\n"
      "    gitcanary.io/canary-template: web\nspec: {}\n";
  GatewayUses u = Uses(deployment, c);
  REQUIRE(u.named.count(kPublic) == 1);
  CHECK(Hosts(u.named.at(kPublic)) == std::vector<std::string>{"shop.example.com"});
}

TEST_CASE("plan: the first app in path order emits, with the union of every app's hosts") {
  const GatewayUses b = Uses(App("b", "shop", {"istio-system/public-gateway"}, {"b.example.com"}));
  const GatewayUses a = Uses(App("a", "shop", {"istio-system/public-gateway"}, {"a.example.com", "x.example.com"}));
  const GatewayUses c = Uses(App("c", "shop", {"istio-system/public-gateway"}, {"c.example.com"}));
  const AppConfig config;
  auto as_a = PlanSharedGateways("apps/a", a, {{"apps/b", b}, {"apps/c", c}}, config, "");
  auto as_b = PlanSharedGateways("apps/b", b, {{"apps/a", a}, {"apps/c", c}}, config, "");
  auto as_c = PlanSharedGateways("apps/c", c, {{"apps/a", a}, {"apps/b", b}}, config, "");
  REQUIRE(as_a.ok());
  REQUIRE(as_b.ok());
  REQUIRE(as_c.ok());
  CHECK(as_a->at(kPublic).emit);
  CHECK_FALSE(as_b->at(kPublic).emit);
  CHECK_FALSE(as_c->at(kPublic).emit);
  CHECK(as_b->at(kPublic).reason == "emitted by app apps/a");
  CHECK(Hosts(as_a->at(kPublic).hosts) ==
        std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com", "x.example.com"});
  // An app naming no host makes the Gateway take every host, as for one app.
  const GatewayUses any = Uses(App("d", "shop", {"istio-system/public-gateway"}, {}));
  auto with_any = PlanSharedGateways("apps/a", a, {{"apps/b", b}, {"apps/d", any}}, config, "");
  REQUIRE(with_any.ok());
  CHECK(Hosts(with_any->at(kPublic).hosts) == std::vector<std::string>{"*"});
}

TEST_CASE("plan: a Gateway defined by another app or marked external is never generated") {
  const GatewayUses a = Uses(App("a", "shop", {"istio-system/public-gateway"}, {"a.example.com"}));
  GatewayUses infra;
  infra.defined.insert(kPublic);
  auto plan = PlanSharedGateways("apps/a", a, {{"infra/istio", infra}}, AppConfig{}, "");
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->at(kPublic).emit);
  CHECK(plan->at(kPublic).reason == "defined in app infra/istio");
  AppConfig external = ConfigOk("gateways:\n  istio-system/public-gateway:\n    external: true\n");
  plan = PlanSharedGateways("apps/a", a, {}, external, "");
  REQUIRE(plan.ok());
  CHECK_FALSE(plan->at(kPublic).emit);
}

TEST_CASE("plan: gitcanary.yaml names the owner, relative to its own directory") {
  const GatewayUses a = Uses(App("a", "shop", {"istio-system/public-gateway"}, {"a.example.com"}));
  const GatewayUses b = Uses(App("b", "shop", {"istio-system/public-gateway"}, {"b.example.com"}));
  AppConfig config = ConfigOk("gateways:\n  istio-system/public-gateway:\n    owner: apps/b\n");
  auto as_a = PlanSharedGateways("deploy/apps/a", a, {{"deploy/apps/b", b}}, config, "deploy");
  auto as_b = PlanSharedGateways("deploy/apps/b", b, {{"deploy/apps/a", a}}, config, "deploy");
  REQUIRE(as_a.ok());
  REQUIRE(as_b.ok());
  CHECK_FALSE(as_a->at(kPublic).emit);
  CHECK(as_b->at(kPublic).emit);
  CHECK(Hosts(as_b->at(kPublic).hosts) == std::vector<std::string>{"a.example.com", "b.example.com"});
  // Rendering a directory that holds the owner app emits it too.
  auto whole = PlanSharedGateways("deploy", a, {}, config, "deploy");
  REQUIRE(whole.ok());
  CHECK(whole->at(kPublic).emit);
  // An owner that does not load still owns it: its own render reports why.
  auto unread = PlanSharedGateways("deploy/apps/a", a, {}, config, "deploy", {"deploy/apps/b"});
  REQUIRE(unread.ok());
  CHECK_FALSE(unread->at(kPublic).emit);
  // An owner that names no such app is an error at the owner.
  AppConfig wrong = ConfigOk("gateways:\n  istio-system/public-gateway:\n    owner: apps/zz\n");
  auto bad = PlanSharedGateways("apps/a", a, {{"apps/b", b}}, wrong, "");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("gitcanary.yaml:5:12: gateways.istio-system/public-gateway.owner: no app at \"apps/zz\"") !=
        std::string::npos);
}

TEST_CASE("render follows the plan: only the owner emits, with every app's hosts and the configured servers") {
  AppConfig config = ConfigOk(
      "gateways:\n  istio-system/public-gateway:\n    servers:\n"
      "      - port: {number: 443, name: https, protocol: HTTPS}\n"
      "        tls: {mode: SIMPLE, credentialName: public-cert}\n");
  const std::string a_text = App("a", "shop", {"istio-system/public-gateway"}, {"a.example.com"});
  const std::string b_text = App("b", "shop", {"istio-system/public-gateway"}, {"b.example.com"});
  const GatewayUses a = Uses(a_text), b = Uses(b_text);
  RenderOptions as_a, as_b;
  as_a.mode = as_b.mode = Mode::kFlagger;
  auto plan_a = PlanSharedGateways("apps/a", a, {{"apps/b", b}}, config, "");
  auto plan_b = PlanSharedGateways("apps/b", b, {{"apps/a", a}}, config, "");
  REQUIRE(plan_a.ok());
  REQUIRE(plan_b.ok());
  as_a.gateways = *plan_a;
  as_b.gateways = *plan_b;
  auto ra = Render(Parse(a_text), config, as_a);
  auto rb = Render(Parse(b_text), config, as_b);
  REQUIRE_MESSAGE(ra.ok(), ra.status().message());
  REQUIRE_MESSAGE(rb.ok(), rb.status().message());
  CHECK(Gateways(*rb).empty());
  REQUIRE(Gateways(*ra).size() == 1);
  const Node& gw = Gateways(*ra)[0]->doc;
  CHECK(gw.Path({"metadata", "namespace"})->value == "istio-system");
  const Node* servers = gw.Path({"spec", "servers"});
  REQUIRE(servers->items.size() == 1);
  const Node& server = servers->items[0];
  CHECK(server.Path({"port", "number"})->value == "443");
  CHECK(server.Path({"port", "protocol"})->value == "HTTPS");
  CHECK(server.Path({"tls", "mode"})->value == "SIMPLE");
  CHECK(server.Path({"tls", "credentialName"})->value == "public-cert");
  REQUIRE(server.Find("hosts")->items.size() == 2);
  CHECK(server.Find("hosts")->items[0].value == "a.example.com");
  CHECK(server.Find("hosts")->items[1].value == "b.example.com");
  CHECK(gw.Path({"spec", "selector", "istio"})->value == "ingressgateway");
}

TEST_CASE("without a plan an app stands alone, and external still means never generated") {
  const std::string text = App("a", "shop", {"istio-system/public-gateway"}, {"a.example.com"});
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto alone = Render(Parse(text), AppConfig{}, options);
  REQUIRE(alone.ok());
  REQUIRE(Gateways(*alone).size() == 1);
  AppConfig external = ConfigOk("gateways:\n  istio-system/public-gateway:\n    external: true\n");
  auto left_out = Render(Parse(text), external, options);
  REQUIRE(left_out.ok());
  CHECK(Gateways(*left_out).empty());
}

}  // namespace
}  // namespace gitcanary::render
