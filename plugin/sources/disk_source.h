// DiskSource: the FileSource over a directory on disk, plus repository lookup.
//
// Render reads an app directory through this when it renders the work tree.
// Paths are relative to the root given at construction ("" is the root
// itself). It has lstat semantics throughout so that it agrees with
// git::TreeSource on the same tree: List() reports symlinks as kSymlink with
// the readlink text and TypeOf() does not follow them; Read/List of a
// path whose last component is a symlink is an error (symlinks are never
// followed). Read() is one open + fstat + read into a string of the file's
// size, since a render reads thousands of files.
//
// Paths above an app's root: FindRepoRoot(app_dir) gives the repository top,
// PathBelow(repo_root, app_dir) the app's prefix inside it; a DiskSource on the
// repository top then reaches every config file by prefixed path, the same
// way git::TreeSource::AtRoot("") does for a commit.
#pragma once

#include <string>
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
  std::string root_;
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
