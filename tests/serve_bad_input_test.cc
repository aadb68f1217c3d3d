// serve under bad conditions: an unreachable remote, a corrupt status at the
// head, a branch force-pushed under it, and a stop signal in the middle of a
// hanging webhook. Each must give a clear error, keep the other canaries
// going, and never need a person to clean up.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

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

std::vector<std::string> Serve(const std::string& remote, const std::string& cache, const std::string& listen) {
  return {GITCANARY_BINARY, "serve",   "--repo",       remote, "--cache-dir", cache, "--min-interval", "1s",
          "--poll",         "100ms",   "--readiness",  "none", "--listen",    listen, "--lease-ttl",   "3s",
          "--allow-egress", "127.0.0.0/8"};
}

int HttpStatus(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(0, 300000);
  client.set_read_timeout(1, 0);
  httplib::Result res = client.Get(path.c_str());
  return res ? res->status : -1;
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("serve against an unreachable remote retries with backoff, fails /readyz, and recovers") {
  TempDir dir;
  const int port = testing::FreePort();
  const std::string remote = dir / "later/remote.git";
  ChildProcess serve(Serve(remote, dir / "cache", "127.0.0.1:" + std::to_string(port)), dir.path(),
                     dir / "serve.log");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  REQUIRE(WaitFor([&] { return HttpStatus(port, "/healthz") == 200; }, deadline));
  CHECK(HttpStatus(port, "/readyz") == 503);
  REQUIRE(WaitFor([&] { return Count(testing::ReadFile(dir / "serve.log"), "cannot reach the remote") >= 2; }, deadline));
  const std::string log = testing::ReadFile(dir / "serve.log");
  CHECK(log.find(remote) != std::string::npos);  // the error names the remote
  CHECK(HttpStatus(port, "/readyz") == 503);
  CHECK_FALSE(serve.Exited());

  // The remote appears: serve becomes ready and initialises its canary.
  std::filesystem::create_directories(dir / "later");
  testing::Sh("git init -q --bare -b main " + remote + " && git clone -q " + remote + " " + (dir / "work") +
              " 2>/dev/null");
  testing::WriteFile(dir / "work/apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0"));
  testing::Sh("cd " + (dir / "work") + " && git add -A && git -c user.name=P -c user.email=p@x commit -qm add && "
              "git push -q origin HEAD:main");
  REQUIRE(WaitFor([&] { return HttpStatus(port, "/readyz") == 200; }, deadline));
  REQUIRE(WaitFor([&] {
    return testing::Run({"/usr/bin/git", "--git-dir", remote, "show", "main:apps/podinfo/podinfo.gitcanary-status.yaml"})
               .out.find("phase: Initialized") != std::string::npos;
  }, deadline));
  // /metrics shows the canary and the last successful fetch.
  httplib::Client client("127.0.0.1", port);
  httplib::Result metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("gitcanary_canary_phase{canary=\"test/podinfo\",phase=\"Initialized\"} 1") != std::string::npos);
  CHECK(metrics->body.find("gitcanary_last_fetch_success_timestamp_seconds 1") != std::string::npos);
  CHECK(metrics->body.find("gitcanary_lease_held 1") != std::string::npos);
}

TEST_CASE("a corrupt status at the head halts that canary with its error, the others go on") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {"apps/broken/app.yaml", testing::CanaryApp("broken", "1.0.0")},
               {"apps/broken/broken.gitcanary-status.yaml",
                "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: broken\n  namespace: test\n"
                "status:\n  phase: Progressing\n  canaryWeight: lots\n"}},
              "two apps, one with a corrupt status");
  RunResult r = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                    "--readiness", "none"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("canary test/podinfo: Initializing -> Initialized") != std::string::npos);
  CHECK(r.out.find("halted test/broken: ") != std::string::npos);
  CHECK(r.out.find("broken.gitcanary-status.yaml:8:17: status.canaryWeight") != std::string::npos);
  CHECK(r.err.find("canary halted") != std::string::npos);
  CHECK(repo.LatestStatus("podinfo").phase == "Initialized");
  // The corrupt status is left as it is: never reset or overwritten.
  RunResult broken = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show",
                                   "main:apps/broken/broken.gitcanary-status.yaml"});
  CHECK(broken.out.find("canaryWeight: lots") != std::string::npos);
}

TEST_CASE("a branch force-pushed under serve is noticed and followed from its new head") {
  TempDir dir;
  GitopsRemote repo(dir);
  ChildProcess serve(Serve(repo.remote(), dir / "cache", "off"), dir.path(), dir / "serve.log");
  const auto deadline = Clock::now() + std::chrono::seconds(45);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  REQUIRE(WaitFor([&] { return repo.LatestStatus("podinfo").phase == "Initialized"; }, deadline));
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  REQUIRE(WaitFor([&] { return repo.LatestStatus("podinfo").weight == 20; }, deadline));
  // Someone rewrites history back to the release commit, dropping serve's steps.
  testing::Sh("cd " + repo.work() + " && git fetch -q origin && git reset -q --hard "
              "$(git log --format=%H --grep='podinfo 1.0.1' origin/main) && git push -q -f origin HEAD:main");
  const bool succeeded = WaitFor([&] { return repo.LatestStatus("podinfo").phase == "Succeeded"; }, deadline);
  const std::string log = testing::ReadFile(dir / "serve.log");
  INFO(testing::Tail(log));
  REQUIRE(succeeded);
  CHECK(log.find("was force-pushed") != std::string::npos);
  CHECK(Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
        "Succeeded 0");
}

TEST_CASE("SIGTERM stops serve within 5 s, even during a hanging webhook") {
  std::atomic<int> calls{0};
  testing::ServerThread hook([&](httplib::Server& s) {
    s.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      std::this_thread::sleep_for(std::chrono::seconds(8));
      res.set_content("late", "text/plain");
    });
  });
  TempDir dir;
  GitopsRemote repo(dir);
  const std::string hooks = testing::OneWebhook("slow", "pre-rollout", hook.url() + "/slow");
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", hooks)}}, "add podinfo");
  RunResult init = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache0", "--once",
                                       "--readiness", "none"});
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", hooks)}}, "podinfo 1.0.1");
  ChildProcess serve(Serve(repo.remote(), dir / "cache", "off"), dir.path(), dir / "serve.log");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  // Progressing first, then the next pass waits on the pre-rollout hook.
  REQUIRE(WaitFor([&] { return calls.load() > 0; }, deadline));
  const auto stop = Clock::now();
  const int status = serve.Stop(SIGTERM, std::chrono::seconds(6));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stop).count();
  INFO(testing::Tail(testing::ReadFile(dir / "serve.log")));
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(took < 5000);
  MESSAGE("serve stopped " << took << " ms after SIGTERM");
}

TEST_CASE("SIGTERM on an idle serve exits at once and releases the lease") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ChildProcess serve(Serve(repo.remote(), dir / "cache", "off"), dir.path(), dir / "serve.log");
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  REQUIRE(WaitFor([&] { return repo.LatestStatus("podinfo").phase == "Initialized"; }, deadline));
  const auto stop = Clock::now();
  const int status = serve.Stop(SIGTERM, std::chrono::seconds(6));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - stop).count();
  REQUIRE(status != -1);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(took < 1000);
  CHECK(testing::ReadFile(dir / "serve.log").find("\"msg\":\"stopped\"") != std::string::npos);
  // Released: the lease's expiry is in the past, so another replica can take over at once.
  RunResult lease = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "-1", "--format=%B",
                                  "refs/gitcanary/lease"});
  const std::size_t at = lease.out.find("expires: ");
  REQUIRE(at != std::string::npos);
  const long long expires = std::stoll(lease.out.substr(at + 9));
  const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(expires <= now);
}

}  // namespace gitcanary

namespace gitcanary {

TEST_CASE("bad credentials: a clear error that names the remote and never the token") {
  const std::string token = "s3cr3t-token-4711";
  std::atomic<int> requests{0};
  std::atomic<bool> saw_token{false};
  testing::ServerThread git_server([&](httplib::Server& s) {
    auto refuse = [&](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      if (req.has_header("Authorization")) saw_token = true;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"git\"");
    };
    s.Get(".*", refuse);
    s.Post(".*", refuse);
  });
  TempDir dir;
  testing::WriteFile(dir / "token", token + "\n");
  const std::string url = git_server.url() + "/platform/gitops.git";
  RunResult once = testing::Gitcanary({"serve", "--repo", url, "--token-file", dir / "token", "--cache-dir",
                                       dir / "cache", "--once"});
  CHECK(once.exit_code == 1);
  CHECK(once.err.find("127.0.0.1") != std::string::npos);
  CHECK(once.err.find("auth") != std::string::npos);
  CHECK(saw_token);  // the token was offered to the server, and nowhere else
  CHECK(once.out.find(token) == std::string::npos);
  CHECK(once.err.find(token) == std::string::npos);

  // A token in the URL itself is redacted too, in a running serve's logs.
  const std::string url_with_token = "http://user:" + token + "@127.0.0.1:" + std::to_string(git_server.port()) +
                                     "/platform/gitops.git";
  const int port = testing::FreePort();
  {
    ChildProcess serve({GITCANARY_BINARY, "serve", "--repo", url_with_token, "--cache-dir", dir / "cache2",
                        "--listen", "127.0.0.1:" + std::to_string(port), "--poll", "200ms"},
                       dir.path(), dir / "serve.log");
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    REQUIRE(WaitFor([&] { return Count(testing::ReadFile(dir / "serve.log"), "cannot reach the remote") >= 2; },
                    deadline));
    CHECK(HttpStatus(port, "/readyz") == 503);
  }
  const std::string log = testing::ReadFile(dir / "serve.log");
  CHECK(log.find(token) == std::string::npos);
  CHECK(log.find("http://***@127.0.0.1") != std::string::npos);
  // Nor does the token reach the cache's configuration on disk.
  CHECK(testing::Run({"/bin/grep", "-r", token, dir / "cache2"}).exit_code == 1);
}

}  // namespace gitcanary
