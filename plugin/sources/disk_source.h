// DiskSource: the FileSource over a directory on disk, plus repository lookup.
//
// Render reads an app directory through this when it renders the work tree.
// Paths are relative to the root given at construction ("" is the root
// itself). It has lstat semantics throughout so that it agrees with
// git::TreeSource on the same tree: List() reports symlinks as kSymlink with
// the readlink text and TypeOf() does not follow them; Read/List of a
// path whose last component is a symlink is an error (symlinks are never
// followed).
//
// A render reads thousands of files, so each costs no more than open, read
// and close. A directory is listed, once, with getdents64, when List asks for
// it, when a second name in it is asked about, or a first one when its parent
// is listed (a walk down the tree); the listing is kept, and
// TypeOf and Read take a path's type from its parent's listing (d_type). A
// lone question (gitcanary.yaml in each directory up to the repository's
// top) costs an lstat and lists nothing. A file the listing
// says is regular is read with one read(2) into a per-thread buffer, which
// bounds its size without a stat; a file that fills the buffer is sized with
// fstat before the rest is read, so one over the limit is refused after its
// first 64 KiB. Any other path gets open, fstat, read, as before the listing
// (a directory or FIFO is refused by its type). A DiskSource therefore
// assumes its tree does not change while it is used: code that writes to a
// tree makes a new one to read it again.
//
// Paths above an app's root: FindRepoRoot(app_dir) gives the repository top,
// PathBelow(repo_root, app_dir) the app's prefix inside it; a DiskSource on the
// repository top then reaches every config file by prefixed path, the same
// way git::TreeSource::AtRoot("") does for a commit.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"

namespace gitcanary::plugin {

class DiskSource : public FileSource {
 public:
  // `root` is a directory path as the user typed it ("." , "examples/x",
  // "/abs/dir"); trailing slashes are dropped.
  explicit DiskSource(std::string root);

  const std::string& Root() const { return root_; }

  Result<std::vector<DirEntry>> List(const std::string& dir) const override;
  EntryType TypeOf(const std::string& path) const override;
  Result<std::string> Read(const std::string& path, std::size_t max_bytes = kNoLimit) const override;
  // The path joined onto the root as the user would type it: with root "."
  // just `path`; with root "examples/x", "examples/x/deployment.yaml".
  std::string Describe(const std::string& path) const override;

 private:
  Result<std::vector<DirEntry>> ListUncached(const std::string& dir) const;
  // The kept listing of `dir` (errors kept too), listed on first use.
  std::shared_ptr<const Result<std::vector<DirEntry>>> Listing(const std::string& dir) const;
  // The type of `path` from its parent's listing (kOther when not listed in
  // it), or from an earlier lstat of it; the parent is listed on a question
  // about a second name in it, or on the first when the parent's own parent
  // is listed (a walk down a tree: the directories of a kustomization's
  // resources). Nothing when it is the first question about a parent
  // otherwise, the parent cannot be listed, or `path` ends in ".", ".." or "/".
  std::optional<EntryType> ListedType(const std::string& path) const;

  std::string root_;
  mutable std::mutex mu_;  // the loader reads from several threads
  mutable std::unordered_map<std::string, std::shared_ptr<const Result<std::vector<DirEntry>>>> listings_;
  mutable std::unordered_map<std::string, int> questions_;         // about names in a directory not listed
  mutable std::unordered_map<std::string, EntryType> looked_up_;  // paths answered by lstat
};

// The nearest of `dir` and its ancestors that holds a `.git` entry (directory
// or file), spelled lexically from `dir` ("a/b" -> "a/b", "a", ".", "..",
// "../..", ...); "" when there is none up to the file system root. Error when
// `dir` itself does not exist.
Result<std::string> FindRepoRoot(const std::string& dir);

// Lexical parent: "a/b" -> "a", "a" -> ".", "." -> "..", ".." -> "../..",
// "/a" -> "/", "/" -> "/". Empty and "." segments are dropped first.
std::string ParentDir(const std::string& dir);

// `path` relative to directory `base` after resolving both with realpath:
// "" when they are the same directory, "apps/a" when below it; an error when
// `path` is not inside `base` or either cannot be resolved.
Result<std::string> PathBelow(const std::string& base, const std::string& path);

}  // namespace gitcanary::plugin
