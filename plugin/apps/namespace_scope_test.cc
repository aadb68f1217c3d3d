// NamespaceScopeFor on in-memory trees: the rules come from the topmost
// gitcanary.yaml, paths are taken relative to its directory, a nearer
// gitcanary.yaml cannot widen them, and `namespaces:` written below the top
// is an error.
#include "plugin/apps/namespace_scope.h"

#include <doctest/doctest.h>

#include <string>

#include "plugin/sources/config_lookup.h"
#include "tests/map_source.h"

namespace gitcanary::plugin {
namespace {

const std::string kHead = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n";
const std::string kRules = kHead + "namespaces:\n  - path: apps/team-a/**\n    allow: [team-a]\n";

// The scope of `app`, as a command finds it: with the app's nearest config.
Result<std::optional<render::NamespaceScope>> ScopeOf(const FileSource& repo, const std::string& app) {
  auto nearest = LoadNearestConfig(repo, app);
  if (!nearest.ok()) return nearest.status();
  return NamespaceScopeFor(repo, app, *nearest);
}

TEST_CASE("namespace scope: the top gitcanary.yaml's first matching rule, by the path below it") {
  struct Case {
    std::string what;
    std::map<std::string, std::string> files;
    std::string app;
    std::optional<std::string> scope_app;  // nullopt: no rule applies
  };
  const std::vector<Case> cases = {
      {"an app under the rule", {{"gitcanary.yaml", kRules}}, "apps/team-a/web", "apps/team-a/web"},
      {"an app outside every rule", {{"gitcanary.yaml", kRules}}, "apps/team-b/web", std::nullopt},
      {"no gitcanary.yaml", {{"apps/team-a/web/x.yaml", ""}}, "apps/team-a/web", std::nullopt},
      {"no namespaces list", {{"gitcanary.yaml", kHead}}, "apps/team-a/web", std::nullopt},
      // The repository's top gitcanary.yaml is in deploy/: paths are relative to it.
      {"a top config below the tree's root", {{"deploy/gitcanary.yaml", kRules}}, "deploy/apps/team-a/web",
       "apps/team-a/web"},
      // A nearer config without rules leaves the top one's in force.
      {"a nearer config without rules",
       {{"gitcanary.yaml", kRules}, {"apps/team-a/gitcanary.yaml", kHead + "defaults: {mode: flagger}\n"}},
       "apps/team-a/web", "apps/team-a/web"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    testing::MapSource repo(c.files);
    auto scope = ScopeOf(repo, c.app);
    REQUIRE_MESSAGE(scope.ok(), scope.status().message());
    REQUIRE(scope->has_value() == c.scope_app.has_value());
    if (c.scope_app) {
      CHECK((*scope)->app == *c.scope_app);
      CHECK((*scope)->rule.allow == std::vector<std::string>{"team-a"});
    }
  }
}

TEST_CASE("namespace scope: rules in a gitcanary.yaml below the top are an error") {
  testing::MapSource repo({{"gitcanary.yaml", kHead},
                           {"apps/team-a/gitcanary.yaml", kHead + "namespaces:\n  - path: \"**\"\n    allow: [x]\n"}});
  auto scope = ScopeOf(repo, "apps/team-a/web");
  REQUIRE_FALSE(scope.ok());
  CHECK(scope.status().message().find("namespaces: namespace rules are read only from the repository's top "
                                      "gitcanary.yaml") != std::string::npos);
  // The top one itself may hold them.
  auto top = ScopeOf(repo, "apps/team-b");
  REQUIRE(top.ok());
  CHECK_FALSE(top->has_value());
}

}  // namespace
}  // namespace gitcanary::plugin
