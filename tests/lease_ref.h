// The lease ref of a bare repository, read and forcibly written with the git
// command line, as a person (or a misbehaving replica) could: for tests of
// serve's lease renewal.
#pragma once

#include <string>

#include "git/lease.h"
#include "tests/test_util.h"

namespace gitcanary::testing {

// The lease as refs/gitcanary/lease of `bare` says; holder "" when missing.
inline git::LeaseInfo ReadLeaseRef(const std::string& bare) {
  RunResult log = Run({"/usr/bin/git", "--git-dir", bare, "log", "-1", "--format=%H%n%B", "refs/gitcanary/lease"});
  if (log.exit_code != 0) return {};
  const std::size_t eol = log.out.find('\n');
  git::LeaseInfo info = git::ParseLeaseMessage(log.out.substr(eol + 1));
  info.commit = log.out.substr(0, eol);
  return info;
}

// Points refs/gitcanary/lease of `bare` at a new lease commit of `holder`
// expiring at `expires_ms`, whatever it held: not a compare-and-swap.
// Returns whether git succeeded.
inline bool WriteLeaseRef(const std::string& bare, const std::string& holder, long long expires_ms) {
  // No environment for the child: Run sets it after fork, and this may run on a server thread.
  RunResult tree = Run({"/usr/bin/git", "--git-dir", bare, "mktree"});
  if (tree.exit_code != 0) return false;
  while (!tree.out.empty() && tree.out.back() == '\n') tree.out.pop_back();
  RunResult commit = Run({"/usr/bin/git", "-c", "user.name=test", "-c", "user.email=test@localhost", "--git-dir",
                          bare, "commit-tree", tree.out, "-F", "-"},
                         git::LeaseMessage(holder, expires_ms));
  if (commit.exit_code != 0) return false;
  while (!commit.out.empty() && commit.out.back() == '\n') commit.out.pop_back();
  return Run({"/usr/bin/git", "--git-dir", bare, "update-ref", "refs/gitcanary/lease", commit.out}).exit_code == 0;
}

}  // namespace gitcanary::testing
