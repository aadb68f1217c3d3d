// What serve tells its operators, on real processes:
//   - /metrics as a real Prometheus (Debian's package) scrapes it: the last
//     fetch time must come back as the time it was, not rounded to 6 digits;
//   - a warning at the first pass, once as a JSON log line and once as a
//     plain line, when canaries' built-in metrics have no Prometheus or an
//     unreachable one, and the reason of each check without data in the
//     status commit's subject;
//   - why `serve --once` decided nothing;
//   - the reason of a refused connection, which the clients report.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/connect_reason.h"
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
using testing::TempDir;
using testing::WaitFor;

const char kSuccessRate[] =
    "    metrics:\n"
    "      - name: request-success-rate\n"
    "        thresholdRange: {min: 99}\n"
    "        interval: 1m\n";

std::vector<std::string> ServeArgs(const GitopsRemote& repo, const std::string& cache,
                                   const std::vector<std::string>& extra) {
  std::vector<std::string> args{"serve", "--repo", repo.remote(), "--cache-dir", cache, "--min-interval", "1s",
                                "--readiness", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

RunResult ServeOnce(const GitopsRemote& repo, const std::string& cache, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = ServeArgs(repo, cache, {"--once"});
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::Gitcanary(args);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

double UnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Takes test/podinfo (with `analysis`) to its first metric check with
// --all-due passes; returns the subject of the commit that counted it.
std::string FirstMetricCheckSubject(GitopsRemote& repo, const std::string& cache, const std::vector<std::string>& extra,
                                    const std::string& analysis) {
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", analysis)}}, "podinfo 1.0.1");
  for (int pass = 0; pass < 6; ++pass) {
    std::vector<std::string> args = extra;
    args.push_back("--all-due");
    RunResult r = ServeOnce(repo, cache, args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const testing::StatusAt latest = repo.LatestStatus("podinfo");
    if (latest.failed_checks == 1) {
      const std::vector<testing::StatusAt> history = repo.StatusHistory("podinfo");
      return history.back().subject;
    }
  }
  FAIL("no metric check within 6 passes");
  return "";
}

}  // namespace

TEST_CASE("serve /metrics: a real Prometheus scrape reads the last fetch time to the millisecond it was") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  const int port = testing::FreePort();
  testing::PrometheusProcess prometheus(dir.path(), "127.0.0.1:" + std::to_string(port));
  if (!prometheus.Installed()) {
    MESSAGE("skipped: prometheus not installed (apt-get install prometheus; scripts/test.sh installs it)");
    return;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  const double started = UnixSeconds();
  std::vector<std::string> args = ServeArgs(repo, dir / "cache", {"--poll", "200ms", "--listen",
                                                                 "127.0.0.1:" + std::to_string(port)});
  args.insert(args.begin(), GITCANARY_BINARY);
  ChildProcess serve(args, dir.path(), dir / "serve.log");
  REQUIRE_MESSAGE(prometheus.WaitReady(deadline), prometheus.Log());
  INFO("serve log:\n" << testing::Tail(testing::ReadFile(dir / "serve.log")) << "\nprometheus log:\n"
                      << prometheus.Log());
  plugin::PrometheusClient client({.address = prometheus.url(), .timeout_ms = 2000});
  // The first scrape after the canary is initialised.
  auto value = [&](const std::string& query) -> Result<double> { return client.Query(query); };
  REQUIRE(WaitFor([&] {
    auto phase = value("gitcanary_canary_phase{canary=\"test/podinfo\",phase=\"Initialized\"}");
    return phase.ok() && *phase == 1;
  }, deadline));
  Result<double> fetched = value("gitcanary_last_fetch_success_timestamp_seconds");
  const double queried = UnixSeconds();
  REQUIRE_MESSAGE(fetched.ok(), fetched.status().message());
  // serve fetched after it started and before Prometheus answered: six
  // significant digits would put it anywhere within 5000 s of that.
  CHECK(*fetched >= started - 1);
  CHECK(*fetched <= queried + 1);
  CAPTURE(*fetched);
  CHECK(queried - *fetched < 10);  // a fetch every 200 ms, a scrape every second
  Result<double> commits = value("gitcanary_status_commits_total");
  REQUIRE(commits.ok());
  CHECK(*commits >= 1);
  Result<double> lease = value("gitcanary_lease_held");
  REQUIRE(lease.ok());
  CHECK(*lease == 1);
}

TEST_CASE("serve warns once at start when built-in metrics have no Prometheus, and the check names why") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", kSuccessRate)}}, "add podinfo");
  RunResult first = ServeOnce(repo, dir / "cache");
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  INFO(first.err);
  const std::string warning =
      "no --prometheus is given, so the metrics of test/podinfo (request-success-rate) have no data and every "
      "check of them fails; give --prometheus URL, or spec.metricsServer in the Canary";
  CHECK(Count(first.err, "\"level\":\"warn\",\"msg\":\"" + warning + "\"") == 1);
  CHECK(Count(first.err, "\ngitcanary: warning: " + warning + "\n") == 1);
  CHECK(Count(first.err, warning) == 2);
  CHECK(FirstMetricCheckSubject(repo, dir / "cache", {}, kSuccessRate) ==
        "canary test/podinfo: failed checks 0 -> 1 (request-success-rate no data: no Prometheus address for the "
        "built-in metrics)");
}

TEST_CASE("serve warns once when its Prometheus refuses connections, and the check says so") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", kSuccessRate)}}, "add podinfo");
  const std::string prometheus = "http://127.0.0.1:" + std::to_string(testing::FreePort()) + "/";
  const std::string warning = "Prometheus at " + prometheus +
                              ": connection refused; the metrics of test/podinfo (request-success-rate) have no "
                              "data and every check of them fails until it answers";
  // A long-running serve warns at its first pass only, however many follow.
  std::vector<std::string> args =
      ServeArgs(repo, dir / "cache", {"--poll", "100ms", "--listen", "off", "--prometheus", prometheus});
  args.insert(args.begin(), GITCANARY_BINARY);
  {
    ChildProcess serve(args, dir.path(), dir / "serve.log");
    REQUIRE(WaitFor([&] { return repo.LatestStatus("podinfo").phase == "Initialized"; },
                    Clock::now() + std::chrono::seconds(30)));
    std::this_thread::sleep_for(std::chrono::seconds(1));  // more passes
    CHECK(serve.Stop(SIGTERM, std::chrono::seconds(6)) == 0);
  }
  const std::string log = testing::ReadFile(dir / "serve.log");
  INFO(log);
  CHECK(Count(log, "\"level\":\"warn\",\"msg\":\"" + warning + "\"") == 1);
  CHECK(Count(log, "\ngitcanary: warning: " + warning + "\n") == 1);
  CHECK(FirstMetricCheckSubject(repo, dir / "cache", {"--prometheus", prometheus}, kSuccessRate) ==
        "canary test/podinfo: failed checks 0 -> 1 (request-success-rate no data: Prometheus at " + prometheus +
            ": connection refused)");
}

TEST_CASE("serve --once says why nothing was due") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"README.md", "no apps yet\n"}}, "start");
  RunResult none = ServeOnce(repo, dir / "cache");
  CHECK(none.exit_code == 0);
  CHECK(none.out.empty());
  CHECK(Count(none.err, "\nnothing due; no canaries on branch main\n") == 1);
  // A canary analysed every minute, initialised just now: due again in a minute.
  std::string app = testing::CanaryApp("podinfo", "1.0.0");
  app.replace(app.find("interval: 1s"), 12, "interval: 1m");
  repo.Commit({{"apps/podinfo/app.yaml", app}}, "add podinfo");
  RunResult init = ServeOnce(repo, dir / "cache");
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  CHECK(init.out.find("canary test/podinfo: Initializing -> Initialized") == 0);
  CHECK(init.err.find("nothing due") == std::string::npos);  // something was
  RunResult idle = ServeOnce(repo, dir / "cache");
  CHECK(idle.exit_code == 0);
  CHECK(idle.out.empty());
  INFO(idle.err);
  // lastTransitionTime has whole seconds, so the delay is at most 60 s and,
  // rounded up, at least what is left after the few seconds these runs take.
  const std::string prefix = "\nnothing due; next: test/podinfo in ";
  const std::size_t at = idle.err.find(prefix);
  REQUIRE(at != std::string::npos);
  const std::string delay = idle.err.substr(at + prefix.size(), idle.err.find('\n', at + 1) - at - prefix.size());
  const bool in_a_minute = delay == "1m0s" || (delay.size() == 3 && delay[2] == 's' && delay >= "50s" && delay <= "59s");
  CHECK_MESSAGE(in_a_minute, delay);
}

TEST_CASE("connect reason: a closed port on loopback is refused, an open one connects") {
  const int closed = testing::FreePort();
  CHECK(plugin::TcpConnectFailure("127.0.0.1", closed, 500) == "connection refused");
  CHECK(plugin::OriginConnectFailure("http://127.0.0.1:" + std::to_string(closed), 500) == "connection refused");
  testing::ServerThread open([](httplib::Server& s) {
    s.Get("/", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  });
  CHECK(plugin::TcpConnectFailure("127.0.0.1", open.port(), 500) == "");
  CHECK(plugin::OriginConnectFailure(open.url(), 500) == "");
  CHECK(plugin::OriginConnectFailure("not a url", 500) == "");
  CHECK(plugin::OriginConnectFailure("http://127.0.0.1:99999", 500) == "");
}

}  // namespace gitcanary
