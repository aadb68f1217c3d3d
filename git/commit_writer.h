// Commit building blocks on an open libgit2 repository, shared by GitRemote
// (which writes into its bare cache) and CommitToLocalBranch (which writes
// into an operator's clone).
//
// CreateCommit turns a parent commit and a list of FileChanges into a new
// commit object, building nested trees with git_treebuilder and, with a
// Signer, adding a gpgsig header made by ssh-keygen or gpg run as a child
// process (no shell). No ref moves here. The oid helpers convert between the
// 40-character hex ids of the public interface and git_oid.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "git/git_remote.h"
#include "git/libgit2_handle.h"

namespace gitcanary::git {

// `hex` as an oid; Invalid naming `what` unless it is 40 hex digits.
Result<git_oid> ParseOid(const std::string& hex, const std::string& what);
std::string OidHex(const git_oid& oid);

// The commit `hex` in `repo`; Invalid naming `what` when it is not one.
Result<GitPtr<git_commit>> LookupCommit(git_repository* repo, const std::string& hex, const std::string& what);

// A new commit on `parent` ("" = root) with `changes` applied to its tree.
Result<std::string> CreateCommit(git_repository* repo, const std::string& parent,
                                 const std::vector<FileChange>& changes, const Author& author, long long when_seconds,
                                 const std::string& message, const Signer& signer);

// Invalid unless `path` is a clean relative '/'-separated path (no empty,
// ".", ".." or ".git" component).
Status CheckTreePath(const std::string& path);

}  // namespace gitcanary::git
