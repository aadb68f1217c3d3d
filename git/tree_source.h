// TreeSource: a FileSource over one commit's tree, read through libgit2.
//
// It lets render read an app exactly as it was committed at any revision,
// without a checkout: Open() resolves the revision (branch, tag, full or short
// SHA, HEAD~1, ...; anything git_revparse_single accepts that peels to a
// commit) and serves that commit's tree. Entry modes map as 100644/100755 ->
// kFile, 040000 -> kDirectory, 120000 -> kSymlink (link_target = the blob
// content) and 160000 (submodule) -> kOther. Symlinks are never followed:
// Read/List of a symlink is an error, as in plugin::DiskSource.
//
// Roots and paths above the root. Open's `subdir` (for example "apps/a")
// becomes the root, so paths given to the FileSource methods are relative to
// it; RootPrefix() returns that subdir in clean form ("" for the whole tree).
// To read files ABOVE the root (config lookup walking up to the repository
// top), call AtRoot("") for a source over the whole tree of the same commit
// (it shares the open repository) and prefix paths with RootPrefix():
//   auto whole = tree->AtRoot("");          // root = top of the commit's tree
//   whole->Read("gitcanary.yaml");          // repository-level config
//   whole->Read("apps/gitcanary.yaml");     // a config beside the app dir
// Describe(path) always names the full path from the top of the tree in git's
// own `REV:path` syntax ("HEAD~1:apps/a/deployment.yaml").
//
// A TreeSource owns (a shared reference to) the repository and releases it on
// destruction. Calls from several threads at once are safe, as FileSource
// requires: they take turns on one lock of the shared repository.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "git/libgit2_handle.h"

namespace gitcanary::git {

class TreeSource : public FileSource {
 public:
  // repo_path: a work tree, its .git directory, or a bare repository (no
  // upward search). revision: as for `git rev-parse`. subdir: "" or a
  // '/'-separated directory inside the commit's tree that becomes the root.
  // Errors (Status::Invalid): not a repository, unknown revision, a revision
  // that is not a commit, a subdir that is missing or not a directory.
  static Result<std::unique_ptr<FileSource>> Open(const std::string& repo_path,
                                                  const std::string& revision,
                                                  const std::string& subdir);
  // Same as Open, keeping the concrete type (for RootPrefix and AtRoot).
  static Result<std::unique_ptr<TreeSource>> OpenTree(const std::string& repo_path,
                                                      const std::string& revision,
                                                      const std::string& subdir);

  // Another source over the same commit rooted at `subdir`, which is relative
  // to the TOP of the commit's tree (not to this source's root). AtRoot("")
  // is the whole tree.
  Result<std::unique_ptr<TreeSource>> AtRoot(const std::string& subdir) const;

  // This source's root relative to the top of the tree: "" or "apps/a".
  const std::string& RootPrefix() const { return prefix_; }
  // The revision string as given to Open.
  const std::string& Revision() const;
  // The id of the commit the revision resolved to (40 hex digits).
  const std::string& CommitId() const;
  // The repository's git directory shared by all its work trees (".../.git/"
  // or a bare repository's own directory), with a trailing slash.
  const std::string& GitDir() const;

  Result<std::vector<DirEntry>> List(const std::string& dir) const override;
  EntryType TypeOf(const std::string& path) const override;
  Result<std::string> Read(const std::string& path, std::size_t max_bytes = kNoLimit) const override;
  std::string Describe(const std::string& path) const override;

  struct Repo;  // the open repository and commit tree, shared by AtRoot sources

 private:
  TreeSource(std::shared_ptr<const Repo> repo, std::string prefix, GitPtr<git_tree> root);

  // The entry at `path` (relative to the root); nullptr with ok status when
  // absent. Never called with "" (the root has no entry).
  Result<GitPtr<git_tree_entry>> Entry(const std::string& path) const;
  // The tree at `dir`, or an error naming it when missing or not a directory.
  Result<GitPtr<git_tree>> TreeAt(const std::string& dir) const;
  // The blob entry of the regular file at `path`, or an error naming it.
  Result<GitPtr<git_tree_entry>> FileEntry(const std::string& path) const;
  Result<std::string> BlobText(const git_oid* id, const std::string& path) const;

  std::shared_ptr<const Repo> repo_;
  std::string prefix_;
  GitPtr<git_tree> root_;
};

}  // namespace gitcanary::git
