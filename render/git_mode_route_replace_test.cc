// Tests that git mode replaces the app's own routing object named like the
// one it renders (HTTPRoute X under gatewayapi, VirtualService X under istio,
// TrafficSplit X under linkerd)
// instead of failing on a duplicate, says so in --explain, and that flagger
// mode leaves the app's objects alone.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/loader.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

constexpr const char* kTarget =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n"
    "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
    "    spec:\n      containers:\n      - name: web\n        image: web:1\n";

std::string CanaryWith(const std::string& provider) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web, namespace: shop}\nspec:\n"
         "  provider: " + provider + "\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
         "  service:\n    port: 80\n    gatewayRefs: [{name: gw, namespace: infra}]\n"
         "  analysis: {threshold: 1, stepWeight: 10, maxWeight: 50}\n";
}

Result<RenderResult> RenderApp(const std::vector<std::string>& docs, Mode mode) {
  std::vector<Manifest> all;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto parsed = ParseManifests(docs[i], "f" + std::to_string(i) + ".yaml");
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    for (Manifest& m : *parsed) all.push_back(std::move(m));
  }
  RenderOptions options;
  options.mode = mode;
  options.app_namespace = "shop";
  return Render(std::move(all), AppConfig{}, options);
}

int Count(const RenderResult& r, const std::string& kind, const std::string& name) {
  int n = 0;
  for (const Manifest& m : r.objects) n += m.kind == kind && m.name == name;
  return n;
}

bool Explains(const RenderResult& r, const std::string& line) {
  for (const std::string& e : r.explain)
    if (e == line) return true;
  return false;
}

TEST_CASE("git mode replaces the app's own HTTPRoute or VirtualService or TrafficSplit X by the rendered one") {
  struct Row {
    const char* provider;
    const char* own;  // the app's object
    const char* kind;
    const char* rendered_api;
  } rows[] = {
      {"gatewayapi:v1",
       "apiVersion: gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute\nmetadata: {name: web}\n"
       "spec:\n  rules:\n  - backendRefs: [{name: web, port: 80}]\n",
       "HTTPRoute", "gateway.networking.k8s.io/v1"},
      {"gatewayapi:v1beta1",
       "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: shop}\n"
       "spec:\n  rules:\n  - backendRefs: [{name: web, port: 80}]\n",
       "HTTPRoute", "gateway.networking.k8s.io/v1beta1"},
      {"istio",
       "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\n"
       "spec:\n  hosts: [web]\n  http:\n  - route: [{destination: {host: web}}]\n",
       "VirtualService", "networking.istio.io/v1beta1"},
      {"linkerd",
       "apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {name: web, namespace: shop}\n"
       "spec:\n  service: web\n  backends: [{service: web-v1, weight: 100}]\n",
       "TrafficSplit", "split.smi-spec.io/v1alpha1"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.provider);
    std::string canary = CanaryWith(row.provider);
    if (std::string(row.provider) == "istio" || std::string(row.provider) == "linkerd") {  // gatewayRefs: Gateway API's
      const auto from = canary.find("    gatewayRefs");
      canary.erase(from, canary.find("  analysis") - from);
    }
    auto r = RenderApp({kTarget, canary, row.own}, Mode::kGit);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(Count(*r, row.kind, "web") == 1);
    for (const Manifest& m : r->objects)
      if (m.kind == row.kind && m.name == "web") CHECK(m.api_version == row.rendered_api);
    CHECK(Explains(*r, std::string("replaced the app's ") + row.kind + " shop/web (f2.yaml) by the rendered one"));
    bool dropped = false;
    for (const Manifest& m : r->dropped) dropped = dropped || (m.kind == row.kind && m.file == "f2.yaml");
    CHECK(dropped);
  }
}

TEST_CASE("git mode keeps the app's routing objects of other names and namespaces") {
  const std::string other_name =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web-admin}\n"
      "spec:\n  rules:\n  - backendRefs: [{name: web, port: 80}]\n";
  const std::string other_ns =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: other}\n"
      "spec:\n  rules:\n  - backendRefs: [{name: web, port: 80}]\n";
  auto r = RenderApp({kTarget, CanaryWith("gatewayapi:v1"), other_name, other_ns}, Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(Count(*r, "HTTPRoute", "web-admin") == 1);
  CHECK(Count(*r, "HTTPRoute", "web") == 2);  // the rendered one in shop, the app's in other
}

TEST_CASE("flagger mode leaves the app's HTTPRoute X as it is") {
  const std::string own =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web}\n"
      "spec:\n  rules:\n  - backendRefs: [{name: web, port: 80}]\n";
  auto r = RenderApp({kTarget, CanaryWith("gatewayapi:v1"), own}, Mode::kFlagger);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(Count(*r, "HTTPRoute", "web") == 1);
  for (const std::string& e : r->explain) CHECK(e.find("replaced the app's") == std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render
