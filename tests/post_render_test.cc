// `gitcanary post-render` as Helm runs it: real `helm template` of a chart whose
// templates are examples/podinfo's files, post-rendered through Helm 3's
// --post-renderer executable and through Helm 4's postrenderer/v1 plugin
// (deploy/helm-plugin, installed by the real `helm plugin install`). The
// objects must be render's. Helm 4 sends every object with a
// postrender-filename annotation and files each returned object under the
// template that annotation names, or as `generated-by-postrender-N.yaml` when
// it has none: so the chart's objects must come back under their templates and
// the generated ones under Helm's own names.
//
// The Helm binaries come from GITCANARY_TEST_HELM4 and GITCANARY_TEST_HELM3
// (`eval "$(bash scripts/install_helm.sh build)"`); a case whose Helm is missing
// says so in a MESSAGE and checks nothing. The rest are unit tests of
// post-render's own input handling (comment-only and empty documents, the
// namespace, --config, bad input), on hand-written streams.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "tests/helm_release_build.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

const char* const kTemplates[] = {"deployment.yaml", "hpa.yaml", "canary.yaml"};
const char* const kHelmEnvs[] = {"GITCANARY_TEST_HELM4", "GITCANARY_TEST_HELM3"};

// examples/podinfo's manifests as one stream, without Helm.
std::string PlainStream() {
  std::string out;
  for (const char* file : kTemplates) out += "---\n" + ReadFile(SourceDir() + "/examples/podinfo/" + file);
  return out;
}

ObjectsByKey Rendered(const char* mode) {
  RunResult rendered = Gitcanary({"render", SourceDir() + "/examples/podinfo", "--mode", mode});
  REQUIRE(rendered.exit_code == 0);
  return ParseObjects(rendered.out);
}

// A chart in `dir` whose templates are examples/podinfo's manifests, with a
// NOTES.txt and a template that renders to nothing, as charts have.
std::string PodinfoChart(const TempDir& dir) {
  const std::string chart = dir / "podinfo";
  WriteFile(chart + "/Chart.yaml", "apiVersion: v2\nname: podinfo\nversion: 0.1.0\n");
  WriteFile(chart + "/templates/NOTES.txt", "podinfo is released by its canary.\n");
  WriteFile(chart + "/templates/disabled.yaml", "{{- if .Values.never }}\nkind: ConfigMap\n{{- end }}\n# nothing\n");
  for (const char* file : kTemplates)
    std::filesystem::copy_file(SourceDir() + "/examples/podinfo/" + file, chart + "/templates/" + file);
  return chart;
}

// `helm template podinfo CHART HELM_ARGS` post-rendered by gitcanary with
// `args`, with `env` added to Helm's environment: Helm 3 runs the binary,
// Helm 4 the plugin (installed into `home`), which runs `gitcanary
// post-render` from PATH.
RunResult HelmPostRender(const std::string& helm_env, const std::string& helm, const TempDir& home,
                         const std::string& chart, const std::vector<std::string>& args,
                         const std::vector<std::string>& helm_args = {},
                         std::map<std::string, std::string> env = {}) {
  env.insert({{"HELM_CACHE_HOME", home / "cache"}, {"HELM_CONFIG_HOME", home / "config"}, {"HELM_DATA_HOME", home / "data"}});
  std::vector<std::string> argv = {helm, "template", "podinfo", chart};
  argv.insert(argv.end(), helm_args.begin(), helm_args.end());
  argv.push_back("--post-renderer");
  if (helm_env == "GITCANARY_TEST_HELM3") {
    argv.insert(argv.end(), {GITCANARY_BINARY, "--post-renderer-args", "post-render"});
  } else {
    if (!std::filesystem::exists(home / "bin/gitcanary")) {
      std::filesystem::create_directories(home / "bin");
      std::filesystem::create_symlink(GITCANARY_BINARY, home / "bin/gitcanary");
      RunResult install = Run({helm, "plugin", "install", SourceDir() + "/deploy/helm-plugin"}, "", env, 60);
      INFO(install.out << install.err);
      REQUIRE(install.exit_code == 0);
    }
    const char* path = std::getenv("PATH");
    env["PATH"] = home / "bin" + ":" + (path == nullptr ? "/usr/bin:/bin" : path);
    argv.push_back("gitcanary");
  }
  for (const std::string& a : args) argv.insert(argv.end(), {"--post-renderer-args", a});
  return Run(argv, "", env, 120);
}

// The file Helm names in the `# Source:` line above each object of `stream`,
// by object key.
std::map<std::string, std::string> SourcesByKey(const std::string& stream) {
  std::map<std::string, std::string> out;
  std::size_t at = 0;
  while (at < stream.size()) {
    std::size_t next = stream.find("\n---", at);
    const std::string doc = stream.substr(at, next == std::string::npos ? std::string::npos : next - at);
    at = next == std::string::npos ? stream.size() : next + 4;
    const std::size_t source = doc.find("# Source: ");
    if (source == std::string::npos) continue;
    const std::string file = doc.substr(source + 10, doc.find('\n', source) - source - 10);
    for (const auto& [key, object] : ParseObjects(doc)) out[key] = file;
  }
  return out;
}

}  // namespace

TEST_CASE("post-render: through Helm 3's --post-renderer and Helm 4's plugin the chart renders to render's objects in both modes") {
  for (const char* helm_env : kHelmEnvs) {
    CAPTURE(helm_env);
    const std::string helm = FindTestHelm(helm_env);
    if (helm.empty()) continue;
    TempDir dir, home;
    const std::string chart = PodinfoChart(dir);
    for (const char* mode : {"git", "flagger"}) {
      CAPTURE(mode);
      RunResult run = HelmPostRender(helm_env, helm, home, chart, {std::string("--mode=") + mode});
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      // Helm 4 takes its filename annotation off again: the objects are render's, exactly.
      CHECK(ParseObjects(run.out) == Rendered(mode));
    }
  }
}

TEST_CASE("post-render: through Helm 4 the chart's objects come back under their templates and generated ones under Helm's names") {
  const std::string helm = FindTestHelm("GITCANARY_TEST_HELM4");
  if (helm.empty()) return;
  TempDir dir, home;
  RunResult run = HelmPostRender("GITCANARY_TEST_HELM4", helm, home, PodinfoChart(dir), {"--mode=git"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::map<std::string, std::string> sources = SourcesByKey(run.out);
  // The chart's Deployment and HPA kept the annotation through the rewrite;
  // the Canary is replaced in git mode; the primary, Services and routing are new.
  CHECK(sources.at("apps/v1 Deployment test/podinfo") == "podinfo/templates/deployment.yaml");
  CHECK(sources.at("autoscaling/v2 HorizontalPodAutoscaler test/podinfo") == "podinfo/templates/hpa.yaml");
  CHECK(sources.count("flagger.app/v1beta1 Canary test/podinfo") == 0);
  int generated = 0;
  for (const auto& [key, file] : sources) {
    CAPTURE(key);
    if (key == "apps/v1 Deployment test/podinfo" || key == "autoscaling/v2 HorizontalPodAutoscaler test/podinfo")
      continue;
    CHECK(file.rfind("generated-by-postrender-", 0) == 0);
    ++generated;
  }
  CHECK(sources.size() == Rendered("git").size());
  CHECK(generated == static_cast<int>(sources.size()) - 2);
}

TEST_CASE("post-render: comment-only and empty documents are skipped") {
  const std::string stream = "---\n# Source: podinfo/templates/NOTES.txt\n---\n---\n# only comments in this one\n# and this\n" +
                             PlainStream() + "---\n";
  for (const char* mode : {"git", "flagger"}) {
    CAPTURE(mode);
    RunResult run = Gitcanary({"post-render", "--mode", mode}, stream);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(ParseObjects(run.out) == Rendered(mode));
  }
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

TEST_CASE("post-render: Helm hands --namespace to no post-renderer so -n or an exported HELM_NAMESPACE places namespace-less objects") {
  // A chart of a namespace-less Deployment and a Canary in storefront.
  TempDir dir;
  const std::string chart = dir / "web";
  WriteFile(chart + "/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
  WriteFile(chart + "/templates/deployment.yaml", ReadFile(SourceDir() + "/examples/kustomize/deployment.yaml"));
  WriteFile(chart + "/templates/canary.yaml",
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: storefront\n"
            "spec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  service: {port: 80}\n"
            "  analysis: {interval: 1m, threshold: 2, maxWeight: 50, stepWeight: 10}\n");
  for (const char* helm_env : kHelmEnvs) {
    CAPTURE(helm_env);
    const std::string helm = FindTestHelm(helm_env);
    if (helm.empty()) continue;
    TempDir home;
    struct Row {
      std::vector<std::string> helm_args;  // after `helm template web CHART`
      std::vector<std::string> post_render_args;
      std::map<std::string, std::string> env;
      bool ok;
    };
    const Row rows[] = {
        {{"--namespace", "storefront"}, {"--mode=flagger"}, {}, false},
        {{}, {"--mode=flagger"}, {{"HELM_NAMESPACE", "storefront"}}, true},
        {{"--namespace", "storefront"}, {"--mode=flagger", "-n", "storefront"}, {}, true},
    };
    for (const Row& row : rows) {
      CAPTURE(row.ok);
      const RunResult run = HelmPostRender(helm_env, helm, home, chart, row.post_render_args, row.helm_args, row.env);
      INFO(run.err);
      CHECK((run.exit_code == 0) == row.ok);
      if (row.ok) CHECK(ParseObjects(run.out).count("flagger.app/v1beta1 Canary storefront/web") == 1);
    }
  }
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
      {PlainStream(), {"--mode", "canary"}, 2, "unknown mode"},
      {PlainStream(), {"--config", "/nonexistent/gitcanary.yaml"}, 1, "/nonexistent/gitcanary.yaml"},
      {PlainStream(), {"chart.yaml"}, 2, "takes no arguments"},
      {PlainStream(), {"--unknown"}, 2, "--unknown"},
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

TEST_CASE("post-render: the Helm 4 plugin installs as a postrenderer/v1 plugin") {
  const std::string helm = FindTestHelm("GITCANARY_TEST_HELM4");
  if (helm.empty()) return;
  TempDir home;
  const std::map<std::string, std::string> env = {
      {"HELM_CACHE_HOME", home / "cache"}, {"HELM_CONFIG_HOME", home / "config"}, {"HELM_DATA_HOME", home / "data"}};
  RunResult install = Run({helm, "plugin", "install", SourceDir() + "/deploy/helm-plugin"}, "", env, 60);
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  RunResult list = Run({helm, "plugin", "list"}, "", env, 60);
  REQUIRE(list.exit_code == 0);
  // NAME VERSION TYPE ...: the plugin's name, its version and its type.
  std::string row;
  for (std::size_t at = 0; at < list.out.size();) {
    const std::size_t end = list.out.find('\n', at);
    const std::string line = list.out.substr(at, end - at);
    if (line.rfind("gitcanary", 0) == 0) row = line;
    at = end == std::string::npos ? list.out.size() : end + 1;
  }
  INFO(list.out);
  CHECK(row.find("0.1.0") != std::string::npos);
  CHECK(row.find("postrenderer/v1") != std::string::npos);
}

TEST_CASE("post-render: a failing post-render fails helm template and Helm 3 shows gitcanary's message") {
  for (const char* helm_env : kHelmEnvs) {
    CAPTURE(helm_env);
    const std::string helm = FindTestHelm(helm_env);
    if (helm.empty()) continue;
    TempDir dir, home;
    RunResult run = HelmPostRender(helm_env, helm, home, PodinfoChart(dir), {"--mode=canary"});
    INFO(run.err);
    CHECK(run.exit_code != 0);
    CHECK(run.out.empty());
    // Helm 4 keeps a plugin's stderr to itself and says only that it failed.
    if (std::string(helm_env) == "GITCANARY_TEST_HELM3") CHECK(run.err.find("unknown mode") != std::string::npos);
  }
}
