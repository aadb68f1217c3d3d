// serve while the things around it fail for a while: a remote that rejects
// status pushes and then disappears, a status file truncated at the head, and
// a webhook that hangs, one that is slow and a Prometheus that answers
// garbage. Each must end with every decision in git exactly once, and must
// never hold up the canaries that are not affected.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
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
using testing::WaitForPhase;

// A release of CanaryApp (stepWeight 10 up to maxWeight 30) by Flagger's rules.
const char kPromotion[] =
    "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
    "Succeeded 0";

std::vector<std::string> Serve(const std::string& remote, const std::string& cache,
                               std::vector<std::string> extra = {}) {
  std::vector<std::string> args{GITCANARY_BINARY, "serve",      "--repo", remote, "--cache-dir", cache,
                                "--min-interval", "1s",         "--poll", "200ms", "--readiness", "none",
                                "--listen",       "off",        "--lease-ttl", "10s", "--allow-egress", "127.0.0.0/8"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The notes serve attached to the status commits of main, all together.
std::string AllNotes(const GitopsRemote& repo) {
  return testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "--notes=gitcanary", "--format=%N", "main"})
      .out;
}

}  // namespace

TEST_CASE("a remote that refuses status pushes, then disappears, then returns: serve retries and loses no decision") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  ChildProcess serve(Serve(repo.remote(), dir / "cache"), dir.path(), dir / "serve.log");
  REQUIRE(WaitForPhase(repo, "podinfo", "Initialized", deadline));

  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  // Another process holds main's lock on the remote, so every update of main
  // fails: serve decides "Progressing 0" and cannot push it, again and again.
  // (A file:// remote runs no hooks, so a lock is how a bare path refuses.)
  const std::string lock = repo.remote() + "/refs/heads/main.lock";
  testing::WriteFile(lock, "");
  const bool rejected =
      WaitFor([&] { return Count(testing::ReadFile(dir / "serve.log"), "\"pass failed\"") >= 2; }, deadline);
  INFO(testing::Tail(testing::ReadFile(dir / "serve.log")));
  REQUIRE(rejected);
  CHECK(repo.LatestStatus("podinfo").phase == "Initialized");

  // Then the remote is gone altogether for a while.
  const std::string away = dir / "remote-away.git";
  std::filesystem::rename(repo.remote(), away);
  REQUIRE(WaitFor([&] { return Count(testing::ReadFile(dir / "serve.log"), "cannot reach the remote") >= 2; },
                  deadline));
  std::filesystem::rename(away, repo.remote());
  std::filesystem::remove(lock);

  const bool succeeded = WaitForPhase(repo, "podinfo", "Succeeded", deadline);
  INFO(testing::Tail(testing::ReadFile(dir / "serve.log")));
  REQUIRE(succeeded);
  // Every step once, none lost while the remote refused or was away.
  CHECK(Sequence(repo.StatusHistory("podinfo")) == kPromotion);
}

TEST_CASE("a status file truncated at the head halts that canary with a clear error, and the other goes on") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {"apps/other/app.yaml", testing::CanaryApp("other", "1.0.0")}},
              "two apps");
  RunResult init = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                       "--readiness", "none"});
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  REQUIRE(repo.LatestStatus("other").phase == "Initialized");

  // A person (or a bad merge) truncates other's status in the middle of a line,
  // and releases podinfo in the same commit.
  const std::string path = "apps/other/other.gitcanary-status.yaml";
  RunResult status = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show", "main:" + path});
  REQUIRE(status.exit_code == 0);
  const std::size_t cut = status.out.find("phase: Initialized");
  REQUIRE(cut != std::string::npos);
  const std::string truncated = status.out.substr(0, cut + 9);  // "phase: In"
  repo.Commit({{path, truncated}, {"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}},
              "podinfo 1.0.1, and the status of other cut short");

  RunResult pass = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                       "--all-due", "--readiness", "none"});
  CHECK(pass.exit_code == 1);
  CHECK(pass.out.find("canary test/podinfo: Initialized -> Progressing") != std::string::npos);
  CHECK(pass.out.find("halted test/other: ") != std::string::npos);
  CHECK(pass.out.find("other.gitcanary-status.yaml:") != std::string::npos);
  CHECK(pass.out.find("status.phase") != std::string::npos);
  // The truncated file is left as it is, and other's earlier statuses are all still in the history.
  CHECK(testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show", "main:" + path}).out == truncated);
  CHECK(testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "--format=%B", "main", "--", path})
            .out.find("canary test/other: Initializing -> Initialized") != std::string::npos);
  CHECK(repo.LatestStatus("podinfo").phase == "Progressing");
}

TEST_CASE("a hanging webhook, a slow one and a Prometheus answering garbage: timeouts hold, other canaries go on") {
  std::atomic<bool> stopping{false};
  std::atomic<int> hangs{0};
  testing::ServerThread server([&](httplib::Server& s) {
    s.Post("/hang", [&](const httplib::Request&, httplib::Response& res) {
      ++hangs;
      for (int i = 0; i < 100 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      res.status = 200;
    });
    s.Post("/slow", [&](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      res.status = 200;
    });
    s.Get("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
    });
  });
  auto hook = [&](const std::string& path, const std::string& timeout) {
    return "    webhooks:\n"
           "      - name: check\n"
           "        type: pre-rollout\n"
           "        url: " + server.url() + path + "\n"
           "        timeout: " + timeout + "\n";
  };
  const std::string metric =
      "    metrics:\n"
      "      - name: request-success-rate\n"
      "        thresholdRange: {min: 99}\n"
      "        interval: 1m\n";
  auto apps = [&](const std::string& tag) {
    return std::vector<std::pair<std::string, std::string>>{
        {"apps/hung/app.yaml", testing::CanaryApp("hung", tag, hook("/hang", "1s"))},
        {"apps/slow/app.yaml", testing::CanaryApp("slow", tag, hook("/slow", "3s"))},
        {"apps/garbage/app.yaml", testing::CanaryApp("garbage", tag, metric)},
        {"apps/healthy/app.yaml", testing::CanaryApp("healthy", tag)}};
  };
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit(apps("1.0.0"), "four apps");
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  ChildProcess serve(Serve(repo.remote(), dir / "cache", {"--prometheus", server.url()}), dir.path(),
                     dir / "serve.log");
  REQUIRE(WaitForPhase(repo, "healthy", "Initialized", deadline));
  repo.Commit(apps("1.0.1"), "release all four");
  const auto released = Clock::now();

  // The healthy canary, and the slow one whose hook answers within its timeout, promote as usual.
  const bool healthy = WaitForPhase(repo, "healthy", "Succeeded", deadline);
  const auto healthy_took = Clock::now() - released;
  const bool slow = WaitForPhase(repo, "slow", "Succeeded", deadline);
  const bool hung = WaitForPhase(repo, "hung", "Failed", deadline);
  const bool garbage = WaitForPhase(repo, "garbage", "Failed", deadline);
  stopping = true;
  const std::string log = testing::Tail(testing::ReadFile(dir / "serve.log"));
  INFO(log);
  REQUIRE(healthy);
  CHECK(slow);
  CHECK(hung);
  CHECK(garbage);
  CHECK(Sequence(repo.StatusHistory("healthy")) == kPromotion);
  CHECK(Sequence(repo.StatusHistory("slow")) == kPromotion);
  // Seven steps one interval (1 s) apart: a 5 s hang per pass would have made it 35 s or more.
  CHECK(healthy_took < std::chrono::seconds(25));
  // The hung hook failed by its 1 s timeout, twice (threshold 2), then rolled back.
  CHECK(Sequence(repo.StatusHistory("hung")) ==
        "Initialized 0, Progressing 0, Progressing 0, Progressing 0, Failed 0");
  CHECK(hangs >= 2);
  const std::string notes = AllNotes(repo);
  CHECK(notes.find("timed out") != std::string::npos);
  CHECK(notes.find("malformed reply") != std::string::npos);
}

}  // namespace gitcanary
