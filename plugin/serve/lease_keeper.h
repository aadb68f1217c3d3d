// LeaseKeeper: serve's lease (git/lease.h), held for as long as this replica
// does the work, renewed from a thread of its own while a pass waits on
// webhooks and metrics, so that no pass outlives the lease it started with.
//
// The serve loop calls Acquire() between passes, as before. Once the lease is
// ours, the keeper's thread calls Lease::Acquire every ttl/4, timed so that a
// renewal lands soon after less than half the ttl is left (Lease renews only
// then); a failed renewal is retried every ttl/20. The thread uses a
// GitRemote of its own on a cache directory of its own (a GitRemote is not
// thread-safe), and one lock orders its calls with the loop's.
//
// The keeper publishes the time until which the lease is known to be ours.
// A renewal that fails leaves that time where it was, so it runs out; a lease
// found taken by another replica, or lapsed before it could be renewed, clears
// it. The thread never takes a lapsed lease back: only the loop, between
// passes, takes a lease afresh.
//
// StillHeld() is what a pass asks before each call that is not committed yet
// (webhooks, metric and readiness queries, the status push): OK while at least
// margin_ms() = ttl/4 of the lease is left. In steady state the lease has
// about ttl/2 left (less a renewal's round trip) at its lowest, so the check fails
// only when renewals have failed for about a quarter of the ttl, or another
// replica holds the lease. The check is an atomic load and a clock read.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/status.h"
#include "git/git_remote.h"
#include "git/lease.h"

namespace gitcanary::plugin {

class LeaseKeeper {
 public:
  using Clock = std::function<long long()>;  // wall-clock Unix ms, as the lease's times are
  // `remote`: the keeper's own GitRemote, on a cache directory nothing else uses.
  LeaseKeeper(std::unique_ptr<git::GitRemote> remote, std::string holder, long long ttl_ms, Clock now);
  ~LeaseKeeper();  // stops the thread; the lease is left as it is (see Release)
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // Takes or renews the lease now (Lease::Acquire); true while it is ours,
  // after which the thread keeps it. An error (remote unreachable) leaves the
  // known expiry as it was.
  Result<bool> Acquire();
  // Stops the thread, then releases the lease if it is ours (Lease::Release).
  Status Release();

  // OK while the lease is ours with at least margin_ms() left; otherwise an
  // error whose message says why ("replica-2 holds it until ...", "the last
  // renewal failed: ...; 180 ms left").
  Status StillHeld() const;
  // Until when the lease is known to be ours (Unix ms); 0 when it is not.
  long long HeldUntilMs() const { return held_until_.load(); }
  long long margin_ms() const { return ttl_ms_ / 4; }
  // Renewals the thread pushed, and its calls to Lease::Acquire, since start.
  long long Renewals() const { return renewals_.load(); }
  long long Ticks() const { return ticks_.load(); }

 private:
  void Run();
  // One renewal attempt; returns how long to wait before the next (ms).
  long long Tick();
  // Under mu_: the lease as seen after an Acquire that returned `held`.
  void Record(bool held);
  void SetWhy(std::string why);

  std::unique_ptr<git::GitRemote> remote_;
  std::string holder_;
  long long ttl_ms_;
  Clock now_;
  std::mutex mu_;  // orders calls on lease_ (and remote_) between the loop and the thread
  git::Lease lease_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mu_
  bool failing_ = false;   // the last renewal failed; under mu_
  std::atomic<long long> held_until_{0};
  std::atomic<long long> renewals_{0};
  std::atomic<long long> ticks_{0};
  mutable std::mutex why_mu_;
  std::string why_;  // why the lease is not (or may soon not be) ours; under why_mu_
  std::thread thread_;
};

}  // namespace gitcanary::plugin
