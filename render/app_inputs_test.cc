// What a kustomize build or a chart reads, found from the kustomization files
// alone: the walk through bases and components, the repository boundary, and
// the fingerprint that the build cache and `diff` compare.
#include "render/app_inputs.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"

using gitcanary::render::AppInputs;
using gitcanary::testing::MapSource;
namespace render = gitcanary::render;

namespace {

const char kDeployment[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";

MapSource Overlays() {
  return MapSource({
      {"apps/web/base/kustomization.yaml", "resources: [deployment.yaml, canary.yaml]\n"},
      {"apps/web/base/deployment.yaml", kDeployment},
      {"apps/web/base/canary.yaml", "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\n"},
      {"apps/web/prod/kustomization.yaml",
       "resources:\n- ../base\n- https://example.com/remote.yaml\ncomponents: [../../../components/gates]\n"
       "patches:\n- path: ../../../patches/replicas.yaml\n  target: {kind: Deployment}\n"
       "configMapGenerator:\n- name: cfg\n  files: [app.conf=../../../config/app.conf]\n  envs: [../../../config/web.env]\n"},
      {"apps/web/prod/web.gitcanary-status.yaml", "status: one\n"},
      {"components/gates/kustomization.yaml", "kind: Component\npatches:\n- path: gate.yaml\n"},
      {"components/gates/gate.yaml", "- op: add\n"},
      {"patches/replicas.yaml", "- op: replace\n"},
      {"config/app.conf", "a=1\n"},
      {"config/web.env", "B=2\n"},
      {"unrelated/deployment.yaml", kDeployment},
  });
}

}  // namespace

TEST_CASE("app inputs: an overlay reads its own directory, its base and component, and each file it names") {
  MapSource repo = Overlays();
  auto in = render::KustomizeInputs(repo, "apps/web/prod");
  REQUIRE(in.ok());
  CHECK(in->dirs == std::vector<std::string>{"apps/web/base", "apps/web/prod", "components/gates"});
  CHECK(in->files == std::vector<std::string>{"config/app.conf", "config/web.env", "patches/replicas.yaml"});
  CHECK(in->remote == std::vector<std::string>{"https://example.com/remote.yaml"});
  CHECK(in->kustomizations.front() == "apps/web/prod");
  CHECK(in->kustomizations.size() == 3);
}

TEST_CASE("app inputs: a reference that leaves the repository is an error naming the file and the field") {
  MapSource repo({{"apps/web/kustomization.yaml", "resources:\n- ../../../outside\n"}});
  auto in = render::KustomizeInputs(repo, "apps/web");
  REQUIRE_FALSE(in.ok());
  CHECK(in.status().message() ==
        "apps/web/kustomization.yaml: resources \"../../../outside\" is outside the repository; keep every input of "
        "the app inside it");
  MapSource absolute({{"app/kustomization.yaml", "patches:\n- path: /etc/passwd\n"}});
  auto abs = render::KustomizeInputs(absolute, "app");
  REQUIRE_FALSE(abs.ok());
  CHECK(abs.status().message().find("patches[].path \"/etc/passwd\" is outside the repository") != std::string::npos);
}

TEST_CASE("app inputs: a directory without a kustomization is read whole, and a cycle ends") {
  MapSource repo({{"a/kustomization.yaml", "resources: [../b, ../plain]\n"},
                  {"b/kustomization.yaml", "resources: [../a]\n"},
                  {"plain/x.yaml", kDeployment}});
  auto in = render::KustomizeInputs(repo, "a");
  REQUIRE(in.ok());
  CHECK(in->dirs == std::vector<std::string>{"a", "b", "plain"});
  CHECK(in->kustomizations == std::vector<std::string>{"a", "b"});
}

TEST_CASE("app inputs: the kustomization file may be named kustomization.yml or Kustomization") {
  for (const char* name : {"kustomization.yaml", "kustomization.yml", "Kustomization"}) {
    MapSource repo({{std::string("app/") + name, "resources: []\n"}});
    CHECK(render::KustomizationFileIn(repo, "app") == name);
  }
  MapSource none({{"app/deployment.yaml", kDeployment}});
  CHECK(render::KustomizationFileIn(none, "app").empty());
  CHECK_FALSE(render::KustomizeInputs(none, "app").ok());
}

TEST_CASE("app inputs: a kustomization uses the directories it names and those of the files it names elsewhere") {
  MapSource repo = Overlays();
  auto refs = render::ReferencedDirs(repo, "apps/web/prod");
  REQUIRE(refs.ok());
  CHECK(*refs == std::vector<std::string>{"apps/web/base", "components/gates", "patches", "config"});
  // A base listed file by file, as argocd-example-apps' sock-shop does.
  MapSource files({{"shop/kustomization.yaml", "resources: [base/a.yaml, base/b.yaml, own.yaml]\n"},
                   {"shop/base/a.yaml", kDeployment}, {"shop/base/b.yaml", kDeployment}, {"shop/own.yaml", kDeployment}});
  auto listed = render::ReferencedDirs(files, "shop");
  REQUIRE(listed.ok());
  CHECK(*listed == std::vector<std::string>{"shop/base"});
}

TEST_CASE("app inputs: the fingerprint follows every input but not status documents") {
  MapSource repo = Overlays();
  auto in = render::KustomizeInputs(repo, "apps/web/prod");
  REQUIRE(in.ok());
  const std::string before = *render::InputsFingerprint(repo, *in);
  CHECK_FALSE(before.empty());

  repo.Set("apps/web/prod/web.gitcanary-status.yaml", "status: two\n");  // serve's own commit
  CHECK(*render::InputsFingerprint(repo, *in) == before);
  repo.Set("unrelated/deployment.yaml", "changed\n");
  CHECK(*render::InputsFingerprint(repo, *in) == before);

  repo.Set("apps/web/base/deployment.yaml", "changed\n");  // the shared base
  const std::string base_changed = *render::InputsFingerprint(repo, *in);
  CHECK(base_changed != before);
  repo.Set("config/web.env", "B=3\n");  // a generator's file outside the app
  CHECK(*render::InputsFingerprint(repo, *in) != base_changed);
}

TEST_CASE("app inputs: a chart reads its directory and the values files outside it") {
  MapSource repo({{"charts/shop/Chart.yaml", "name: shop\n"}, {"env/prod.yaml", "x: 1\n"}});
  auto in = render::ChartInputs(repo, "charts/shop", {"values.yaml", "../../env/prod.yaml"});
  REQUIRE_FALSE(in.ok());  // values.yaml does not exist
  CHECK(in.status().message() == "charts/shop/values.yaml: values file not found");
  repo.Set("charts/shop/values.yaml", "y: 2\n");
  in = render::ChartInputs(repo, "charts/shop", {"values.yaml", "../../env/prod.yaml"});
  REQUIRE(in.ok());
  CHECK(in->dirs == std::vector<std::string>{"charts/shop"});
  CHECK(in->files == std::vector<std::string>{"env/prod.yaml"});
  CHECK_FALSE(render::ChartInputs(repo, "charts/shop", {"../../../x.yaml"}).ok());
}

TEST_CASE("app inputs: JoinClean cleans and refuses what leaves the top") {
  std::string out;
  CHECK(render::JoinClean("a/b", "../c/./d", &out));
  CHECK(out == "a/c/d");
  CHECK(render::JoinClean("a", "..", &out));
  CHECK(out.empty());
  CHECK_FALSE(render::JoinClean("a", "../..", &out));
  CHECK_FALSE(render::JoinClean("a", "/etc", &out));
}
