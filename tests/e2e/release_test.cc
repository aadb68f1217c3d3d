// Closed-loop end-to-end tests, part 1: releases through the stand-in cluster
// (tests/e2e/README.md). A person commits a version to the bare remote; the
// cluster renders and applies every new head; gitcanary serve analyses the
// canary from the router's metrics in Prometheus and the load tester, and
// commits each decision; the cluster applies those in turn.
//
// The Canary: interval 2s, threshold 2, stepWeight 20 up to maxWeight 60, so
// a healthy release is kHealthyRelease and a broken one fails twice at 20 %
// and rolls back (kRolledBack).
#include <doctest/doctest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/release_run.h"

namespace gitcanary {
namespace {

using e2e::AppVersion;
using e2e::ReleaseRun;
using testing::StatusAt;

// The subjects of the statuses that recorded a failed check.
std::vector<std::string> FailedCheckSubjects(const ReleaseRun& run) {
  std::vector<std::string> out;
  for (const StatusAt& s : run.repo.StatusHistory("podinfo"))
    if (s.phase == "Progressing" && s.failed_checks > 0) out.push_back(s.subject);
  return out;
}

}  // namespace

TEST_CASE("e2e: a healthy version steps to maxWeight and is promoted, and the router ends 100% on the new primary") {
  ReleaseRun run(100);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  // The cluster followed every status commit, the primary now runs 2.0.0 with all the traffic,
  // and the load test ran before the checks at 20, 40 and 60 %.
  run.ExpectHealthyRelease(3);
  // Each step after the first was decided on real measurements: every request succeeded, fast.
  for (const auto& row : nlohmann::json::parse(run.HistoryJson())) {
    if (row["kind"] != "status" || (row["weight"] != 40 && row["weight"] != 60) || row["phase"] == "Finalising")
      continue;
    CAPTURE(row.dump());
    CHECK(row["metrics"]["request-success-rate"] == 100.0);
    CHECK(row["metrics"]["request-duration"].get<double>() < 100.0);
  }
}

TEST_CASE("e2e: a broken version (HTTP 500s) is rolled back, the same spec again starts nothing, and retry does") {
  ReleaseRun run(150);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0", 50}, "podinfo 2.0.0 (half its answers are 500)");
  const bool failed = run.WaitForPhase("Failed");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(failed);
  CHECK(run.StatusSteps() == std::string("Initialized 0, ") + e2e::kRolledBack);
  for (const std::string& subject : FailedCheckSubjects(run)) {
    CAPTURE(subject);
    CHECK(subject.find("request-success-rate ") != std::string::npos);
    CHECK(subject.find(" < 99") != std::string::npos);
  }
  const StatusAt rolled_back = run.repo.LatestStatus("podinfo");
  CHECK(rolled_back.weight == 0);
  // The primary never left 1.0.0, and has all the traffic again.
  CHECK(run.Routing() ==
        "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
        "80/20 primary=1.0.0 canary=2.0.0; 100/0 primary=1.0.0 canary=-");
  CHECK(run.Answers(20) == "version=1.0.0 x20");

  // The same spec, committed again (only a comment differs): nothing starts within 5 intervals.
  const std::size_t statuses = run.repo.StatusHistory("podinfo").size();
  const int hooks = run.cluster.HookStarts();
  run.Release({"2.0.0", 50, 0, "committed again"}, "podinfo 2.0.0 again");
  run.cluster.SyncFor(std::chrono::seconds(10));
  CHECK(run.repo.StatusHistory("podinfo").size() == statuses);
  CHECK(run.repo.LatestStatus("podinfo").phase == "Failed");
  CHECK(run.cluster.HookStarts() == hooks);

  // retry analyses the same revision again, and it fails again the same way.
  testing::RunResult retry = testing::Gitcanary({"retry", "test/podinfo", "--repo", "file://" + run.repo.remote(),
                                                 "--cache-dir", run.dir / "operator-cache", "-m", "one more try"});
  REQUIRE_MESSAGE(retry.exit_code == 0, retry.err);
  REQUIRE(run.WaitForPhase("Progressing"));
  REQUIRE(run.WaitForPhase("Failed"));
  CHECK(run.StatusSteps() ==
        std::string("Initialized 0, ") + e2e::kRolledBack + ", Failed 0 (2 failed), " + e2e::kRolledBack);
  const std::vector<std::string> specs = run.AppliedSpecs();
  CHECK(specs[1] == specs.back());  // the same revision both times
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  CHECK(run.cluster.errors().empty());
}

TEST_CASE("e2e: a slow version (P99 above the 500 ms bound) is rolled back") {
  ReleaseRun run(100);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0", 0, 700}, "podinfo 2.0.0 (answers take 700 ms)");
  const bool failed = run.WaitForPhase("Failed");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(failed);
  CHECK(run.StatusSteps() == std::string("Initialized 0, ") + e2e::kRolledBack);
  for (const std::string& subject : FailedCheckSubjects(run)) {
    CAPTURE(subject);
    CHECK(subject.find("request-success-rate 100 >= 99") != std::string::npos);
    CHECK(subject.find("request-duration ") != std::string::npos);
    CHECK(subject.find(" > 500") != std::string::npos);
  }
  CHECK(run.Answers(10) == "version=1.0.0 x10");
}

TEST_CASE("e2e: a spec change mid-analysis restarts the analysis at weight 0 with the new revision") {
  ReleaseRun run(120);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  run.Release({"2.0.0"}, "podinfo 2.0.0");
  run.Require(run.WaitForStep("Progressing", 40), "the canary never reached 40 %");
  run.Release({"3.0.0"}, "podinfo 3.0.0");
  const bool succeeded = run.WaitForPhase("Succeeded");
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(succeeded);
  CHECK(run.StatusSteps() ==
        "Initialized 0, Progressing 0, Progressing 20, Progressing 40, Progressing 0, Progressing 20, "
        "Progressing 40, Progressing 60, Promoting 60, Finalising 0, Succeeded 0");
  const std::vector<StatusAt> history = run.repo.StatusHistory("podinfo");
  REQUIRE(history.size() == 11);
  // One revision under analysis up to 40 %, the new one from the restart on, named in the commit.
  const std::vector<std::string> specs = run.AppliedSpecs();
  REQUIRE(specs.size() == 11);
  CHECK(specs[1] == specs[3]);
  CHECK(specs[4] != specs[3]);
  CHECK(specs[4] == specs[10]);
  CHECK(history[4].subject ==
        "canary test/podinfo: weight 40 -> 0, revision " + specs[4] + " (new revision " + specs[4] +
            " during the analysis: restarting at weight 0)");
  // 2.0.0 ran as the canary only; the primary went from 1.0.0 straight to 3.0.0.
  CHECK(run.Routing() ==
        "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
        "80/20 primary=1.0.0 canary=2.0.0; 60/40 primary=1.0.0 canary=2.0.0; 60/40 primary=1.0.0 canary=3.0.0; "
        "100/0 primary=1.0.0 canary=3.0.0; 80/20 primary=1.0.0 canary=3.0.0; 60/40 primary=1.0.0 canary=3.0.0; "
        "40/60 primary=1.0.0 canary=3.0.0; 40/60 primary=3.0.0 canary=3.0.0; 100/0 primary=3.0.0 canary=3.0.0; "
        "100/0 primary=3.0.0 canary=-");
  CHECK(run.Answers(20) == "version=3.0.0 x20");
}

}  // namespace gitcanary
