// ResourcesOnlyFiles: what a kustomization that only lists local resources
// gathers, in kustomize's order, whether its directories are gathered on one
// core (fewer than 64) or on every core (an umbrella over many apps).
#include "render/resources_only.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/map_source.h"

namespace gitcanary::render {
namespace {

std::string Num(int i) {
  std::string n = std::to_string(i);
  return n.size() < 2 ? "0" + n : n;
}

// An umbrella kustomization listing `apps` directories, each listing its two
// manifests; a file of the umbrella's own sits between every tenth app, and
// `extra` lines end its list.
testing::MapSource Umbrella(int apps, const std::string& extra = "") {
  testing::MapSource repo({});
  std::string umbrella = "resources:\n";
  for (int i = 0; i < apps; ++i) {
    const std::string dir = "apps/app-" + Num(i);
    umbrella += "- " + dir + "\n";
    if (i % 10 == 9) umbrella += "- shared-" + Num(i) + ".yaml\n";
    repo.Set(dir + "/kustomization.yaml", "resources:\n- service.yaml\n- deployment.yaml\n");
    repo.Set(dir + "/deployment.yaml", "kind: Deployment\n");
    repo.Set(dir + "/service.yaml", "kind: Service\n");
    if (i % 10 == 9) repo.Set("shared-" + Num(i) + ".yaml", "kind: ConfigMap\n");
  }
  repo.Set("kustomization.yaml", umbrella + extra);
  return repo;
}

// What kustomize reads for Umbrella(apps), worked out by hand: each app's
// files in the order its kustomization lists them, the umbrella's own files
// where it lists them.
GatheredFiles Expected(int apps) {
  GatheredFiles out;
  out.kustomizations.push_back("kustomization.yaml");
  for (int i = 0; i < apps; ++i) {
    const std::string dir = "apps/app-" + Num(i);
    out.files.push_back(dir + "/service.yaml");
    out.files.push_back(dir + "/deployment.yaml");
    out.kustomizations.push_back(dir + "/kustomization.yaml");
    if (i % 10 == 9) out.files.push_back("shared-" + Num(i) + ".yaml");
  }
  return out;
}

// What the umbrella at the top of `repo` gathers; nullopt when it does more.
std::optional<GatheredFiles> Gathered(const testing::MapSource& repo) {
  auto gathered = ResourcesOnlyFiles(repo, "");
  REQUIRE(gathered.ok());
  return std::move(*gathered);
}

TEST_CASE("resources only: files and kustomizations in kustomize's order, on one core and on every core") {
  for (int apps : {3, 63, 64, 90}) {  // 64 directories and more are gathered in parallel
    CAPTURE(apps);
    auto gathered = Gathered(Umbrella(apps));
    REQUIRE(gathered.has_value());
    const GatheredFiles want = Expected(apps);
    CHECK(gathered->files == want.files);
    CHECK(gathered->kustomizations == want.kustomizations);
  }
}

TEST_CASE("resources only: one directory that does more than gather makes the whole answer no") {
  for (int apps : {20, 90}) {
    CAPTURE(apps);
    testing::MapSource repo = Umbrella(apps);
    repo.Set("apps/app-17/kustomization.yaml", "namePrefix: x-\nresources:\n- service.yaml\n");
    CHECK_FALSE(Gathered(repo).has_value());
  }
}

TEST_CASE("resources only: a cycle below the umbrella is no, a base shared by two apps is yes") {
  for (int apps : {20, 90}) {
    CAPTURE(apps);
    testing::MapSource cycle = Umbrella(apps);
    cycle.Set("apps/app-05/kustomization.yaml", "resources:\n- service.yaml\n- ../..\n");
    CHECK_FALSE(Gathered(cycle).has_value());

    testing::MapSource shared = Umbrella(apps);
    shared.Set("base/kustomization.yaml", "resources:\n- cm.yaml\n");
    shared.Set("base/cm.yaml", "kind: ConfigMap\n");
    shared.Set("apps/app-01/kustomization.yaml", "resources:\n- ../../base\n");
    shared.Set("apps/app-02/kustomization.yaml", "resources:\n- ../../base\n");
    auto gathered = Gathered(shared);
    REQUIRE(gathered.has_value());
    const std::vector<std::string>& files = gathered->files;
    CHECK(files[0] == "apps/app-00/service.yaml");
    CHECK(files[2] == "base/cm.yaml");  // app-01's only resource
    CHECK(files[3] == "base/cm.yaml");  // and app-02's
    CHECK(files[4] == "apps/app-03/service.yaml");
  }
}

TEST_CASE("resources only: a listed path that is missing, or a file that is no manifest, is no") {
  for (int apps : {20, 90}) {
    CAPTURE(apps);
    CHECK_FALSE(Gathered(Umbrella(apps, "- apps/app-gone\n")).has_value());

    testing::MapSource readme = Umbrella(apps);
    readme.Set("apps/app-03/README.md", "# app\n");
    readme.Set("apps/app-03/kustomization.yaml", "resources:\n- README.md\n");
    CHECK_FALSE(Gathered(readme).has_value());
  }
}

}  // namespace
}  // namespace gitcanary::render
