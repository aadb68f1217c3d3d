// `gitcanary serve --publish DIR` against a real bare remote: the status
// change and its app's render land in one commit that touches only that app's
// published files; a person's commit to an app is republished at the next
// pass in a commit of its own; the published directory builds with the real
// `kubectl kustomize` to what `render` prints at that commit; and
// `lint --check-published` fails on the stale commit and passes on serve's.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "tests/gitops_remote.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

namespace gitcanary::testing {
namespace {

const char kOther[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: test}\ndata: {level: \"1\"}\n";

RunResult Serve(const GitopsRemote& repo, const std::string& cache, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"serve", "--repo", repo.remote(), "--cache-dir", cache, "--min-interval", "1s",
                                "--readiness", "none", "--once", "--publish", "published"};
  args.insert(args.end(), extra.begin(), extra.end());
  return Gitcanary(args);
}

std::string Git(const GitopsRemote& repo, const std::string& args) {
  RunResult r = Run({"/bin/sh", "-c", "git --git-dir " + repo.remote() + " " + args});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

// The files `rev` changes against its parent, sorted.
std::vector<std::string> Touched(const GitopsRemote& repo, const std::string& rev) {
  std::istringstream in(Git(repo, "diff-tree --no-commit-id --name-only -r " + rev));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  std::sort(out.begin(), out.end());
  return out;
}

bool AllUnder(const std::vector<std::string>& files, const std::vector<std::string>& prefixes) {
  return std::all_of(files.begin(), files.end(), [&](const std::string& f) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](const std::string& p) { return f.rfind(p, 0) == 0; });
  });
}

bool AnyUnder(const std::vector<std::string>& files, const std::string& prefix) {
  return std::any_of(files.begin(), files.end(), [&](const std::string& f) { return f.rfind(prefix, 0) == 0; });
}

// `kubectl kustomize` of published/APP at `rev` equals `render APP` at `rev`.
void CheckPublishedBuild(const GitopsRemote& repo, const std::string& rev, const std::string& app) {
  if (Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code != 0) {
    MESSAGE("kubectl is not installed; the kustomize build check is skipped");
    return;
  }
  TempDir tree;
  Sh("git --git-dir " + repo.remote() + " archive " + rev + " published | tar -x -C " + tree.path());
  RunResult built = Run({"kubectl", "kustomize", tree / ("published/" + app)});
  INFO(built.err);
  REQUIRE(built.exit_code == 0);
  RunResult rendered = Gitcanary({"render", "--repo", repo.remote(), "--revision", rev, app});
  REQUIRE(rendered.exit_code == 0);
  CHECK(ParseObjects(built.out) == ParseObjects(rendered.out));
  CHECK(built.out.find("CanaryStatus") == std::string::npos);
}

TEST_CASE("serve --publish: status and published render in one commit touching only that app and user commits republished") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", CanaryApp("podinfo", "1.0.0")}, {"apps/other/settings.yaml", kOther}},
              "add podinfo and other");
  const std::string cache = dir / "cache";

  // First pass: the canary's first status, and every app published, in one commit.
  RunResult first = Serve(repo, cache);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out.find("published apps/other\npublished apps/podinfo\ncommitted ") != std::string::npos);
  std::vector<std::string> files = Touched(repo, "main");
  CHECK(AnyUnder(files, "apps/podinfo/podinfo.gitcanary-status.yaml"));
  CHECK(AnyUnder(files, "published/apps/podinfo/kustomization.yaml"));
  CHECK(AnyUnder(files, "published/apps/other/configmap_test_settings.yaml"));
  const std::string first_commit = Git(repo, "rev-parse main").substr(0, 40);
  const std::string source = Git(repo, "rev-parse main~1").substr(0, 40);
  CHECK(Git(repo, "log -1 --format=%B main").find("Source-Revision: " + source + "\n") != std::string::npos);
  const std::string kustomization = Git(repo, "show main:published/apps/podinfo/kustomization.yaml");
  INFO(kustomization);
  CHECK((kustomization.find("gitcanary.io/source-revision: " + source + "\n") != std::string::npos ||
         kustomization.find("gitcanary.io/source-revision: \"" + source + "\"\n") != std::string::npos));
  CheckPublishedBuild(repo, "main", "apps/podinfo");
  CheckPublishedBuild(repo, "main", "apps/other");

  // A new revision of podinfo: the next status change carries podinfo's new
  // render, and nothing of the other app.
  repo.Commit({{"apps/podinfo/app.yaml", CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  RunResult second = Serve(repo, cache, {"--all-due"});
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.out.find("canary test/podinfo: Initialized -> Progressing") != std::string::npos);
  files = Touched(repo, "main");
  CHECK(AnyUnder(files, "apps/podinfo/podinfo.gitcanary-status.yaml"));
  CHECK(AnyUnder(files, "published/apps/podinfo/"));
  CHECK(AllUnder(files, {"apps/podinfo/podinfo.gitcanary-status.yaml", "published/apps/podinfo/"}));
  CHECK(Git(repo, "show main:published/apps/podinfo/deployment.apps_test_podinfo.yaml").find(":1.0.1") !=
        std::string::npos);
  CheckPublishedBuild(repo, "main", "apps/podinfo");

  // A person's commit to the other app, while no canary is due: published
  // at the next pass, in a commit of its own that touches only that app.
  repo.Commit({{"apps/other/settings.yaml", std::string(kOther).replace(std::string(kOther).find("\"1\""), 3, "\"2\"")}},
              "other: level 2");
  const std::string user_commit = Git(repo, "rev-parse main").substr(0, 40);
  RunResult stale = Gitcanary({"lint", "--check-published", "published", "--repo", repo.remote(), "--revision", user_commit});
  CHECK(stale.exit_code == 1);
  CHECK(stale.out.find("published/apps/other: error: app apps/other: published output differs from its sources "
                       "(changed configmap_test_settings.yaml, kustomization.yaml)") != std::string::npos);
  RunResult third = Serve(repo, cache, {"--min-interval", "1h"});  // the canary is not due
  REQUIRE_MESSAGE(third.exit_code == 0, third.err);
  CHECK(third.out.find("published apps/other\ncommitted ") != std::string::npos);
  CHECK(Git(repo, "log -1 --format=%B main") ==
        "publish published: apps/other\n\nPublished: published/apps/other\nSource-Revision: " + user_commit + "\n\n");
  INFO(Git(repo, "diff-tree --no-commit-id --name-only -r main"));
  CHECK(Touched(repo, "main") == std::vector<std::string>{"published/apps/other/configmap_test_settings.yaml",
                                                          "published/apps/other/kustomization.yaml"});
  CHECK(Gitcanary({"lint", "--check-published", "published", "--repo", repo.remote()}).exit_code == 0);
  CheckPublishedBuild(repo, "main", "apps/other");

  // Nothing changed since: no commit.
  const std::string head = Git(repo, "rev-parse main");
  RunResult idle = Serve(repo, cache, {"--min-interval", "1h"});
  CHECK(idle.exit_code == 0);
  CHECK(Git(repo, "rev-parse main") == head);
  CHECK(first_commit != head);
}

std::string FluxKustomization(const std::string& name, const std::string& path) {
  return "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: " + name +
         ", namespace: flux-system}\nspec:\n  sourceRef: {kind: GitRepository, name: deploy}\n  path: " + path + "\n";
}

TEST_CASE("serve --publish: apps named only by Flux Kustomizations on published paths are found and published") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", CanaryApp("podinfo", "1.0.0")},
               {"clusters/prod/podinfo.yaml", FluxKustomization("podinfo", "./published/apps/podinfo")}},
              "podinfo, applied by Flux from published/");
  const std::string cache = dir / "cache";
  RunResult first = Serve(repo, cache);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out.find("canary test/podinfo: Initializing -> Initialized") != std::string::npos);
  CHECK(first.out.find("published apps/podinfo\n") != std::string::npos);
  CHECK(first.out.find("published clusters") == std::string::npos);  // not an app: no Kustomization points at it

  // A new app and its Kustomization: published at the next pass, alone.
  repo.Commit({{"apps/other/settings.yaml", kOther},
               {"clusters/prod/other.yaml", FluxKustomization("other", "./published/apps/other")}},
              "other");
  RunResult second = Serve(repo, cache, {"--min-interval", "1h"});
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.out.find("published apps/other\ncommitted ") != std::string::npos);
  CHECK(Touched(repo, "main") == std::vector<std::string>{"published/apps/other/configmap_test_settings.yaml",
                                                          "published/apps/other/kustomization.yaml"});
  CHECK(Gitcanary({"lint", "--check-published", "published", "--repo", repo.remote()}).exit_code == 0);
}

// A Flux HelmRelease podinfo (chart 6.14.1, replicaCount `replicas`) and the
// Canary of the Deployment its chart renders, in namespace test.
std::string HelmReleaseApp(int replicas) {
  return "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: test}\n"
         "spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.14.1\n"
         "      sourceRef: {kind: HelmRepository, name: podinfo}\n  values:\n    replicaCount: " +
         std::to_string(replicas) + "\n    service: {enabled: false}\n---\n"
         "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "  annotations: {gitcanary.io/helmrelease: podinfo}\nspec:\n  provider: linkerd\n"
         "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service:\n    port: 9898\n"
         "  analysis:\n    interval: 1s\n    threshold: 2\n    maxWeight: 30\n    stepWeight: 10\n";
}

TEST_CASE("serve --publish: a HelmRelease canary publishes both releases with its status and Flux builds them") {
  // What a Flux user applies (README, "Flux HelmRelease canaries" and
  // "Rendered output that Flux applies"): published/apps/podinfo holds the
  // canary release, the primary release, the Services and the TrafficSplit,
  // and moves with every status commit.
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", HelmReleaseApp(2)}}, "podinfo as a HelmRelease");
  const std::string cache = dir / "cache";
  const std::string pub = "published/apps/podinfo/";
  RunResult first = Serve(repo, cache);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  std::vector<std::string> files = Touched(repo, "main");
  CHECK(AllUnder(files, {"apps/podinfo/podinfo.gitcanary-status.yaml", pub}));
  for (const char* file : {"helmrelease.helm.toolkit.fluxcd.io_test_podinfo.yaml",
                           "helmrelease.helm.toolkit.fluxcd.io_test_podinfo-primary.yaml", "service_test_podinfo.yaml",
                           "service_test_podinfo-primary.yaml", "service_test_podinfo-canary.yaml",
                           "trafficsplit.split.smi-spec.io_test_podinfo.yaml"}) {
    CAPTURE(file);
    CHECK(std::count(files.begin(), files.end(), pub + file) == 1);
  }
  // Initialized: the canary release is scaled to zero by its post-renderer.
  CHECK(Git(repo, "show main:" + pub + "helmrelease.helm.toolkit.fluxcd.io_test_podinfo.yaml").find("replicas: 0") !=
        std::string::npos);
  CheckPublishedBuild(repo, "main", "apps/podinfo");

  // A values change is analysed: the published canary release carries the new
  // values and runs, the primary keeps the promoted ones, in the status commit.
  repo.Commit({{"apps/podinfo/app.yaml", HelmReleaseApp(3)}}, "podinfo: 3 replicas");
  RunResult second = Serve(repo, cache, {"--all-due"});
  REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  CHECK(second.out.find("canary test/podinfo: Initialized -> Progressing") != std::string::npos);
  files = Touched(repo, "main");
  CHECK(AllUnder(files, {"apps/podinfo/podinfo.gitcanary-status.yaml", pub}));
  const std::string canary = Git(repo, "show main:" + pub + "helmrelease.helm.toolkit.fluxcd.io_test_podinfo.yaml");
  const std::string primary =
      Git(repo, "show main:" + pub + "helmrelease.helm.toolkit.fluxcd.io_test_podinfo-primary.yaml");
  CHECK(canary.find("replicaCount: 3") != std::string::npos);
  CHECK(canary.find("replicas: 0") == std::string::npos);
  CHECK(primary.find("replicaCount: 2") != std::string::npos);
  CHECK(primary.find("fullnameOverride: podinfo-primary") != std::string::npos);
  CheckPublishedBuild(repo, "main", "apps/podinfo");
}

TEST_CASE("serve --publish: a directory that leaves the repository is a usage error") {
  for (const std::string bad : {"../out", "/abs", ".git/x", "a/../../b", "."}) {
    CAPTURE(bad);
    RunResult r = Gitcanary({"serve", "--repo", "/nonexistent", "--once", "--publish", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
  }
}

}  // namespace
}  // namespace gitcanary::testing
