// Tests for the NGINX routing object of a canary in git mode: Ingress
// <ingressRef>-canary, a copy of the app's Ingress with ingress-nginx's
// canary annotations. Canaries and Ingresses are inline YAML; expected
// annotations are the facts of Flagger's ingress router (pkg/router/ingress.go:
// makeAnnotations, makeHeaderAnnotations, SetRoutes) and of ingress-nginx's
// canary annotations, written out by hand.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

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
constexpr const char* kPrefix = "nginx.ingress.kubernetes.io/";

// A Canary "podinfo" with provider nginx and ingressRef `podinfo`; `extra` is
// more of spec (2 spaces), `analysis` the analysis body (4 spaces), which
// steps by 10 unless it sets iterations.
std::string CanaryText(const std::string& analysis = "", const std::string& extra = "",
                       const std::string& ref = "  ingressRef:\n    apiVersion: networking.k8s.io/v1\n"
                                                "    kind: Ingress\n    name: podinfo\n") {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\nspec:\n  provider: nginx\n"
         "  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: podinfo\n" + ref + extra +
         "  service:\n    port: 9898\n  analysis:\n" +
         (analysis.find("iterations:") == std::string::npos ? "    stepWeight: 10\n" : "") + analysis;
}

// The user's Ingress: one host, `/` to the apex podinfo:9898 and `/api` to another Service.
constexpr const char* kIngress = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: podinfo
  labels:
    app: podinfo
  annotations:
    kubernetes.io/ingress.class: nginx
    nginx.ingress.kubernetes.io/proxy-body-size: 8m
    nginx.ingress.kubernetes.io/canary: "true"
    nginx.ingress.kubernetes.io/canary-weight-total: "1000"
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    kustomize.toolkit.fluxcd.io/checksum: 0a40893b
spec:
  ingressClassName: nginx
  tls:
  - hosts: [app.example.com]
    secretName: app-tls
  rules:
  - host: app.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: podinfo
            port:
              number: 9898
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: backend
            port:
              number: 80
)";

Manifest Canary(const std::string& text) { return testing::NormalisedCanary(text, kFile); }

Node Yaml(const std::string& text) { return testing::OneDocument(text, "ingress.yaml"); }

struct Call {
  long long weight = 0;
  std::string ingress = kIngress;  // "" = no Ingress in the app
  Node annotations;
};

Result<std::vector<Node>> Try(const Manifest& canary, const Call& call) {
  const Node ingress = call.ingress.empty() ? Node::Null() : Yaml(call.ingress);
  RoutingInput in;
  in.provider = Provider::kNginx;
  in.canary = &canary;
  in.selector_label = "app";
  in.canary_weight = call.weight;
  in.annotations = call.annotations;
  in.ingress = call.ingress.empty() ? nullptr : &ingress;
  return MakeRouting(in);
}

std::vector<Node> Routing(const Manifest& canary, const Call& call = {}) {
  auto r = Try(canary, call);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  REQUIRE(r->size() == 4);
  return *r;
}

const Node& CanaryIngress(const std::vector<Node>& objs) { return objs[3]; }

// The canary Ingress's annotations whose key starts with nginx.ingress.kubernetes.io/canary, as "key=value" lines.
std::string CanaryAnnotations(const Node& ingress) {
  std::string out;
  const Node* a = ingress.Path({"metadata", "annotations"});
  REQUIRE(a != nullptr);
  for (const yaml::Field& f : a->fields)
    if (f.key.rfind(std::string(kPrefix) + "canary", 0) == 0) out += f.key.substr(std::string(kPrefix).size()) + "=" + f.value.value + "\n";
  return out;
}

std::string Error(const Manifest& canary, const Call& call = {}) {
  auto r = Try(canary, call);
  REQUIRE_FALSE(r.ok());
  return r.status().message();
}

TEST_CASE("nginx: the Services then Ingress <ingressRef>-canary in networking.k8s.io/v1") {
  auto objs = Routing(Canary(CanaryText()));
  const char* names[] = {"podinfo", "podinfo-primary", "podinfo-canary", "podinfo-canary"};
  const char* kinds[] = {"Service", "Service", "Service", "Ingress"};
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(objs[i].Path({"kind"})->value == kinds[i]);
    CHECK(objs[i].Path({"metadata", "name"})->value == names[i]);
  }
  CHECK(objs[3].Path({"apiVersion"})->value == "networking.k8s.io/v1");
  // The name follows the ingressRef, not the apex.
  const std::string other = std::string(kIngress).replace(std::string(kIngress).find("name: podinfo\n  labels"), 13, "name: front");
  auto named = Routing(Canary(CanaryText("", "", "  ingressRef:\n    apiVersion: networking.k8s.io/v1\n"
                                                 "    kind: Ingress\n    name: front\n")), {0, other, {}});
  CHECK(named[3].Path({"metadata", "name"})->value == "front-canary");
}

TEST_CASE("nginx: canary-weight carries the status weight and canary is always true") {
  // Flagger's SetRoutes writes canary-weight = w; at w = 0 makeAnnotations resets it to "0".
  for (long long w : {0LL, 5LL, 10LL, 33LL, 50LL, 99LL, 100LL}) {
    CAPTURE(w);
    auto objs = Routing(Canary(CanaryText()), {w, kIngress, {}});
    CHECK(CanaryAnnotations(CanaryIngress(objs)) == "canary=true\ncanary-weight=" + std::to_string(w) + "\n");
  }
}

TEST_CASE("nginx: the copy keeps labels and spec and renames only the paths to the apex") {
  auto objs = Routing(Canary(CanaryText()), {20, kIngress, {}});
  const Node& ing = CanaryIngress(objs);
  CHECK(*ing.Path({"metadata", "labels"}) == Yaml("app: podinfo\n"));
  const Node user = Yaml(kIngress);
  Node want = *user.Find("spec");
  want.Find("rules")->items[0].Find("http")->Find("paths")->items[0].Find("backend")->Find("service")->Set(
      "name", Node::String("podinfo-canary"));
  CHECK(*ing.Find("spec") == want);
  const Node& paths = *ing.Find("spec")->Find("rules")->items[0].Path({"http", "paths"});
  CHECK(paths.items[0].Path({"backend", "service", "name"})->value == "podinfo-canary");
  CHECK(paths.items[1].Path({"backend", "service", "name"})->value == "backend");  // another Service: as written
  CHECK(ing.Path({"spec", "tls"}) != nullptr);
  CHECK(ing.Path({"spec", "ingressClassName"})->value == "nginx");
}

TEST_CASE("nginx: annotations are the user's but canary keys and last-applied then the canary's then gitcanary's") {
  Node status = Node::Mapping();
  status.Set("gitcanary.io/phase", Node::String("Progressing"));
  status.Set("gitcanary.io/canary-weight", Node::String("20"));
  auto objs = Routing(Canary(CanaryText()), {20, kIngress, status});
  const Node* a = CanaryIngress(objs).Path({"metadata", "annotations"});
  REQUIRE(a != nullptr);
  std::vector<std::string> keys;
  for (const yaml::Field& f : a->fields) keys.push_back(f.key);
  // canary-weight-total contains "<prefix>/canary" and goes, as in Flagger's makeAnnotations.
  const std::vector<std::string> want = {"kubernetes.io/ingress.class", "nginx.ingress.kubernetes.io/proxy-body-size",
                                         "kustomize.toolkit.fluxcd.io/checksum", "nginx.ingress.kubernetes.io/canary",
                                         "nginx.ingress.kubernetes.io/canary-weight", "gitcanary.io/phase",
                                         "gitcanary.io/canary-weight"};
  CHECK(keys == want);
  CHECK(a->Find("nginx.ingress.kubernetes.io/proxy-body-size")->value == "8m");
  // No Flux reconcile-disabled annotations: git mode's objects are what Flux must keep applying.
  CHECK(a->Find("kustomize.toolkit.fluxcd.io/reconcile") == nullptr);
  CHECK(a->Find("helm.toolkit.fluxcd.io/driftDetection") == nullptr);
}

TEST_CASE("nginx: a user Ingress without labels or annotations gives only the canary's annotations") {
  const std::string bare = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: podinfo\nspec:\n"
                           "  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
                           "        backend:\n          service:\n            name: podinfo\n"
                           "            port:\n              number: 9898\n";
  auto objs = Routing(Canary(CanaryText()), {0, bare, {}});
  CHECK(CanaryIngress(objs).Path({"metadata", "labels"}) == nullptr);
  CHECK(*CanaryIngress(objs).Path({"metadata", "annotations"}) ==
        Yaml("nginx.ingress.kubernetes.io/canary: \"true\"\nnginx.ingress.kubernetes.io/canary-weight: \"0\"\n"));
}

TEST_CASE("nginx: namespace-less for a namespace-less Canary or else the Canary's namespace") {
  auto bare = Routing(Canary(CanaryText()));
  CHECK(CanaryIngress(bare).Path({"metadata", "namespace"}) == nullptr);
  std::string text = CanaryText();
  text.replace(text.find("  name: podinfo\nspec"), 15, "  name: podinfo\n  namespace: test\n");
  auto ns = Routing(Canary(text));
  CHECK(CanaryIngress(ns).Path({"metadata", "namespace"})->value == "test");
}

struct AbCase {
  const char* name;
  const char* match;  // analysis.match items, 4 spaces in
  long long weight;
  const char* want;   // canary annotations
};

TEST_CASE("nginx A/B: header value and header pattern and cookie map to ingress-nginx's canary-by annotations") {
  // Flagger's SetRoutes under analysis.match: makeHeaderAnnotations keeps canary-weight "0" and adds
  // canary-by-header(-value|-pattern) and canary-by-cookie (a `cookie` header's exact value is the
  // cookie's name); at weight 0 makeAnnotations removes them again.
  const AbCase cases[] = {
      {"header exact", "    - headers:\n        x-canary:\n          exact: insider\n", 100,
       "canary=true\ncanary-weight=0\ncanary-by-header=x-canary\ncanary-by-header-value=insider\n"},
      {"header regex", "    - headers:\n        user-agent:\n          regex: \".*Firefox.*\"\n", 100,
       "canary=true\ncanary-weight=0\ncanary-by-header=user-agent\ncanary-by-header-pattern=.*Firefox.*\n"},
      {"cookie", "    - headers:\n        cookie:\n          exact: canary\n", 100,
       "canary=true\ncanary-weight=0\ncanary-by-cookie=canary\n"},
      {"header and cookie as two matches",
       "    - headers:\n        x-canary:\n          exact: insider\n    - headers:\n        cookie:\n          exact: canary\n",
       100, "canary=true\ncanary-weight=0\ncanary-by-header=x-canary\ncanary-by-header-value=insider\ncanary-by-cookie=canary\n"},
      {"idle at weight 0", "    - headers:\n        x-canary:\n          exact: insider\n", 0,
       "canary=true\ncanary-weight=0\n"},
      {"a weight below 100 still routes by header only", "    - headers:\n        cookie:\n          exact: canary\n", 40,
       "canary=true\ncanary-weight=0\ncanary-by-cookie=canary\n"},
  };
  for (const AbCase& c : cases) {
    CAPTURE(std::string(c.name));
    auto objs = Routing(Canary(CanaryText(std::string("    iterations: 10\n    match:\n") + c.match)), {c.weight, kIngress, {}});
    CHECK(CanaryAnnotations(CanaryIngress(objs)) == c.want);
  }
}

TEST_CASE("nginx: an empty analysis.match is no A/B test") {
  auto objs = Routing(Canary(CanaryText("    match: []\n")), {30, kIngress, {}});
  CHECK(CanaryAnnotations(CanaryIngress(objs)) == "canary=true\ncanary-weight=30\n");
}

struct ErrCase {
  const char* name;
  std::string canary;
  std::string ingress;
  const char* where;  // "file:line:col: field:" prefix
  const char* why;    // a part of the reason
};

TEST_CASE("nginx: what ingress-nginx or Flagger cannot do is an error naming the field and the reason") {
  const std::string ab = "    iterations: 10\n    match:\n";
  const std::string v1beta1 = std::string(kIngress).replace(0, 32, "apiVersion: networking.k8s.io/v1beta1");
  std::string no_apex = kIngress;
  no_apex.replace(no_apex.find("name: podinfo\n            port"), 13, "name: website");
  const std::string default_only = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: podinfo\nspec:\n"
                                   "  defaultBackend:\n    service:\n      name: podinfo\n      port:\n        number: 9898\n";
  const ErrCase cases[] = {
      {"no ingressRef", CanaryText("", "", ""), kIngress, "canary.yaml:6:3: spec.ingressRef: missing", "copies"},
      {"an ingressRef of another API", CanaryText("", "", "  ingressRef:\n    apiVersion: extensions/v1beta1\n"
                                                          "    kind: Ingress\n    name: podinfo\n"),
       kIngress, "canary.yaml:12:17: spec.ingressRef.apiVersion: string \"extensions/v1beta1\"", "networking.k8s.io/v1"},
      {"the Ingress not in the app", CanaryText(), "", "canary.yaml:14:11: spec.ingressRef.name: Ingress podinfo is not in the app",
       "add it"},
      {"the Ingress written as v1beta1", CanaryText(), v1beta1, "canary.yaml:14:11: spec.ingressRef.name: Ingress podinfo is "
                                                               "networking.k8s.io/v1beta1", "write it as networking.k8s.io/v1"},
      {"no path to the apex", CanaryText(), no_apex, "canary.yaml:14:11: spec.ingressRef.name: Ingress podinfo has no rule path "
                                                     "whose backend is Service podinfo", "point a path"},
      {"the apex as default backend only", CanaryText(), default_only, "canary.yaml:14:11: spec.ingressRef.name:",
       "no rule path"},
      {"two headers in one match",
       CanaryText(ab + "    - headers:\n        x-a:\n          exact: a\n        x-b:\n          exact: b\n"), kIngress,
       "canary.yaml:24:11: spec.analysis.match[0].headers.x-b:", "at random"},
      {"two headers across matches",
       CanaryText(ab + "    - headers:\n        x-a:\n          exact: a\n    - headers:\n        x-b:\n          regex: b\n"),
       kIngress, "canary.yaml:25:11: spec.analysis.match[1].headers.x-b:", "x-a is already one: Flagger would keep the last one"},
      {"a header and a cookie required together",
       CanaryText(ab + "    - headers:\n        x-a:\n          exact: a\n        cookie:\n          exact: c\n"), kIngress,
       "canary.yaml:21:9: spec.analysis.match[0].headers:", "either matches"},
      {"two cookies",
       CanaryText(ab + "    - headers:\n        cookie:\n          exact: a\n    - headers:\n        cookie:\n          exact: b\n"),
       kIngress, "canary.yaml:25:11: spec.analysis.match[1].headers.cookie:", "second one"},
      {"a cookie by regex", CanaryText(ab + "    - headers:\n        cookie:\n          regex: \"^(.*?;)?(canary=always)(;.*)?$\"\n"),
       kIngress, "canary.yaml:22:11: spec.analysis.match[0].headers.cookie:", "exact"},
      {"a header by prefix", CanaryText(ab + "    - headers:\n        x-a:\n          prefix: in\n"), kIngress,
       "canary.yaml:22:11: spec.analysis.match[0].headers.x-a:", "prefix or suffix"},
      {"a query match", CanaryText(ab + "    - queryParams:\n        beta:\n          exact: \"1\"\n"), kIngress,
       "canary.yaml:21:9: spec.analysis.match[0].queryParams:", "silently ignores queryParams"},
      {"a source label match", CanaryText(ab + "    - sourceLabels:\n        app: web\n"), kIngress,
       "canary.yaml:21:9: spec.analysis.match[0].sourceLabels:", "silently ignores sourceLabels"},
      {"a match without a header", CanaryText(ab + "    - headers: {}\n"), kIngress, "canary.yaml:20:7: spec.analysis.match[0]:",
       "without a header"},
      {"mirroring", CanaryText("    mirror: true\n"), kIngress, "canary.yaml:19:13: spec.analysis.mirror:", "never advance"},
      {"session affinity", CanaryText("    sessionAffinity:\n      cookieName: flagger-cookie\n"), kIngress,
       "canary.yaml:20:7: spec.analysis.sessionAffinity:", "ignores it"},
  };
  for (const ErrCase& c : cases) {
    CAPTURE(std::string(c.name));
    const std::string msg = Error(Canary(c.canary), {100, c.ingress, {}});
    CHECK_MESSAGE(msg.rfind(c.where, 0) == 0, msg);
    CHECK_MESSAGE(msg.find(c.why) != std::string::npos, msg);
    CHECK(msg.find('\n') == std::string::npos);
  }
}

TEST_CASE("nginx: mirror false and a null sessionAffinity ask for nothing") {
  auto objs = Routing(Canary(CanaryText("    mirror: false\n    sessionAffinity: null\n")), {10, kIngress, {}});
  CHECK(CanaryAnnotations(CanaryIngress(objs)) == "canary=true\ncanary-weight=10\n");
}


// The app of the git mode tests below: Deployment, Service and Ingress podinfo, and the nginx Canary.
std::string App() {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    matchLabels:\n"
         "      app: podinfo\n  template:\n    metadata:\n      labels:\n        app: podinfo\n    spec:\n"
         "      containers:\n      - name: podinfo\n        image: ghcr.io/stefanprodan/podinfo:6.1.0\n---\n"
         "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    app: podinfo\n"
         "  ports:\n  - port: 9898\n---\n" + std::string(kIngress) + "---\n" + CanaryText();
}

std::string StatusDoc(const std::string& phase, long long weight) {
  std::string s = "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\nstatus:\n"
                  "  phase: " + phase + "\n  canaryWeight: " + std::to_string(weight) + "\n";
  if (phase != "Initializing")
    s += "  promoted:\n    template:\n      metadata:\n        labels: {app: podinfo}\n      spec:\n"
         "        containers:\n        - name: podinfo\n          image: ghcr.io/stefanprodan/podinfo:6.0.0\n";
  return s;
}

RenderResult RenderGit(const std::string& text) {
  auto parsed = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  RenderOptions options;
  options.mode = Mode::kGit;
  auto r = Render(std::move(*parsed), AppConfig{}, options);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return std::move(*r);
}

const Manifest* Find(const RenderResult& r, const std::string& kind, const std::string& name) {
  for (const Manifest& m : r.objects)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

TEST_CASE("nginx in git mode: every phase of the phase table gives the canary Ingress its weight") {
  struct Row {
    const char* phase;     // "" = no status yet
    long long status_weight;
    long long weight;      // rendered: the README's phase table
  };
  const Row rows[] = {{"", 0, 0},           {"Initializing", 0, 0}, {"Initialized", 0, 0},
                      {"Waiting", 0, 0},    {"Progressing", 30, 30}, {"WaitingPromotion", 50, 50},
                      {"Promoting", 40, 40}, {"Finalising", 50, 0},  {"Succeeded", 0, 0},
                      {"Failed", 0, 0},     {"Failed", 100, 100}};
  const Node user = Yaml(kIngress);
  for (const Row& row : rows) {
    const std::string phase = row.phase;
    CAPTURE(phase);
    CAPTURE(row.status_weight);
    RenderResult r = RenderGit(App() + (phase.empty() ? "" : "---\n" + StatusDoc(phase, row.status_weight)));
    const Manifest* canary = Find(r, "Ingress", "podinfo-canary");
    REQUIRE(canary != nullptr);
    CHECK(CanaryAnnotations(canary->doc) == "canary=true\ncanary-weight=" + std::to_string(row.weight) + "\n");
    const Node* status_phase = canary->doc.Path({"metadata", "annotations", "gitcanary.io/phase"});
    REQUIRE(status_phase != nullptr);
    CHECK(status_phase->value == (phase.empty() ? "Initializing" : phase));
    // The user's Ingress is rendered as written, whatever the phase.
    const Manifest* kept = Find(r, "Ingress", "podinfo");
    REQUIRE(kept != nullptr);
    CHECK(kept->doc == user);
    CHECK(Find(r, "Service", "podinfo") != nullptr);
  }
}

TEST_CASE("nginx in git mode: an A/B test routes by header while it runs and by nothing once promoted") {
  std::string app = App();
  app.replace(app.find("    stepWeight: 10\n"), 19,
              "    iterations: 10\n    match:\n    - headers:\n        x-canary:\n          exact: insider\n"
              "    - headers:\n        cookie:\n          exact: canary\n");
  RenderResult running = RenderGit(app + "---\n" + StatusDoc("Progressing", 100));
  CHECK(CanaryAnnotations(Find(running, "Ingress", "podinfo-canary")->doc) ==
        "canary=true\ncanary-weight=0\ncanary-by-header=x-canary\ncanary-by-header-value=insider\n"
        "canary-by-cookie=canary\n");
  RenderResult done = RenderGit(app + "---\n" + StatusDoc("Succeeded", 0));
  CHECK(CanaryAnnotations(Find(done, "Ingress", "podinfo-canary")->doc) == "canary=true\ncanary-weight=0\n");
}

TEST_CASE("nginx in git mode: the ingressRef is looked up in the Canary's namespace") {
  std::string app = App();
  app.replace(app.find("kind: Ingress\nmetadata:\n"), 24, "kind: Ingress\nmetadata:\n  namespace: other\n");
  auto parsed = ParseManifests(app, "app.yaml");
  REQUIRE(parsed.ok());
  RenderOptions options;
  options.mode = Mode::kGit;
  auto r = Render(std::move(*parsed), AppConfig{}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("spec.ingressRef.name: Ingress podinfo is not in the app") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render
