// Which directories are apps: Argo CD's and Flux's own pointers first, then
// gitcanary.yaml's list, then discovery, where a base is never an app.
#include "render/app_roots.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"

using gitcanary::testing::MapSource;
namespace render = gitcanary::render;

namespace {

const char kDeployment[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";

std::map<std::string, std::string> Layout() {
  return {
      {"apps/web/base/kustomization.yaml", "resources: [deployment.yaml]\n"},
      {"apps/web/base/deployment.yaml", kDeployment},
      {"apps/web/staging/kustomization.yaml", "resources: [../base]\n"},
      {"apps/web/prod/kustomization.yaml", "resources: [../base]\n"},
      {"charts/shop/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n"},
      {"charts/shop/templates/deployment.yaml", "kind: {{ .Values.kind }}\n"},
      {"charts/shop/charts/cache/Chart.yaml", "apiVersion: v2\nname: cache\n"},
      {"plain/deployment.yaml", kDeployment},
      {"plain/extra/service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"},
      {"docs/notes.yaml", "just: notes\n"},
      {".github/workflows/ci.yaml", "apiVersion: x\nkind: y\n"},
  };
}

}  // namespace

TEST_CASE("app roots: discovery finds unreferenced kustomizations, charts and manifest directories") {
  MapSource repo(Layout());
  auto roots = render::FindAppRoots(repo, nullptr);
  REQUIRE(roots.ok());
  CHECK(roots->rule == render::AppRule::kDiscovered);
  // The base is included by both overlays; the subchart and plain/extra belong to their parents.
  CHECK(roots->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/staging", "charts/shop", "plain"});
}

TEST_CASE("app roots: a base that nothing includes is an app of its own") {
  auto files = Layout();
  files["apps/web/staging/kustomization.yaml"] = "resources: [deployment.yaml]\n";
  files["apps/web/staging/deployment.yaml"] = kDeployment;
  files["apps/web/prod/kustomization.yaml"] = "resources: [deployment.yaml]\n";
  files["apps/web/prod/deployment.yaml"] = kDeployment;
  MapSource repo(files);
  auto roots = render::FindAppRoots(repo, nullptr);
  REQUIRE(roots.ok());
  CHECK(roots->dirs == std::vector<std::string>{"apps/web/base", "apps/web/prod", "apps/web/staging", "charts/shop", "plain"});
}

TEST_CASE("app roots: the gitcanary.yaml list wins over discovery") {
  MapSource repo(Layout());
  const std::vector<std::string> listed = {"./plain/", "apps/web/base"};
  auto roots = render::FindAppRoots(repo, &listed);
  REQUIRE(roots.ok());
  CHECK(roots->rule == render::AppRule::kConfigList);
  CHECK(roots->dirs == std::vector<std::string>{"apps/web/base", "plain"});
  const std::vector<std::string> outside = {"../elsewhere"};
  CHECK_FALSE(render::FindAppRoots(repo, &outside).ok());
}

TEST_CASE("app roots: Argo CD Applications and Flux Kustomizations in the repository win over everything") {
  auto files = Layout();
  files["clusters/prod/apps.yaml"] =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\n"
      "spec:\n  source: {repoURL: https://git.example.com/gitops, path: apps/web/prod}\n"
      "---\n"
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: multi}\n"
      "spec:\n  sources:\n  - {repoURL: https://git.example.com/gitops, path: charts/shop}\n"
      "  - {repoURL: https://charts.example.com, chart: other}\n"
      "---\n"
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: elsewhere}\n"
      "spec:\n  source: {repoURL: https://git.example.com/other, path: not/in/this/repo}\n";
  files["clusters/prod/flux.yaml"] =
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: staging}\n"
      "spec: {path: ./apps/web/staging, sourceRef: {kind: GitRepository, name: flux-system}}\n";
  MapSource repo(files);
  const std::vector<std::string> listed = {"plain"};
  auto roots = render::FindAppRoots(repo, &listed);
  REQUIRE(roots.ok());
  CHECK(roots->rule == render::AppRule::kArgoCdOrFlux);
  CHECK(roots->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/staging", "charts/shop"});
}

TEST_CASE("app roots: Applications that point only outside the repository leave the next rule in force") {
  auto files = Layout();
  files["clusters/app.yaml"] =
      "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n"
      "spec:\n  source: {repoURL: https://git.example.com/other, path: missing/dir}\n";
  MapSource repo(files);
  auto roots = render::FindAppRoots(repo, nullptr);
  REQUIRE(roots.ok());
  CHECK(roots->rule == render::AppRule::kDiscovered);
  // clusters/ holds a manifest itself, so it is a plain app too.
  CHECK(roots->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/staging", "charts/shop", "clusters", "plain"});
}

TEST_CASE("app roots: discovery under given directories walks from each of them") {
  auto files = Layout();
  files["stray.yaml"] = kDeployment;  // makes the whole tree one plain app when walked from the top
  MapSource repo(files);
  auto whole = render::FindAppRoots(repo, nullptr);
  REQUIRE(whole.ok());
  CHECK(whole->dirs == std::vector<std::string>{""});
  auto under = render::FindAppRoots(repo, nullptr, {"apps", "plain"});
  REQUIRE(under.ok());
  CHECK(under->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/staging", "plain"});
  const std::vector<std::string> listed = {"plain", "charts/shop"};
  auto filtered = render::FindAppRoots(repo, &listed, {"charts"});
  REQUIRE(filtered.ok());
  CHECK(filtered->dirs == std::vector<std::string>{"charts/shop"});
}

TEST_CASE("app roots: a memo of unchanged subtrees gives the same apps as a fresh walk") {
  auto files = Layout();
  MapSource repo(files);
  gitcanary::render::AppRootsMemo memo;
  auto first = render::FindAppRoots(repo, nullptr, {}, &memo);
  REQUIRE(first.ok());
  CHECK_FALSE(memo.entries().empty());
  // A new overlay and a base no longer included: both walks must see it.
  repo.Set("apps/web/qa/kustomization.yaml", "resources: [deployment.yaml]\n");
  repo.Set("apps/web/qa/deployment.yaml", kDeployment);
  repo.Set("apps/web/prod/kustomization.yaml", "resources: [deployment.yaml]\n");
  repo.Set("apps/web/prod/deployment.yaml", kDeployment);
  auto memoised = render::FindAppRoots(repo, nullptr, {}, &memo);
  auto fresh = render::FindAppRoots(repo, nullptr);
  REQUIRE(memoised.ok());
  REQUIRE(fresh.ok());
  CHECK(memoised->dirs == fresh->dirs);
  CHECK(fresh->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/qa", "apps/web/staging", "charts/shop", "plain"});
  // Under given directories, with the same memo.
  auto under = render::FindAppRoots(repo, nullptr, {"apps"}, &memo);
  REQUIRE(under.ok());
  CHECK(under->dirs == std::vector<std::string>{"apps/web/prod", "apps/web/qa", "apps/web/staging"});
}

TEST_CASE("app roots: a memo kept across many changed trees holds only what the last walk used") {
  auto files = Layout();
  MapSource repo(files);
  gitcanary::render::AppRootsMemo memo;
  for (int i = 0; i < 20; ++i) {
    // What a status commit does: one file of one app changes, so its
    // directory and every parent get new ids.
    repo.Set("apps/web/prod/status.yaml", "weight: " + std::to_string(i) + "\n");
    auto memoised = render::FindAppRoots(repo, nullptr, {}, &memo);
    REQUIRE(memoised.ok());
    gitcanary::render::AppRootsMemo fresh;
    auto once = render::FindAppRoots(repo, nullptr, {}, &fresh);
    REQUIRE(once.ok());
    CAPTURE(i);
    CHECK(memoised->dirs == once->dirs);
    CHECK(memo.entries().size() == fresh.entries().size());
  }
}

TEST_CASE("app roots: self-contained apps are those whose build reads nothing outside their directory") {
  auto files = Layout();
  files["apps/shop/kustomization.yaml"] = "resources: [deployment.yaml, parts]\n";
  files["apps/shop/deployment.yaml"] = kDeployment;
  files["apps/shop/parts/kustomization.yaml"] = "resources: [service.yaml]\n";
  files["apps/shop/parts/service.yaml"] = "apiVersion: v1\nkind: Service\nmetadata: {name: shop}\n";
  // Inside, then out: a kustomization of its own includes a shared base.
  files["apps/cart/kustomization.yaml"] = "resources: [deployment.yaml, nested]\n";
  files["apps/cart/deployment.yaml"] = kDeployment;
  files["apps/cart/nested/kustomization.yaml"] = "resources: [../../../shared]\n";
  files["shared/kustomization.yaml"] = "resources: [configmap.yaml]\n";
  files["shared/configmap.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\n";
  // A patch file of another directory, and a hidden directory the walk never looks into.
  files["apps/pay/kustomization.yaml"] = "resources: [deployment.yaml]\npatches:\n- path: ../../patches/pay.yaml\n";
  files["apps/pay/deployment.yaml"] = kDeployment;
  files["patches/pay.yaml"] = "kind: Deployment\n";
  files["apps/hidden/kustomization.yaml"] = "resources: [.base]\n";
  files["apps/hidden/.base/kustomization.yaml"] = "resources: [../../../shared]\n";
  files["flat/deployment.yaml"] = kDeployment;
  MapSource repo(files);
  std::set<std::string> self_contained;
  auto roots = render::FindAppRoots(repo, nullptr, {}, nullptr, "", &self_contained);
  REQUIRE(roots.ok());
  CHECK(roots->dirs == std::vector<std::string>{"apps/cart", "apps/hidden", "apps/pay", "apps/shop", "apps/web/prod",
                                                "apps/web/staging", "charts/shop", "flat", "plain"});
  // The overlays read their base; plain/ has a subdirectory that could hold a kustomization.
  CHECK(self_contained == std::set<std::string>{"apps/shop", "charts/shop", "flat"});
}
