// `gitcanary post-render` with what Helm writes to a post-renderer: a chart's
// templates as one stream with `# Source:` comments, empty and comment-only
// documents, and (Helm 4) a postrender-filename annotation on every object.
// The objects must be render's; the annotation must stay on every object that
// had it and be on no generated object.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include <yaml-cpp/yaml.h>

#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

const char kFilenameKey[] = "postrenderer.helm.sh/postrender-filename";
const char* const kTemplates[] = {"deployment.yaml", "hpa.yaml", "canary.yaml"};

// examples/podinfo as `helm template` prints it; with Helm 4's annotation when
// `annotate`.
std::string ChartStream(bool annotate) {
  std::string out = "---\n# Source: podinfo/templates/NOTES.txt\n---\n---\n# only comments in this one\n# and this\n";
  for (const char* file : kTemplates) {
    std::string text = ReadFile(SourceDir() + "/examples/podinfo/" + file);
    if (annotate) {
      const std::string meta = "\nmetadata:\n";
      text.replace(text.find(meta), meta.size(),
                   meta + "  annotations:\n    " + kFilenameKey + ": podinfo/templates/" + file + "\n");
    }
    out += "---\n# Source: podinfo/templates/" + std::string(file) + "\n" + text;
  }
  return out + "---\n";
}

ObjectsByKey Rendered(const char* mode) {
  RunResult rendered = Gitcanary({"render", SourceDir() + "/examples/podinfo", "--mode", mode});
  REQUIRE(rendered.exit_code == 0);
  return ParseObjects(rendered.out);
}

}  // namespace

TEST_CASE("post-render: Helm 3's stream renders to render's objects in both modes") {
  for (const char* mode : {"git", "flagger"}) {
    CAPTURE(mode);
    RunResult run = Gitcanary({"post-render", "--mode", mode}, ChartStream(false));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(ParseObjects(run.out) == Rendered(mode));
  }
}

TEST_CASE("post-render: Helm 4's filename annotation stays on every object that had it, and only there") {
  RunResult run = Gitcanary({"post-render", "--mode", "git"}, ChartStream(true));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  ObjectsByKey objects = ParseObjects(run.out);
  auto filename = [&](const std::string& key) -> std::string {
    const gitcanary::yaml::Node* a = objects.at(key).Path({"metadata", "annotations"});
    const gitcanary::yaml::Node* f = a == nullptr ? nullptr : a->Find(kFilenameKey);
    return f == nullptr ? "" : f->value;
  };
  // The chart's Deployment and HPA come out (rewritten) under their names; the
  // Canary is replaced in git mode; the primary, Services and routing are new.
  CHECK(filename("apps/v1 Deployment test/podinfo") == "podinfo/templates/deployment.yaml");
  CHECK(filename("autoscaling/v2 HorizontalPodAutoscaler test/podinfo") == "podinfo/templates/hpa.yaml");
  CHECK(filename("apps/v1 Deployment test/podinfo-primary") == "");
  CHECK(filename("networking.istio.io/v1beta1 VirtualService test/podinfo") == "");
  CHECK(RemoveAnnotation(objects, kFilenameKey, "podinfo/templates/deployment.yaml") == 1);
  CHECK(objects == Rendered("git"));
}

TEST_CASE("post-render: canary templates come from --config") {
  RunResult run = Gitcanary({"post-render", "--config", SourceDir() + "/examples/monorepo/gitcanary.yaml"},
                            ReadFile(SourceDir() + "/examples/monorepo/apps/checkout/deployment.yaml"));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // The template "web" turns the annotated Deployment into a canary (the
  // config's mode is flagger): a Canary and an HPA for checkout.
  ObjectsByKey objects = ParseObjects(run.out);
  CHECK(objects.count("flagger.app/v1beta1 Canary shop/checkout") == 1);
  CHECK(objects.count("autoscaling/v2 HorizontalPodAutoscaler shop/checkout") == 1);
}

TEST_CASE("post-render: objects without a namespace are in HELM_NAMESPACE, or -n") {
  // A namespace-less Deployment (as charts write them) and a Canary that
  // names the release namespace: they only meet when that is the app's.
  const std::string stream = ReadFile(SourceDir() + "/examples/kustomize/deployment.yaml") + "---\n" +
                             "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: storefront\n" +
                             "spec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  service: {port: 80}\n" +
                             "  analysis: {interval: 1m, threshold: 2, maxWeight: 50, stepWeight: 10}\n";
  RunResult elsewhere = Gitcanary({"post-render", "--mode", "flagger"}, stream);
  CHECK(elsewhere.exit_code == 1);
  CHECK(elsewhere.err.find("Deployment \"web\" not found in namespace storefront") != std::string::npos);
  RunResult env = Run({GITCANARY_BINARY, "post-render", "--mode", "flagger"}, stream, {{"HELM_NAMESPACE", "storefront"}});
  CHECK(env.exit_code == 0);
  RunResult flag = Gitcanary({"post-render", "--mode", "flagger", "-n", "storefront"}, stream);
  CHECK(flag.exit_code == 0);
  CHECK(flag.out == env.out);
  CHECK(ParseObjects(flag.out).count("flagger.app/v1beta1 Canary storefront/web") == 1);
}

TEST_CASE("post-render: bad or empty input exits non-zero with nothing on stdout") {
  struct Row {
    std::string input;
    std::vector<std::string> flags;
    int exit_code;
    const char* message;
  };
  const Row rows[] = {
      {"", {}, 1, "stdin: no manifests found"},
      {"---\n# Source: x\n---\n", {}, 1, "stdin: no manifests found"},
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: [\n", {}, 1, "stdin:"},
      {"kind: Deployment\n", {}, 1, "no apiVersion and kind"},
      {ChartStream(false), {"--mode", "canary"}, 2, "unknown mode"},
      {ChartStream(false), {"--config", "/nonexistent/gitcanary.yaml"}, 1, "/nonexistent/gitcanary.yaml"},
      {ChartStream(false), {"chart.yaml"}, 2, "takes no arguments"},
      {ChartStream(false), {"--unknown"}, 2, "--unknown"},
  };
  for (const Row& row : rows) {
    std::vector<std::string> args = {"post-render"};
    args.insert(args.end(), row.flags.begin(), row.flags.end());
    RunResult run = Gitcanary(args, row.input);
    const std::string context = std::string(row.message) + " <- " + run.err;
    INFO(context);
    CHECK(run.exit_code == row.exit_code);
    CHECK(run.out.empty());
    CHECK(run.err.find(row.message) != std::string::npos);
  }
}

TEST_CASE("post-render: the Helm 4 plugin is a valid postrenderer/v1 plugin whose command renders the stream") {
  // What Helm 4 checks when it loads a plugin (apiVersion v1, a name of
  // [A-Za-z0-9_-], a semver version, a type and a runtime), then what its
  // subprocess runtime does: run the first platformCommand with its args and
  // the --post-renderer-args appended, manifests on stdin.
  YAML::Node plugin = YAML::LoadFile(SourceDir() + "/deploy/helm-plugin/plugin.yaml");
  CHECK(plugin["apiVersion"].as<std::string>() == "v1");
  CHECK(plugin["type"].as<std::string>() == "postrenderer/v1");
  CHECK(plugin["runtime"].as<std::string>() == "subprocess");
  CHECK(std::regex_match(plugin["name"].as<std::string>(), std::regex("[A-Za-z0-9_-]+")));
  CHECK(std::regex_match(plugin["version"].as<std::string>(), std::regex(R"(\d+\.\d+\.\d+)")));
  YAML::Node command = plugin["runtimeConfig"]["platformCommand"][0];
  REQUIRE(command["command"].as<std::string>() == "gitcanary");
  std::vector<std::string> argv = {GITCANARY_BINARY};
  for (const auto& arg : command["args"]) argv.push_back(arg.as<std::string>());
  argv.push_back("--mode=git");  // --post-renderer-args
  RunResult run = Run(argv, ChartStream(true));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(ParseObjects(run.out).count("apps/v1 Deployment test/podinfo-primary") == 1);
}
