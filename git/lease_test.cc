// Tests for git::Lease against a real bare repository: one holder at a time,
// renewal at half the ttl, take-over after expiry, Release, and a race of
// several replicas for a free lease.
#include "git/lease.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
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
  CHECK(AcquireOk(a, kStart + 6000));  // less than half left: renewed on top of the old one
  const std::string renewed = Git(bare, {"rev-parse", ref});
  CHECK(renewed != first);
  CHECK(Git(bare, {"rev-parse", ref + "^"}) == first);
  CHECK(a.Current().expires_ms == kStart + 6000 + kTtl);

  CHECK_FALSE(AcquireOk(b, kStart + 15'999));
  CHECK(AcquireOk(b, kStart + 16'000));  // expired: b takes over
  CHECK(b.Current().holder == "replica-b");
  CHECK(Git(bare, {"rev-parse", ref + "^"}) == renewed);
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

}  // namespace
}  // namespace gitcanary::git
