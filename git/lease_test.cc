// Tests for git::Lease against a real bare repository: one holder at a time,
// renewal at half the ttl, take-over after expiry, Release, a race of several
// replicas for a free lease and three replicas racing with short ttls, and a
// ref that stays one parentless commit however often it is renewed.
#include "git/lease.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "tests/test_util.h"

namespace gitcanary::git {
namespace {

using gitcanary::testing::Run;
using gitcanary::testing::TempDir;

constexpr long long kStart = 1'700'000'000'000;
constexpr long long kTtl = 10'000;

std::string Git(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, "", {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}}, 60);
  INFO("git " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// `git -C dir ARGS` with a fixed committer, for commits made by the CLI.
std::string GitEnv(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, "",
               {{"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"}, {"GIT_AUTHOR_NAME", "Old"},
                {"GIT_AUTHOR_EMAIL", "old@example.com"}, {"GIT_COMMITTER_NAME", "Old"},
                {"GIT_COMMITTER_EMAIL", "old@example.com"}},
               60);
  INFO("git " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// An empty bare repository at tmp/remote.git.
std::string MakeBare(const TempDir& tmp) {
  const std::string bare = tmp / "remote.git";
  Git(tmp.path(), {"init", "-q", "--bare", bare});
  return bare;
}

std::unique_ptr<GitRemote> OpenOk(const std::string& url, const std::string& cache) {
  auto remote = GitRemote::Open(url, cache, {});
  INFO(remote.status().message());
  REQUIRE(remote.ok());
  return std::move(*remote);
}

bool AcquireOk(Lease& lease, long long now) {
  auto got = lease.Acquire(now);
  INFO(got.status().message());
  REQUIRE(got.ok());
  return *got;
}

TEST_CASE("GitLease: messages round-trip and garbage reads as free") {
  const LeaseInfo info = ParseLeaseMessage(LeaseMessage("pod-1", 1234));
  CHECK(info.holder == "pod-1");
  CHECK(info.expires_ms == 1234);
  CHECK(LeaseMessage("pod-1", 1234) == "gitcanary lease\n\nholder: pod-1\nexpires: 1234\n");
  CHECK(ParseLeaseMessage("hello\n").holder.empty());
  CHECK(ParseLeaseMessage("gitcanary lease\n\nholder: x\nexpires: soon\n").holder.empty());
}

TEST_CASE("GitLease: one holder wins, the other waits for expiry, then takes over") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  auto remote_a = OpenOk(bare, tmp / "cache-a");
  auto remote_b = OpenOk(bare, tmp / "cache-b");
  Lease a(remote_a.get(), "replica-a", kTtl);
  Lease b(remote_b.get(), "replica-b", kTtl);
  const std::string ref = "refs/gitcanary/lease";

  CHECK(AcquireOk(a, kStart));
  CHECK(a.Current().holder == "replica-a");
  CHECK(a.Current().expires_ms == kStart + kTtl);
  const std::string first = Git(bare, {"rev-parse", ref});
  CHECK(a.Current().commit == first);
  CHECK(Git(bare, {"log", "-1", "--format=%B", ref}) == "gitcanary lease\n\nholder: replica-a\nexpires: " +
                                                          std::to_string(kStart + kTtl));
  CHECK(Git(bare, {"rev-parse", ref + "^{tree}"}) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");

  CHECK_FALSE(AcquireOk(b, kStart + 100));
  CHECK(b.Current().holder == "replica-a");

  CHECK(AcquireOk(a, kStart + 1000));  // more than half left: no push
  CHECK(Git(bare, {"rev-parse", ref}) == first);
  CHECK(AcquireOk(a, kStart + 6000));  // less than half left: replaced by a renewal
  const std::string renewed = Git(bare, {"rev-parse", ref});
  CHECK(renewed != first);
  CHECK(Git(bare, {"log", "-1", "--format=%P", ref}).empty());  // no parent
  CHECK(a.Current().commit == renewed);
  CHECK(a.Current().expires_ms == kStart + 6000 + kTtl);

  CHECK_FALSE(AcquireOk(b, kStart + 15'999));
  CHECK(AcquireOk(b, kStart + 16'000));  // expired: b takes over
  CHECK(b.Current().holder == "replica-b");
  CHECK(Git(bare, {"rev-parse", ref}) != renewed);
  CHECK(Git(bare, {"log", "-1", "--format=%P", ref}).empty());
  CHECK_FALSE(AcquireOk(a, kStart + 17'000));
  CHECK(a.Current().holder == "replica-b");
}

TEST_CASE("GitLease: Release lets another replica take over at once") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  auto remote_a = OpenOk(bare, tmp / "cache-a");
  auto remote_b = OpenOk(bare, tmp / "cache-b");
  Lease a(remote_a.get(), "replica-a", kTtl);
  Lease b(remote_b.get(), "replica-b", kTtl);
  CHECK(b.Release(kStart).ok());  // nothing to release
  CHECK(AcquireOk(a, kStart));
  CHECK_FALSE(AcquireOk(b, kStart + 10));
  const std::string held = Git(bare, {"rev-parse", "refs/gitcanary/lease"});
  CHECK(b.Release(kStart + 15).ok());  // not b's: no change
  CHECK(Git(bare, {"rev-parse", "refs/gitcanary/lease"}) == held);
  CHECK(a.Release(kStart + 20).ok());
  CHECK(a.Current().expires_ms <= kStart + 20);
  CHECK(AcquireOk(b, kStart + 30));
  CHECK(b.Current().holder == "replica-b");
  CHECK_FALSE(AcquireOk(a, kStart + 40));
}

TEST_CASE("GitLease: of several replicas racing for a free lease exactly one wins") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  constexpr int kReplicas = 4;
  std::vector<std::unique_ptr<GitRemote>> remotes;
  std::vector<std::unique_ptr<Lease>> leases;
  for (int i = 0; i < kReplicas; ++i) {
    remotes.push_back(OpenOk(bare, tmp / ("cache" + std::to_string(i))));
    leases.push_back(std::make_unique<Lease>(remotes.back().get(), "replica-" + std::to_string(i), kTtl));
  }
  std::atomic<int> winners{0}, errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      auto got = leases[i]->Acquire(kStart);
      if (!got.ok()) ++errors;
      else if (*got) ++winners;
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(winners == 1);
  // Everyone agrees on the holder afterwards.
  std::string holder;
  for (auto& lease : leases) {
    (void)AcquireOk(*lease, kStart + 1);
    if (holder.empty()) holder = lease->Current().holder;
    CHECK(lease->Current().holder == holder);
  }
}

// The objects reachable from the remote's lease ref, one per line.
std::size_t LeaseObjects(const std::string& bare) {
  const std::string listed = Git(bare, {"rev-list", "--objects", "refs/gitcanary/lease"});
  return static_cast<std::size_t>(std::count(listed.begin(), listed.end(), '\n')) + (listed.empty() ? 0 : 1);
}

TEST_CASE("GitLease: the ref stays one parentless commit on the empty tree through 200 renewals") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  auto remote = OpenOk(bare, tmp / "cache");
  Lease lease(remote.get(), "replica-a", kTtl);
  std::set<std::string> commits;
  // 6 s apart with a 10 s ttl, each Acquire finds 4 s left (under half) and renews.
  for (int i = 0; i < 200; ++i) {
    const long long now = kStart + i * 6000LL;
    REQUIRE(AcquireOk(lease, now));
    REQUIRE(lease.Current().expires_ms == now + kTtl);
    commits.insert(lease.Current().commit);
  }
  CHECK(commits.size() == 200);  // each renewal wrote a new commit
  CHECK(Git(bare, {"rev-parse", "refs/gitcanary/lease"}) == lease.Current().commit);
  // A root commit reaches itself and its tree, and the empty tree reaches nothing more.
  CHECK(LeaseObjects(bare) == 2);
  CHECK(Git(bare, {"log", "-1", "--format=%P", "refs/gitcanary/lease"}).empty());
  CHECK(Git(bare, {"rev-parse", "refs/gitcanary/lease^{tree}"}) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  CHECK(Git(bare, {"log", "-1", "--format=%B", "refs/gitcanary/lease"}) ==
        "gitcanary lease\n\nholder: replica-a\nexpires: " + std::to_string(kStart + 199 * 6000LL + kTtl));
  CHECK(lease.Release(kStart + 199 * 6000LL + 1).ok());
  CHECK(LeaseObjects(bare) == 2);
}

TEST_CASE("GitLease: a chain of lease commits left by an older version is replaced by one root commit") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  const std::string empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  std::string tip;
  for (int i = 0; i < 3; ++i) {  // an expired chain: old-replica's lease, renewed twice
    std::vector<std::string> args{"commit-tree", empty_tree, "-m", LeaseMessage("old-replica", kStart - 3000 + i)};
    if (!tip.empty()) args.insert(args.end(), {"-p", tip});
    tip = GitEnv(bare, args);
  }
  Git(bare, {"update-ref", "refs/gitcanary/lease", tip});
  REQUIRE(LeaseObjects(bare) == 4);  // three commits and the one tree they share

  auto remote = OpenOk(bare, tmp / "cache");
  Lease lease(remote.get(), "replica-a", kTtl);
  CHECK(AcquireOk(lease, kStart));
  CHECK(lease.Current().holder == "replica-a");
  CHECK(LeaseObjects(bare) == 2);
  CHECK(Git(bare, {"log", "-1", "--format=%P", "refs/gitcanary/lease"}).empty());
}

// Three replicas, each with its own GitRemote and cache, take and release a
// lease with a short ttl in many rounds on the wall clock. Each one's hold
// runs from the time a won Acquire was called to the expiry it wrote, cut
// short at the time it calls Release; no two holders' holds may overlap.
TEST_CASE("GitLease: three replicas racing with short ttls never hold the lease at the same instant") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  constexpr int kReplicas = 3, kRounds = 60;
  constexpr long long kShortTtl = 60;
  const auto origin = std::chrono::steady_clock::now();
  auto now_ms = [&] {
    return kStart + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - origin)
                        .count();
  };
  struct Hold {
    int replica;
    long long from, to;
  };
  std::mutex mu;
  std::vector<Hold> holds;
  std::vector<std::string> failures;
  auto replica = [&](int id) {
    auto opened = GitRemote::Open(bare, tmp / ("cache" + std::to_string(id)), {});
    if (!opened.ok()) { std::lock_guard<std::mutex> lock(mu); failures.push_back(opened.status().message()); return; }
    Lease lease(opened->get(), "replica-" + std::to_string(id), kShortTtl);
    std::mt19937 rng(1234 + id);
    auto fail = [&](const std::string& what) { std::lock_guard<std::mutex> lock(mu); failures.push_back(what); };
    for (int round = 0; round < kRounds; ++round) {
      bool holding = false;
      // Take the lease, then renew it a few times while "working".
      for (int renewal = 0, renewals = static_cast<int>(rng() % 3); renewal <= renewals; ++renewal) {
        const long long at = now_ms();
        auto got = lease.Acquire(at);
        if (!got.ok()) return fail(got.status().message());
        if (!*got) break;
        holding = true;
        {
          std::lock_guard<std::mutex> lock(mu);
          holds.push_back({id, at, lease.Current().expires_ms});
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % (kShortTtl * 2 / 3)));
      }
      if (holding && rng() % 2 == 0) {  // release half the time; otherwise let it expire
        const long long at = now_ms();
        {
          std::lock_guard<std::mutex> lock(mu);
          for (Hold& hold : holds)
            if (hold.replica == id && hold.to > at) hold.to = at;
        }
        if (Status st = lease.Release(at); !st.ok()) return fail(st.message());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 20));
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) threads.emplace_back(replica, i);
  for (std::thread& t : threads) t.join();
  for (const std::string& f : failures) FAIL_CHECK(f);
  std::set<int> holders;
  for (const Hold& hold : holds) holders.insert(hold.replica);
  MESSAGE(holds.size() << " holds won by " << holders.size() << " replicas");
  // The lease really changed hands. (That each of the three won it at least
  // once is likely, not certain: on a loaded machine one can lose every race.)
  CHECK(holders.size() >= 2);
  int overlaps = 0;
  for (std::size_t i = 0; i < holds.size(); ++i)
    for (std::size_t j = i + 1; j < holds.size(); ++j) {
      const Hold& x = holds[i];
      const Hold& y = holds[j];
      if (x.replica == y.replica || x.from >= x.to || y.from >= y.to) continue;
      if (x.from < y.to && y.from < x.to) {
        ++overlaps;
        MESSAGE("replica-" << x.replica << " [" << x.from - kStart << ", " << x.to - kStart << ") overlaps replica-"
                           << y.replica << " [" << y.from - kStart << ", " << y.to - kStart << ")");
      }
    }
  CHECK(overlaps == 0);
  CHECK(LeaseObjects(bare) == 2);
}

}  // namespace
}  // namespace gitcanary::git
