// Integration tests of `gitcanary serve` on real processes: a bare remote on
// disk, serve processes started and stopped (and killed), Debian's Prometheus
// scraping Istio series from this process, and webhook receivers on loopback.
//
// Every canary here has interval 1s (serve runs with --min-interval 1s),
// stepWeight 10 and maxWeight 30, so a promotion, by Flagger's rules, goes
//   Initialized 0 -> (new revision) Progressing 0 -> Progressing 10 -> 20 -> 30
//   -> Promoting 30 -> Finalising 0 -> Succeeded 0
// and render at each of those commits routes 100-w / w with w the status
// weight in Progressing and Promoting, and 0 in every other phase.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "plugin/clients/prometheus_client.h"
#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::Clock;
using testing::GitopsRemote;
using testing::RunResult;
using testing::ServerThread;
using testing::StatusAt;
using testing::TempDir;
using testing::WaitForPhase;

const char kPromotion[] =
    "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
    "Succeeded 0";

std::string Binary() { return GITCANARY_BINARY; }

std::vector<std::string> ServeArgs(const GitopsRemote& repo, const std::string& cache,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> args{Binary(), "serve", "--repo", repo.remote(), "--cache-dir", cache,
                                "--min-interval", "1s", "--poll", "200ms", "--readiness", "none",
                                "--allow-egress", "127.0.0.0/8"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

RunResult ServeOnce(const GitopsRemote& repo, const std::string& cache, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = ServeArgs(repo, cache, {"--once"});
  args.insert(args.end(), extra.begin(), extra.end());
  args.erase(args.begin());
  return testing::Gitcanary(args);
}

// The weights render must route at a status: w to the canary in Progressing
// and Promoting, nothing in the other phases.
std::pair<long long, long long> ExpectedWeights(const StatusAt& s) {
  const long long canary = s.phase == "Progressing" || s.phase == "Promoting" ? s.weight : 0;
  return {100 - canary, canary};
}

// Initial app with canary NAME at 1.0.0, then serve --once to initialise it.
void InitialiseApp(GitopsRemote& repo, const std::string& cache, const std::string& name,
                   const std::string& extra_analysis = "") {
  repo.Commit({{"apps/" + name + "/app.yaml", testing::CanaryApp(name, "1.0.0", extra_analysis)}}, "add " + name);
  RunResult r = ServeOnce(repo, cache);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  REQUIRE(repo.LatestStatus(name).phase == "Initialized");
}

}  // namespace

TEST_CASE("serve --once initialises a canary: one commit with the status file, a message and a git note") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  RunResult r = ServeOnce(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("canary test/podinfo: Initializing -> Initialized") == 0);
  RunResult subject = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "-1", "--format=%s%n%an <%ae>", "main"});
  CHECK(subject.out.find("canary test/podinfo: Initializing -> Initialized (initialized: the primary runs revision ") == 0);
  CHECK(subject.out.find("gitcanary <gitcanary@localhost>") != std::string::npos);
  RunResult note = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "notes", "--ref=gitcanary", "show", "main"});
  REQUIRE_MESSAGE(note.exit_code == 0, note.err);
  CHECK(note.out.find("canary test/podinfo\n  transition: Initializing -> Initialized\n") != std::string::npos);
  CHECK(note.out.find("primary readiness: ready") != std::string::npos);
  // Nothing is due a moment later: the status changed less than an interval ago.
  RunResult again = ServeOnce(repo, dir / "cache");
  CHECK(again.exit_code == 0);
  CHECK(again.out.empty());
  RunResult count = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-list", "--count", "main"});
  CHECK(count.out == "2\n");
}

TEST_CASE("serve --dry-run decides and prints but commits nothing, --all-due ignores the interval") {
  TempDir dir;
  GitopsRemote repo(dir);
  InitialiseApp(repo, dir / "cache", "podinfo");
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  RunResult before = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"});
  RunResult dry = ServeOnce(repo, dir / "cache", {"--all-due", "--dry-run"});
  REQUIRE_MESSAGE(dry.exit_code == 0, dry.err);
  CHECK(dry.out.find("canary test/podinfo: Initialized -> Progressing") == 0);
  CHECK(dry.out.find("[not committed]") != std::string::npos);
  RunResult after = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"});
  CHECK(before.out == after.out);
  // --all-due steps at once, without waiting for the interval.
  for (int i = 0; i < 7; ++i) REQUIRE(ServeOnce(repo, dir / "cache", {"--all-due"}).exit_code == 0);
  CHECK(Sequence(repo.StatusHistory("podinfo")) == kPromotion);

  // history reads the same release back from git, through the binary: one row per status
  // commit plus the person's release commit, and a chart.
  RunResult history = testing::Gitcanary({"history", "test/podinfo", "--repo", repo.remote(), "--cache-dir",
                                          dir / "history-cache", "-o", "json", "--svg", dir / "podinfo.svg"});
  REQUIRE_MESSAGE(history.exit_code == 0, history.err);
  std::string phases;
  for (std::size_t at = history.out.find("\"phase\": "); at != std::string::npos;
       at = history.out.find("\"phase\": ", at + 1)) {
    const std::size_t start = at + 9;  // after `"phase": `
    phases += (phases.empty() ? "" : ", ") + history.out.substr(start, history.out.find_first_of(",\n", start) - start);
  }
  CHECK(phases == "\"Initialized\", null, \"Progressing\", \"Progressing\", \"Progressing\", \"Progressing\", "
                  "\"Promoting\", \"Finalising\", \"Succeeded\"");
  CHECK(testing::ReadFile(dir / "podinfo.svg").find("<svg") != std::string::npos);
}

TEST_CASE("serve follows a new revision to Succeeded and rolls a failing one back, from Prometheus and webhooks") {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::atomic<long long> scrapes{0};
  ServerThread exporter([&](httplib::Server& s) {
    s.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(testing::IstioSeries({{"podinfo", "test", 99, 1}, {"failing", "test", 70, 30}}, ++scrapes),
                      "text/plain; version=0.0.4");
    });
  });
  std::mutex mu;
  std::map<std::string, int> hook_calls;  // "canary phase" -> calls
  ServerThread hooks([&](httplib::Server& s) {
    s.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      const std::size_t n = req.body.find("\"name\":\""), p = req.body.find("\"phase\":\"");
      if (n != std::string::npos && p != std::string::npos)
        ++hook_calls[req.body.substr(n + 8, req.body.find('"', n + 8) - n - 8) + " " +
                     req.body.substr(p + 9, req.body.find('"', p + 9) - p - 9)];
      res.set_content("ok", "text/plain");
    });
  });
  TempDir dir;
  testing::PrometheusProcess prometheus(dir.path(), "127.0.0.1:" + std::to_string(exporter.port()));
  if (!prometheus.Installed()) {
    MESSAGE("skipped: prometheus not installed (scripts/test.sh installs it)");
    return;
  }
  REQUIRE_MESSAGE(prometheus.WaitReady(deadline), prometheus.Log());
  // rate() needs two scrapes: wait until the success rate of podinfo has a value.
  plugin::PrometheusClient client({.address = prometheus.url(), .timeout_ms = 2000});
  Result<double> rate = Status::Internal("not queried");
  while (Clock::now() < deadline) {
    rate = client.Query("sum(rate(istio_requests_total{destination_workload=\"podinfo\"}[1m]))");
    if (rate.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE_MESSAGE(rate.ok(), rate.status().message() << "\n" << prometheus.Log());
  const std::string analysis =
      "    metrics:\n"
      "      - name: request-success-rate\n"
      "        thresholdRange: {min: 95}\n"
      "        interval: 1m\n"
      "      - name: request-duration\n"
      "        thresholdRange: {max: 500}\n"
      "        interval: 1m\n" +
      testing::OneWebhook("load-test", "rollout", hooks.url() + "/hook");
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", analysis)},
               {"apps/failing/app.yaml", testing::CanaryApp("failing", "1.0.0", analysis)}},
              "add podinfo and failing");
  ChildProcess serve(ServeArgs(repo, dir / "cache", {"--prometheus", prometheus.url(), "--listen", "off"}), dir.path(),
                     dir / "serve.log");
  REQUIRE_MESSAGE(WaitForPhase(repo, "podinfo", "Initialized", deadline), testing::ReadFile(dir / "serve.log"));
  REQUIRE(WaitForPhase(repo, "failing", "Initialized", deadline));
  // Both initialisations were decided in one pass, so they share one commit.
  CHECK(repo.StatusHistory("podinfo")[0].commit == repo.StatusHistory("failing")[0].commit);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", analysis)},
               {"apps/failing/app.yaml", testing::CanaryApp("failing", "1.0.1", analysis)}},
              "podinfo and failing 1.0.1");
  const bool succeeded = WaitForPhase(repo, "podinfo", "Succeeded", deadline);
  const bool failed = WaitForPhase(repo, "failing", "Failed", deadline);
  INFO("serve log:\n" << testing::Tail(testing::ReadFile(dir / "serve.log")));
  REQUIRE(succeeded);
  REQUIRE(failed);

  const std::vector<StatusAt> podinfo = repo.StatusHistory("podinfo");
  CHECK(Sequence(podinfo) == kPromotion);
  for (const StatusAt& s : podinfo) {
    CAPTURE(s.subject);
    CHECK(repo.RenderedWeights(s.commit, "podinfo") == ExpectedWeights(s));
  }
  // The first step only runs the pre-rollout checks; the next names the metric values it was decided on.
  CHECK(podinfo[2].subject == "canary test/podinfo: weight 0 -> 10 (pre-rollout checks passed)");
  CHECK(podinfo[3].subject.find("canary test/podinfo: weight 10 -> 20 (request-success-rate 99") == 0);
  CHECK(podinfo[3].subject.find(" >= 95; request-duration ") != std::string::npos);

  // 30% errors: every check fails the success rate; threshold 2 rolls back
  // at the tick after the second failure.
  const std::vector<StatusAt> failing = repo.StatusHistory("failing");
  CHECK(Sequence(failing) == "Initialized 0, Progressing 0, Progressing 10, Progressing 10, Progressing 10, Failed 0");
  REQUIRE(failing.size() == 6);
  CHECK(failing[3].failed_checks == 1);
  CHECK(failing[4].failed_checks == 2);
  CHECK(failing[3].subject.find("failed checks 0 -> 1 (request-success-rate 70 < 95") != std::string::npos);
  CHECK(failing[5].subject.find("canary test/failing: Progressing -> Failed, weight 10 -> 0") == 0);
  CHECK(repo.RenderedWeights(failing[4].commit, "failing") == std::pair<long long, long long>{90, 10});
  CHECK(repo.RenderedWeights(failing[5].commit, "failing") == std::pair<long long, long long>{100, 0});
  std::lock_guard<std::mutex> lock(mu);
  CHECK(hook_calls["podinfo Progressing"] >= 2);  // the rollout hook runs before every metric check
  CHECK(hook_calls["failing Progressing"] == 2);
}

}  // namespace gitcanary

namespace gitcanary {

TEST_CASE("serve signs status commits with an ssh key and the configured author") {
  if (testing::Run({"/bin/sh", "-c", "command -v ssh-keygen"}).exit_code != 0) {
    MESSAGE("skipped: ssh-keygen is not installed");
    return;
  }
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  const std::string key = dir / "signing_key";
  REQUIRE(testing::Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bot", "-f", key}).exit_code == 0);
  testing::WriteFile(dir / "allowed_signers", "canary-bot@example.com " + testing::ReadFile(key + ".pub"));
  RunResult r = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                    "--readiness", "none", "--sign", "ssh:" + key, "--author-name", "Canary Bot",
                                    "--author-email", "canary-bot@example.com"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  RunResult author = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "-1", "--format=%an <%ae>", "main"});
  CHECK(author.out == "Canary Bot <canary-bot@example.com>\n");
  RunResult verify = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "-c", "gpg.format=ssh", "-c",
                                   "gpg.ssh.allowedSignersFile=" + (dir / "allowed_signers"), "verify-commit", "main"});
  INFO(verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.err.find("Good \"git\" signature for canary-bot@example.com") != std::string::npos);
  // A key that does not exist is a clear error and nothing is committed.
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  RunResult bad = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                      "--all-due", "--readiness", "none", "--sign", "ssh:" + (dir / "missing")});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("ssh-keygen") != std::string::npos);
  CHECK(repo.LatestStatus("podinfo").phase == "Initialized");
}

}  // namespace gitcanary

namespace gitcanary {

TEST_CASE("serve finds Canaries written as JSON and as flow-style YAML, as render does") {
  TempDir dir;
  GitopsRemote repo(dir);
  const std::string deployment = testing::CanaryApp("podinfo", "1.0.0").substr(0, testing::CanaryApp("podinfo", "1.0.0").find("---"));
  repo.Commit({{"apps/podinfo/deployment.yaml", deployment},
               {"apps/podinfo/canary.json",
                R"({"apiVersion": "flagger.app/v1beta1", "kind": "Canary", "metadata": {"name": "podinfo", "namespace": "test"},)"
                R"( "spec": {"targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},)"
                R"( "service": {"port": 9898}, "analysis": {"interval": "1m", "threshold": 2, "maxWeight": 30, "stepWeight": 10}}})"},
               {"apps/other/all.yaml",
                testing::CanaryApp("other", "1.0.0").substr(0, testing::CanaryApp("other", "1.0.0").find("---")) +
                    "---\n{apiVersion: flagger.app/v1beta1, kind: Canary, metadata: {name: other, namespace: test},"
                    " spec: {targetRef: {apiVersion: apps/v1, kind: Deployment, name: other}, service: {port: 80},"
                    " analysis: {interval: 1m, threshold: 2, maxWeight: 30, stepWeight: 10}}}\n"}},
              "JSON and flow-style canaries");
  RunResult r = ServeOnce(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("canary test/podinfo: Initializing -> Initialized") != std::string::npos);
  CHECK(r.out.find("canary test/other: Initializing -> Initialized") != std::string::npos);
}

}  // namespace gitcanary
