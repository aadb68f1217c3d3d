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
using testing::ChildProcess;
using testing::StatusAt;
using testing::TempDir;

// The subjects of the statuses that recorded a failed check.
std::vector<std::string> FailedCheckSubjects(const ReleaseRun& run) {
  std::vector<std::string> out;
  for (const StatusAt& s : run.repo.StatusHistory("podinfo"))
    if (s.phase == "Progressing" && s.failed_checks > 0) out.push_back(s.subject);
  return out;
}

}  // namespace

TEST_CASE("e2e: the stand-in router splits requests by weight and exports Istio's series") {
  if (const std::string missing = e2e::MissingTools(); !missing.empty()) {
    MESSAGE("skipped: " << missing);
    return;
  }
  TempDir dir;
  const auto deadline = testing::Clock::now() + std::chrono::seconds(20);
  ChildProcess primary({e2e::Program("app"), "--version", "1.0.0", "--port-file", dir / "primary.port"}, dir.path(),
                       dir / "apps.log");
  ChildProcess canary({e2e::Program("app"), "--version", "2.0.0", "--error-percent", "50", "--port-file",
                       dir / "canary.port"},
                      dir.path(), dir / "apps.log");
  const int primary_port = e2e::WaitForPort(dir / "primary.port", "/healthz", primary, deadline);
  const int canary_port = e2e::WaitForPort(dir / "canary.port", "/healthz", canary, deadline);
  REQUIRE(primary_port > 0);
  REQUIRE(canary_port > 0);
  auto routes = [&](long long generation, long long primary_weight, long long canary_weight) {
    return nlohmann::json{{"generation", generation},
                          {"namespace", "test"},
                          {"routes",
                           {{{"workload", "podinfo-primary"}, {"port", primary_port}, {"weight", primary_weight}},
                            {{"workload", "podinfo"}, {"port", canary_port}, {"weight", canary_weight}}}}}
        .dump();
  };
  testing::WriteFile(dir / "routes.json", routes(1, 80, 20));
  ChildProcess router({e2e::Program("router"), "--config", dir / "routes.json", "--port-file", dir / "router.port",
                       "--admin-port-file", dir / "admin.port"},
                      dir.path(), dir / "router.log");
  const int admin = e2e::WaitForPort(dir / "admin.port", "/config", router, deadline);
  const int port = e2e::WaitForPort(dir / "router.port", "/healthz", router, deadline);
  REQUIRE(admin > 0);
  REQUIRE(port > 0);
  httplib::Client client("127.0.0.1", port);
  std::map<std::string, int> answers;
  for (int i = 0; i < 50; ++i) {
    httplib::Result r = client.Get("/");
    REQUIRE(r);
    ++answers[std::to_string(r->status) + " " + r->get_header_value("x-destination-workload")];
  }
  // Smooth weighted round robin: exactly 40 and 10; the canary fails every other request.
  CHECK(answers == std::map<std::string, int>{{"200 podinfo-primary", 40}, {"200 podinfo", 5}, {"500 podinfo", 5}});
  // /status/500 passes through as the app's answer.
  httplib::Result failed = client.Get("/status/500");
  REQUIRE(failed);
  CHECK(failed->status == 500);

  httplib::Client admin_client("127.0.0.1", admin);
  httplib::Result metrics = admin_client.Get("/metrics");
  REQUIRE(metrics);
  const std::string labels =
      "reporter=\"destination\",destination_workload=\"podinfo\",destination_workload_namespace=\"test\","
      "destination_service_name=\"podinfo\",response_code=\"500\"";
  CHECK(metrics->body.find("istio_requests_total{" + labels + "} 5\n") != std::string::npos);
  CHECK(metrics->body.find("istio_request_duration_milliseconds_bucket{" + labels + ",le=\"+Inf\"} 5\n") !=
        std::string::npos);
  CHECK(metrics->body.find("destination_workload=\"podinfo-primary\",destination_workload_namespace=\"test\","
                           "destination_service_name=\"podinfo\",response_code=\"200\"} ") != std::string::npos);

  // A new config is picked up within a poll: everything to the canary.
  testing::WriteFile(dir / "routes.json", routes(2, 0, 100));
  REQUIRE(testing::WaitFor([&] { return admin_client.Get("/config")->body.find("\"generation\":2") != std::string::npos; },
                           deadline));
  httplib::Result to_canary = client.Get("/");
  REQUIRE(to_canary);
  CHECK(to_canary->get_header_value("x-destination-workload") == "podinfo");
  CHECK(to_canary->body.find("version=2.0.0") != std::string::npos);
}

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
