// Tests for the namespace rules of gitcanary.yaml: path and name globs, which
// rule applies to an app, and which objects and references a rule refuses,
// with messages that point at the field and name the rule.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/app_config.h"
#include "render/loader.h"
#include "render/namespace_rules.h"

namespace gitcanary::render {
namespace {

TEST_CASE("namespace rules: path globs match app directories segment by segment") {
  struct Case {
    std::string pattern, path;
    bool match;
  };
  const std::vector<Case> cases = {
      {"apps/team-a/**", "apps/team-a", true},  // ** is zero or more segments
      {"apps/team-a/**", "apps/team-a/web", true},
      {"apps/team-a/**", "apps/team-a/web/overlays/prod", true},
      {"apps/team-a/**", "apps/team-ab/web", false},  // a segment is matched whole
      {"apps/team-a/**", "apps", false},
      {"apps/team-a/**", "", false},
      {"apps/team-a", "apps/team-a", true},
      {"apps/team-a", "apps/team-a/web", false},  // no ** : exactly that directory
      {"apps/*/web", "apps/team-a/web", true},
      {"apps/*/web", "apps/team-a/x/web", false},  // * never crosses '/'
      {"apps/team-*/**", "apps/team-b/api", true},
      {"apps/team-*/**", "apps/ops/api", false},
      {"**", "", true},  // the top
      {"**", "a/b/c", true},
      {"**/web", "web", true},
      {"**/web", "apps/team-a/web", true},
      {"**/web", "apps/team-a/api", false},
      {"apps/**/prod", "apps/prod", true},
      {"apps/**/prod", "apps/a/b/prod", true},
      {"apps/**/prod", "apps/a/b/staging", false},
      {"*", "apps", true},
      {"*", "apps/web", false},
      {"*", "", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pattern);
    CAPTURE(c.path);
    CHECK(PathGlobMatches(c.pattern, c.path) == c.match);
  }
}

TEST_CASE("namespace rules: name globs and malformed path globs") {
  CHECK(NameGlobMatches("team-a", "team-a"));
  CHECK_FALSE(NameGlobMatches("team-a", "team-ab"));
  CHECK(NameGlobMatches("team-a-*", "team-a-dev"));
  CHECK_FALSE(NameGlobMatches("team-a-*", "team-a"));
  CHECK(NameGlobMatches("*-prod", "shop-prod"));
  CHECK(NameGlobMatches("*", "anything"));
  CHECK(NameGlobMatches("a*b*c", "axxbyyc"));
  CHECK_FALSE(NameGlobMatches("a*b*c", "axxbyy"));
  for (const char* ok : {"apps/team-a/**", "**", "apps/*/web", "a/**/b"}) {
    CAPTURE(ok);
    CHECK(PathGlobProblem(ok).empty());
  }
  for (const char* bad : {"", "/apps/**", "apps//web", "apps/", "./apps", "apps/../x", "apps/team**", "a/***/b"}) {
    CAPTURE(bad);
    CHECK_FALSE(PathGlobProblem(bad).empty());
  }
}

TEST_CASE("namespace rules: the first rule whose path matches applies") {
  const std::vector<NamespaceRule> rules = {
      {"apps/team-a/shared/**", {"team-a", "team-a-shared"}, {}, "r0"},
      {"apps/team-a/**", {"team-a"}, {}, "r1"},
      {"**", {"default"}, {}, "r2"},
  };
  struct Case {
    std::string app, rule;
  };
  for (const Case& c : std::vector<Case>{{"apps/team-a/shared/x", "r0"},
                                          {"apps/team-a/web", "r1"},
                                          {"apps/team-b/web", "r2"},
                                          {"", "r2"}}) {
    CAPTURE(c.app);
    const NamespaceRule* r = FirstMatchingRule(rules, c.app);
    REQUIRE(r != nullptr);
    CHECK(r->where == c.rule);
  }
  CHECK(FirstMatchingRule({rules[1]}, "apps/team-b/web") == nullptr);  // no rule: unrestricted
}

NamespaceScope TeamA() {
  return NamespaceScope{"apps/team-a/web", NamespaceRule{"apps/team-a/**", {"team-a"}, {"monitoring"},
                                                         "gitcanary.yaml:5:5 namespaces[0]"}};
}

// The error for `yaml` (one file, app namespace `app_ns`), "" when allowed.
std::string Check(const std::string& yaml, const std::string& app_ns = "team-a") {
  auto objects = ParseManifests(yaml, "app.yaml");
  REQUIRE_MESSAGE(objects.ok(), objects.status().message());
  Status s = CheckNamespaces(TeamA(), *objects, app_ns);
  return s.ok() ? "" : s.message();
}

const char kRule[] =
    " is not allowed for the app at \"apps/team-a/web\" by gitcanary.yaml:5:5 namespaces[0] "
    "(path \"apps/team-a/**\": allow team-a; shared monitoring)";

TEST_CASE("namespace rules: objects must be in an allowed namespace") {
  struct Case {
    std::string name, yaml, app_ns, error;
  };
  const std::vector<Case> cases = {
      {"own namespace", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c, namespace: team-a}\n", "team-a", ""},
      {"no namespace, allowed app namespace", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n", "team-a", ""},
      {"another team's namespace",
       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team-b\n", "team-a",
       std::string("app.yaml:5:14: metadata.namespace: Deployment team-b/web: namespace \"team-b\"") + kRule +
           "; use one of: team-a"},
      {"a shared namespace is not for rendering into",
       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: monitoring\n", "team-a",
       std::string("app.yaml:5:14: metadata.namespace: ConfigMap monitoring/c: namespace \"monitoring\"") + kRule +
           "; use one of: team-a"},
      {"no namespace, app namespace not allowed", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
       "default",
       std::string("app.yaml:4:3: metadata.namespace: ConfigMap c: without metadata.namespace it goes to the app's "
                   "namespace \"default\", which") +
           kRule + "; set metadata.namespace, or the app's namespace (-n, Argo CD's destination), to one of: team-a"},
      {"a Namespace object by its name", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n", "team-a",
       std::string("app.yaml:4:9: metadata.name: Namespace team-b: namespace \"team-b\"") + kRule},
      {"its own Namespace", "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n", "default", ""},
      {"cluster-scoped kinds have no namespace",
       "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n", "default", ""},
      {"a HelmRelease installing elsewhere",
       "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: h, namespace: team-a}\n"
       "spec:\n  targetNamespace: team-b\n",
       "team-a",
       std::string("app.yaml:5:20: spec.targetNamespace: HelmRelease team-a/h: namespace \"team-b\"") + kRule +
           "; use one of: team-a"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(Check(c.yaml, c.app_ns) == c.error);
  }
}

std::string CanaryWith(const std::string& analysis) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: team-a\n"
         "spec:\n  analysis:\n" +
         analysis;
}

TEST_CASE("namespace rules: a Canary names templates and providers only in allowed or shared namespaces") {
  struct Case {
    std::string name, analysis, error;
  };
  const std::vector<Case> cases = {
      {"own namespace", "    metrics:\n    - name: m\n      templateRef: {name: t, namespace: team-a}\n", ""},
      {"no namespace: the Canary's", "    metrics:\n    - name: m\n      templateRef: {name: t}\n", ""},
      {"a shared namespace", "    metrics:\n    - name: m\n      templateRef: {name: t, namespace: monitoring}\n", ""},
      {"another team's template",
       "    metrics:\n    - name: m\n      templateRef:\n        name: t\n        namespace: team-b\n",
       std::string("app.yaml:12:20: spec.analysis.metrics[0].templateRef.namespace: Canary team-a/web: "
                   "MetricTemplate namespace \"team-b\"") +
           kRule + "; name one in: team-a, monitoring"},
      {"another team's provider",
       "    alerts:\n    - name: a\n      severity: info\n    - name: b\n      providerRef:\n        name: p\n"
       "        namespace: team-b\n",
       std::string("app.yaml:14:20: spec.analysis.alerts[1].providerRef.namespace: Canary team-a/web: "
                   "AlertProvider namespace \"team-b\"") +
           kRule + "; name one in: team-a, monitoring"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(Check(CanaryWith(c.analysis)) == c.error);
  }
}

TEST_CASE("namespace rules: gitcanary.yaml's namespaces list is read in order") {
  const std::string head = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n";
  auto c = ParseAppConfig(head +
                              "namespaces:\n"
                              "  - path: apps/team-a/**\n    allow: [team-a, team-a-*]\n    shared: [monitoring]\n"
                              "  - path: \"**\"\n    allow: [default]\n",
                          "gitcanary.yaml");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  REQUIRE(c->namespaces.has_value());
  REQUIRE(c->namespaces->size() == 2);
  CHECK((*c->namespaces)[0].path == "apps/team-a/**");
  CHECK((*c->namespaces)[0].allow == std::vector<std::string>{"team-a", "team-a-*"});
  CHECK((*c->namespaces)[0].shared == std::vector<std::string>{"monitoring"});
  CHECK((*c->namespaces)[0].where == "gitcanary.yaml:4:5 namespaces[0]");
  CHECK((*c->namespaces)[1].where == "gitcanary.yaml:7:5 namespaces[1]");
  auto none = ParseAppConfig(head, "gitcanary.yaml");
  REQUIRE(none.ok());
  CHECK_FALSE(none->namespaces.has_value());

  struct Bad {
    std::string body, error;
  };
  for (const Bad& b : std::vector<Bad>{
           {"namespaces:\n  - path: /apps/**\n    allow: [a]\n",
            "gitcanary.yaml:4:11: namespaces[0].path: \"/apps/**\" must be relative to the gitcanary.yaml's "
            "directory, without a leading '/'"},
           {"namespaces:\n  - path: apps/**\n",
            "gitcanary.yaml:4:5: namespaces[0].allow: missing; list the namespaces the apps under this path may use"},
           {"namespaces:\n  - path: apps/**\n    allow: [Team_A]\n",
            "gitcanary.yaml:5:13: namespaces[0].allow[0]: expected a namespace name, or a glob with *, got string \"Team_A\""},
           {"namespaces:\n  - allow: [a]\n",
            "gitcanary.yaml:4:5: namespaces[0].path: missing; a glob such as apps/team-a/**"},
           {"namespaces:\n  - path: a/**\n    allow: [a]\n    deny: [b]\n",
            "gitcanary.yaml:6:5: namespaces[0].deny: unknown field; expected one of path, allow, shared"},
       }) {
    auto r = ParseAppConfig(head + b.body, "gitcanary.yaml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == b.error);
  }
}

}  // namespace
}  // namespace gitcanary::render
