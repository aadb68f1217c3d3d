// Closed-loop end-to-end tests, part 2: the same release through the
// stand-in cluster (tests/e2e/README.md) while things go wrong around serve:
// serve killed with SIGKILL mid-analysis, three replicas at once, and
// Prometheus stopped mid-analysis.
#include <doctest/doctest.h>
#include <signal.h>

#include "tests/e2e/release_run.h"

namespace gitcanary {
namespace {

using e2e::ReleaseRun;
using testing::StatusAt;

}  // namespace

TEST_CASE("e2e: serve killed with SIGKILL mid-analysis and restarted leaves no duplicate or missing step") {
  ReleaseRun run(120);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  run.Require(run.WaitForStep("Progressing", 20), "the canary never reached 20 %");
  // The next step is under way once the load tester runs its command; kill serve then.
  const int before = run.cluster.HookStarts();
  run.Require(run.cluster.WaitFor([&] { return run.cluster.HookStarts() > before; }, run.deadline),
              "the load test of the next step never started");
  run.StopServe(0, SIGKILL);
  CHECK_MESSAGE(run.cluster.HookStarts() > run.cluster.HookEnds(), "serve was not killed mid-analysis");
  const StatusAt at_kill = run.repo.LatestStatus("podinfo");
  CHECK(at_kill.phase == "Progressing");
  CHECK(at_kill.weight == 20);
  run.StartServe(0);
  // A second crash, once the Promoting commit is in (Finalising may follow within milliseconds).
  const auto promoted = [&] {
    for (const StatusAt& s : run.repo.StatusHistory("podinfo"))
      if (s.phase == "Promoting") return true;
    return false;
  };
  run.Require(run.cluster.WaitFor(promoted, run.deadline), "the canary was never promoted");
  run.StopServe(0, SIGKILL);
  run.StartServe(0);
  // The step killed mid-hook ran its load test again: one more than the undisturbed run's 3.
  run.ExpectHealthyRelease(4);
}

TEST_CASE("e2e: three serve replicas at once leave the history of a single one") {
  ReleaseRun run(100);
  SKIP_WITHOUT_TOOLS(run);
  run.Start(3);
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  // Only the lease holder analysed: the load test ran once per step, as with one replica.
  run.ExpectHealthyRelease(3);
}

TEST_CASE("e2e: Prometheus stopped mid-analysis fails the checks with the reason, then rolls back") {
  ReleaseRun run(100);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  run.Require(run.WaitForStep("Progressing", 20), "the canary never reached 20 %");
  run.cluster.StopPrometheus();
  const bool failed = run.WaitForPhase("Failed");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(failed);
  // Threshold 2: two failed checks at 20 %, then the rollback, as for a broken version.
  CHECK(run.StatusSteps() == std::string("Initialized 0, ") + e2e::kRolledBack);
  int failed_checks = 0;
  for (const StatusAt& s : run.repo.StatusHistory("podinfo")) {
    if (s.phase != "Progressing" || s.failed_checks == 0) continue;
    ++failed_checks;
    CAPTURE(s.subject);
    // The subject says why in short: nothing listens on Prometheus' port any more.
    CHECK(s.subject.find("(request-success-rate no data: Prometheus at " + run.cluster.prometheus_url() +
                         ": connection refused)") != std::string::npos);
    // So does the commit's note (what `git log --notes=gitcanary` shows).
    const testing::RunResult note =
        testing::Run({"/usr/bin/git", "--git-dir", run.repo.remote(), "notes", "--ref=gitcanary", "show", s.commit});
    CHECK(note.out.find("request-success-rate: no value: Prometheus at " + run.cluster.prometheus_url() +
                        ": connection refused") != std::string::npos);
  }
  CHECK(failed_checks == 2);
  CHECK(run.Routing() ==
        "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
        "80/20 primary=1.0.0 canary=2.0.0; 100/0 primary=1.0.0 canary=-");
  CHECK(run.Answers(20) == "version=1.0.0 x20");
}

}  // namespace gitcanary
