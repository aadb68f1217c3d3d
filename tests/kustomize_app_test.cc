// Kustomize apps through the real `kubectl kustomize`: render, render from a
// commit, lint, simulate, diff, status and serve build an overlay the way
// Argo CD and Flux do, and each render equals `kubectl kustomize DIR |
// gitcanary post-render` object by object. Also every bad-input rule of a
// build: a missing tool, a failing, slow or silent build, an app that is two
// kinds at once, a reference out of the repository and an unvendored chart
// dependency, each one line naming the app with nothing on stdout.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "tests/gitops_remote.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
using gitcanary::yaml::Node;

namespace {

bool HaveKubectl() { return Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code == 0; }

#define REQUIRE_KUBECTL()                                         \
  if (!HaveKubectl()) {                                           \
    MESSAGE("kubectl is not installed; kustomize tests skipped"); \
    return;                                                       \
  }

std::string Overlays() { return SourceDir() + "/examples/kustomize-overlays"; }

// `kubectl kustomize DIR`, with the app directory's status documents appended,
// through `gitcanary post-render`: what render must equal.
ObjectsByKey Reference(const std::string& dir, const std::string& mode) {
  RunResult built = Run({"/bin/sh", "-c", "kubectl kustomize " + dir + " && for f in " + dir +
                                              "/*.gitcanary-status.yaml; do [ -f \"$f\" ] && echo --- && cat \"$f\"; done; true"});
  REQUIRE_MESSAGE(built.exit_code == 0, built.err);
  RunResult rendered = Gitcanary({"post-render", "--mode", mode}, built.out);
  REQUIRE_MESSAGE(rendered.exit_code == 0, rendered.err);
  return ParseObjects(rendered.out);
}

const Node& Object(const ObjectsByKey& objects, const std::string& key) {
  auto it = objects.find(key);
  REQUIRE_MESSAGE(it != objects.end(), key);
  return it->second;
}

std::string ImageOf(const Node& deployment) {
  const Node* containers = deployment.Path({"spec", "template", "spec", "containers"});
  REQUIRE(containers != nullptr);
  return containers->items.at(0).Find("image")->value;
}

// A base with podinfo 5.0.0 and an overlay that sets 6.1.0 through `images:`
// and patches the Deployment with a JSON6902 patch file.
void WriteImageOverride(const std::string& root) {
  WriteFile(root + "/apps/base/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: backend\nspec:\n  replicas: 2\n"
            "  selector:\n    matchLabels:\n      app: backend\n  template:\n    metadata:\n      labels:\n"
            "        app: backend\n    spec:\n      containers:\n      - name: backend\n"
            "        image: ghcr.io/stefanprodan/podinfo:5.0.0\n        ports:\n        - containerPort: 9898\n");
  WriteFile(root + "/apps/base/canary.yaml",
            "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: backend\nspec:\n  targetRef:\n"
            "    apiVersion: apps/v1\n    kind: Deployment\n    name: backend\n  service:\n    port: 9898\n"
            "  analysis:\n    interval: 1m\n    threshold: 5\n    maxWeight: 50\n    stepWeight: 10\n");
  WriteFile(root + "/apps/base/kustomization.yaml", "resources:\n- deployment.yaml\n- canary.yaml\n");
  WriteFile(root + "/apps/backend/kustomization.yaml",
            "namespace: backend\nresources:\n- ../base\nimages:\n- name: ghcr.io/stefanprodan/podinfo\n  newTag: 6.1.0\n"
            "patches:\n- path: deployment.patch.yaml\n  target:\n    kind: Deployment\n    name: backend\n");
  WriteFile(root + "/apps/backend/deployment.patch.yaml",
            "- op: add\n  path: /spec/template/metadata/annotations\n  value:\n    prometheus.io/scrape: \"true\"\n");
}

void GitInit(const std::string& root) {
  Sh("cd " + root + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm init");
}

void CheckFails(const RunResult& r, const std::string& expected_start) {
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK_MESSAGE(r.err.rfind("gitcanary: " + expected_start, 0) == 0, r.err);
  CHECK_MESSAGE(r.err.find('\n') == r.err.size() - 1, r.err);
}

}  // namespace

TEST_CASE("kustomize app: the overlay's image override and JSON6902 patch reach the render, from disk and from git") {
  REQUIRE_KUBECTL();
  TempDir dir;
  WriteImageOverride(dir.path());
  GitInit(dir.path());
  const std::string app = dir.path() + "/apps/backend";
  for (const std::string mode : {"git", "flagger"}) {
    CAPTURE(mode);
    RunResult disk = Gitcanary({"render", app, "--mode", mode});
    REQUIRE_MESSAGE(disk.exit_code == 0, disk.err);
    CHECK(disk.out.find("podinfo:5.0.0") == std::string::npos);  // the base's tag never leaks through
    const ObjectsByKey objects = ParseObjects(disk.out);
    const Node& canary = Object(objects, "apps/v1 Deployment backend/backend");
    CHECK(ImageOf(canary) == "ghcr.io/stefanprodan/podinfo:6.1.0");
    CHECK(canary.Path({"spec", "template", "metadata", "annotations", "prometheus.io/scrape"})->value == "true");
    CHECK(objects == Reference(app, mode));

    RunResult commit = Gitcanary({"render", "apps/backend", "--repo", dir.path(), "--revision", "HEAD", "--mode", mode});
    REQUIRE_MESSAGE(commit.exit_code == 0, commit.err);
    CHECK(commit.out == disk.out);
  }
  // Nothing of the build is left behind in TMPDIR.
  TempDir tmp;
  RunResult again = Gitcanary({"render", "apps/backend", "--repo", dir.path()}, "", {{"TMPDIR", tmp.path()}});
  REQUIRE(again.exit_code == 0);
  CHECK(std::filesystem::is_empty(tmp.path()));
}

TEST_CASE("kustomize app: --explain says which kind was found and what ran") {
  REQUIRE_KUBECTL();
  RunResult r = Gitcanary({"render", Overlays() + "/staging", "--explain", "--kustomize", "kubectl kustomize"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("a kustomization, built by `kubectl kustomize .` in place: 4 objects, and 0 status documents") !=
        std::string::npos);
  RunResult plain = Gitcanary({"render", SourceDir() + "/examples/podinfo", "--explain"});
  CHECK(plain.err.find("a directory of manifests, read as they are") != std::string::npos);
}

TEST_CASE("kustomize app: both overlays of examples/kustomize-overlays equal kubectl kustomize | post-render") {
  REQUIRE_KUBECTL();
  for (const std::string overlay : {"staging", "prod"}) {
    for (const std::string mode : {"git", "flagger"}) {
      CAPTURE(overlay);
      CAPTURE(mode);
      RunResult r = Gitcanary({"render", Overlays() + "/" + overlay, "--mode", mode});
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
      CHECK(ParseObjects(r.out) == Reference(Overlays() + "/" + overlay, mode));
    }
  }
}

TEST_CASE("kustomize app: prod is analysed from its own status with the component's gate, and staging starts fresh") {
  REQUIRE_KUBECTL();
  RunResult prod = Gitcanary({"render", Overlays() + "/prod"});
  REQUIRE_MESSAGE(prod.exit_code == 0, prod.err);
  const ObjectsByKey p = ParseObjects(prod.out);
  // The status says 20 % with 1.0.0 promoted; the overlay's image is the canary.
  CHECK(ImageOf(Object(p, "apps/v1 Deployment shop/eu-checkout")) == "registry.example.com/shop/checkout:1.1.0");
  CHECK(ImageOf(Object(p, "apps/v1 Deployment shop/eu-checkout-primary")) == "registry.example.com/shop/checkout:1.0.0");
  const Node* routes = Object(p, "networking.istio.io/v1beta1 VirtualService shop/eu-checkout").Path({"spec", "http"});
  REQUIRE(routes != nullptr);
  const Node& route = routes->items.at(0).Find("route")->items.at(0);
  CHECK(route.Path({"destination", "host"})->value == "eu-checkout-primary");
  CHECK(route.Find("weight")->value == "80");
  // The primary follows the generator's hashed ConfigMap name.
  CHECK(p.count("v1 ConfigMap shop/eu-checkout-config-hf678c7m2b-primary") == 1);

  RunResult flagger = Gitcanary({"render", Overlays() + "/prod", "--mode", "flagger"});
  REQUIRE(flagger.exit_code == 0);
  const ObjectsByKey f = ParseObjects(flagger.out);
  const Node* metrics = Object(f, "flagger.app/v1beta1 Canary shop/eu-checkout").Path({"spec", "analysis", "metrics"});
  REQUIRE(metrics != nullptr);
  REQUIRE(metrics->items.size() == 2);
  CHECK(metrics->items[1].Find("name")->value == "request-duration");

  RunResult staging = Gitcanary({"render", Overlays() + "/staging", "--mode", "flagger"});
  REQUIRE(staging.exit_code == 0);
  const ObjectsByKey s = ParseObjects(staging.out);
  const Node& canary = Object(s, "flagger.app/v1beta1 Canary shop-staging/checkout");
  CHECK(canary.Path({"spec", "analysis", "interval"})->value == "30s");  // the overlay's patch runs
  CHECK(canary.Path({"spec", "analysis", "stepWeight"})->value == "25");
}

TEST_CASE("kustomize app: lint and simulate read the built overlay") {
  REQUIRE_KUBECTL();
  RunResult lint = Gitcanary({"lint", Overlays() + "/staging", "-o", "json"});
  CHECK_MESSAGE(lint.exit_code == 0, lint.err);
  RunResult sim = Gitcanary({"simulate", Overlays() + "/staging", "-o", "json"});
  REQUIRE_MESSAGE(sim.exit_code == 0, sim.err);
  const nlohmann::json rows = nlohmann::json::parse(sim.out);
  REQUIRE_FALSE(rows.empty());
  CHECK(rows[0]["canary"] == "shop-staging/checkout");
  // stepWeight 25 up to maxWeight 50: the analysis starts at 0, then 25 and 50.
  std::set<int> weights;
  for (const auto& row : rows)
    if (row["phase"] == "Progressing") weights.insert(row["weight"].get<int>());
  CHECK(weights == std::set<int>{0, 25, 50});
}

TEST_CASE("kustomize app: each bad build is one line naming the app, exit 1, nothing on stdout") {
  REQUIRE_KUBECTL();
  TempDir dir;
  WriteImageOverride(dir.path());
  const std::string app = dir.path() + "/apps/backend";

  SUBCASE("kustomize missing") {
    RunResult r = Gitcanary({"render", app, "--kustomize", "/nonexistent/kustomize build"});
    CheckFails(r, "app ");
    CHECK(r.err.find("/nonexistent/kustomize not found; install kustomize or kubectl, or set --kustomize") != std::string::npos);
  }
  SUBCASE("kustomize fails: its own message, first useful line") {
    WriteFile(app + "/kustomization.yaml", "resources:\n- ../base\n- missing.yaml\n");
    RunResult r = Gitcanary({"render", app});
    CheckFails(r, "app ");
    CHECK(r.err.find("apps/backend: kustomize failed: accumulating resources") != std::string::npos);
    CHECK(r.err.find("missing.yaml") != std::string::npos);
  }
  SUBCASE("a build over its time limit is killed") {
    WriteFile(dir.path() + "/slow-kustomize", "#!/bin/sh\nsleep 30\n");
    Sh("chmod +x " + dir.path() + "/slow-kustomize");
    const auto start = std::chrono::steady_clock::now();
    RunResult r = Gitcanary({"render", app, "--kustomize", dir.path() + "/slow-kustomize", "--build-timeout", "1s"});
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CheckFails(r, "app ");
    CHECK(r.err.find("the kustomize build did not finish in 1s and was killed; raise --build-timeout") != std::string::npos);
  }
  SUBCASE("a build that prints nothing") {
    WriteFile(dir.path() + "/silent-kustomize", "#!/bin/sh\nexit 0\n");
    Sh("chmod +x " + dir.path() + "/silent-kustomize");
    RunResult r = Gitcanary({"render", app, "--kustomize", dir.path() + "/silent-kustomize"});
    CheckFails(r, "app ");
    CHECK(r.err.find("the kustomize build printed no objects; refusing an empty result") != std::string::npos);
  }
  SUBCASE("both a kustomization and a chart") {
    WriteFile(app + "/Chart.yaml", "apiVersion: v2\nname: backend\nversion: 0.1.0\n");
    RunResult r = Gitcanary({"render", app});
    CheckFails(r, "app ");
    CHECK(r.err.find("holds both a kustomization and Chart.yaml") != std::string::npos);
  }
  SUBCASE("a reference outside the repository") {
    WriteFile(app + "/kustomization.yaml", "resources:\n- ../../../outside\n");
    GitInit(dir.path());
    RunResult r = Gitcanary({"render", "apps/backend", "--repo", dir.path()});
    CheckFails(r, "app apps/backend: ");
    CHECK(r.err.find("resources \"../../../outside\" is outside the repository") != std::string::npos);
  }
  SUBCASE("a chart whose dependency is not vendored") {
    WriteFile(dir.path() + "/chart/Chart.yaml",
              "apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n- name: redis\n  version: 1.0.0\n"
              "  repository: https://charts.example.com\n");
    WriteFile(dir.path() + "/chart/templates/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n");
    RunResult r = Gitcanary({"render", dir.path() + "/chart", "--helm", "/nonexistent/helm"});
    CheckFails(r, "app ");
    CHECK(r.err.find("chart dependency redis is not vendored in charts/; run `helm dependency build`") != std::string::npos);
  }
}

TEST_CASE("kustomize app: diff builds only the overlays whose inputs changed, and a base change marks both") {
  REQUIRE_KUBECTL();
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  Sh("mkdir -p " + repo + " && cp -R " + Overlays() + "/. " + repo);
  GitInit(repo);
  auto commit_and_diff = [&](const std::string& change) {
    Sh("cd " + repo + " && " + change + " && git add -A && git -c user.name=t -c user.email=t@e commit -qm change");
    RunResult r = Gitcanary({"diff", "--repo", repo, "--base", "HEAD~1", "--format", "json"});
    REQUIRE_MESSAGE(r.exit_code == 1, r.err);  // 1: changes
    INFO(r.out);
    const nlohmann::json report = nlohmann::json::parse(r.out);  // kept: a range-for over a temporary's member dangles
    std::vector<std::string> apps;
    for (const auto& app : report["apps"]) apps.push_back(app["app"]);
    return apps;
  };
  CHECK(commit_and_diff("sed -i 's/newTag: 1.2.0/newTag: 1.3.0/' staging/kustomization.yaml") ==
        std::vector<std::string>{"staging"});
  CHECK(commit_and_diff("sed -i 's/containerPort: 8080/containerPort: 8081/' base/deployment.yaml") ==
        std::vector<std::string>{"prod", "staging"});
  // Staging merges its own LOG_LEVEL over the base's, so only prod renders differently.
  CHECK(commit_and_diff("sed -i 's/LOG_LEVEL=info/LOG_LEVEL=warn/' base/kustomization.yaml") ==
        std::vector<std::string>{"prod"});
  CHECK(commit_and_diff("sed -i 's/maxWeight: 50/maxWeight: 60/' base/canary.yaml") ==
        std::vector<std::string>{"prod", "staging"});
  CHECK(commit_and_diff("sed -i 's/canaryWeight: 20/canaryWeight: 30/' prod/eu-checkout.gitcanary-status.yaml") ==
        std::vector<std::string>{"prod"});
  CHECK(commit_and_diff("sed -i 's/max: 300/max: 250/' components/slo-gates/kustomization.yaml") ==
        std::vector<std::string>{"prod"});
}

TEST_CASE("kustomize app: status and serve see the overlays, never the base, and serve writes status in the overlay") {
  REQUIRE_KUBECTL();
  TempDir dir;
  GitopsRemote repo(dir);
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(Overlays())) {
    if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
    files.emplace_back("shop/" + std::filesystem::relative(entry.path(), Overlays()).string(), ReadFile(entry.path()));
  }
  repo.Commit(files, "the shop overlays");

  RunResult status = Gitcanary({"status", "--repo", repo.remote(), "-o", "json"}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  std::vector<std::string> ids;
  const nlohmann::json canaries = nlohmann::json::parse(status.out);
  for (const auto& c : canaries)
    ids.push_back(c["namespace"].get<std::string>() + "/" + c["name"].get<std::string>());
  CHECK(ids == std::vector<std::string>{"shop-staging/checkout", "shop/eu-checkout"});

  RunResult serve = Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once", "--all-due",
                               "--min-interval", "1s", "--readiness", "none", "--listen", "off"});
  REQUIRE_MESSAGE(serve.exit_code == 0, serve.err);
  const std::string tree = Run({"git", "-C", repo.remote(), "ls-tree", "-r", "--name-only", "main"}).out;
  CHECK(tree.find("shop/staging/checkout.gitcanary-status.yaml") != std::string::npos);
  CHECK(tree.find("shop/base/") != std::string::npos);
  CHECK(tree.find("shop/base/checkout.gitcanary-status.yaml") == std::string::npos);
  const std::string staging = Run({"git", "-C", repo.remote(), "show", "main:shop/staging/checkout.gitcanary-status.yaml"}).out;
  CHECK(staging.find("namespace: shop-staging") != std::string::npos);
  CHECK(staging.find("phase: Initialized") != std::string::npos);
}

TEST_CASE("kustomize app: a kustomization that only gathers local files is read directly, with kustomize's objects") {
  REQUIRE_KUBECTL();
  TempDir dir;
  WriteImageOverride(dir.path());
  // An umbrella that gathers two apps, one of which only gathers its files.
  WriteFile(dir / "umbrella/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                                                 "resources:\n- ../apps/base\n- extra\n");
  WriteFile(dir / "umbrella/extra/kustomization.yaml", "resources:\n- configmap.yaml\n");
  WriteFile(dir / "umbrella/extra/configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  b: \"2\"\n  a: \"1\"\n");
  for (const std::string mode : {"git", "flagger"}) {
    CAPTURE(mode);
    RunResult r = Gitcanary({"render", dir / "umbrella", "--mode", mode, "--explain"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.err.find("a kustomization that only lists local resources: 3 files read as kustomize builds them") !=
          std::string::npos);
    CHECK(ParseObjects(r.out) == Reference(dir / "umbrella", mode));
  }
  // Anything more than gathering goes to kustomize.
  RunResult overlay = Gitcanary({"render", dir / "apps/backend", "--explain"});
  REQUIRE(overlay.exit_code == 0);
  CHECK(overlay.err.find("a kustomization, built by `") != std::string::npos);
  // A gathered path that does not exist is kustomize's to report, in its words.
  WriteFile(dir / "umbrella/kustomization.yaml", "resources:\n- missing.yaml\n");
  RunResult missing = Gitcanary({"render", dir / "umbrella"});
  CheckFails(missing, "app ");
  CHECK(missing.err.find("kustomize failed: accumulating resources") != std::string::npos);
}

TEST_CASE("kustomize app: a Flux Kustomization's plain directory builds the kustomizations inside it, as Flux does") {
  REQUIRE_KUBECTL();
  TempDir dir;
  WriteImageOverride(dir.path());  // apps/base and apps/backend (an overlay with a JSON6902 patch file)
  WriteFile(dir / "apps/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: backend\n");
  // Flux applies ./apps: it generates a kustomization of namespace.yaml and the
  // directories that hold one, so apps/base is built through apps/backend only.
  WriteFile(dir / "apps/kustomization-less-note.txt", "apps/ has no kustomization.yaml\n");
  Sh("rm -r " + dir / "apps/base" + " && mkdir -p " + dir / "lib" + " && true");
  WriteImageOverride(dir / "lib");
  Sh("rm -r " + dir / "lib/apps/backend" + " && mv " + dir / "lib/apps/base" + " " + dir / "lib/base" + " && rm -r " +
     dir / "lib/apps");
  WriteFile(dir / "apps/backend/kustomization.yaml",
            "namespace: backend\nresources:\n- ../../lib/base\nimages:\n- name: ghcr.io/stefanprodan/podinfo\n"
            "  newTag: 6.1.0\npatches:\n- path: deployment.patch.yaml\n  target:\n    kind: Deployment\n    name: backend\n");
  WriteFile(dir / "clusters/prod/apps.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n"
            "spec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n");
  GitInit(dir.path());

  RunResult r = Gitcanary({"render", dir / "apps", "--mode", "flagger", "--explain"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("with 1 kustomization subdirectories built as Flux builds them") != std::string::npos);
  const ObjectsByKey objects = ParseObjects(r.out);
  CHECK(ImageOf(Object(objects, "apps/v1 Deployment backend/backend")) == "ghcr.io/stefanprodan/podinfo:6.1.0");
  CHECK(objects.count("v1 Namespace /backend") == 1);
  RunResult commit = Gitcanary({"render", "apps", "--repo", dir.path(), "--mode", "flagger"});
  REQUIRE_MESSAGE(commit.exit_code == 0, commit.err);
  CHECK(commit.out == r.out);

  // Rule 1: the Flux Kustomization names ./apps as the app; lib/base is no app of its own.
  RunResult status = Gitcanary({"status", "--repo", dir.path(), "-o", "json"}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  CHECK(status.err.empty());
  const nlohmann::json canaries = nlohmann::json::parse(status.out);
  REQUIRE(canaries.size() == 1);
  CHECK(canaries[0]["namespace"] == "backend");
  CHECK(canaries[0]["name"] == "backend");
  CHECK(canaries[0]["error"] == "");

  // A change to the base outside ./apps changes the app: diff finds it through the inner kustomization.
  Sh("cd " + dir.path() + " && sed -i 's/containerPort: 9898/containerPort: 9899/' lib/base/deployment.yaml && "
     "git add -A && git -c user.name=t -c user.email=t@e commit -qm port");
  RunResult diff = Gitcanary({"diff", "--repo", dir.path(), "--base", "HEAD~1", "--format", "json"});
  REQUIRE_MESSAGE(diff.exit_code == 1, diff.err);
  const nlohmann::json report = nlohmann::json::parse(diff.out);
  REQUIRE(report["apps"].size() == 1);
  CHECK(report["apps"][0]["app"] == "apps");
}
