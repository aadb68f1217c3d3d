// LeaseKeeper against a real bare repository: it keeps the lease for several
// ttls without the caller doing anything, and StillHeld() turns false soon
// after the lease is taken by someone else or the remote becomes unreachable.
#include "plugin/serve/lease_keeper.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "policies/status_state.h"
#include "tests/lease_ref.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using testing::TempDir;

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string MakeBare(const TempDir& tmp) {
  const std::string bare = tmp / "remote.git";
  REQUIRE(testing::Run({"/usr/bin/git", "init", "-q", "--bare", bare}).exit_code == 0);
  return bare;
}

std::unique_ptr<LeaseKeeper> Keeper(const std::string& bare, const std::string& cache, const std::string& holder,
                                    long long ttl_ms) {
  auto remote = git::GitRemote::Open(bare, cache, {});
  INFO(remote.status().message());
  REQUIRE(remote.ok());
  return std::make_unique<LeaseKeeper>(std::move(*remote), holder, ttl_ms, WallMs);
}

bool AcquireOk(LeaseKeeper& keeper) {
  auto held = keeper.Acquire();
  INFO(held.status().message());
  REQUIRE(held.ok());
  return *held;
}

// Polls StillHeld() every 10 ms for `ms`; the number of polls that failed.
int FailedChecks(const LeaseKeeper& keeper, long long ms) {
  int failed = 0;
  for (const long long end = WallMs() + ms; WallMs() < end;) {
    failed += !keeper.StillHeld().ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return failed;
}

// Waits up to `ms` for StillHeld() to fail; its error, or "" when it never did.
std::string FirstFailure(const LeaseKeeper& keeper, long long ms) {
  for (const long long end = WallMs() + ms; WallMs() < end;) {
    if (Status s = keeper.StillHeld(); !s.ok()) return s.message();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "";
}

TEST_CASE("lease keeper: the lease stays held for four ttls without the caller renewing it") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  auto keeper = Keeper(bare, tmp / "a", "replica-a", 1000);
  CHECK_FALSE(keeper->StillHeld().ok());  // not taken yet
  REQUIRE(AcquireOk(*keeper));
  const long long first_expiry = keeper->HeldUntilMs();
  CHECK(FailedChecks(*keeper, 4000) == 0);
  // Another replica finds it taken throughout, and the ref names this one.
  auto other = Keeper(bare, tmp / "b", "replica-b", 1000);
  CHECK_FALSE(AcquireOk(*other));
  CHECK(testing::ReadLeaseRef(bare).holder == "replica-a");
  CHECK(keeper->HeldUntilMs() > first_expiry + 3000);
  // A renewal at about every ttl/2: 8 in 4 s, give or take one at each end.
  MESSAGE("renewals in 4 s at a 1 s ttl: " << keeper->Renewals() << ", lease fetches: " << keeper->Ticks());
  CHECK(keeper->Renewals() >= 6);
  CHECK(keeper->Renewals() <= 9);
  // What a pass pays per outbound call: an atomic load and a clock read.
  const auto start = std::chrono::steady_clock::now();
  int held = 0;
  for (int i = 0; i < 100000; ++i) held += keeper->StillHeld().ok();
  const auto per_check = (std::chrono::steady_clock::now() - start) / 100000;
  MESSAGE("StillHeld(): " << std::chrono::duration_cast<std::chrono::nanoseconds>(per_check).count() << " ns");
  CHECK(held == 100000);
  CHECK(per_check < std::chrono::microseconds(20));
  // Release hands it over at once.
  REQUIRE(keeper->Release().ok());
  CHECK_FALSE(keeper->StillHeld().ok());
  CHECK(AcquireOk(*other));
}

TEST_CASE("lease keeper: a lease taken by another holder stops StillHeld within a quarter ttl") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  // A ttl long enough that the keeper's own expiry (its other reason to stop)
  // cannot come first on a loaded machine.
  auto keeper = Keeper(bare, tmp / "a", "replica-a", 6000);
  REQUIRE(AcquireOk(*keeper));
  const long long intruder_until = WallMs() + 60000;
  REQUIRE(testing::WriteLeaseRef(bare, "intruder", intruder_until));
  const auto written = std::chrono::steady_clock::now();
  const std::string why = FirstFailure(*keeper, 6000);
  const auto noticed = std::chrono::steady_clock::now() - written;
  INFO(why);
  CHECK(why == "intruder holds it until " + policies::FormatRfc3339(intruder_until));
  // The thread looks every ttl/4 (1.5 s), plus a fetch.
  CHECK(noticed < std::chrono::milliseconds(2500));
  CHECK(keeper->HeldUntilMs() == 0);
  // The thread does not fight for it: the intruder's lease stays.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  CHECK(testing::ReadLeaseRef(bare).holder == "intruder");
  CHECK(keeper->StillHeld().message() == why);
}

TEST_CASE("lease keeper: an unreachable remote lets the known expiry run out, and the lapsed lease is not retaken") {
  TempDir tmp;
  const std::string bare = MakeBare(tmp);
  auto keeper = Keeper(bare, tmp / "a", "replica-a", 1000);
  REQUIRE(AcquireOk(*keeper));
  std::filesystem::rename(bare, tmp / "moved.git");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a renewal under way when it moved ends
  const long long until = keeper->HeldUntilMs();
  const std::string why = FirstFailure(*keeper, 2000);
  const long long failed_at = WallMs();
  INFO(why);
  // Held while at least ttl/4 (250 ms) is left of the last known expiry, not after.
  CHECK(failed_at >= until - 250);
  CHECK(failed_at <= until - 250 + 150);
  CHECK(why.find(" ms of the lease left, under the 250 ms margin: the last renewal failed: ") != std::string::npos);
  CHECK(keeper->HeldUntilMs() == until);
  // The remote comes back after the lease lapsed: the keeper notes the lapse and does not take it back.
  std::this_thread::sleep_for(std::chrono::milliseconds(std::max(0LL, until - WallMs()) + 100));
  std::filesystem::rename(tmp / "moved.git", bare);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(keeper->HeldUntilMs() == 0);
  CHECK(keeper->StillHeld().message().find("it lapsed at " + policies::FormatRfc3339(until)) == 0);
  CHECK(testing::ReadLeaseRef(bare).expires_ms == until);
  // The loop, between passes, takes it afresh.
  CHECK(AcquireOk(*keeper));
  CHECK(keeper->StillHeld().ok());
}

}  // namespace
}  // namespace gitcanary::plugin
