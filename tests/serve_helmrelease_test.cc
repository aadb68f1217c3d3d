// serve on a HelmRelease canary (render/helm_release/): a bare remote whose
// app is a Flux HelmRelease and a Canary of the Deployment its chart renders.
// `serve --once` initialises it with promoted.helmRelease in the status; a
// values change starts an analysis whose weights render routes, while the
// primary release keeps the promoted values.
#include <doctest/doctest.h>

#include "render/loader.h"
#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

// HelmRelease podinfo (chart 6.14.1, replicaCount `replicas`) and its Canary in namespace test.
std::string HelmReleaseApp(int replicas) {
  return "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "spec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n      version: 6.14.1\n"
         "      sourceRef: {kind: HelmRepository, name: podinfo}\n  values:\n    replicaCount: " +
         std::to_string(replicas) + "\n    service: {enabled: false}\n---\n"
         "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "  annotations: {gitcanary.io/helmrelease: podinfo}\nspec:\n"
         "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n  service:\n    port: 9898\n"
         "  analysis:\n    interval: 1s\n    threshold: 2\n    maxWeight: 30\n    stepWeight: 10\n";
}

// The app of HelmReleaseApp(1) with its chart in GitRepository charts at `tag`.
std::string GitChartApp(const std::string& tag) {
  std::string app = HelmReleaseApp(1);
  const std::string helm_chart = "      chart: podinfo\n      version: 6.14.1\n"
                                 "      sourceRef: {kind: HelmRepository, name: podinfo}\n";
  const std::string git_chart = "      chart: charts/podinfo\n      sourceRef: {kind: GitRepository, name: charts}\n";
  REQUIRE(app.find(helm_chart) != std::string::npos);
  app.replace(app.find(helm_chart), helm_chart.size(), git_chart);
  return app + "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: charts\n"
               "  namespace: test\nspec:\n  interval: 1m\n  url: https://example.com/charts.git\n  ref:\n    tag: " +
         tag + "\n";
}

// spec.ref.tag of `kind` `name` in the render of `commit`.
std::string RenderedTag(const GitopsRemote& repo, const std::string& commit, const std::string& kind,
                        const std::string& name) {
  RunResult r = testing::Gitcanary({"render", "--repo", repo.remote(), "--revision", commit, "apps/podinfo"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = render::ParseManifests(r.out, "render output");
  REQUIRE(docs.ok());
  for (const render::Manifest& m : *docs)
    if (m.kind == kind && m.name == name) {
      const yaml::Node* v = m.doc.Path({"spec", "ref", "tag"});
      return v != nullptr ? v->value : "<none>";
    }
  return "<no " + kind + " " + name + ">";
}

RunResult ServeOnce(const GitopsRemote& repo, const std::string& cache, bool all_due) {
  std::vector<std::string> args{"serve", "--repo", repo.remote(), "--cache-dir", cache, "--min-interval", "1s",
                                "--poll", "200ms", "--readiness", "none", "--once"};
  if (all_due) args.push_back("--all-due");
  return testing::Gitcanary(args);
}

std::string Show(const GitopsRemote& repo, const std::string& what) {
  RunResult r = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show", what});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

// The value of spec.values.replicaCount of HelmRelease `name` in the render of `commit`.
std::string RenderedReplicaCount(const GitopsRemote& repo, const std::string& commit, const std::string& name) {
  RunResult r = testing::Gitcanary({"render", "--repo", repo.remote(), "--revision", commit, "apps/podinfo"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = render::ParseManifests(r.out, "render output");
  REQUIRE(docs.ok());
  for (const render::Manifest& m : *docs)
    if (m.kind == "HelmRelease" && m.name == name) {
      const yaml::Node* v = m.doc.Path({"spec", "values", "replicaCount"});
      return v != nullptr ? v->value : "<none>";
    }
  return "<no HelmRelease " + name + ">";
}

}  // namespace

TEST_CASE("serve takes a HelmRelease canary from Initializing to Progressing with promoted.helmRelease") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", HelmReleaseApp(1)}}, "add podinfo");
  RunResult r = ServeOnce(repo, dir / "cache", false);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("canary test/podinfo: Initializing -> Initialized") == 0);
  const std::string status = Show(repo, "main:apps/podinfo/podinfo.gitcanary-status.yaml");
  CHECK(status.find("    helmRelease:\n") != std::string::npos);
  CHECK(status.find("version: 6.14.1") != std::string::npos);
  CHECK(status.find("replicaCount: 1") != std::string::npos);
  CHECK(status.find("template:") == std::string::npos);

  // A values change is a new revision: analysis starts, and its weights route.
  repo.Commit({{"apps/podinfo/app.yaml", HelmReleaseApp(2)}}, "podinfo: 2 replicas");
  for (int i = 0; i < 2; ++i) {
    RunResult step = ServeOnce(repo, dir / "cache", true);
    REQUIRE_MESSAGE(step.exit_code == 0, step.err);
  }
  const auto history = repo.StatusHistory("podinfo");
  CHECK(testing::Sequence(history) == "Initialized 0, Progressing 0, Progressing 10");
  const std::string head = history.back().commit;
  CHECK(repo.RenderedWeights(head, "podinfo") == std::pair<long long, long long>{90, 10});
  CHECK(RenderedReplicaCount(repo, head, "podinfo") == "2");          // the canary runs the change
  CHECK(RenderedReplicaCount(repo, head, "podinfo-primary") == "1");  // the primary keeps the promoted values
}

TEST_CASE("serve records a Git chart source in the snapshot and a promotion moves the primary's copy to the new tag") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", GitChartApp("6.14.1")}}, "add podinfo");
  RunResult r = ServeOnce(repo, dir / "cache", false);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string status = Show(repo, "main:apps/podinfo/podinfo.gitcanary-status.yaml");
  CHECK(status.find("      source:\n") != std::string::npos);
  CHECK(status.find("kind: GitRepository") != std::string::npos);
  CHECK(status.find("tag: 6.14.1") != std::string::npos);

  // A new tag is a new revision: the canary release reads it, the primary's copy keeps the promoted one.
  repo.Commit({{"apps/podinfo/app.yaml", GitChartApp("6.14.2")}}, "charts: 6.14.2");
  RunResult step = ServeOnce(repo, dir / "cache", true);
  REQUIRE_MESSAGE(step.exit_code == 0, step.err);
  testing::StatusAt latest = repo.LatestStatus("podinfo");
  CHECK(latest.phase == "Progressing");
  CHECK(RenderedTag(repo, latest.commit, "GitRepository", "charts") == "6.14.2");
  CHECK(RenderedTag(repo, latest.commit, "GitRepository", "podinfo-primary-source") == "6.14.1");

  // The analysis passes (no metrics); the promotion copies the new tag to the primary's source.
  for (int i = 0; i < 12 && latest.phase != "Succeeded"; ++i) {
    step = ServeOnce(repo, dir / "cache", true);
    REQUIRE_MESSAGE(step.exit_code == 0, step.err);
    latest = repo.LatestStatus("podinfo");
  }
  REQUIRE_MESSAGE(latest.phase == "Succeeded", testing::Sequence(repo.StatusHistory("podinfo")));
  CHECK(RenderedTag(repo, latest.commit, "GitRepository", "podinfo-primary-source") == "6.14.2");
  CHECK(Show(repo, "main:apps/podinfo/podinfo.gitcanary-status.yaml").find("tag: 6.14.2") != std::string::npos);
}

}  // namespace gitcanary
