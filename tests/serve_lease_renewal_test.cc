// serve renews its lease while a pass waits on a slow webhook: with a 1 s lease
// and a 2.5 s pre-rollout hook, three replicas on one remote still call each
// hook once per step, and the lease never changes hands. And a pass whose lease
// is taken from it (written over with git, as a misbehaving replica could) stops
// before its next webhook, pushes nothing, and the step is redone by the next
// holder. Everything runs on 127.0.0.1.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "tests/gitops_remote.h"
#include "tests/lease_ref.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::Clock;
using testing::GitopsRemote;
using testing::TempDir;
using testing::WaitFor;
using testing::WaitForPhase;

const char kPromotion[] =
    "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
    "Succeeded 0";

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> Serve(const GitopsRemote& repo, const std::string& cache, const std::string& id,
                               const std::string& ttl) {
  return {GITCANARY_BINARY, "serve",  "--repo",     repo.remote(), "--cache-dir", cache,  "--min-interval",
          "1s",             "--poll", "100ms",      "--readiness", "none",        "--listen", "off",
          "--replica-id",   id,       "--lease-ttl", ttl,         "--allow-egress", "127.0.0.0/8"};
}

// Webhook calls as the recorder saw them: "PATH BODY @ PHASE WEIGHT", the last
// part being the canary's status of record on the remote when the call came.
struct Recorder {
  std::mutex mu;
  std::vector<std::string> calls;
  void Add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(line);
  }
  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
  int CountOf(const std::string& prefix) {
    int n = 0;
    for (const std::string& c : Calls()) n += c.rfind(prefix, 0) == 0;
    return n;
  }
};

std::string AtHead(const GitopsRemote& repo) {
  testing::StatusAt st = repo.LatestStatus("podinfo");
  return st.phase + " " + std::to_string(st.weight);
}

// The lease ref polled every 20 ms from a thread: every (holder, expiry) seen, in order.
class LeaseWatch {
 public:
  explicit LeaseWatch(std::string bare) : bare_(std::move(bare)) {
    thread_ = std::thread([this] {
      while (!stop_) {
        git::LeaseInfo info = testing::ReadLeaseRef(bare_);
        if (!info.holder.empty()) {
          std::lock_guard<std::mutex> lock(mu_);
          if (seen_.empty() || seen_.back() != std::make_pair(info.holder, info.expires_ms))
            seen_.emplace_back(info.holder, info.expires_ms);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~LeaseWatch() {
    stop_ = true;
    thread_.join();
  }
  std::vector<std::pair<std::string, long long>> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::string bare_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::pair<std::string, long long>> seen_;
  std::thread thread_;
};

std::string AllLogs(const TempDir& dir, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += testing::Tail(testing::ReadFile(dir / ("serve" + std::to_string(i) + ".log")));
  return out;
}

}  // namespace

TEST_CASE("three serve replicas with a 1 s lease and a 2.5 s pre-rollout webhook call each hook once per step") {
  TempDir dir;
  GitopsRemote repo(dir);
  Recorder recorder;
  std::atomic<long long> slow_from{0}, slow_to{0};
  testing::ServerThread server([&](httplib::Server& s) {
    s.Post("/slow", [&](const httplib::Request& req, httplib::Response& res) {
      recorder.Add("/slow " + req.body + " @ " + AtHead(repo));
      slow_from = WallMs();
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      slow_to = WallMs();
      res.status = 200;
    });
    s.Post("/rollout", [&](const httplib::Request& req, httplib::Response& res) {
      recorder.Add("/rollout " + req.body + " @ " + AtHead(repo));
      res.status = 200;
    });
  });
  const std::string hooks = "    webhooks:\n"
                            "      - name: load-test\n"
                            "        type: pre-rollout\n"
                            "        timeout: 10s\n"
                            "        url: " + server.url() + "/slow\n"
                            "      - name: smoke\n"
                            "        type: rollout\n"
                            "        url: " + server.url() + "/rollout\n";
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", hooks)}}, "add podinfo");
  std::vector<std::unique_ptr<ChildProcess>> replicas;
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    replicas.push_back(std::make_unique<ChildProcess>(Serve(repo, dir / ("cache" + n), "replica-" + n, "1s"),
                                                      dir.path(), dir / ("serve" + n + ".log")));
  }
  // Started after the replicas: a replica forked while the watch's git runs would hold its pipe open.
  LeaseWatch lease(repo.remote());
  const auto deadline = Clock::now() + std::chrono::seconds(28);
  REQUIRE_MESSAGE(WaitForPhase(repo, "podinfo", "Initialized", deadline), AllLogs(dir, 3));
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", hooks)}}, "podinfo 1.0.1");
  const bool succeeded = WaitForPhase(repo, "podinfo", "Succeeded", deadline);
  const auto seen = lease.Seen();  // before the holder, stopped, releases it to another
  for (auto& r : replicas) r->Stop(SIGTERM, std::chrono::seconds(5));
  INFO(AllLogs(dir, 3));
  const std::vector<std::string> calls = recorder.Calls();
  std::string call_list;
  for (const std::string& c : calls) call_list += c + "\n";
  INFO(call_list);
  REQUIRE(succeeded);
  // Each step committed once, in Flagger's order.
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) == kPromotion);
  // The slow hook ran once, at the step from Progressing 0; each rollout-hook step once.
  CHECK(recorder.CountOf("/slow ") == 1);
  CHECK(recorder.CountOf("/slow ") + recorder.CountOf("/rollout ") == static_cast<int>(calls.size()));
  CHECK(std::set<std::string>(calls.begin(), calls.end()).size() == calls.size());
  CHECK(recorder.CountOf("/rollout ") >= 1);
  // One holder from before the slow hook began until after its pass ended, renewing meanwhile:
  // every lease written while the hook's pass ran (expiry = write time + 1 s) names it.
  std::set<std::string> holders;
  int renewals_during_slow = 0;
  for (const auto& [holder, expires] : seen) {
    if (expires <= slow_from || expires - 1000 > slow_to + 500) continue;
    holders.insert(holder);
    if (expires > slow_from + 1000 && expires <= slow_to + 1000) ++renewals_during_slow;
  }
  CHECK(holders.size() == 1);
  MESSAGE("lease renewals seen during the 2.5 s hook at a 1 s ttl: " << renewals_during_slow << "; lease values seen: "
                                                                       << seen.size());
  CHECK(renewals_during_slow >= 3);
}

TEST_CASE("serve whose lease is taken during a webhook stops before the next one and commits nothing") {
  TempDir dir;
  GitopsRemote repo(dir);
  Recorder recorder;
  std::atomic<int> slow_calls{0};
  std::atomic<long long> intruder_until{0};
  testing::ServerThread server([&](httplib::Server& s) {
    s.Post("/slow", [&](const httplib::Request& req, httplib::Response& res) {
      recorder.Add("/slow " + req.body);
      if (++slow_calls == 1) {
        // Mid-call, another holder is written over serve's lease for 3 s.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        intruder_until = WallMs() + 3000;
        testing::WriteLeaseRef(repo.remote(), "intruder", intruder_until);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
      res.status = 200;
    });
    s.Post("/next", [&](const httplib::Request& req, httplib::Response& res) {
      recorder.Add("/next " + req.body + " at " + std::to_string(WallMs()));
      res.status = 200;
    });
  });
  const std::string hooks = "    webhooks:\n"
                            "      - name: slow\n"
                            "        type: pre-rollout\n"
                            "        timeout: 10s\n"
                            "        url: " + server.url() + "/slow\n"
                            "      - name: next\n"
                            "        type: pre-rollout\n"
                            "        url: " + server.url() + "/next\n";
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", hooks)}}, "add podinfo");
  ChildProcess serve(Serve(repo, dir / "cache0", "replica-0", "2s"), dir.path(), dir / "serve0.log");
  const auto deadline = Clock::now() + std::chrono::seconds(28);
  REQUIRE_MESSAGE(WaitForPhase(repo, "podinfo", "Initialized", deadline), AllLogs(dir, 1));
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", hooks)}}, "podinfo 1.0.1");
  REQUIRE_MESSAGE(WaitForPhase(repo, "podinfo", "Progressing", deadline), AllLogs(dir, 1));
  const std::string before = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"}).out;
  REQUIRE(WaitFor([&] { return intruder_until > 0; }, deadline));
  // While the intruder holds the lease: no call to the next hook, no commit.
  while (WallMs() < intruder_until - 100 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::string during = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"}).out;
  const int next_during = recorder.CountOf("/next ");
  const std::string log_during = testing::ReadFile(dir / "serve0.log");
  // Then serve takes the lease back and redoes the step: the slow hook again, then the next one.
  const bool resumed = WaitFor([&] { return repo.LatestStatus("podinfo").weight >= 10; }, deadline);
  serve.Stop(SIGTERM, std::chrono::seconds(5));
  INFO(AllLogs(dir, 1));
  std::string call_list;
  for (const std::string& c : recorder.Calls()) call_list += c + "\n";
  INFO(call_list);
  CHECK(next_during == 0);
  CHECK(during == before);
  CHECK(log_during.find("lease lost during the pass: intruder holds it until ") != std::string::npos);
  CHECK(log_during.find("stopped before pre-rollout webhook next of canary test/podinfo") != std::string::npos);
  CHECK(resumed);
  CHECK(slow_calls == 2);
  CHECK(recorder.CountOf("/next ") == 1);
  // The redone step is committed once (the steps after it may follow before serve stops).
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")).rfind("Initialized 0, Progressing 0, Progressing 10", 0) == 0);
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")).find("Progressing 10, Progressing 10") == std::string::npos);
}

}  // namespace gitcanary
