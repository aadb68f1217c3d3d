// `gitcanary krm` as a KRM function (a ResourceList in and out, errors in
// `results`) and as the kustomize exec plugin that the real `kubectl kustomize
// --enable-alpha-plugins` runs on examples/kustomize. Either way the objects
// must be render's, and kustomize's own marks must stay on the items that came
// in with them and on no generated item.
#include <doctest/doctest.h>

#include <string>

#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

const char kExample[] = "/examples/kustomize";

// The example's resources as kustomize hands them over: namespace set, each
// item marked with its path and index.
std::string ResourceList(const std::string& function_config) {
  std::string items;
  int index = 0;
  for (const char* file : {"deployment.yaml", "service.yaml", "canary.yaml", "web.gitcanary-status.yaml"}) {
    std::string text = ReadFile(SourceDir() + kExample + "/" + file);
    std::string indented;
    bool first = true;
    for (std::size_t start = 0; start < text.size();) {
      std::size_t end = text.find('\n', start);
      std::string line = text.substr(start, end - start);
      start = end == std::string::npos ? text.size() : end + 1;
      if (line.empty() || line[0] == '#') continue;
      if (line == "metadata:") {
        line += "\n    namespace: storefront\n    annotations:\n      config.kubernetes.io/path: " + std::string(file) +
                "\n      config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/path: " + file +
                "\n      internal.config.kubernetes.io/index: '0'\n      internal.config.kubernetes.io/id: '" +
                std::to_string(++index) + "'";
      }
      indented += (first ? "- " : "  ") + line + "\n";
      first = false;
    }
    items += indented;
  }
  return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items + function_config;
}

const char kGitConfig[] = R"(functionConfig:
  apiVersion: gitcanary.io/v1alpha1
  kind: CanaryRender
  metadata:
    name: canary
  spec:
    mode: git
)";

// render of the example's resources as kustomize passes them on: with the
// kustomization's namespace set on each.
ObjectsByKey RenderedExample(const char* mode) {
  TempDir app;
  for (const char* file : {"deployment.yaml", "service.yaml", "canary.yaml", "web.gitcanary-status.yaml"}) {
    std::string text = ReadFile(SourceDir() + kExample + "/" + file);
    text.replace(text.find("\nmetadata:\n"), 11, "\nmetadata:\n  namespace: storefront\n");
    WriteFile(app / file, text);
  }
  RunResult rendered = Gitcanary({"render", app.path(), "--mode", mode});
  REQUIRE(rendered.exit_code == 0);
  return ParseObjects(rendered.out);
}

// The ResourceList's items as a v1 List, which ParseObjects flattens.
std::string ItemsOf(const std::string& resource_list) {
  return "apiVersion: v1\nkind: List\n" + resource_list.substr(resource_list.find("items:"));
}

}  // namespace

TEST_CASE("krm: a ResourceList comes back with render's items and kustomize's marks only on input items") {
  RunResult run = Gitcanary({"krm"}, ResourceList(kGitConfig));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out.rfind("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n", 0) == 0);
  CHECK(run.out.find("results:") == std::string::npos);
  ObjectsByKey items = ParseObjects(ItemsOf(run.out));
  // The Deployment came in as item 1 and keeps its marks; the primary
  // Deployment and the VirtualService are generated and carry none.
  const gitcanary::yaml::Node* web = items.at("apps/v1 Deployment storefront/web").Path({"metadata", "annotations"});
  REQUIRE(web != nullptr);
  CHECK(web->Find("internal.config.kubernetes.io/id")->value == "1");
  CHECK(web->Find("config.kubernetes.io/path")->value == "deployment.yaml");
  const gitcanary::yaml::Node* primary = items.at("apps/v1 Deployment storefront/web-primary").Path({"metadata", "annotations"});
  REQUIRE(primary != nullptr);
  CHECK(primary->Find("internal.config.kubernetes.io/id") == nullptr);
  CHECK(primary->Find("config.kubernetes.io/path") == nullptr);
  for (const char* key : {"config.kubernetes.io/path", "config.kubernetes.io/index", "internal.config.kubernetes.io/path",
                          "internal.config.kubernetes.io/index"})
    RemoveAnnotation(items, key, "");
  CHECK(RemoveAnnotation(items, "internal.config.kubernetes.io/id", "1") == 1);
  CHECK(items == RenderedExample("git"));
}

TEST_CASE("krm: a ConfigMap functionConfig sets the options under data") {
  RunResult run = Gitcanary({"krm"}, ResourceList("functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n"
                                                  "    name: opts\n  data:\n    mode: flagger\n"));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // flagger mode keeps the Canary for an in-cluster Flagger.
  CHECK(run.out.find("kind: Canary\n") != std::string::npos);
  CHECK(run.out.find("name: web-primary") == std::string::npos);
}

TEST_CASE("krm: errors come back in results with severity error, the input items unchanged, exit 1") {
  struct Row {
    std::string input;
    const char* message;
  };
  std::string bad_canary = ResourceList(kGitConfig);
  bad_canary.replace(bad_canary.find("stepWeight: 10"), 14, "stepWeight: ten");
  const Row rows[] = {
      {bad_canary, "spec.analysis.stepWeight: expected a number"},
      {ResourceList("functionConfig:\n  apiVersion: gitcanary.io/v1alpha1\n  kind: CanaryRender\n  spec:\n    mod: git\n"),
       "functionConfig.spec.mod: unknown option"},
      {ResourceList("functionConfig:\n  apiVersion: v1\n  kind: Secret\n"), "expected a gitcanary.io/v1alpha1 CanaryRender"},
      {"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n", "no manifests found"},
  };
  for (const Row& row : rows) {
    RunResult run = Gitcanary({"krm"}, row.input);
    const std::string context = std::string(row.message) + " <- " + run.err;
    INFO(context);
    CHECK(run.exit_code == 1);
    CHECK(run.err.find(row.message) != std::string::npos);
    CHECK(run.out.find("results:\n- message: ") != std::string::npos);
    CHECK(run.out.find("  severity: error\n") != std::string::npos);
    CHECK(run.out.find(row.message) != std::string::npos);
  }
  // Not a ResourceList at all: nothing to answer in, so only stderr.
  RunResult stream = Gitcanary({"krm"}, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
  CHECK(stream.exit_code == 1);
  CHECK(stream.out.empty());
  CHECK(stream.err.find("expected kind ResourceList") != std::string::npos);
  CHECK(Gitcanary({"krm", "a", "b"}).exit_code == 2);
}

TEST_CASE("krm: real kubectl kustomize runs gitcanary as its exec plugin and gets render's objects") {
  if (Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code != 0) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  const std::string example = SourceDir() + kExample;
  auto kustomize = [&](const std::string& dir) {
    return Run({"kubectl", "kustomize", "--enable-alpha-plugins", dir}, "",
               {{"KUSTOMIZE_PLUGIN_HOME", SourceDir() + "/deploy/kustomize-plugin"}, {"GITCANARY", GITCANARY_BINARY}});
  };
  RunResult built = kustomize(example);
  INFO(built.err);
  REQUIRE(built.exit_code == 0);
  ObjectsByKey objects = ParseObjects(built.out);
  CHECK(objects.count("networking.istio.io/v1beta1 VirtualService storefront/web") == 1);
  CHECK(objects == RenderedExample("git"));

  // A render error fails the kustomize build with gitcanary's message.
  TempDir broken;
  Sh("cp -R " + example + "/. " + broken.path());
  Sh("sed -i 's/stepWeight: 10/stepWeight: ten/' " + broken.path() + "/canary.yaml");
  RunResult failed = kustomize(broken.path());
  CHECK(failed.exit_code != 0);
  CHECK(failed.out.empty());
  CHECK(failed.err.find("stepWeight: expected a number") != std::string::npos);
}
