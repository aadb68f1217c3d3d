// One end-to-end release run: a bare remote, the stand-in cluster following
// it, and `gitcanary serve` replicas deciding from its Prometheus and load
// tester. Each scenario (tests/e2e/*_test.cc) is one ReleaseRun: it commits
// versions as a person would, waits while the cluster syncs, and then checks
// what git, `gitcanary history` and the router show.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/stand_in_cluster.h"

namespace gitcanary::e2e {

// The status sequence of a healthy release with the e2e Canary (stepWeight 20
// up to maxWeight 60), as Steps() prints it.
inline constexpr char kHealthyRelease[] =
    "Initialized 0, Progressing 0, Progressing 20, Progressing 40, Progressing 60, Promoting 60, Finalising 0, "
    "Succeeded 0";

// A failing check at 20 % twice (threshold 2), then the rollback.
inline constexpr char kRolledBack[] =
    "Progressing 0, Progressing 20, Progressing 20 (1 failed), Progressing 20 (2 failed), Failed 0 (2 failed)";

// `gitcanary history` of a healthy release: the person's release commit is a
// "change" row between the initialisation and the analysis.
inline constexpr char kHealthyHistory[] =
    "Initialized 0, change, Progressing 0, Progressing 20, Progressing 40, Progressing 60, Promoting 60, "
    "Finalising 0, Succeeded 0";

// What the router routed, one entry per distinct state the cluster applied
// while a healthy 1.0.0 -> 2.0.0 release ran. Finalising routes 100/0 with the
// canary still running, as Flagger scales it down only when Finalising ends.
inline constexpr char kHealthyRouting[] =
    "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
    "80/20 primary=1.0.0 canary=2.0.0; 60/40 primary=1.0.0 canary=2.0.0; 40/60 primary=1.0.0 canary=2.0.0; "
    "40/60 primary=2.0.0 canary=2.0.0; 100/0 primary=2.0.0 canary=2.0.0; 100/0 primary=2.0.0 canary=-";

// Ends the test case with a message when the e2e tools are missing.
#define SKIP_WITHOUT_TOOLS(run)                                          \
  if (const std::string missing = (run).Missing(); !missing.empty()) {   \
    MESSAGE("skipped: " << missing);                                     \
    return;                                                              \
  }

class ReleaseRun {
 public:
  // `seconds` bounds the whole run; `traffic` is the Canary's provider and strategy.
  explicit ReleaseRun(int seconds, Traffic traffic = {});
  ~ReleaseRun();

  // "" when the run can go ahead; otherwise why not (the test then skips).
  std::string Missing() const { return MissingTools(helm_release_); }

  // Starts the cluster, commits APP 1.0.0, applies it, starts `replicas`
  // serve processes and waits until the canary is Initialized and applied.
  void Start(int replicas = 1);
  // Commits the app at `version` as a person would, and applies it.
  void Release(const AppVersion& version, const std::string& message);

  // serve replica i: started (again) or killed with `signal`.
  void StartServe(std::size_t i);
  void StopServe(std::size_t i, int signal);

  bool WaitForPhase(const std::string& phase) { return cluster.WaitForPhase(phase, deadline); }
  // Waits until the latest status is `phase` at `weight`.
  bool WaitForStep(const std::string& phase, long long weight);

  // The canary's statuses in git, as Steps() prints them, and the
  // lastAppliedSpec (the revision under analysis) of each.
  std::string StatusSteps() const;
  std::vector<std::string> AppliedSpecs() const;
  // `gitcanary history test/podinfo -o json`, one "phase weight" (or "change")
  // per row, and the rows themselves.
  std::string HistoryShape() const;
  std::string HistoryJson() const;
  // The distinct states the cluster applied, as in kHealthyRouting; the match
  // rules ahead of the default route in brackets: "100/0 [header x-canary=insider: 0/100] ...".
  std::string Routing() const;
  // The version each Sample()d request answered with: "version=2.0.0 x40".
  std::string Answers(int n, const std::map<std::string, std::string>& headers = {}) const;

  // Waits for Succeeded, then checks that git, `gitcanary history` and the
  // router show exactly a healthy 1.0.0 -> 2.0.0 release, that the primary
  // answers 2.0.0, and that the load test ran `load_tests` times.
  void ExpectHealthyRelease(int load_tests);

  // Everything worth reading when a check fails. It uses doctest assertions
  // itself, so evaluate it before INFO rather than inside one (INFO is lazy).
  std::string Logs() const;
  // Fails the test with `what` and Logs() unless `ok`.
  void Require(bool ok, const std::string& what) const;

  testing::TempDir dir;
  testing::GitopsRemote repo;
  StandInCluster cluster;
  const Clock::time_point deadline;

 private:
  std::vector<std::unique_ptr<testing::ChildProcess>> serve_;
  bool helm_release_ = false;
};

}  // namespace gitcanary::e2e
