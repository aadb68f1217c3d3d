// Several replicas and crashes: N serve processes on one remote, and serve
// killed with SIGKILL at random moments, must leave the same canary history
// in git as one undisturbed process: no step taken twice, none skipped, no
// status lost. Every run here promotes a canary with stepWeight 10 up to
// maxWeight 30 (see tests/gitops_remote.h), whose history by Flagger's rules is
// kPromotion below.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>

#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/slowdown.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::Clock;
using testing::GitopsRemote;
using testing::TempDir;
using testing::WaitForPhase;

const char kPromotion[] =
    "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
    "Succeeded 0";

std::vector<std::string> Serve(const GitopsRemote& repo, const std::string& cache, const std::string& id,
                               std::vector<std::string> extra = {}) {
  std::vector<std::string> args{GITCANARY_BINARY, "serve", "--repo", repo.remote(), "--cache-dir", cache,
                                "--min-interval", "1s", "--poll", "100ms", "--readiness", "none",
                                "--listen", "off", "--replica-id", id, "--lease-ttl", "3s"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// podinfo at 1.0.0, then (once it is Initialized) 1.0.1.
void StartRelease(GitopsRemote& repo, Clock::time_point deadline, const std::string& log) {
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  REQUIRE_MESSAGE(WaitForPhase(repo, "podinfo", "Initialized", deadline), testing::Tail(testing::ReadFile(log)));
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
}

// The replica number in the lease ref's holder line; -1 when none.
int LeaseHolder(const GitopsRemote& repo) {
  testing::RunResult lease = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "log", "-1", "--format=%B",
                                           "refs/gitcanary/lease"});
  const std::size_t at = lease.out.find("holder: replica-");
  if (at == std::string::npos) return -1;
  return lease.out[at + 16] - '0';
}

std::string AllLogs(const TempDir& dir, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += testing::Tail(testing::ReadFile(dir / ("serve" + std::to_string(i) + ".log")));
  return out;
}

}  // namespace

TEST_CASE("three serve replicas on one remote leave the history one process would") {
  TempDir dir;
  GitopsRemote repo(dir);
  testing::WriteFile(dir / "serve0.log", "");
  std::vector<std::unique_ptr<ChildProcess>> replicas;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    replicas.push_back(std::make_unique<ChildProcess>(Serve(repo, dir / ("cache" + n), "replica-" + n), dir.path(),
                                                      dir / ("serve" + n + ".log")));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(45);
  StartRelease(repo, deadline, dir / "serve0.log");
  // Halfway, the replica holding the lease dies; another takes over once the lease expires.
  REQUIRE(WaitForPhase(repo, "podinfo", "Progressing", deadline));
  const int holder = LeaseHolder(repo);
  REQUIRE(holder >= 0);
  replicas[holder]->Stop(SIGKILL, std::chrono::seconds(5));
  const bool succeeded = WaitForPhase(repo, "podinfo", "Succeeded", deadline);
  INFO(AllLogs(dir, 3));
  REQUIRE(succeeded);
  CHECK(Sequence(repo.StatusHistory("podinfo")) == kPromotion);
  const int successor = LeaseHolder(repo);
  CHECK(successor >= 0);
  CHECK(successor != holder);
  // Idle replicas stayed quiet: each status commit came from the lease holder of its time, so
  // at most two replicas (the first holder and its successor) ever committed.
  int committers = 0;
  for (int i = 0; i < 3; ++i)
    committers += testing::ReadFile(dir / ("serve" + std::to_string(i) + ".log")).find("status committed") !=
                  std::string::npos;
  CHECK(committers <= 2);
  // However often the lease was taken and renewed, its ref reaches one parentless commit and
  // the empty tree: two lines of rev-list --objects.
  testing::RunResult objects = testing::Run(
      {"/usr/bin/git", "--git-dir", repo.remote(), "rev-list", "--objects", "refs/gitcanary/lease"});
  CHECK(objects.exit_code == 0);
  CHECK(std::count(objects.out.begin(), objects.out.end(), '\n') == 2);
}

TEST_CASE("three processes racing --once --all-due passes never step a canary twice") {
  // No lease for --once: every pass races on the branch's compare-and-swap alone.
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::atomic<bool> initialised{false}, released{false};
  std::atomic<int> conflicts{0};
  auto racer = [&](int i) {
    const std::string cache = dir / ("cache" + std::to_string(i));
    while (Clock::now() < deadline) {
      testing::RunResult r = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once",
                                                 "--all-due", "--readiness", "none"});
      if (r.err.find("push conflicts resolved") != std::string::npos) ++conflicts;
      if (repo.LatestStatus("podinfo").phase == "Succeeded" && released) return;
      if (repo.LatestStatus("podinfo").phase == "Initialized") initialised = true;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(racer, i);
  while (!initialised && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  released = true;
  for (std::thread& t : threads) t.join();
  CHECK(Sequence(repo.StatusHistory("podinfo")) == kPromotion);
  MESSAGE("passes that lost a push race and decided again: " << conflicts.load());
}

TEST_CASE("serve killed with SIGKILL at random moments resumes from git without a lost or doubled step") {
  TempDir dir;
  GitopsRemote repo(dir);
  const auto deadline = Clock::now() + std::chrono::seconds(100);
  std::mt19937 rng(20261122);
  // Under the sanitizers a process needs longer to start: each life gets that much more.
  const int start_up_ms = 200 * (testing::kSlowdown - 1);
  std::uniform_int_distribution<int> lifetime_ms(200 + start_up_ms, 1500 + start_up_ms);
  int kills = 0;
  bool released = false;
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  while (Clock::now() < deadline && repo.LatestStatus("podinfo").phase != "Succeeded") {
    {
      ChildProcess serve(Serve(repo, dir / "cache", "replica-0"), dir.path(), dir / "serve0.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(lifetime_ms(rng)));
      serve.Stop(SIGKILL, std::chrono::seconds(5));
      ++kills;
    }
    if (!released && repo.LatestStatus("podinfo").phase == "Initialized") {
      repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
      released = true;
    }
  }
  INFO(AllLogs(dir, 1));
  CHECK(kills >= 5);
  REQUIRE(repo.LatestStatus("podinfo").phase == "Succeeded");
  CHECK(Sequence(repo.StatusHistory("podinfo")) == kPromotion);
  // Every status commit has its analysis note, or the kill came between the two pushes.
  MESSAGE("killed serve " << kills << " times");
}

}  // namespace gitcanary
