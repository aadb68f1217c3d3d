// Tests for gitcanary.yaml parsing: defaults, modes, HPA sizing, templates and
// the errors for typos and out-of-range values.
#include <doctest/doctest.h>

#include <string>

#include "render/app_config.h"

namespace gitcanary::render {
namespace {

constexpr const char* kFile = "gitcanary.yaml";
// Lines 1-2; a test's own lines start on line 3.
const std::string kHead = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n";

TEST_CASE("a config with only apiVersion and kind has the built-in defaults") {
  auto c = ParseAppConfig(kHead, kFile);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->file == kFile);
  CHECK_FALSE(c->mode.has_value());
  CHECK(c->hpa.min_replicas == 2);
  CHECK(c->hpa.max_replicas == 4);
  CHECK(c->hpa.cpu_utilization == 99);
  CHECK(c->templates.empty());
  AppConfig built_in;
  CHECK(built_in.file.empty());
  CHECK(built_in.hpa.min_replicas == 2);
  CHECK(built_in.hpa.max_replicas == 4);
  CHECK(built_in.hpa.cpu_utilization == 99);
}

TEST_CASE("defaults and templates are read from the config") {
  auto c = ParseAppConfig(kHead +
                              "defaults:\n  mode: flagger\n  hpa:\n    minReplicas: 3\n    maxReplicas: 8\n"
                              "    cpuUtilization: 70\n"
                              "templates:\n"
                              "  web:\n    spec:\n      service:\n        port: 80\n      analysis:\n        stepWeight: 20\n"
                              "  batch:\n    spec:\n      service:\n        port: 9090\n",
                          kFile);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  REQUIRE(c->mode.has_value());
  CHECK(*c->mode == Mode::kFlagger);
  CHECK(c->hpa.min_replicas == 3);
  CHECK(c->hpa.max_replicas == 8);
  CHECK(c->hpa.cpu_utilization == 70);
  REQUIRE(c->templates.size() == 2);
  REQUIRE(c->templates.count("web") == 1);
  REQUIRE(c->templates.count("batch") == 1);
  const yaml::Node& web = c->templates.at("web").spec;
  REQUIRE(web.Path({"service", "port"}) != nullptr);
  CHECK(web.Path({"service", "port"})->AsInt() == 80);
  CHECK(web.Path({"analysis", "stepWeight"})->AsInt() == 20);
  CHECK(web.Find("targetRef") == nullptr);
  CHECK(c->templates.at("batch").spec.Path({"service", "port"})->AsInt() == 9090);
}

TEST_CASE("hpa values that are only partly given keep the other defaults") {
  auto c = ParseAppConfig(kHead + "defaults:\n  hpa:\n    cpuUtilization: 50\n", kFile);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->hpa.min_replicas == 2);
  CHECK(c->hpa.max_replicas == 4);
  CHECK(c->hpa.cpu_utilization == 50);
  auto equal = ParseAppConfig(kHead + "defaults:\n  hpa:\n    minReplicas: 3\n    maxReplicas: 3\n", kFile);
  REQUIRE_MESSAGE(equal.ok(), equal.status().message());
  CHECK(equal->hpa.min_replicas == 3);
  CHECK(equal->hpa.max_replicas == 3);
}

TEST_CASE("ParseMode accepts git and flagger only") {
  auto git = ParseMode("git");
  REQUIRE(git.ok());
  CHECK(*git == Mode::kGit);
  auto flagger = ParseMode("flagger");
  REQUIRE(flagger.ok());
  CHECK(*flagger == Mode::kFlagger);
  for (const char* bad : {"Flagger", "GIT", "canary", "", " git"}) {
    CAPTURE(bad);
    auto r = ParseMode(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUsage);
    CHECK(r.status().message().find("unknown mode \"" + std::string(bad) + "\"") != std::string::npos);
  }
}

TEST_CASE("defaults.mode git is read as git mode") {
  auto c = ParseAppConfig(kHead + "defaults:\n  mode: git\n", kFile);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  REQUIRE(c->mode.has_value());
  CHECK(*c->mode == Mode::kGit);
}

TEST_CASE("defaults.provider is read, and unset means istio") {
  auto c = ParseAppConfig(kHead + "defaults:\n  provider: linkerd\n", kFile);
  REQUIRE(c.ok());
  CHECK(c->default_provider == "linkerd");
  c = ParseAppConfig(kHead, kFile);
  REQUIRE(c.ok());
  CHECK(c->default_provider.empty());
}

TEST_CASE("invalid configs are rejected with the place and the field") {
  struct Row { const char* name; std::string text; std::string expected; };
  const Row rows[] = {
      {"unknown top-level key", kHead + "defualts:\n  mode: git\n",
       "gitcanary.yaml:3:1: defualts: unknown field; expected one of apiVersion, kind, defaults, templates"},
      {"unknown defaults key", kHead + "defaults:\n  modes: git\n",
       "gitcanary.yaml:4:3: defaults.modes: unknown field; expected one of mode, provider, hpa"},
      {"plain gatewayapi provider", kHead + "defaults:\n  provider: gatewayapi\n",
       "gitcanary.yaml:4:13: defaults.provider: gatewayapi needs its API version: gatewayapi:v1 or gatewayapi:v1beta1"},
      {"unknown provider", kHead + "defaults:\n  provider: istoi\n",
       "gitcanary.yaml:4:13: defaults.provider: unknown provider \"istoi\"; Flagger knows apisix, appmesh"},
      {"unknown hpa key", kHead + "defaults:\n  hpa:\n    minReplica: 3\n",
       "gitcanary.yaml:5:5: defaults.hpa.minReplica: unknown field"},
      {"unknown template key", kHead + "templates:\n  web:\n    spec: {}\n    extra: 1\n",
       "gitcanary.yaml:6:5: templates.web.extra: unknown field; expected one of spec"},
      {"wrong apiVersion", "apiVersion: gitcanary.io/v1\nkind: Config\n",
       "gitcanary.yaml:1:1: expected apiVersion: gitcanary.io/v1alpha1 and kind: Config"},
      {"wrong kind", "apiVersion: gitcanary.io/v1alpha1\nkind: Configuration\n",
       "gitcanary.yaml:1:1: expected apiVersion: gitcanary.io/v1alpha1 and kind: Config"},
      {"missing kind", "apiVersion: gitcanary.io/v1alpha1\n", "expected apiVersion: gitcanary.io/v1alpha1 and kind: Config"},
      {"Kubernetes object instead", "apiVersion: v1\nkind: ConfigMap\n", "expected apiVersion: gitcanary.io/v1alpha1"},
      {"unknown mode", kHead + "defaults:\n  mode: blue\n",
       "gitcanary.yaml:4:9: defaults.mode: unknown mode \"blue\"; expected git or flagger"},
      {"mode not a string", kHead + "defaults:\n  mode: [git]\n", "gitcanary.yaml:4:9: defaults.mode: expected a string"},
      {"hpa min above max", kHead + "defaults:\n  hpa:\n    minReplicas: 5\n    maxReplicas: 3\n",
       "gitcanary.yaml:5:5: defaults.hpa: minReplicas 5 is larger than maxReplicas 3"},
      {"hpa min above default max", kHead + "defaults:\n  hpa:\n    minReplicas: 5\n",
       "defaults.hpa: minReplicas 5 is larger than maxReplicas 4"},
      {"hpa minReplicas 0", kHead + "defaults:\n  hpa:\n    minReplicas: 0\n",
       "gitcanary.yaml:5:18: defaults.hpa.minReplicas: must be between 1 and 10000"},
      {"hpa cpuUtilization 1001", kHead + "defaults:\n  hpa:\n    cpuUtilization: 1001\n",
       "gitcanary.yaml:5:21: defaults.hpa.cpuUtilization: must be between 1 and 1000"},
      {"hpa maxReplicas string", kHead + "defaults:\n  hpa:\n    maxReplicas: \"four\"\n",
       "gitcanary.yaml:5:18: defaults.hpa.maxReplicas: expected an integer, got string \"four\""},
      {"defaults not a mapping", kHead + "defaults: flagger\n", "gitcanary.yaml:3:11: defaults: expected a mapping"},
      {"template not a mapping", kHead + "templates:\n  web: canary\n",
       "gitcanary.yaml:4:8: templates.web: expected a mapping with a spec"},
      {"template without spec", kHead + "templates:\n  web:\n    {}\n", "templates.web.spec: missing"},
      {"template with targetRef", kHead + "templates:\n  web:\n    spec:\n      targetRef:\n        name: x\n",
       "gitcanary.yaml:7:9: templates.web.spec.targetRef: set by gitcanary"},
      {"two documents", kHead + "---\n" + kHead, "gitcanary.yaml: expected one mapping document"},
      {"empty file", "", "gitcanary.yaml: expected one mapping document"},
      {"list root", "- a\n- b\n", "gitcanary.yaml: expected one mapping document"},
      {"YAML syntax error", "apiVersion: [gitcanary\n", "gitcanary.yaml:"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    auto c = ParseAppConfig(row.text, kFile);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() != Code::kOk);
    CHECK_MESSAGE(c.status().message().find(row.expected) != std::string::npos,
                  "message: " << c.status().message() << "\nexpected: " << row.expected);
  }
}

}  // namespace
}  // namespace gitcanary::render

namespace gitcanary::render {

TEST_CASE("gitcanary.yaml apps: lists the directories diff reviews, each below the config") {
  auto config = ParseAppConfig("apiVersion: gitcanary.io/v1alpha1\nkind: Config\napps:\n- apps/web/\n- ./apps/api\n", "gitcanary.yaml");
  REQUIRE(config.ok());
  REQUIRE(config->apps.has_value());
  CHECK(*config->apps == std::vector<std::string>{"apps/web", "apps/api"});
  auto none = ParseAppConfig("apiVersion: gitcanary.io/v1alpha1\nkind: Config\n", "gitcanary.yaml");
  REQUIRE(none.ok());
  CHECK_FALSE(none->apps.has_value());
  for (const char* bad : {"- ../other", "- /abs", "- a/../../b", "- a//b", "- ''", "- [a]", "- a\n- a/"}) {
    CAPTURE(bad);
    auto parsed = ParseAppConfig(std::string("apiVersion: gitcanary.io/v1alpha1\nkind: Config\napps:\n") + bad + "\n", "gitcanary.yaml");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message().find("gitcanary.yaml:") == 0);
  }
}

TEST_CASE("selector labels and label prefixes are Flagger's defaults unless gitcanary.yaml sets them") {
  AppConfig built_in;
  CHECK(built_in.labels.selector == std::vector<std::string>{"app", "name", "app.kubernetes.io/name"});
  CHECK(built_in.labels.include_prefix.empty());
  auto c = ParseAppConfig(kHead + "defaults:\n  selectorLabels: [app.kubernetes.io/instance, app]\n"
                                  "  includeLabelPrefix: [app.kubernetes.io, \"*\"]\n", kFile);
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  CHECK(c->labels.selector == std::vector<std::string>{"app.kubernetes.io/instance", "app"});
  CHECK(c->labels.include_prefix == std::vector<std::string>{"app.kubernetes.io", "*"});
}

TEST_CASE("bad selector labels and label prefixes are errors at the item") {
  struct Row { const char* name; std::string text; std::string expected; };
  const Row rows[] = {
      {"empty list", kHead + "defaults:\n  selectorLabels: []\n",
       "gitcanary.yaml:4:19: defaults.selectorLabels: at least one selector label is needed"},
      {"not a label key", kHead + "defaults:\n  selectorLabels: [app, -bad]\n",
       "gitcanary.yaml:4:25: defaults.selectorLabels[1]: \"-bad\" is not a Kubernetes label key"},
      {"twice", kHead + "defaults:\n  selectorLabels: [app, app]\n",
       "gitcanary.yaml:4:25: defaults.selectorLabels[1]: listed twice: string \"app\""},
      {"a number", kHead + "defaults:\n  includeLabelPrefix: [3]\n",
       "gitcanary.yaml:4:24: defaults.includeLabelPrefix[0]: expected a non-empty string, got integer 3"},
      {"not a list", kHead + "defaults:\n  selectorLabels: app\n", "defaults.selectorLabels"},
  };
  for (const Row& row : rows) {
    const std::string name = row.name;
    CAPTURE(name);
    auto parsed = ParseAppConfig(row.text, kFile);
    REQUIRE_FALSE(parsed.ok());
    CHECK_MESSAGE(parsed.status().message().find(row.expected) != std::string::npos, parsed.status().message());
  }
}

}  // namespace gitcanary::render
