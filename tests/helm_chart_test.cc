// examples/helm-chart (the shop app and its vendored redis-cache subchart)
// rendered by real Helm binaries and post-rendered by gitcanary: piped from
// `helm template`, as a CI job does, and through Helm's own post-renderer
// hooks (Helm 3's --post-renderer executable, Helm 4's postrenderer/v1 plugin
// in deploy/helm-plugin).
//
// The Helm binaries come from GITCANARY_TEST_HELM4 and GITCANARY_TEST_HELM3,
// which `eval "$(bash scripts/install_helm.sh build)"` sets (scripts/test.sh does).
// A test case whose Helm is missing says so in a MESSAGE and checks nothing.
//
// The expected facts follow from the chart's templates and values and from
// README's "What render does", not from a recorded output.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

struct HelmVersion {
  std::string name;  // for messages
  std::string env;   // the variable that names the binary
};
const HelmVersion kHelms[] = {{"Helm 4", "GITCANARY_TEST_HELM4"}, {"Helm 3", "GITCANARY_TEST_HELM3"}};

// The Helm binary that `helm.env` names, or "" after a MESSAGE that says why
// the caller skips it.
std::string FindHelm(const HelmVersion& helm) {
  const char* path = std::getenv(helm.env.c_str());
  if (path == nullptr || *path == '\0') {
    MESSAGE("skipped: " << helm.name << ": " << helm.env
                       << " is not set (eval \"$(bash scripts/install_helm.sh build)\" sets it)");
    return "";
  }
  if (::access(path, X_OK) != 0) {
    MESSAGE("skipped: " << helm.name << ": " << helm.env << "=" << std::string(path) << " is not an executable file");
    return "";
  }
  return path;
}

std::string Chart() { return SourceDir() + "/examples/helm-chart"; }

// Helm with its cache, config and data (repositories, plugins) in `home`, so
// a test neither reads nor writes the user's.
std::map<std::string, std::string> HelmEnv(const TempDir& home) {
  return {{"HELM_CACHE_HOME", home / "cache"}, {"HELM_CONFIG_HOME", home / "config"}, {"HELM_DATA_HOME", home / "data"}};
}

// `helm template shop examples/helm-chart --namespace shop --include-crds`
// with `extra` arguments appended; the manifests it prints.
std::string HelmTemplate(const std::string& helm, const TempDir& home, const std::vector<std::string>& extra = {},
                         std::map<std::string, std::string> env = {}) {
  std::vector<std::string> args = {helm, "template", "shop", Chart(), "--namespace", "shop", "--include-crds"};
  args.insert(args.end(), extra.begin(), extra.end());
  for (const auto& [k, v] : HelmEnv(home)) env.emplace(k, v);
  RunResult run = Run(args, "", env, 120);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return run.out;
}

// `gitcanary post-render --mode MODE` of `stream` as Helm runs it for the
// release namespace shop; the objects it prints.
ObjectsByKey PostRender(const std::string& stream, const char* mode) {
  RunResult run = Run({GITCANARY_BINARY, "post-render", "--mode", mode}, stream, {{"HELM_NAMESPACE", "shop"}});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return ParseObjects(run.out);
}

// The chart's objects carry no metadata.namespace, and post-render keeps them
// namespace-less: the destination namespace is applied at install time.
const std::string kDeployment = "apps/v1 Deployment /shop";
const std::string kService = "v1 Service /shop";
const std::string kHpa = "autoscaling/v2 HorizontalPodAutoscaler /shop";
const std::string kCanary = "flagger.app/v1beta1 Canary /shop";
const std::string kGateway = "networking.istio.io/v1beta1 Gateway istio-system/public-gateway";
const std::string kRedisConfigMap = "v1 ConfigMap /shop-redis-cache";
const std::string kRedisDeployment = "apps/v1 Deployment /shop-redis-cache";
const std::string kRedisService = "v1 Service /shop-redis-cache";

// The scalar at `path` in object `key`, or "<absent>".
std::string At(const ObjectsByKey& objects, const std::string& key, std::initializer_list<std::string_view> path) {
  auto it = objects.find(key);
  if (it == objects.end()) return "<no " + key + ">";
  const gitcanary::yaml::Node* n = it->second.Path(path);
  if (n == nullptr) return "<absent>";
  if (!n->IsScalar()) return "<not a scalar>";
  return n->value;
}

// The scalars of the sequence at `path` in object `key`.
std::vector<std::string> List(const ObjectsByKey& objects, const std::string& key,
                              std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  auto it = objects.find(key);
  const gitcanary::yaml::Node* n = it == objects.end() ? nullptr : it->second.Path(path);
  if (n != nullptr)
    for (const gitcanary::yaml::Node& item : n->items) out.push_back(item.value);
  return out;
}

// Metric `i` of the Canary's analysis.
const gitcanary::yaml::Node* Metric(const ObjectsByKey& objects, std::size_t i) {
  const gitcanary::yaml::Node* metrics = objects.at(kCanary).Path({"spec", "analysis", "metrics"});
  return metrics != nullptr && i < metrics->items.size() ? &metrics->items[i] : nullptr;
}

// The env value `name` of the Deployment's first container.
std::string ContainerEnv(const ObjectsByKey& objects, const std::string& key, const std::string& name) {
  const gitcanary::yaml::Node* containers = objects.at(key).Path({"spec", "template", "spec", "containers"});
  if (containers == nullptr || containers->items.empty()) return "<no containers>";
  const gitcanary::yaml::Node* env = containers->items[0].Find("env");
  if (env != nullptr)
    for (const gitcanary::yaml::Node& e : env->items)
      if (const auto* n = e.Find("name"); n != nullptr && n->value == name && e.Find("value") != nullptr)
        return e.Find("value")->value;
  return "<absent>";
}

std::string Keys(const ObjectsByKey& objects) {
  std::string out;
  for (const auto& [key, doc] : objects) out += key + "\n";
  return out;
}

// What both value files give: the analysis metrics, the ports, the
// subchart's objects as they are, and the chart's Service removed.
void CheckCommonFlagger(const ObjectsByKey& objects) {
  INFO(Keys(objects));
  // The Canary targets the Deployment named after the release, through its
  // HPA, with the chart's ports (Service 80 to the container's 8080).
  REQUIRE(objects.count(kCanary) == 1);
  CHECK(At(objects, kCanary, {"spec", "targetRef", "kind"}) == "Deployment");
  CHECK(At(objects, kCanary, {"spec", "targetRef", "name"}) == "shop");
  CHECK(At(objects, kCanary, {"spec", "autoscalerRef", "name"}) == "shop");
  CHECK(At(objects, kCanary, {"spec", "service", "port"}) == "80");
  CHECK(At(objects, kCanary, {"spec", "service", "targetPort"}) == "8080");
  CHECK(List(objects, kCanary, {"spec", "service", "gateways"}) == std::vector<std::string>{"istio-system/public-gateway"});
  const gitcanary::yaml::Node* success = Metric(objects, 0);
  const gitcanary::yaml::Node* duration = Metric(objects, 1);
  REQUIRE(success != nullptr);
  REQUIRE(duration != nullptr);
  CHECK(success->Find("name")->value == "request-success-rate");
  CHECK(success->Path({"thresholdRange", "min"})->value == "99");
  CHECK(duration->Find("name")->value == "request-duration");
  CHECK(duration->Path({"thresholdRange", "max"})->value == "500");

  // The Deployment is the chart's, without replicas: the Canary names an
  // autoscaler, so the HPA sizes it.
  REQUIRE(objects.count(kDeployment) == 1);
  CHECK(At(objects, kDeployment, {"spec", "replicas"}) == "<absent>");
  CHECK(At(objects, kDeployment, {"spec", "selector", "matchLabels", "app"}) == "shop");
  CHECK(ContainerEnv(objects, kDeployment, "REDIS_ADDR") == "shop-redis-cache:6379");
  // The chart's HPA is present, so none is generated: its CPU target is the
  // chart's, not gitcanary's default 99 %.
  REQUIRE(objects.count(kHpa) == 1);
  CHECK(At(objects, kHpa, {"spec", "scaleTargetRef", "name"}) == "shop");

  // The Service `shop` selects the target's pods (app: shop): Flagger's
  // Services replace it. The subchart's Service selects other pods and stays.
  CHECK(objects.count(kService) == 0);
  CHECK(objects.count(kRedisService) == 1);
  CHECK(objects.count(kRedisConfigMap) == 1);
  REQUIRE(objects.count(kRedisDeployment) == 1);
  // Not a canary target: the subchart's replica count stays.
  CHECK(At(objects, kRedisDeployment, {"spec", "replicas"}) == "1");

  // The gateway the Canary names is not in the chart: it is generated.
  CHECK(objects.count(kGateway) == 1);
  // Nothing else: 4 objects of the shop chart (its Service gone), 3 of the
  // subchart, the generated Gateway.
  CHECK(objects.size() == 7);
}

}  // namespace

TEST_CASE("helm chart: helm template of examples/helm-chart post-renders in flagger mode, with Helm 4 and Helm 3") {
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    ObjectsByKey objects = PostRender(HelmTemplate(helm, home), "flagger");
    CheckCommonFlagger(objects);
    // values.yaml: a staging host, the staging analysis, a small HPA and cache.
    CHECK(List(objects, kCanary, {"spec", "service", "hosts"}) == std::vector<std::string>{"shop.staging.example.com"});
    CHECK(At(objects, kCanary, {"spec", "analysis", "interval"}) == "1m");
    CHECK(At(objects, kCanary, {"spec", "analysis", "threshold"}) == "5");
    CHECK(At(objects, kCanary, {"spec", "analysis", "maxWeight"}) == "50");
    CHECK(At(objects, kCanary, {"spec", "analysis", "stepWeight"}) == "10");
    CHECK(At(objects, kHpa, {"spec", "minReplicas"}) == "2");
    CHECK(At(objects, kHpa, {"spec", "maxReplicas"}) == "4");
    const gitcanary::yaml::Node* hpa_metrics = objects.at(kHpa).Path({"spec", "metrics"});
    REQUIRE(hpa_metrics != nullptr);
    REQUIRE(hpa_metrics->items.size() == 1);
    CHECK(hpa_metrics->items[0].Path({"resource", "target", "averageUtilization"})->value == "80");
    CHECK(At(objects, kRedisConfigMap, {"data", "redis.conf"}).find("maxmemory 64mb\n") != std::string::npos);
    // The generated Gateway serves the Canary's hosts.
    const gitcanary::yaml::Node* servers = objects.at(kGateway).Path({"spec", "servers"});
    REQUIRE(servers != nullptr);
    REQUIRE(servers->items.size() == 1);
    const gitcanary::yaml::Node* hosts = servers->items[0].Find("hosts");
    REQUIRE(hosts != nullptr);
    REQUIRE(hosts->items.size() == 1);
    CHECK(hosts->items[0].value == "shop.staging.example.com");
  }
}

TEST_CASE("helm chart: values-prod.yaml changes the hosts, the analysis, the HPA and the cache, with Helm 4 and Helm 3") {
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    ObjectsByKey objects = PostRender(HelmTemplate(helm, home, {"-f", Chart() + "/values-prod.yaml"}), "flagger");
    CheckCommonFlagger(objects);
    CHECK(List(objects, kCanary, {"spec", "service", "hosts"}) ==
          std::vector<std::string>{"shop.example.com", "www.shop.example.com"});
    CHECK(At(objects, kCanary, {"spec", "analysis", "interval"}) == "2m");
    CHECK(At(objects, kCanary, {"spec", "analysis", "threshold"}) == "10");
    CHECK(At(objects, kCanary, {"spec", "analysis", "maxWeight"}) == "30");
    CHECK(At(objects, kCanary, {"spec", "analysis", "stepWeight"}) == "5");
    CHECK(At(objects, kHpa, {"spec", "minReplicas"}) == "6");
    CHECK(At(objects, kHpa, {"spec", "maxReplicas"}) == "20");
    const gitcanary::yaml::Node* hpa_metrics = objects.at(kHpa).Path({"spec", "metrics"});
    REQUIRE(hpa_metrics != nullptr);
    REQUIRE(hpa_metrics->items.size() == 1);
    CHECK(hpa_metrics->items[0].Path({"resource", "target", "averageUtilization"})->value == "70");
    const gitcanary::yaml::Node* containers = objects.at(kDeployment).Path({"spec", "template", "spec", "containers"});
    REQUIRE(containers != nullptr);
    CHECK(containers->items.at(0).Path({"resources", "requests", "cpu"})->value == "500m");
    CHECK(At(objects, kRedisConfigMap, {"data", "redis.conf"}).find("maxmemory 512mb\n") != std::string::npos);
    const gitcanary::yaml::Node* hosts = objects.at(kGateway).Path({"spec", "servers"});
    REQUIRE(hosts != nullptr);
    REQUIRE(hosts->items.size() == 1);
    REQUIRE(hosts->items[0].Find("hosts") != nullptr);
    CHECK(hosts->items[0].Find("hosts")->items.size() == 2);
  }
}

TEST_CASE("helm chart: without autoscaling the Deployment keeps its replicas and no HPA is generated, with Helm 4 and Helm 3") {
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    ObjectsByKey objects =
        PostRender(HelmTemplate(helm, home, {"--set", "autoscaling.enabled=false", "--set", "redis-cache.enabled=false"}),
                   "flagger");
    INFO(Keys(objects));
    // The Canary has no autoscalerRef, so replicas stay and no HPA is made.
    CHECK(At(objects, kCanary, {"spec", "targetRef", "name"}) == "shop");
    CHECK(At(objects, kCanary, {"spec", "autoscalerRef"}) == "<absent>");
    CHECK(At(objects, kDeployment, {"spec", "replicas"}) == "2");
    CHECK(objects.count(kHpa) == 0);
    // The Service is still replaced by the canary's.
    CHECK(objects.count(kService) == 0);
    // redis-cache.enabled=false (the dependency's condition) leaves the
    // subchart out, and the app no longer points at it.
    CHECK(objects.count(kRedisDeployment) == 0);
    CHECK(objects.count(kRedisService) == 0);
    CHECK(objects.count(kRedisConfigMap) == 0);
    CHECK(ContainerEnv(objects, kDeployment, "REDIS_ADDR") == "<absent>");
  }
}

TEST_CASE("helm chart: git mode renders the shop canary's workloads and routing, with Helm 4 and Helm 3") {
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    ObjectsByKey objects = PostRender(HelmTemplate(helm, home), "git");
    INFO(Keys(objects));
    // No status in the chart: the canary is initialising. The primary is
    // rendered from the current target, and the Canary itself is not emitted.
    CHECK(objects.count(kCanary) == 0);
    REQUIRE(objects.count("apps/v1 Deployment /shop-primary") == 1);
    CHECK(At(objects, "apps/v1 Deployment /shop-primary", {"spec", "selector", "matchLabels", "app"}) == "shop-primary");
    CHECK(At(objects, kDeployment, {"spec", "replicas"}) == "<absent>");
    CHECK(At(objects, "autoscaling/v2 HorizontalPodAutoscaler /shop-primary", {"spec", "scaleTargetRef", "name"}) ==
          "shop-primary");
    // The chart's Service `shop` is replaced by the apex Service, which
    // selects the primary's pods.
    CHECK(At(objects, kService, {"spec", "selector", "app"}) == "shop-primary");
    CHECK(objects.count("v1 Service /shop-primary") == 1);
    CHECK(objects.count("v1 Service /shop-canary") == 1);
    CHECK(objects.count("networking.istio.io/v1beta1 VirtualService /shop") == 1);
    // The subchart is not a canary: its objects come out as they went in.
    CHECK(At(objects, kRedisDeployment, {"spec", "replicas"}) == "1");
    CHECK(objects.count(kRedisService) == 1);
    CHECK(objects.count(kRedisConfigMap) == 1);
  }
}

TEST_CASE("helm chart: Helm's own post-renderer hook gives what the pipe gives, with Helm 4 and Helm 3") {
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    const ObjectsByKey piped = PostRender(HelmTemplate(helm, home), "flagger");
    std::string stream;
    if (version.env == "GITCANARY_TEST_HELM3") {
      // Helm 3 runs an executable, with --post-renderer-args appended.
      stream = HelmTemplate(helm, home,
                            {"--post-renderer", GITCANARY_BINARY, "--post-renderer-args", "post-render",
                             "--post-renderer-args", "--mode=flagger"});
    } else {
      // Helm 4 runs a postrenderer/v1 plugin; ours runs `gitcanary
      // post-render` from PATH.
      std::filesystem::create_directories(home / "bin");
      std::filesystem::create_symlink(GITCANARY_BINARY, home / "bin/gitcanary");
      std::map<std::string, std::string> env = HelmEnv(home);
      RunResult install = Run({helm, "plugin", "install", SourceDir() + "/deploy/helm-plugin"}, "", env, 60);
      INFO(install.out << install.err);
      REQUIRE(install.exit_code == 0);
      const char* path = std::getenv("PATH");
      stream = HelmTemplate(helm, home, {"--post-renderer", "gitcanary", "--post-renderer-args", "--mode=flagger"},
                            {{"PATH", home / "bin" + ":" + (path == nullptr ? "/usr/bin:/bin" : path)}});
    }
    // Helm 4 takes its filename annotation off the objects again: they are
    // exactly the pipe's.
    const ObjectsByKey hooked = ParseObjects(stream);
    CHECK(Keys(hooked) == Keys(piped));
    CHECK(hooked == piped);
  }
}

TEST_CASE("helm chart: gitcanary render builds the chart with helm template, from disk and from git, as the pipe does") {
  for (const HelmVersion& version : kHelms) {
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    CAPTURE(version.name);
    TempDir home;
    std::map<std::string, std::string> env = HelmEnv(home);
    for (const char* mode : {"flagger", "git"}) {
      CAPTURE(mode);
      const ObjectsByKey piped = PostRender(HelmTemplate(helm, home, {"--values", Chart() + "/values-prod.yaml"}), mode);
      RunResult rendered = Run({GITCANARY_BINARY, "render", Chart(), "--mode", mode, "-n", "shop", "--helm", helm,
                                "--release-name", "shop", "--values", "values-prod.yaml", "--explain"},
                               "", env, 120);
      INFO(rendered.err);
      REQUIRE(rendered.exit_code == 0);
      CHECK(ParseObjects(rendered.out) == piped);
      CHECK(rendered.err.find("a helm chart, built by `" + helm + " template shop . --namespace shop --include-crds "
                              "--values values-prod.yaml` in place") != std::string::npos);
    }
    // From a commit: the chart is written to a private directory and built there.
    TempDir repo;
    Sh("cp -R " + Chart() + " " + repo.path() + "/shop && cd " + repo.path() +
       " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm chart");
    RunResult disk = Run({GITCANARY_BINARY, "render", repo.path() + "/shop", "--helm", helm, "-n", "shop"}, "", env, 120);
    RunResult commit = Run({GITCANARY_BINARY, "render", "shop", "--repo", repo.path(), "--helm", helm, "-n", "shop"},
                           "", env, 120);
    INFO(commit.err);
    REQUIRE(disk.exit_code == 0);
    REQUIRE(commit.exit_code == 0);
    CHECK(commit.out == disk.out);
    // The release name defaults to the chart directory's name: here "shop".
    const ObjectsByKey objects = ParseObjects(disk.out);  // git mode: the canary keeps the name, beside its primary
    CHECK(objects.count(kDeployment) == 1);
    CHECK(objects.count("apps/v1 Deployment /shop-primary") == 1);
  }
}

TEST_CASE("helm chart: a failing helm template is one line naming the app and Helm's own message") {
  for (const HelmVersion& version : kHelms) {
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    CAPTURE(version.name);
    TempDir home;
    // A missing values file is found before Helm runs.
    RunResult missing = Run({GITCANARY_BINARY, "render", Chart(), "--helm", helm, "--values", "no-such-values.yaml"},
                            "", HelmEnv(home), 120);
    CHECK(missing.exit_code == 1);
    CHECK(missing.out.empty());
    CHECK(missing.err.find("helm-chart/no-such-values.yaml: values file not found") != std::string::npos);
    // A template error is Helm's to report.
    RunResult bad = Run({GITCANARY_BINARY, "render", Chart(), "--helm", helm, "--set", "canary.analysis=oops"}, "",
                        HelmEnv(home), 120);
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.empty());
    CHECK(bad.err.rfind("gitcanary: app ", 0) == 0);
    CHECK(bad.err.find(": helm failed: ") != std::string::npos);
    CHECK(bad.err.find('\n') == bad.err.size() - 1);
  }
}

TEST_CASE("helm chart: a kustomization's helmCharts build through --enable-helm with the same Helm") {
  // kustomize 5.5 asks `helm version -c`, which Helm 4 no longer takes, so Helm 3 runs this.
  const std::string helm = FindHelm(kHelms[1]);
  if (helm.empty()) return;
  TempDir dir;
  const std::string repo = dir / "repo";
  Sh("mkdir -p " + repo + "/charts && cp -R " + Chart() + " " + repo + "/charts/shop");
  WriteFile(repo + "/app/kustomization.yaml",
            "helmGlobals:\n  chartHome: ../charts\nhelmCharts:\n- name: shop\n  releaseName: shop\n  namespace: shop\n"
            "  valuesFile: ../charts/shop/values-prod.yaml\n");
  Sh("cd " + repo + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm app");
  TempDir home;
  const std::vector<std::string> flags = {"--mode", "flagger", "--kustomize-build-options",
                                          "--enable-helm --load-restrictor LoadRestrictionsNone", "--helm", helm};
  std::vector<std::string> disk = {GITCANARY_BINARY, "render", repo + "/app"};
  disk.insert(disk.end(), flags.begin(), flags.end());
  std::vector<std::string> commit = {GITCANARY_BINARY, "render", "app", "--repo", repo};
  commit.insert(commit.end(), flags.begin(), flags.end());
  RunResult from_disk = Run(disk, "", HelmEnv(home), 120);
  RunResult from_commit = Run(commit, "", HelmEnv(home), 120);
  INFO(from_disk.err);
  INFO(from_commit.err);
  REQUIRE(from_disk.exit_code == 0);
  REQUIRE(from_commit.exit_code == 0);
  CHECK(from_commit.out == from_disk.out);
  // The chart as `helm template` renders it with the prod values, then the canary rewrite.
  const ObjectsByKey objects = ParseObjects(from_disk.out);
  const ObjectsByKey piped = PostRender(HelmTemplate(helm, home, {"--values", Chart() + "/values-prod.yaml"}), "flagger");
  INFO(Keys(objects));
  CHECK(objects == piped);
  CHECK(At(objects, kCanary, {"spec", "targetRef", "name"}) == "shop");
}

TEST_CASE("helm chart: the HelmRelease example's chart has no canary so Helm's post-renderer hook hands it back unchanged with Helm 4 and Helm 3") {
  const std::string chart = SourceDir() + "/examples/flux-helmrelease/chart";
  for (const HelmVersion& version : kHelms) {
    CAPTURE(version.name);
    const std::string helm = FindHelm(version);
    if (helm.empty()) continue;
    TempDir home;
    std::map<std::string, std::string> env = HelmEnv(home);
    std::vector<std::string> hook;
    if (version.env == "GITCANARY_TEST_HELM3") {
      hook = {"--post-renderer", GITCANARY_BINARY, "--post-renderer-args", "post-render"};
    } else {
      std::filesystem::create_directories(home / "bin");
      std::filesystem::create_symlink(GITCANARY_BINARY, home / "bin/gitcanary");
      RunResult install = Run({helm, "plugin", "install", SourceDir() + "/deploy/helm-plugin"}, "", env, 60);
      INFO(install.out << install.err);
      REQUIRE(install.exit_code == 0);
      const char* path = std::getenv("PATH");
      env["PATH"] = home / "bin" + ":" + (path == nullptr ? "/usr/bin:/bin" : path);
      hook = {"--post-renderer", "gitcanary"};
    }
    struct Row {
      std::vector<std::string> args;
      const char* deployment;  // the chart's fullname
    };
    const Row rows[] = {
        {{"podinfo"}, "podinfo"},
        {{"podinfo-primary", "--set", "hpa.enabled=true"}, "podinfo-primary"},
        {{"frontend", "--set", "service.enabled=false"}, "frontend-podinfo"},
        {{"podinfo-primary", "--set", "fullnameOverride=web-primary"}, "web-primary"},
    };
    for (const Row& row : rows) {
      CAPTURE(row.args[0]);
      for (const std::string mode : {"git", "flagger"}) {
        CAPTURE(mode);
        std::vector<std::string> plain = {helm, "template"};
        plain.insert(plain.end(), row.args.begin(), row.args.end());
        plain.insert(plain.begin() + 3, chart);
        plain.insert(plain.end(), {"--namespace", "prod"});
        std::vector<std::string> hooked = plain;
        hooked.insert(hooked.end(), hook.begin(), hook.end());
        hooked.insert(hooked.end(), {"--post-renderer-args", "--mode=" + mode});
        RunResult before = Run(plain, "", env, 120);
        RunResult after = Run(hooked, "", env, 120);
        INFO(after.err);
        REQUIRE(before.exit_code == 0);
        REQUIRE(after.exit_code == 0);
        const ObjectsByKey objects = ParseObjects(after.out);
        INFO(Keys(objects));
        CHECK(objects == ParseObjects(before.out));
        const std::string deployment = std::string("apps/v1 Deployment /") + row.deployment;
        REQUIRE(objects.count(deployment) == 1);
        CHECK(At(objects, deployment, {"spec", "selector", "matchLabels", "app.kubernetes.io/name"}) == row.deployment);
        CHECK(At(objects, deployment, {"spec", "template", "metadata", "labels", "app.kubernetes.io/name"}) ==
              row.deployment);
        // Replicas only without the HPA; the Service only when enabled.
        const bool hpa = row.args.size() > 2 && row.args[2] == "hpa.enabled=true";
        CHECK(At(objects, deployment, {"spec", "replicas"}) == (hpa ? "<absent>" : "1"));
        CHECK(objects.count(std::string("autoscaling/v2 HorizontalPodAutoscaler /") + row.deployment) == (hpa ? 1u : 0u));
        const bool service = !(row.args.size() > 2 && row.args[2] == "service.enabled=false");
        const std::string service_key = std::string("v1 Service /") + row.deployment;
        CHECK(objects.count(service_key) == (service ? 1u : 0u));
        if (service) CHECK(At(objects, service_key, {"spec", "selector", "app.kubernetes.io/name"}) == row.deployment);
        CHECK(objects.count(std::string("v1 Pod /") + row.deployment + "-test-get") == 1);
      }
    }
  }
}
