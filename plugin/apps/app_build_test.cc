// serve's build cache over a commit-like source: a kustomization that gathers
// files is re-planned and rebuilt when any kustomization it walked changes,
// never served stale, and a status commit alone changes nothing but the status.
#include "plugin/apps/app_build.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"

using gitcanary::plugin::BuildAppCached;
using gitcanary::plugin::BuildCache;
using gitcanary::plugin::BuildTools;
using gitcanary::testing::MapSource;

namespace {

std::string Object(const std::string& kind, const std::string& name) {
  return "apiVersion: v1\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n";
}

std::vector<std::string> Names(const gitcanary::plugin::BuiltApp& app) {
  std::vector<std::string> out;
  for (const auto& m : app.manifests) out.push_back(m.kind + "/" + m.name);
  return out;
}

bool Anything(std::string_view) { return true; }

}  // namespace

TEST_CASE("build cache: a changed kustomization anywhere in the walk is planned and built again") {
  MapSource repo({{"app/kustomization.yaml", "resources: [../base, extra.yaml]\n"},
                  {"app/extra.yaml", Object("ConfigMap", "extra")},
                  {"base/kustomization.yaml", "resources: [svc.yaml]\n"},
                  {"base/svc.yaml", Object("Service", "web")}});
  BuildCache cache;
  const BuildTools tools;
  auto first = BuildAppCached(repo, "app", tools, cache, Anything);
  REQUIRE(first.ok());
  CHECK(Names(*first) == std::vector<std::string>{"Service/web", "ConfigMap/extra"});

  // The base gathers one more file: the walk's tree changed, so the plan is made again.
  repo.Set("base/kustomization.yaml", "resources: [svc.yaml, cm.yaml]\n");
  repo.Set("base/cm.yaml", Object("ConfigMap", "base"));
  auto second = BuildAppCached(repo, "app", tools, cache, Anything);
  REQUIRE(second.ok());
  CHECK(Names(*second) == std::vector<std::string>{"Service/web", "ConfigMap/base", "ConfigMap/extra"});

  // A status document in the app: the same objects, and the status read fresh.
  repo.Set("app/web.gitcanary-status.yaml",
           "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: web\nstatus:\n  phase: Progressing\n");
  auto third = BuildAppCached(repo, "app", tools, cache, Anything);
  REQUIRE(third.ok());
  CHECK(Names(*third) == std::vector<std::string>{"Service/web", "ConfigMap/base", "ConfigMap/extra", "CanaryStatus/web"});

  // A file's content changes under an unchanged kustomization: rebuilt, not served from the cache.
  repo.Set("app/extra.yaml", Object("ConfigMap", "renamed"));
  auto fourth = BuildAppCached(repo, "app", tools, cache, Anything);
  REQUIRE(fourth.ok());
  CHECK(Names(*fourth) == std::vector<std::string>{"Service/web", "ConfigMap/base", "ConfigMap/renamed", "CanaryStatus/web"});
}

TEST_CASE("build cache: an app none of whose inputs passes the text test is neither built nor loaded") {
  MapSource repo({{"app/kustomization.yaml", "resources: [cm.yaml]\n"}, {"app/cm.yaml", Object("ConfigMap", "x")}});
  BuildCache cache;
  auto none = BuildAppCached(repo, "app", BuildTools{}, cache, [](std::string_view t) { return t.find("Canary") != std::string_view::npos; });
  REQUIRE(none.ok());
  CHECK(none->manifests.empty());
}
