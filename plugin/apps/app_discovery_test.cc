// Which apps `diff` takes as changed, over two commit-like sources: the apps
// that read nothing outside their directory are judged by tree ids alone, and
// must never hide an app whose shared base, patch file or gitcanary.yaml above
// it changed, however the base is reached.
#include "plugin/apps/app_discovery.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"

using gitcanary::plugin::BuildTools;
using gitcanary::plugin::FindChangedApps;
using gitcanary::testing::MapSource;

namespace {

std::string Object(const std::string& kind, const std::string& name) {
  return "apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n";
}

std::map<std::string, std::string> Repository() {
  std::map<std::string, std::string> files;
  for (const std::string app : {"a", "b", "c", "d"}) {  // self-contained, many of them
    files["apps/" + app + "/kustomization.yaml"] = "resources: [configmap.yaml]\n";
    files["apps/" + app + "/configmap.yaml"] = Object("ConfigMap", app);
  }
  // Inside, then out: the overlay's own kustomization includes one that includes the base.
  files["apps/overlay/kustomization.yaml"] = "resources: [configmap.yaml, nested]\n";
  files["apps/overlay/configmap.yaml"] = Object("ConfigMap", "overlay");
  files["apps/overlay/nested/kustomization.yaml"] = "resources: [../../../bases/shared]\n";
  files["bases/shared/kustomization.yaml"] = "resources: [configmap.yaml]\n";
  files["bases/shared/configmap.yaml"] = Object("ConfigMap", "shared");
  // A patch file elsewhere, and a base in a hidden directory of the app.
  files["apps/patched/kustomization.yaml"] = "resources: [configmap.yaml]\npatches:\n- path: ../../patches/p.yaml\n";
  files["apps/patched/configmap.yaml"] = Object("ConfigMap", "patched");
  files["patches/p.yaml"] = "kind: ConfigMap\n";
  files["apps/hidden/kustomization.yaml"] = "resources: [.base]\n";
  files["apps/hidden/.base/kustomization.yaml"] = "resources: [../../../bases/hidden]\n";
  files["bases/hidden/kustomization.yaml"] = "resources: [configmap.yaml]\n";
  files["bases/hidden/configmap.yaml"] = Object("ConfigMap", "hidden");
  files["plain/configmap.yaml"] = Object("ConfigMap", "plain");
  return files;
}

// The changed apps between `base` and `base` with `edits` applied.
std::vector<std::string> Changed(const std::map<std::string, std::string>& edits,
                                 const std::vector<std::string>& under = {}) {
  const MapSource base(Repository());
  MapSource head(Repository());
  for (const auto& [path, text] : edits) head.Set(path, text);
  auto apps = FindChangedApps(base, head, under, nullptr, BuildTools{});
  REQUIRE(apps.ok());
  std::vector<std::string> out;
  for (const auto& app : *apps) out.push_back(app.path);
  return out;
}

}  // namespace

TEST_CASE("changed apps: an unchanged repository has none, a change to one app's files marks that app") {
  CHECK(Changed({}).empty());
  CHECK(Changed({{"apps/b/configmap.yaml", Object("ConfigMap", "b2")}}) == std::vector<std::string>{"apps/b"});
  CHECK(Changed({{"plain/configmap.yaml", Object("ConfigMap", "p2")}}) == std::vector<std::string>{"plain"});
  CHECK(Changed({{"apps/c/c.gitcanary-status.yaml", "status: {}\n"}}) == std::vector<std::string>{"apps/c"});
}

TEST_CASE("changed apps: a shared base, a patch file or a base in a hidden directory marks the apps that read it") {
  CHECK(Changed({{"bases/shared/configmap.yaml", Object("ConfigMap", "s2")}}) ==
        std::vector<std::string>{"apps/overlay"});
  CHECK(Changed({{"bases/shared/extra.yaml", Object("ConfigMap", "unused")}}) ==
        std::vector<std::string>{"apps/overlay"});  // the base directory is read whole
  CHECK(Changed({{"patches/p.yaml", "kind: ConfigMap\nmetadata: {}\n"}}) == std::vector<std::string>{"apps/patched"});
  // (the hidden base is never walked, so the base it includes is an app of its own too)
  CHECK(Changed({{"bases/hidden/configmap.yaml", Object("ConfigMap", "h2")}}) ==
        std::vector<std::string>{"apps/hidden", "bases/hidden"});
  // PATHS limit the search, not what a build reads.
  CHECK(Changed({{"bases/shared/configmap.yaml", Object("ConfigMap", "s2")}}, {"apps"}) ==
        std::vector<std::string>{"apps/overlay"});
}

TEST_CASE("changed apps: a gitcanary.yaml above an app marks every app below it") {
  CHECK(Changed({{"apps/gitcanary.yaml", "defaults: {mode: flagger}\n"}}) ==
        std::vector<std::string>{"apps/a", "apps/b", "apps/c", "apps/d", "apps/hidden", "apps/overlay",
                                 "apps/patched"});
  CHECK(Changed({{"gitcanary.yaml", "defaults: {mode: flagger}\n"}}).size() == 9);
  CHECK(Changed({{"apps/a/gitcanary.yaml", "defaults: {mode: flagger}\n"}}) == std::vector<std::string>{"apps/a"});
}

TEST_CASE("changed apps: a kept memo ends holding both revisions' trees, so either can be the next base") {
  const MapSource base(Repository());
  MapSource head(Repository());
  head.Set("apps/b/configmap.yaml", Object("ConfigMap", "b2"));
  gitcanary::render::AppRootsMemo memo;
  auto apps = FindChangedApps(base, head, {}, nullptr, BuildTools{}, "", &memo);
  REQUIRE(apps.ok());
  // apps/b, apps/ have a tree of each revision; every other directory one.
  auto KeysOf = [&](const std::string& dir) {
    int n = 0;
    for (const auto& [key, summary] : memo.entries()) n += key.rfind(dir + "\n", 0) == 0;
    return n;
  };
  CHECK(KeysOf("apps/b") == 2);
  CHECK(KeysOf("apps") == 2);
  CHECK(KeysOf("apps/a") == 1);
  CHECK(KeysOf("bases/shared") == 1);
}
