// A commit's tree as a command's input: `render`, `lint` and `simulate` given
// --repo PATH [--revision REV] read DIR from the commit instead of the disk.
//
// Two implementations, one linked into each executable (sibling_exec.h):
//   commit_input_git.cc   gitcanary-git, gitcanary-serve and the tests: opens
//                         the tree through libgit2.
//   commit_input_exec.cc  gitcanary, which links no libgit2: hands the whole
//                         command line to gitcanary-git by exec. Commands open
//                         their input before they write anything, so the
//                         hand-over is invisible to the caller.
#pragma once

#include <memory>
#include <string>

#include "core/file_source.h"
#include "core/status.h"

namespace gitcanary::plugin {

struct CommitInput {
  std::unique_ptr<FileSource> tree;  // rooted at the repository's top
  std::string dir;                   // DIR within it, clean ("" = the top)
  std::string commit;                // the commit's full id
};

// `repo` is --repo PATH: the repository holding it is found upward as git
// finds it. `dir` is DIR as given, relative to PATH as after `git -C PATH`
// (PATH the top itself, a .git directory or a bare repository leaves DIR
// relative to the top); an absolute DIR must lie inside the work tree. DIR
// leading out of the repository is an error.
Result<CommitInput> OpenCommitInput(const std::string& repo, const std::string& dir, const std::string& revision);

}  // namespace gitcanary::plugin
