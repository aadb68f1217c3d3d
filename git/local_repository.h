// A repository on this machine as a person works in it: found from any
// directory inside it, as git finds it; its configured identity; how its
// branch stands against the branch's upstream; and its uncommitted changes.
//
//   FindRepository("apps/web")   the repository holding apps/web, searching
//                                upward like git (a work tree, its .git, or
//                                a bare repository), with the path of
//                                apps/web inside the work tree ("apps/web"
//                                from the top, "" for the top, a .git or a
//                                bare repository).
//   ConfiguredIdentity(path)     user.name and user.email as `git config`
//                                reads them: the repository's config over the
//                                global, XDG and system files; with no
//                                repository (a remote URL) those files only.
//   CompareWithUpstream(...)     commits of the local branch not on its
//                                upstream (ahead) and the other way (behind),
//                                against the remote-tracking branch as last
//                                fetched.
//   UncommittedChanges(path)     the files whose work-tree content differs
//                                from HEAD (staged or not, untracked files
//                                included, ignored ones not).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::git {

struct RepoLocation {
  std::string root;    // the work tree's top, else the git directory (no trailing slash)
  bool bare = false;   // no work tree
  std::string prefix;  // the given path inside the work tree: "" or "apps/web"
};

// Invalid, naming `path`, when no repository holds it.
Result<RepoLocation> FindRepository(const std::string& path);

struct Identity {
  std::string name, email;  // "" when not configured
};

// `repo_path` "" reads the global, XDG and system config only.
Identity ConfiguredIdentity(const std::string& repo_path);

struct UpstreamState {
  std::string remote;    // "origin"
  std::string upstream;  // "origin/main"
  bool fetched = false;  // the remote-tracking branch exists; else ahead/behind are 0
  std::size_t ahead = 0, behind = 0;
};

// nullopt when `branch` has no upstream configured or the repository is bare.
Result<std::optional<UpstreamState>> CompareWithUpstream(const std::string& repo_path, const std::string& branch);

struct WorktreeChange {
  std::string path;  // '/'-separated, relative to the top
  bool deleted = false;
};

// Sorted by path. Invalid for a bare repository or one with no commit yet.
Result<std::vector<WorktreeChange>> UncommittedChanges(const std::string& repo_path);

}  // namespace gitcanary::git
