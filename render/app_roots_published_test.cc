// Directories of published output (render/published_layout.h) in FindAppRoots:
// never apps of their own, and a Flux Kustomization pointing at one stands for
// the app it was rendered from.
#include <doctest/doctest.h>

#include "render/app_roots.h"
#include "tests/map_source.h"

namespace gitcanary::render {
namespace {

const char kConfigMap[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";

std::string Published(const std::string& app) {
  return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata:\n  annotations:\n"
         "    gitcanary.io/published-from: " + app + "\nresources: [configmap_a.yaml]\n";
}

std::string FluxKustomization(const std::string& path) {
  return "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: x, namespace: flux-system}\n"
         "spec: {path: " + path + "}\n";
}

TEST_CASE("app roots: published directories are not apps and Flux Kustomizations pointing at them mean their source") {
  testing::MapSource repo({
      {"apps/web/cm.yaml", kConfigMap},
      {"apps/cache/cm.yaml", kConfigMap},
      {"published/apps/web/kustomization.yaml", Published("apps/web")},
      {"published/apps/web/configmap_a.yaml", kConfigMap},
      {"published/apps/cache/kustomization.yaml", Published("apps/cache")},
      {"published/apps/cache/configmap_a.yaml", kConfigMap},
  });
  SUBCASE("discovery skips them") {
    auto roots = FindAppRoots(repo, nullptr);
    REQUIRE(roots.ok());
    CHECK(roots->rule == AppRule::kDiscovered);
    CHECK(roots->dirs == std::vector<std::string>{"apps/cache", "apps/web"});
  }
  SUBCASE("Flux Kustomizations on the published paths name the source apps") {
    repo.Set("clusters/prod/web.yaml", FluxKustomization("./published/apps/web"));
    repo.Set("clusters/prod/cache.yaml", FluxKustomization("./published/apps/cache"));
    auto roots = FindAppRoots(repo, nullptr);
    REQUIRE(roots.ok());
    CHECK(roots->rule == AppRule::kArgoCdOrFlux);
    CHECK(roots->dirs == std::vector<std::string>{"apps/cache", "apps/web"});
  }
  SUBCASE("a kustomization not marked as published stays an app") {
    repo.Set("published/apps/web/kustomization.yaml", "resources: [configmap_a.yaml]\n");
    auto roots = FindAppRoots(repo, nullptr);
    REQUIRE(roots.ok());
    CHECK(roots->dirs == std::vector<std::string>{"apps/cache", "apps/web", "published/apps/web"});
  }
}

TEST_CASE("app roots: with the publish directory named, Flux paths inside it mean their source before anything is published") {
  testing::MapSource repo({
      {"apps/web/cm.yaml", kConfigMap},
      {"clusters/prod/web.yaml", FluxKustomization("./published/apps/web")},
  });
  auto unnamed = FindAppRoots(repo, nullptr);
  REQUIRE(unnamed.ok());
  CHECK(unnamed->rule == AppRule::kDiscovered);  // the path is not a directory: rule 1 finds nothing
  auto named = FindAppRoots(repo, nullptr, {}, nullptr, "published");
  REQUIRE(named.ok());
  CHECK(named->rule == AppRule::kArgoCdOrFlux);
  CHECK(named->dirs == std::vector<std::string>{"apps/web"});
}

}  // namespace
}  // namespace gitcanary::render
