#include "render/published_layout.h"

#include <doctest/doctest.h>

#include "render/loader.h"
#include "tests/map_source.h"

namespace gitcanary::render {
namespace {

std::vector<Manifest> Parse(const std::string& text) {
  auto m = ParseManifests(text, "in.yaml");
  REQUIRE(m.ok());
  return std::move(*m);
}

Manifest One(const std::string& text) { return Parse(text)[0]; }

TEST_CASE("published layout: one file name per object naming kind group namespace and name") {
  struct Row {
    const char* doc;
    const char* file;
  };
  const Row rows[] = {
      // core group: no group part
      {"apiVersion: v1\nkind: Service\nmetadata: {name: podinfo, namespace: test}\n", "service_test_podinfo.yaml"},
      // a group is written after the lower-cased kind
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo-primary, namespace: test}\n",
       "deployment.apps_test_podinfo-primary.yaml"},
      // the same kind name in two groups gives two files
      {"apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: gw, namespace: istio}\n",
       "gateway.networking.istio.io_istio_gw.yaml"},
      {"apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: istio}\n",
       "gateway.gateway.networking.k8s.io_istio_gw.yaml"},
      // no namespace: no namespace part (one separator less)
      {"apiVersion: v1\nkind: Namespace\nmetadata: {name: test}\n", "namespace_test.yaml"},
      // bytes outside [a-z0-9.-] are escaped, so names with ':' or '_' or '/' never collide or leave the directory
      {"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: \"system:a_b/..\"}\n",
       "clusterrole.rbac.authorization.k8s.io_system%3Aa%5Fb%2F...yaml"},
  };
  for (const Row& row : rows) {
    const std::string doc = row.doc;
    CAPTURE(doc);
    CHECK(PublishedFileName(One(row.doc)) == row.file);
  }
}

TEST_CASE("published layout: app paths and the publish directory must stay inside") {
  struct Row {
    const char* dir;
    const char* app;
    const char* joined;  // nullptr: refused
  };
  const Row rows[] = {
      {"published", "apps/web", "published/apps/web"},
      {"published", "", "published"},
      {"out/flux", "a", "out/flux/a"},
      {"published", "../etc", nullptr},
      {"published", "apps/../../x", nullptr},
      {"published", "/etc", nullptr},
      {"published", "apps//web", nullptr},
      {"published", "apps/./web", nullptr},
      {"published", ".git/hooks", nullptr},
      {"../out", "a", nullptr},
      {"/abs", "a", nullptr},
      {"", "a", nullptr},
      {"out/", "a", nullptr},
  };
  for (const Row& row : rows) {
    const std::string dir = row.dir, app_path = row.app;
    CAPTURE(dir);
    CAPTURE(app_path);
    auto joined = PublishedAppDir(row.dir, row.app);
    if (row.joined == nullptr) {
      CHECK_FALSE(joined.ok());
    } else {
      REQUIRE(joined.ok());
      CHECK(*joined == row.joined);
    }
  }
}

TEST_CASE("published layout: the kustomization lists exactly the object files sorted and never a CanaryStatus") {
  auto objects = Parse(
      "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: test}\n---\n"
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: test}\n---\n"
      "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: a, namespace: test}\nstatus: {}\n");
  auto app = LayOutApp("apps/web", objects, "0123456789012345678901234567890123456789");
  REQUIRE(app.ok());
  REQUIRE(app->files.size() == 3);
  CHECK(app->files.count("deployment.apps_test_a.yaml") == 1);
  CHECK(app->files.count("service_test_b.yaml") == 1);
  CHECK(app->files.at("service_test_b.yaml") == "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  namespace: test\n");
  const std::string& k = app->files.at("kustomization.yaml");
  CHECK(k.find("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n") != std::string::npos);
  CHECK(k.find("    gitcanary.io/published-from: apps/web\n") != std::string::npos);
  // an all-digit commit id would read back as a number unless quoted
  CHECK(k.find("    gitcanary.io/source-revision: \"0123456789012345678901234567890123456789\"\n") != std::string::npos);
  CHECK(k.find("resources:\n- deployment.apps_test_a.yaml\n- service_test_b.yaml\n") != std::string::npos);
  CHECK(k.find("CanaryStatus") == std::string::npos);
  CHECK(k.find("canarystatus") == std::string::npos);
}

TEST_CASE("published layout: two objects with one file name are an error") {
  auto objects = Parse(
      "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: test}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: test}\n");
  auto app = LayOutApp("a", objects, "");
  REQUIRE_FALSE(app.ok());
  CHECK(app.status().message().find("service_test_b.yaml") != std::string::npos);
}

TEST_CASE("published layout: changes write new and changed files and remove only listed files") {
  auto v1 = LayOutApp("a", Parse("apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: n}\n---\n"
                                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"),
                      "1111111111111111111111111111111111111111");
  REQUIRE(v1.ok());
  testing::MapSource current({});
  auto first = PublishChanges(current, "out/a", *v1);
  REQUIRE(first.ok());
  CHECK(first->size() == 3);
  for (const auto& c : *first) current.Set(c.path, *c.content);
  current.Set("out/a/README.md", "the user's own file");

  SUBCASE("unchanged objects at a new source revision: no change at all") {
    auto same = LayOutApp("a", Parse("apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: n}\n---\n"
                                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"),
                          "2222222222222222222222222222222222222222");
    auto changes = PublishChanges(current, "out/a", *same);
    REQUIRE(changes.ok());
    CHECK(changes->empty());
  }
  SUBCASE("an object gone and one changed: its file removed, the other rewritten, the user's file kept") {
    auto v2 = LayOutApp("a", Parse("apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: n}\nspec: {}\n"),
                        "2222222222222222222222222222222222222222");
    auto changes = PublishChanges(current, "out/a", *v2);
    REQUIRE(changes.ok());
    REQUIRE(changes->size() == 3);
    CHECK((*changes)[0].path == "out/a/configmap_n_c.yaml");
    CHECK_FALSE((*changes)[0].content.has_value());
    CHECK((*changes)[1].path == "out/a/kustomization.yaml");
    CHECK((*changes)[1].content->find("2222222222222222222222222222222222222222") != std::string::npos);
    CHECK((*changes)[2].path == "out/a/service_n_x.yaml");
  }
  SUBCASE("the app gone: every listed file and the kustomization removed, nothing else") {
    auto changes = PublishChanges(current, "out/a", std::nullopt);
    REQUIRE(changes.ok());
    REQUIRE(changes->size() == 3);
    for (const auto& c : *changes) {
      CHECK_FALSE(c.content.has_value());
      CHECK(c.path != "out/a/README.md");
    }
  }
  SUBCASE("published apps are found by their marked kustomization") {
    current.Set("out/b/kustomization.yaml", "resources: [x.yaml]\n");  // not gitcanary's
    auto apps = PublishedApps(current, "out");
    REQUIRE(apps.ok());
    CHECK(*apps == std::vector<std::string>{"a"});
  }
}

TEST_CASE("published layout: a directory gitcanary did not write is refused") {
  struct Row {
    const char* name;
    std::map<std::string, std::string> files;
    const char* message;
  };
  const Row rows[] = {
      {"a kustomization of the user's", {{"out/a/kustomization.yaml", "resources: [x.yaml]\n"}}, "not written by gitcanary"},
      {"an unlisted file where an object goes",
       {{"out/a/service_n_x.yaml", "kind: Service\n"}},
       "was not written by gitcanary"},
      {"a marked kustomization listing a file outside",
       {{"out/a/kustomization.yaml",
         "metadata:\n  annotations:\n    gitcanary.io/published-from: a\nresources: [../../etc/passwd]\n"}},
       "is not a file of this directory"},
      {"another app's directory",
       {{"out/a/kustomization.yaml", "metadata:\n  annotations:\n    gitcanary.io/published-from: b\nresources: []\n"}},
       "two apps cannot share"},
  };
  auto want = LayOutApp("a", Parse("apiVersion: v1\nkind: Service\nmetadata: {name: x, namespace: n}\n"), "");
  REQUIRE(want.ok());
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    testing::MapSource current(row.files);
    auto changes = PublishChanges(current, "out/a", *want);
    REQUIRE_FALSE(changes.ok());
    CHECK(changes.status().message().find(row.message) != std::string::npos);
  }
}

}  // namespace
}  // namespace gitcanary::render
