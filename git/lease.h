// Lease: a time-limited lock kept in git, so that of several replicas
// watching one repository only one does the work at a time.
//
// Correctness never depends on the lease: every state change is a commit
// pushed with compare-and-swap on the branch, so two replicas that both think
// they hold the lease still cannot double-apply a step. The lease only keeps
// idle replicas quiet. It lives in its own ref (refs/gitcanary/lease by
// default) as one commit with no parent, on the empty tree, whose message reads
//   gitcanary lease
//
//   holder: ID
//   expires: UNIX_MS
// Taking, renewing and releasing the lease each write a new such commit and
// replace the ref with it (GitRemote::ReplaceRef) under compare-and-swap
// against the lease commit last read ("" when the ref was missing), so of
// several replicas acting on the same reading only one wins. The ref thus
// always reaches exactly two objects, the commit and the empty tree, however
// often it is renewed; a chain of lease commits left by an older version is
// simply replaced. The server must accept non-fast-forward updates of the
// ref (plain git does; a hosting rule against force pushes to it leaves the
// lease untakable once it exists). Times are wall-clock milliseconds
// supplied by the caller; replicas need roughly synchronised clocks (well
// within half the ttl).
#pragma once

#include <string>

#include "core/status.h"
#include "git/git_remote.h"

namespace gitcanary::git {

struct LeaseInfo {
  std::string holder;       // "" when free or unreadable
  long long expires_ms = 0;
  std::string commit;       // the lease commit; "" when the ref is missing
};

class Lease {
 public:
  // `remote` must outlive the Lease. `holder` identifies this replica (no
  // newlines); `ttl_ms` is how long a taken lease lasts.
  Lease(GitRemote* remote, std::string holder, long long ttl_ms, std::string ref = "refs/gitcanary/lease");

  // Fetches the lease ref. Free, expired, or ours with less than half the ttl
  // left: replaces it with a lease for us until now + ttl and returns
  // whether that compare-and-swap won. Ours with more
  // than half left: true without pushing. Another holder's live lease, or a
  // lost race: false.
  Result<bool> Acquire(long long now_ms);
  // If the lease is ours and live, replaces it with an already-expired one
  // so another replica can take over at once. Not ours, or a lost race: Ok, no change.
  Status Release(long long now_ms);
  // The lease as last seen (fetched or pushed).
  const LeaseInfo& Current() const { return current_; }

 private:
  // Fetches the ref and parses its head into current_.
  Status Refresh();
  // Replaces the ref, if it still holds current_.commit, with a new
  // parentless lease commit for `holder_` expiring at `expires_ms`; true
  // when that compare-and-swap won.
  Result<bool> Write(long long expires_ms, long long now_ms);

  GitRemote* remote_;
  std::string holder_;
  long long ttl_ms_;
  std::string ref_;
  LeaseInfo current_;
};

// The message of a lease commit, and its parse (holder "" when unreadable).
std::string LeaseMessage(const std::string& holder, long long expires_ms);
LeaseInfo ParseLeaseMessage(const std::string& message);

}  // namespace gitcanary::git
