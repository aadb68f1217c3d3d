// Tests for the output order (install order of kinds, then effective
// namespace, then name), its independence of the input order, and duplicate
// detection by (API group, kind, effective namespace, name).
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "render/loader.h"
#include "render/object_order.h"
#include "render/output.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

// metadata.name is always on line 4, column 9.
std::string Obj(const std::string& api, const std::string& kind, const std::string& name, const std::string& ns = "") {
  std::string s = "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  return s;
}

std::vector<Manifest> Parse(const std::string& text, const std::string& file = "app.yaml") {
  auto parsed = ParseManifests(text, file);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

std::vector<Manifest> ParseDocs(const std::vector<std::string>& docs) {
  std::vector<Manifest> out;
  for (const std::string& d : docs)
    for (Manifest& m : Parse(d)) out.push_back(std::move(m));
  return out;
}

// "Kind ns/name" of each object, as Describe() writes it.
std::vector<std::string> Described(const std::vector<Manifest>& ms) {
  std::vector<std::string> out;
  for (const Manifest& m : ms) out.push_back(m.Describe());
  return out;
}

TEST_CASE("objects are ordered by install order of kinds, then unknown kinds by name") {
  std::vector<Manifest> ms = ParseDocs({
      Obj("networking.istio.io/v1beta1", "VirtualService", "a"),
      Obj("networking.k8s.io/v1", "Ingress", "a"),
      Obj("flagger.app/v1beta1", "Canary", "z"),
      Obj("autoscaling/v2", "HorizontalPodAutoscaler", "a"),
      Obj("networking.istio.io/v1beta1", "Gateway", "a"),
      Obj("apps/v1", "Deployment", "a"),
      Obj("v1", "ConfigMap", "z"),
      Obj("v1", "Service", "a"),
      Obj("v1", "Secret", "z"),
      Obj("v1", "Namespace", "z"),
  });
  SortForOutput(ms, "default");
  CHECK(Described(ms) == std::vector<std::string>{"Namespace z", "Secret z", "ConfigMap z", "Service a", "Deployment a",
                                                  "HorizontalPodAutoscaler a", "Ingress a", "Canary z", "Gateway a",
                                                  "VirtualService a"});
}

TEST_CASE("within a kind objects are ordered by effective namespace, then name") {
  const std::vector<std::string> docs = {
      Obj("v1", "ConfigMap", "z"),           Obj("v1", "ConfigMap", "a", "default"), Obj("v1", "ConfigMap", "m", "apps"),
      Obj("v1", "ConfigMap", "b", "zoo"),    Obj("v1", "ConfigMap", "a", "apps"),
  };
  struct Row { const char* app_ns; std::vector<std::string> expected; };
  const Row rows[] = {
      {"default", {"ConfigMap apps/a", "ConfigMap apps/m", "ConfigMap default/a", "ConfigMap z", "ConfigMap zoo/b"}},
      {"zzz", {"ConfigMap apps/a", "ConfigMap apps/m", "ConfigMap default/a", "ConfigMap zoo/b", "ConfigMap z"}},
      {"aaa", {"ConfigMap z", "ConfigMap apps/a", "ConfigMap apps/m", "ConfigMap default/a", "ConfigMap zoo/b"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.app_ns);
    std::vector<Manifest> ms = ParseDocs(docs);
    SortForOutput(ms, row.app_ns);
    CHECK(Described(ms) == row.expected);
  }
}

TEST_CASE("same kind and name in two API groups are ordered by apiVersion") {
  std::vector<Manifest> ms = ParseDocs({Obj("networking.istio.io/v1beta1", "Gateway", "web"),
                                        Obj("gateway.networking.k8s.io/v1", "Gateway", "web")});
  SortForOutput(ms, "default");
  REQUIRE(ms.size() == 2);
  CHECK(ms[0].api_version == "gateway.networking.k8s.io/v1");
  CHECK(ms[1].api_version == "networking.istio.io/v1beta1");
}

const char* const kApp[] = {
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 5\n  template:\n    metadata:\n"
    "      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          ports:\n"
    "            - name: http\n              containerPort: 8080\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n"
    "    - port: 80\n      targetPort: http\n",
    "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  defaultBackend:\n    service:\n"
    "      name: web\n      port:\n        number: 80\n",
    "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\nspec:\n  targetRef:\n    kind: Deployment\n"
    "    name: web\n  autoscalerRef:\n    name: web\n  service:\n    port: 80\n    targetPort: 8080\n    gateways:\n"
    "      - istio-system/public\n    hosts:\n      - web.example.com\n  analysis:\n    stepWeight: 10\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: default\nspec:\n  replicas: 2\n",
    "apiVersion: flagger.app/v1alpha3\nkind: Canary\nmetadata:\n  name: api\nspec:\n  targetRef:\n    kind: Deployment\n"
    "    name: api\n  service:\n    port: 8080\n    gateways:\n      - public.istio-system.svc.cluster.local\n    hosts:\n"
    "      - api.example.com\n  canaryAnalysis:\n    iterations: 10\n",
};

TEST_CASE("a render is the same for every permutation of its input") {
  std::vector<Manifest> base;
  for (const char* doc : kApp)
    for (Manifest& m : Parse(doc)) base.push_back(std::move(m));
  REQUIRE(base.size() == 7);
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto first = Render(base, AppConfig{}, options);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  CHECK(Described(first->objects) ==
        std::vector<std::string>{"ConfigMap cfg", "Deployment default/api", "Deployment web", "HorizontalPodAutoscaler web",
                                 "Canary api", "Canary web", "Gateway istio-system/public"});
  const std::string expected = ToYamlStream(first->objects);

  std::vector<std::size_t> order(base.size());
  std::iota(order.begin(), order.end(), 0);
  int permutations = 0, differing = 0;
  do {
    std::vector<Manifest> input;
    for (std::size_t i : order) input.push_back(base[i]);
    auto r = Render(std::move(input), AppConfig{}, options);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    if (ToYamlStream(r->objects) != expected) ++differing;
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(permutations == 5040);
  CHECK(differing == 0);
}

TEST_CASE("SortForOutput gives one order for shuffled inputs") {
  std::vector<std::string> docs;
  for (const char* kind : {"Service", "ConfigMap", "Secret"})
    for (const char* ns : {"", "a", "zz", "b"})
      for (const char* name : {"x", "y"}) docs.push_back(Obj("v1", kind, name, ns));
  std::vector<Manifest> sorted = ParseDocs(docs);
  SortForOutput(sorted, "default");
  const std::vector<std::string> expected = Described(sorted);
  CHECK(expected.front() == "Secret a/x");
  CHECK(expected.back() == "Service zz/y");
  CHECK(expected[4] == "Secret x");  // namespace-less sorts as the app namespace "default"
  for (int rotation = 1; rotation < 8; ++rotation) {
    CAPTURE(rotation);
    std::vector<std::string> shuffled = docs;
    std::reverse(shuffled.begin(), shuffled.end());
    std::rotate(shuffled.begin(), shuffled.begin() + rotation * 2, shuffled.end());
    std::vector<Manifest> ms = ParseDocs(shuffled);
    SortForOutput(ms, "default");
    CHECK(Described(ms) == expected);
  }
}

TEST_CASE("duplicates are found by group, kind, effective namespace and name") {
  struct Row { const char* name; std::string first; std::string second; const char* app_ns; bool duplicate; };
  const Row rows[] = {
      {"identical", Obj("v1", "ConfigMap", "cfg", "shop"), Obj("v1", "ConfigMap", "cfg", "shop"), "default", true},
      {"namespace-less and app namespace", Obj("v1", "ConfigMap", "cfg"), Obj("v1", "ConfigMap", "cfg", "default"), "default", true},
      {"namespace-less elsewhere", Obj("v1", "ConfigMap", "cfg"), Obj("v1", "ConfigMap", "cfg", "default"), "prod", false},
      {"two versions of one group", Obj("apps/v1", "Deployment", "web"), Obj("apps/v1beta1", "Deployment", "web"), "default", true},
      {"two API groups", Obj("networking.istio.io/v1beta1", "Gateway", "web"), Obj("gateway.networking.k8s.io/v1", "Gateway", "web"), "default", false},
      {"two kinds", Obj("v1", "ConfigMap", "web"), Obj("v1", "Secret", "web"), "default", false},
      {"two namespaces", Obj("v1", "ConfigMap", "cfg", "a"), Obj("v1", "ConfigMap", "cfg", "b"), "default", false},
      {"two names", Obj("v1", "ConfigMap", "a"), Obj("v1", "ConfigMap", "b"), "default", false},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    std::vector<Manifest> ms = Parse(row.first, "a.yaml");
    for (Manifest& m : Parse("# second\n" + row.second, "b.yaml")) ms.push_back(std::move(m));
    Status s = CheckDuplicates(ms, row.app_ns);
    CHECK(s.ok() == !row.duplicate);
    if (row.duplicate) {
      CHECK(s.message().find("b.yaml:5:9: metadata.name: duplicate object ") == 0);
      CHECK(s.message().find("first defined at a.yaml:4:9") != std::string::npos);
    }
  }
}

TEST_CASE("Render rejects duplicates naming both places") {
  std::vector<Manifest> ms = Parse(Obj("v1", "ConfigMap", "cfg"), "a.yaml");
  for (Manifest& m : Parse(Obj("v1", "ConfigMap", "cfg", "default"), "b.yaml")) ms.push_back(std::move(m));
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto r = Render(std::move(ms), AppConfig{}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidInput);
  CHECK(r.status().message() ==
        "b.yaml:4:9: metadata.name: duplicate object ConfigMap default/cfg (core); first defined at a.yaml:4:9");
}

TEST_CASE("Render without Canaries only sorts the objects") {
  std::vector<Manifest> ms = ParseDocs({Obj("v1", "Service", "b"), Obj("v1", "ConfigMap", "a"), Obj("v1", "Service", "a")});
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto r = Render(ms, AppConfig{}, options);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(Described(r->objects) == std::vector<std::string>{"ConfigMap a", "Service a", "Service b"});
  CHECK(r->explain.empty());
}

}  // namespace
}  // namespace gitcanary::render
