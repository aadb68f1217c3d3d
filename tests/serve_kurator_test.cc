// serve advances a Kurator Application's rollout in git mode like a
// hand-written Canary: the catalog expands the rollout, the status of record
// is a file beside the Application, and render at each commit routes its
// weight. Real processes: a bare remote, `gitcanary serve --once`, `render`.
#include <doctest/doctest.h>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

std::string Workload(const std::string& tag) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: podinfo, namespace: test}\n"
         "spec:\n  selector: {matchLabels: {app: podinfo}}\n  template:\n    metadata: {labels: {app: podinfo}}\n"
         "    spec: {containers: [{name: app, image: 'ghcr.io/example/podinfo:" + tag + "'}]}\n"
         "---\napiVersion: v1\nkind: Service\nmetadata: {name: podinfo, namespace: test}\n"
         "spec: {selector: {app: podinfo}, ports: [{name: http, port: 9898, targetPort: 9898}]}\n";
}

// The rollout: a canary of 10 % steps up to 30 %, a check every second,
// rollback after 2 failed checks, no metrics and no load test.
const char kApplication[] =
    "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata: {name: podinfo, namespace: default}\n"
    "spec:\n"
    "  source: {gitRepository: {url: https://git.example.com/gitops, ref: {branch: main}}}\n"
    "  syncPolicies:\n"
    "  - kustomization: {path: ./apps/podinfo, prune: true}\n"
    "    rollout:\n"
    "      trafficRoutingProvider: istio\n"
    "      workload: {name: podinfo, namespace: test}\n"
    "      serviceName: podinfo\n"
    "      port: 9898\n"
    "      rolloutPolicy:\n"
    "        trafficRouting: {canaryStrategy: {maxWeight: 30, stepWeight: 10}}\n"
    "        trafficAnalysis: {checkIntervalSeconds: 1, checkFailedTimes: 2}\n";

RunResult ServeOnce(const GitopsRemote& repo, const std::string& cache) {
  return testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once", "--all-due",
                             "--min-interval", "1s", "--readiness", "none", "--listen", "off"});
}

}  // namespace

TEST_CASE("serve: a Kurator Application's rollout is promoted in git mode, its status in a file beside the Application") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/application.yaml", kApplication}, {"apps/podinfo/workload.yaml", Workload("1.0.0")}},
              "add podinfo");
  RunResult first = ServeOnce(repo, dir / "cache");
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  CHECK(first.out.find("canary test/podinfo: Initializing -> Initialized") == 0);
  RunResult tree = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "ls-tree", "-r", "--name-only", "main"});
  CHECK(tree.out.find("apps/podinfo/podinfo.gitcanary-status.yaml\n") != std::string::npos);
  repo.Commit({{"apps/podinfo/workload.yaml", Workload("1.0.1")}}, "podinfo 1.0.1");
  for (int i = 0; i < 8 && repo.LatestStatus("podinfo").phase != "Succeeded"; ++i) {
    RunResult r = ServeOnce(repo, dir / "cache");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  const auto history = repo.StatusHistory("podinfo");
  CHECK(testing::Sequence(history) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
        "Succeeded 0");
  for (const testing::StatusAt& s : history) {
    CAPTURE(s.phase);
    const long long w = s.phase == "Progressing" || s.phase == "Promoting" ? s.weight : 0;
    CHECK(repo.RenderedWeights(s.commit, "podinfo") == std::pair<long long, long long>{100 - w, w});
  }
  RunResult render = testing::Gitcanary({"render", "--repo", repo.remote(), "apps/podinfo"});
  REQUIRE_MESSAGE(render.exit_code == 0, render.err);
  CHECK(render.out.find("name: podinfo-primary") != std::string::npos);
  CHECK(render.out.find("image: ghcr.io/example/podinfo:1.0.1") != std::string::npos);
  CHECK(render.out.find("kind: Application") != std::string::npos);
  CHECK(render.out.find("rollout:") == std::string::npos);
}

}  // namespace gitcanary
