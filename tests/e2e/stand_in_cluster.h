// A stand-in for a Kubernetes cluster with a traffic provider (Istio,
// Linkerd, a Gateway API implementation or ingress-nginx) and Argo CD, built
// from real processes on 127.0.0.1, for the closed-loop end-to-end tests
// (tests/e2e/README.md):
//
//   - "Argo CD": Sync() renders the remote's head with `gitcanary render
//     --repo REMOTE --revision SHA apps/APP -o json` whenever it moved, and
//     applies it: it rolls the "pods" (gitcanary_e2e_app processes, one per
//     Deployment, started from the image tag and the container env), and
//     writes the rendered routing (applied_routing.h) for the router;
//   - the data plane: gitcanary_e2e_router routes requests as that routing
//     says and exports the provider's request metrics;
//   - Debian's Prometheus scraping the router every second;
//   - a load tester (gitcanary_e2e_loadtester) that runs `hey` on request.
//
// Sync() runs on the test's own thread, from WaitFor(), every 100 ms: the
// cluster follows git while the test waits for something.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/gitops_remote.h"
#include "tests/helm_release_build.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary::e2e {

using testing::Clock;

// The path of one of the e2e programs: "app", "router" or "loadtester".
std::string Program(const std::string& name);

// Why the e2e tests cannot run on this machine ("" when they can): hey or
// Prometheus missing (scripts/install_test_tools.sh installs both); with
// `helm_release`, also Helm 4 (GITCANARY_TEST_HELM4) or kubectl.
std::string MissingTools(bool helm_release = false);

// The port a program published in `file` (atomically, by --port-file), once
// it answers GET `probe` (with 200 unless `any_status`); -1 when the process
// exits or `deadline` passes first.
int WaitForPort(const std::string& file, const std::string& probe, testing::ChildProcess& process,
                Clock::time_point deadline, bool any_status = false);

// What a Deployment runs, as the cluster applied it.
struct PodSpec {
  std::string image;              // "" when scaled to zero
  long long error_percent = 0;    // env ERROR_PERCENT
  long long delay_ms = 0;         // env DELAY_MS
  bool operator==(const PodSpec&) const = default;
  std::string Version() const;    // the image tag; "" when scaled to zero
};

// One applied commit: the rendered routing and workloads.
struct Applied {
  std::string commit;
  std::string provider;  // as applied_routing.h reads the render: istio, gatewayapi, linkerd, nginx, kubernetes
  // The weights of the requests no match rule takes (the default route).
  long long primary_weight = -1, canary_weight = -1;
  // The match rules ahead of it, with their weights: "header x-canary=insider: 0/100, ...".
  std::string matched;
  PodSpec primary, canary;
};

// The Canary's traffic provider and strategy (a field of spec.provider's
// values, "" for none: Istio by default).
struct Traffic {
  std::string provider;
  // A/B testing: 2 iterations, routing requests with header x-canary: insider,
  // or cookie canary=always, to the canary; the load test sends the header.
  bool ab = false;
  // The app is a Flux HelmRelease of examples/flux-helmrelease/chart and a
  // Canary linked to it; applying builds the rendered HelmReleases as
  // helm-controller would (tests/helm_release_build.h).
  bool helm_release = false;
};

// The requests of an A/B release that go to the canary (Sample()'s headers).
inline const std::map<std::string, std::string> kAbHeader = {{"x-canary", "insider"}};
inline const std::map<std::string, std::string> kAbCookie = {{"Cookie", "session=1;canary=always"}};

// The app's Deployment (image ghcr.io/example/APP:TAG, env ERROR_PERCENT and
// DELAY_MS) and its Canary: interval 2s, threshold 2, stepWeight 20 up to
// maxWeight 60 (A/B: 2 iterations), the built-in request-success-rate (min
// 99) and request-duration (max 500 ms) over 15s, and a rollout webhook to
// the load tester that runs hey against the router. With provider nginx the
// app also has its Ingress (the Canary's ingressRef); with gatewayapi:* the
// Canary names a Gateway in gatewayRefs.
struct AppVersion {
  std::string tag;
  long long error_percent = 0;
  long long delay_ms = 0;
  std::string comment = "";  // a YAML comment line: a new commit of the same spec
  std::string chart_version = "6.14.1";  // a HelmRelease app's chart (Traffic::helm_release)
};

// The HelmRelease app's chart at `version`: examples/flux-helmrelease/chart
// as it is (6.14.1), else a copy under `dir` with that version.
std::string HelmChartAt(const testing::TempDir& dir, const std::string& version);

class StandInCluster {
 public:
  StandInCluster(const testing::TempDir& dir, const testing::GitopsRemote& repo, std::string app = "podinfo",
                 Traffic traffic = {});
  ~StandInCluster();
  StandInCluster(const StandInCluster&) = delete;
  StandInCluster& operator=(const StandInCluster&) = delete;

  // Starts the router, the load tester and Prometheus, and waits until
  // Prometheus scrapes the router. Fails the test when one does not start.
  void Start(Clock::time_point deadline);

  // The app directory's manifests for `version` (see AppVersion).
  std::string Manifests(const AppVersion& version) const;

  // The "Argo CD" step: when the remote's head moved, applies every new
  // commit in order, oldest first.
  void Sync();
  // Polls `done` every 100 ms, syncing before each poll and once more after
  // it holds, until it is true or `deadline` passes.
  bool WaitFor(const std::function<bool()>& done, Clock::time_point deadline);
  bool WaitForPhase(const std::string& phase, Clock::time_point deadline);
  // Syncs for `duration`, then returns.
  void SyncFor(std::chrono::milliseconds duration);

  // Every applied commit, oldest first; the last one is what runs now.
  const std::vector<Applied>& applied() const { return applied_; }
  // Sync errors (a render that failed), for messages; none is expected.
  const std::vector<std::string>& errors() const { return errors_; }
  // Sends `n` GET / through the router, with `headers`: how many answers came
  // from each "version=V" (with "500 " in front of failed ones).
  std::map<std::string, int> Sample(int n, const std::map<std::string, std::string>& headers = {}) const;
  // The routes the router has in effect, as its /config reports them.
  std::string RouterConfig() const;

  // The gitcanary serve command line for replica `id` (cache under the test's dir).
  std::vector<std::string> ServeArgs(const std::string& id) const;
  // Stops Prometheus with SIGTERM (scenario "Prometheus stopped").
  void StopPrometheus();
  // How many hook commands the load tester has started / finished.
  int HookStarts() const;
  int HookEnds() const;

  std::string router_url() const;
  std::string prometheus_url() const;
  // Tails of every log, for failure messages.
  std::string Logs() const;

 private:
  struct Pod;
  std::unique_ptr<Pod> StartPod(const PodSpec& spec, const std::string& workload);
  bool Apply(const std::string& commit, std::string* error);
  // The render of `commit` as the objects the cluster runs: as it is, or with
  // its HelmReleases built (Traffic::helm_release).
  bool Objects(const std::string& commit, nlohmann::json* items, std::string* error);
  std::string HelmReleaseManifests(const AppVersion& version) const;
  void WriteRoutes(const nlohmann::json& config);

  const testing::TempDir& dir_;
  const testing::GitopsRemote& repo_;
  std::string app_;
  Traffic traffic_;
  std::unique_ptr<testing::ChildProcess> router_, loadtester_, prometheus_;
  int router_port_ = -1, admin_port_ = -1, loadtester_port_ = -1, prometheus_port_ = -1;
  std::unique_ptr<Pod> primary_, canary_;
  std::string head_;
  long long generation_ = 0;
  int pods_started_ = 0;
  std::vector<Applied> applied_;
  std::vector<std::string> errors_;
  testing::HelmReleaseCache helm_cache_;  // helm-controller upgrades a release only when its spec changes
};

// "Phase weight" of each status in `history`, as testing::Sequence gives it,
// with the failed checks where there are some: "Progressing 20 (1 failed)".
std::string Steps(const std::vector<testing::StatusAt>& history);

}  // namespace gitcanary::e2e
