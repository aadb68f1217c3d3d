// Tests for the Dispatch rewrites applied by Render in flagger mode: replicas
// and HPAs, Gateways, and the Services and Ingresses that canary routing
// replaces. Inputs are inline YAML; expectations follow rewrite_app.h and
// routing_replaced.h.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "render/loader.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

std::string Deployment(const std::string& name, const std::string& ns = "", const std::string& replicas = "") {
  std::string s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  s += "spec:\n";
  if (!replicas.empty()) s += "  replicas: " + replicas + "\n";
  return s + "  selector:\n    matchLabels:\n      app: " + name + "\n  template:\n    metadata:\n      labels:\n"
             "        app: " + name + "\n        tier: web\n    spec:\n      containers:\n        - name: app\n"
             "          image: example/app:1\n          ports:\n            - name: http\n"
             "              containerPort: 8080\n";
}

struct CanaryOpts {
  std::string ns;
  std::string autoscaler;
  std::vector<std::string> gateways;
  std::vector<std::string> hosts;
  std::string target_port = "8080";
  std::string provider;     // spec.provider, when set
  std::string ingress_ref;  // spec.ingressRef.name, when set
};

std::string Canary(const std::string& name, const std::string& target, const CanaryOpts& o = {}) {
  std::string s = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name + "\n";
  if (!o.ns.empty()) s += "  namespace: " + o.ns + "\n";
  s += "spec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: " + target + "\n";
  if (!o.autoscaler.empty()) s += "  autoscalerRef:\n    apiVersion: autoscaling/v2\n    name: " + o.autoscaler + "\n";
  if (!o.provider.empty()) s += "  provider: " + o.provider + "\n";
  if (!o.ingress_ref.empty())
    s += "  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: " + o.ingress_ref + "\n";
  s += "  service:\n    port: 80\n    targetPort: " + o.target_port + "\n";
  if (!o.gateways.empty()) s += "    gateways:\n";
  for (const std::string& g : o.gateways) s += "      - " + g + "\n";
  if (!o.hosts.empty()) s += "    hosts:\n";
  for (const std::string& h : o.hosts) s += "      - \"" + h + "\"\n";
  return s + "  analysis:\n    stepWeight: 10\n";
}

// `selector` and `ports` are YAML lines indented for their place under spec.
std::string Service(const std::string& name, const std::string& ns, const std::string& selector,
                    const std::string& target_port = "8080") {
  std::string s = "apiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  s += "spec:\n";
  if (!selector.empty()) s += "  selector:\n" + selector;
  s += "  ports:\n    - name: http\n      port: 80\n";
  if (!target_port.empty()) s += "      targetPort: " + target_port + "\n";
  return s;
}

std::string Docs(const std::vector<std::string>& docs) {
  std::string out;
  for (const std::string& d : docs) out += (out.empty() ? "" : "---\n") + d;
  return out;
}

Result<RenderResult> RenderFiles(const std::vector<std::pair<std::string, std::string>>& files,
                                 const AppConfig& config = {}, Mode mode = Mode::kFlagger) {
  std::vector<Manifest> all;
  for (const auto& [file, text] : files) {
    auto parsed = ParseManifests(text, file);
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    for (Manifest& m : *parsed) all.push_back(std::move(m));
  }
  RenderOptions options;
  options.mode = mode;
  return Render(std::move(all), config, options);
}

RenderResult RenderOk(const std::vector<std::string>& docs, const AppConfig& config = {}) {
  auto r = RenderFiles({{"app.yaml", Docs(docs)}}, config);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(*r);
}

std::vector<const Manifest*> OfKind(const RenderResult& r, const std::string& kind) {
  std::vector<const Manifest*> out;
  for (const Manifest& m : r.objects)
    if (m.kind == kind) out.push_back(&m);
  return out;
}

// The object of `kind` and `name` whose namespace is written as `ns`.
const Manifest* Find(const RenderResult& r, const std::string& kind, const std::string& name, const std::string& ns = "") {
  for (const Manifest& m : r.objects)
    if (m.kind == kind && m.name == name && m.ns == ns) return &m;
  return nullptr;
}

long long IntAt(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  REQUIRE(n != nullptr);
  REQUIRE(n->AsInt().has_value());
  return *n->AsInt();
}

std::string StrAt(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  REQUIRE(n != nullptr);
  return n->value;
}

std::vector<std::string> GatewayHosts(const Manifest& gw) {
  const Node* servers = gw.doc.Path({"spec", "servers"});
  REQUIRE(servers != nullptr);
  REQUIRE(servers->items.size() == 1);
  std::vector<std::string> out;
  for (const Node& h : servers->items[0].Find("hosts")->items) out.push_back(h.value);
  return out;
}

TEST_CASE("Render in git mode replaces the Canary with its workloads and routing") {
  auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web")})}}, AppConfig{}, Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(OfKind(*r, "Canary").empty());
  CHECK(OfKind(*r, "Deployment").size() == 2);
  CHECK(OfKind(*r, "Service").size() == 3);
  CHECK(OfKind(*r, "DestinationRule").size() == 2);
  CHECK(OfKind(*r, "VirtualService").size() == 1);
}

TEST_CASE("replicas are removed only from Deployments whose Canary has an autoscalerRef") {
  CanaryOpts scaled;
  scaled.autoscaler = "a";
  RenderResult r = RenderOk({Deployment("a", "", "3"), Deployment("b", "", "3"), Canary("a", "a", scaled), Canary("b", "b")});
  const Manifest* a = Find(r, "Deployment", "a");
  const Manifest* b = Find(r, "Deployment", "b");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  CHECK(a->doc.Path({"spec", "replicas"}) == nullptr);
  CHECK(IntAt(*b, {"spec", "replicas"}) == 3);
  REQUIRE(OfKind(r, "HorizontalPodAutoscaler").size() == 1);
  CHECK(OfKind(r, "HorizontalPodAutoscaler")[0]->name == "a");
}

TEST_CASE("generated HPA is autoscaling/v2, scales the target and takes the config sizing") {
  CanaryOpts o;
  o.ns = "shop";
  o.autoscaler = "web-hpa";
  AppConfig sized;
  sized.hpa = HpaDefaults{3, 7, 80};
  struct Row { const char* name; AppConfig config; long long min, max, cpu; };
  const Row rows[] = {{"built-in defaults", AppConfig{}, 2, 4, 99}, {"config sizing", sized, 3, 7, 80}};
  for (const Row& row : rows) {
    CAPTURE(row.name);
    RenderResult r = RenderOk({Deployment("web", "shop"), Canary("web", "web", o)}, row.config);
    const Manifest* hpa = Find(r, "HorizontalPodAutoscaler", "web-hpa", "shop");
    REQUIRE(hpa != nullptr);
    CHECK(hpa->api_version == "autoscaling/v2");
    CHECK(StrAt(*hpa, {"spec", "scaleTargetRef", "apiVersion"}) == "apps/v1");
    CHECK(StrAt(*hpa, {"spec", "scaleTargetRef", "kind"}) == "Deployment");
    CHECK(StrAt(*hpa, {"spec", "scaleTargetRef", "name"}) == "web");
    CHECK(IntAt(*hpa, {"spec", "minReplicas"}) == row.min);
    CHECK(IntAt(*hpa, {"spec", "maxReplicas"}) == row.max);
    const Node& metric = hpa->doc.Path({"spec", "metrics"})->items.at(0);
    CHECK(metric.Path({"resource", "name"})->value == "cpu");
    CHECK(metric.Path({"resource", "target", "averageUtilization"})->AsInt() == row.cpu);
  }
}

TEST_CASE("removed replicas raise the generated maxReplicas when larger") {
  struct Row { const char* replicas; long long max; };
  for (const Row& row : {Row{"5", 5}, Row{"3", 4}, Row{"4", 4}, Row{"", 4}, Row{"12", 12}}) {
    CAPTURE(row.replicas);
    CanaryOpts o;
    o.autoscaler = "web";
    RenderResult r = RenderOk({Deployment("web", "", row.replicas), Canary("web", "web", o)});
    const Manifest* hpa = Find(r, "HorizontalPodAutoscaler", "web");
    REQUIRE(hpa != nullptr);
    CHECK(IntAt(*hpa, {"spec", "maxReplicas"}) == row.max);
    CHECK(IntAt(*hpa, {"spec", "minReplicas"}) == 2);
  }
}

TEST_CASE("an HPA in the input is used instead of generating one, per namespace") {
  const std::string hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n"
                          "  namespace: NS\nspec:\n  minReplicas: 1\n  maxReplicas: 10\n";
  auto with_ns = [&](const std::string& ns) {
    std::string s = hpa;
    s.replace(s.find("NS"), 2, ns);
    return s;
  };
  CanaryOpts o;
  o.autoscaler = "web";
  RenderResult same = RenderOk({Deployment("web", "", "6"), Canary("web", "web", o), with_ns("default")});
  REQUIRE(OfKind(same, "HorizontalPodAutoscaler").size() == 1);
  CHECK(IntAt(*OfKind(same, "HorizontalPodAutoscaler")[0], {"spec", "maxReplicas"}) == 10);

  RenderResult other = RenderOk({Deployment("web"), Canary("web", "web", o), with_ns("other")});
  CHECK(OfKind(other, "HorizontalPodAutoscaler").size() == 2);
  CHECK(Find(other, "HorizontalPodAutoscaler", "web", "") != nullptr);
  CHECK(Find(other, "HorizontalPodAutoscaler", "web", "other") != nullptr);
}

TEST_CASE("two Canaries sharing one autoscaler or one Deployment is an error in every input order") {
  CanaryOpts o;
  o.autoscaler = "shared";
  const std::string a = Canary("a", "a", o), b = Canary("b", "b", o);
  for (const auto& docs : {std::vector<std::string>{Deployment("a"), Deployment("b"), a, b},
                           std::vector<std::string>{Deployment("b"), Deployment("a"), b, a}}) {
    auto r = RenderFiles({{"app.yaml", Docs(docs)}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("HorizontalPodAutoscaler default/shared is already claimed by Canary") != std::string::npos);
  }
  auto same_target = RenderFiles({{"app.yaml", Docs({Deployment("a"), Canary("one", "a"), Canary("two", "a")})}});
  REQUIRE_FALSE(same_target.ok());
  CHECK(same_target.status().message().find("spec.targetRef.name: Deployment default/a is already claimed by Canary one") != std::string::npos);
}

TEST_CASE("a Service selecting the pods of two Canaries' targets is an error in every input order") {
  // Both Deployments carry tier: web on their pods; the Service selects only that.
  const std::string svc = Service("s", "", "    tier: web\n");
  for (const auto& docs : {std::vector<std::string>{Deployment("a"), Deployment("b"), svc, Canary("a", "a"), Canary("b", "b")},
                           std::vector<std::string>{Deployment("b"), Deployment("a"), svc, Canary("b", "b"), Canary("a", "a")}}) {
    auto r = RenderFiles({{"app.yaml", Docs(docs)}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("selects the pods of more than one Canary's target") != std::string::npos);
  }
}

TEST_CASE("malformed gateway references are errors naming the list entry") {
  for (const char* ref : {"istio-system/", "/gw", "a/b/c", "gw.svc.cluster.local", "Public_GW", "ns/GW"}) {
    CAPTURE(ref);
    CanaryOpts o;
    o.gateways = {"mesh", ref};
    auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web", o)})}});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("spec.service.gateways[1]: gateway") != std::string::npos);
  }
}

TEST_CASE("a Gateway API Gateway of the same name does not stand in for the Istio Gateway") {
  CanaryOpts o;
  o.gateways = {"istio-system/pub"};
  const std::string gateway_api =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: pub\n  namespace: istio-system\n"
      "spec:\n  gatewayClassName: istio\n";
  RenderResult r = RenderOk({Deployment("web"), Canary("web", "web", o), gateway_api});
  REQUIRE(OfKind(r, "Gateway").size() == 2);
  CHECK(OfKind(r, "Gateway")[0]->api_version != OfKind(r, "Gateway")[1]->api_version);
}

TEST_CASE("a shared generated Gateway takes the explicit namespace whatever the input order") {
  CanaryOpts bare, explicit_ns;
  bare.gateways = explicit_ns.gateways = {"my-gw"};
  explicit_ns.ns = "default";
  const std::string a = Canary("a", "a", bare), b = Canary("b", "b", explicit_ns);
  for (const auto& docs : {std::vector<std::string>{Deployment("a"), Deployment("b", "default"), a, b},
                           std::vector<std::string>{Deployment("b", "default"), Deployment("a"), b, a}}) {
    RenderResult r = RenderOk(docs);
    REQUIRE(OfKind(r, "Gateway").size() == 1);
    CHECK(OfKind(r, "Gateway")[0]->ns == "default");
  }
}

TEST_CASE("Gateways named in service.gateways are generated in the namespace the reference says") {
  struct Row { const char* ref; const char* canary_ns; const char* name; const char* ns; };
  const Row rows[] = {
      {"public-gateway.istio-system.svc.cluster.local", "", "public-gateway", "istio-system"},
      {"istio-system/public-gateway", "", "public-gateway", "istio-system"},
      {"istio-system/public-gateway", "shop", "public-gateway", "istio-system"},
      {"my-gw", "shop", "my-gw", "shop"},
      {"my-gw", "", "my-gw", ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.ref);
    CAPTURE(row.canary_ns);
    CanaryOpts o;
    o.ns = row.canary_ns;
    o.gateways = {row.ref, "mesh"};
    RenderResult r = RenderOk({Deployment("web", row.canary_ns), Canary("web", "web", o)});
    REQUIRE(OfKind(r, "Gateway").size() == 1);
    const Manifest* gw = Find(r, "Gateway", row.name, row.ns);
    REQUIRE(gw != nullptr);
    CHECK(gw->api_version == "networking.istio.io/v1beta1");
    CHECK(StrAt(*gw, {"spec", "selector", "istio"}) == "ingressgateway");
    CHECK(GatewayHosts(*gw) == std::vector<std::string>{"*"});
  }
}

TEST_CASE("no Gateway is generated for mesh or for one present in the input") {
  CanaryOpts mesh;
  mesh.gateways = {"mesh"};
  CHECK(OfKind(RenderOk({Deployment("web"), Canary("web", "web", mesh)}), "Gateway").empty());
  CHECK(OfKind(RenderOk({Deployment("web"), Canary("web", "web")}), "Gateway").empty());

  const std::string existing = "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: public-gateway\n"
                               "  namespace: istio-system\nspec:\n  servers: []\n";
  CanaryOpts o;
  o.gateways = {"public-gateway.istio-system.svc.cluster.local"};
  o.hosts = {"a.example.com"};
  RenderResult r = RenderOk({Deployment("web"), Canary("web", "web", o), existing});
  REQUIRE(OfKind(r, "Gateway").size() == 1);
  CHECK(OfKind(r, "Gateway")[0]->doc.Path({"spec", "servers"})->items.empty());

  // A namespace-less Gateway lives in the app namespace.
  const std::string local = "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata:\n  name: my-gw\nspec: {}\n";
  o.gateways = {"default/my-gw"};
  RenderResult r2 = RenderOk({Deployment("web"), Canary("web", "web", o), local});
  REQUIRE(OfKind(r2, "Gateway").size() == 1);
  CHECK(OfKind(r2, "Gateway")[0]->doc.Path({"spec", "servers"}) == nullptr);
}

TEST_CASE("a shared Gateway's hosts are the sorted union, or * when a Canary has no hosts") {
  CanaryOpts a, b, c;
  a.gateways = b.gateways = c.gateways = {"istio-system/public"};
  a.hosts = {"b.example.com", "a.example.com"};
  b.hosts = {"c.example.com", "a.example.com"};
  std::vector<std::string> docs = {Deployment("a"), Deployment("b"), Canary("a", "a", a), Canary("b", "b", b)};
  RenderResult r = RenderOk(docs);
  REQUIRE(OfKind(r, "Gateway").size() == 1);
  CHECK(GatewayHosts(*Find(r, "Gateway", "public", "istio-system")) ==
        std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com"});

  docs.push_back(Deployment("c"));
  docs.push_back(Canary("c", "c", c));
  RenderResult any = RenderOk(docs);
  REQUIRE(OfKind(any, "Gateway").size() == 1);
  CHECK(GatewayHosts(*OfKind(any, "Gateway")[0]) == std::vector<std::string>{"*"});
}

TEST_CASE("only Services in the Canary's namespace whose selector matches the pods are removed") {
  const std::string app = "    app: web\n";
  RenderResult r = RenderOk({
      Deployment("web", "shop"), Canary("web", "web", CanaryOpts{.ns = "shop"}),
      Service("web", "shop", app),
      Service("web-tier", "shop", app + "    tier: web\n"),
      Service("web", "other", app),
      Service("web-stable", "shop", app + "    track: stable\n"),
      Service("headless", "shop", ""),
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: empty-selector\n  namespace: shop\nspec:\n  selector: {}\n"
      "  ports:\n    - port: 80\n",
      Service("api", "shop", "    app: api\n"),
  });
  CHECK(Find(r, "Service", "web", "shop") == nullptr);
  CHECK(Find(r, "Service", "web-tier", "shop") == nullptr);
  CHECK(Find(r, "Service", "web", "other") != nullptr);
  CHECK(Find(r, "Service", "web-stable", "shop") != nullptr);
  CHECK(Find(r, "Service", "headless", "shop") != nullptr);
  CHECK(Find(r, "Service", "api", "shop") != nullptr);
  CHECK(Find(r, "Service", "empty-selector", "shop") != nullptr);
  CHECK(OfKind(r, "Service").size() == 5);
  bool explained = false;
  for (const std::string& line : r.explain) explained = explained || line.find("removed Service shop/web:") == 0;
  CHECK(explained);
}

TEST_CASE("a Service is found by any of the pod labels, whichever its selector names first, in input order") {
  // The pods carry app: web and tier: web. Services are looked up by the first
  // label of their selector; the removals are still reported in input order.
  RenderResult r = RenderOk({
      Service("by-tier", "", "    tier: web\n    app: web\n"),
      Deployment("web"), Canary("web", "web"),
      Service("by-app", "", "    app: web\n"),
      Service("tier-other-app", "", "    tier: web\n    app: other\n"),
      Service("by-tier-only", "", "    tier: web\n"),
      Service("tier-seven", "", "    tier: \"7\"\n"),
  });
  CHECK(Find(r, "Service", "by-tier") == nullptr);
  CHECK(Find(r, "Service", "by-app") == nullptr);
  CHECK(Find(r, "Service", "by-tier-only") == nullptr);
  CHECK(Find(r, "Service", "tier-other-app") != nullptr);
  CHECK(Find(r, "Service", "tier-seven") != nullptr);
  std::vector<std::string> removed;
  for (const std::string& line : r.explain)
    if (line.rfind("removed Service ", 0) == 0) removed.push_back(line.substr(16, line.find(':') - 16));
  CHECK(removed == std::vector<std::string>{"by-tier", "by-app", "by-tier-only"});
}

TEST_CASE("Service and Canary target ports agree through container port names") {
  struct Row { const char* name; const char* service_target; const char* canary_target; };
  const Row rows[] = {
      {"named Service port", "http", "8080"},
      {"named Canary port", "8080", "http"},
      {"both named", "http", "http"},
      {"both numbers", "8080", "8080"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    CanaryOpts o;
    o.target_port = row.canary_target;
    RenderResult r = RenderOk({Deployment("web"), Canary("web", "web", o), Service("web", "", "    app: web\n", row.service_target)});
    CHECK(OfKind(r, "Service").empty());
  }
}

TEST_CASE("a replaced Service whose targetPort disagrees with the Canary is an error") {
  const std::string svc = Service("web", "", "    app: web\n", "9090");  // targetPort on line 11, column 19
  auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web")})}, {"svc.yaml", svc}});
  REQUIRE_FALSE(r.ok());
  const std::string& msg = r.status().message();
  CHECK(msg.find("svc.yaml:11:19: spec.ports[0].targetPort: Service web sends traffic to port 9090") == 0);
  CHECK(msg.find("targetPort 8080") != std::string::npos);
}

std::string IngressV1(const std::string& name, const std::vector<std::string>& services, const std::string& ns = "") {
  std::string s = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  s += "spec:\n  rules:\n    - http:\n        paths:\n";
  for (const std::string& svc : services)
    s += "          - path: /" + svc + "\n            pathType: Prefix\n            backend:\n              service:\n"
         "                name: " + svc + "\n                port:\n                  number: 80\n";
  return s;
}

TEST_CASE("Ingresses are removed when every backend points at a replaced Service") {
  const std::string beta = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: legacy\nspec:\n"
                           "  backend:\n    serviceName: web\n    servicePort: 80\n  rules:\n    - http:\n        paths:\n"
                           "          - path: /\n            backend:\n              serviceName: web\n              servicePort: 80\n";
  const std::string default_backend = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: catch-all\nspec:\n"
                                      "  defaultBackend:\n    service:\n      name: web\n      port:\n        number: 80\n";
  RenderResult r = RenderOk({Deployment("web"), Canary("web", "web"), Service("web", "", "    app: web\n"),
                             Service("api", "", "    app: api\n"), IngressV1("web", {"web"}), beta, default_backend,
                             IngressV1("api", {"api"}), IngressV1("web", {"web"}, "other")});
  CHECK(Find(r, "Ingress", "web") == nullptr);
  CHECK(Find(r, "Ingress", "legacy") == nullptr);
  CHECK(Find(r, "Ingress", "catch-all") == nullptr);
  CHECK(Find(r, "Ingress", "api") != nullptr);
  CHECK(Find(r, "Ingress", "web", "other") != nullptr);  // its Service "web" is in namespace other
  CHECK(OfKind(r, "Ingress").size() == 2);
}

TEST_CASE("an Ingress mixing a replaced and a kept Service is an error") {
  auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web"), Service("web", "", "    app: web\n"),
                                           Service("other", "", "    app: other\n")})},
                        {"ingress.yaml", IngressV1("mixed", {"web", "other"})}});
  REQUIRE_FALSE(r.ok());
  const std::string& msg = r.status().message();
  CHECK(msg.find("ingress.yaml:") == 0);
  CHECK(msg.find("Ingress mixed routes to Service web") != std::string::npos);
  CHECK(msg.find("Service other") != std::string::npos);
}

TEST_CASE("one Ingress for the Services of two Canaries is removed without error") {
  RenderResult r = RenderOk({Deployment("web"), Deployment("api"), Canary("web", "web"), Canary("api", "api"),
                             Service("web", "", "    app: web\n"), Service("api", "", "    app: api\n"),
                             IngressV1("shared", {"web", "api"})});
  CHECK(OfKind(r, "Ingress").empty());
  CHECK(OfKind(r, "Service").empty());
}

CanaryOpts Provider(const std::string& provider, const std::string& ingress_ref = "") {
  CanaryOpts o;
  o.provider = provider;
  o.ingress_ref = ingress_ref;
  return o;
}

bool Explained(const RenderResult& r, const std::string& part) {
  for (const std::string& line : r.explain)
    if (line.find(part) != std::string::npos) return true;
  return false;
}

TEST_CASE("an nginx Canary's ingressRef Ingress stays as written in both modes") {
  const std::string ingress = IngressV1("web", {"web"});
  for (Mode mode : {Mode::kFlagger, Mode::kGit}) {
    CAPTURE(mode == Mode::kGit);
    auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web", Provider("nginx", "web")),
                                             Service("web", "", "    app: web\n"), ingress})}},
                         AppConfig{}, mode);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* kept = Find(*r, "Ingress", "web");
    REQUIRE(kept != nullptr);
    auto input = ParseManifests(ingress, "x.yaml");
    REQUIRE(input.ok());
    CHECK(kept->doc == (*input)[0].doc);
    CHECK(Explained(*r, "kept Ingress"));
    // git mode adds the canary Ingress beside it; Flagger creates it in the cluster.
    CHECK((Find(*r, "Ingress", "web-canary") != nullptr) == (mode == Mode::kGit));
  }
}

TEST_CASE("under linkerd nginx and kubernetes an Ingress to the apex Service stays and under istio and gatewayapi it goes") {
  struct Row {
    const char* provider;
    bool kept;
  };
  const Row rows[] = {{"linkerd", true},  {"nginx", true},          {"kubernetes", true},        {"istio", false},
                      {"", false},        {"gatewayapi:v1", false}, {"gatewayapi:v1beta1", false}};
  for (const Row& row : rows) {
    CAPTURE(std::string(row.provider));
    // A second Ingress that nginx's ingressRef does not name: it stays for the same reason.
    RenderResult r = RenderOk({Deployment("web"), Canary("web", "web", Provider(row.provider, "web")),
                               Service("web", "", "    app: web\n"), IngressV1("web", {"web"}), IngressV1("more", {"web"})});
    CHECK((Find(r, "Ingress", "web") != nullptr) == row.kept);
    CHECK((Find(r, "Ingress", "more") != nullptr) == row.kept);
    CHECK(Find(r, "Service", "web") == nullptr);  // replaced by the canary's Services whatever the provider
  }
}

TEST_CASE("under linkerd nginx and kubernetes an Ingress to another replaced Service is an error") {
  for (const char* provider : {"linkerd", "nginx", "kubernetes"}) {
    CAPTURE(std::string(provider));
    for (Mode mode : {Mode::kFlagger, Mode::kGit}) {
      if (mode == Mode::kGit && std::string(provider) == "linkerd") continue;  // rendered by its own provider
      auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Canary("web", "web", Provider(provider, "web")),
                                               Service("web-svc", "", "    app: web\n"), IngressV1("web", {"web"})})},
                            {"ingress.yaml", IngressV1("direct", {"web-svc"})}},
                           AppConfig{}, mode);
      REQUIRE_FALSE(r.ok());
      const std::string& msg = r.status().message();
      CHECK_MESSAGE(msg.find("ingress.yaml:") == 0, msg);
      CHECK_MESSAGE(msg.find("Ingress direct routes to Service web-svc, which goes") != std::string::npos, msg);
      CHECK_MESSAGE(msg.find("point this backend at Service web") != std::string::npos, msg);
    }
  }
}

TEST_CASE("an Ingress to an nginx apex and to a Service an istio Canary replaces is an error") {
  auto r = RenderFiles({{"app.yaml", Docs({Deployment("web"), Deployment("api"), Canary("web", "web", Provider("nginx", "web")),
                                           Canary("api", "api"), Service("web", "", "    app: web\n"),
                                           Service("api", "", "    app: api\n"), IngressV1("web", {"web"})})},
                        {"ingress.yaml", IngressV1("both", {"api", "web"})}});
  REQUIRE_FALSE(r.ok());
  const std::string& msg = r.status().message();
  CHECK_MESSAGE(msg.find("ingress.yaml:") == 0, msg);
  CHECK_MESSAGE(msg.find("Ingress both routes to Service api, which the canary's routing replaces, and still routes "
                         "to Service web, which stays") != std::string::npos, msg);
}

TEST_CASE("the Ingress of an nginx Canary's ingressRef is never dropped") {
  // front routes only to api, which an istio Canary replaces: it would go, but the nginx Canary reads it.
  RenderResult r = RenderOk({Deployment("web"), Deployment("api"), Canary("web", "web", Provider("nginx", "front")),
                             Canary("api", "api"), Service("api", "", "    app: api\n"), IngressV1("front", {"api"}),
                             IngressV1("other", {"api"})});
  CHECK(Find(r, "Ingress", "front") != nullptr);
  CHECK(Find(r, "Ingress", "other") == nullptr);
}

TEST_CASE("a Canary whose target Deployment is missing is an error") {
  auto r = RenderFiles({{"canary.yaml", Canary("web", "nope")}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("spec.targetRef.name: Deployment \"nope\" not found in namespace default") !=
        std::string::npos);
}

TEST_CASE("many Canaries are checked on every core, and the first bad one in input order is the error") {
  std::vector<std::string> docs;
  for (int i = 0; i < 100; ++i) {  // 64 Flagger objects and more are checked in parallel
    const std::string name = "app-" + std::to_string(i);
    docs.push_back(Deployment(name));
    std::string canary = Canary(name, name);
    if (i == 30) canary += "    stepWeigth: 5\n";  // misspelt under analysis
    if (i == 70) canary += "    maxWeigth: 50\n";
    docs.push_back(canary);
  }
  auto bad = RenderFiles({{"app.yaml", Docs(docs)}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("spec.analysis.stepWeigth: unknown field") != std::string::npos);
  CHECK(bad.status().message().find("maxWeigth") == std::string::npos);

  for (int i : {30, 70}) {  // the typos mended
    const std::string name = "app-" + std::to_string(i);
    docs[static_cast<std::size_t>(2 * i + 1)] = Canary(name, name);
  }

  // A duration past what a double holds is an error of the input, not an
  // exception on a worker thread.
  std::vector<std::string> huge = docs;
  huge[2 * 40 + 1] = Canary("app-40", "app-40") + "    interval: " + std::string(400, '9') + "s\n";
  auto too_long = RenderFiles({{"app.yaml", Docs(huge)}});
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.status().message().find("spec.analysis.interval: not a duration") != std::string::npos);

  // Without them every Canary is rendered, each with the default provider
  // written in, explained in input order.
  AppConfig config;
  config.default_provider = "istio";
  config.file = "gitcanary.yaml";
  RenderResult r = RenderOk(docs, config);
  CHECK(OfKind(r, "Canary").size() == 100);
  std::vector<std::string> explained;
  for (const std::string& line : r.explain)
    if (line.find("spec.provider istio from defaults.provider") != std::string::npos) explained.push_back(line);
  REQUIRE(explained.size() == 100);
  for (int i = 0; i < 100; ++i)
    CHECK(explained[static_cast<std::size_t>(i)].rfind("Canary app-" + std::to_string(i) + ":", 0) == 0);
  for (const Manifest* c : OfKind(r, "Canary")) CHECK(StrAt(*c, {"spec", "provider"}) == "istio");
}

}  // namespace
}  // namespace gitcanary::render
