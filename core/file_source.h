// FileSource: the read-only file system seen by render.
//
// render/ does no I/O of its own; it walks and reads an app tree through this
// interface. plugin/ provides the disk implementation and git/ provides one that
// reads a commit's tree through libgit2, so both give byte-identical renders.
// Paths are relative to the source's root, '/'-separated, with no leading '/',
// and "" names the root itself. Implementations must allow calls from several
// threads at once: the loader reads files in parallel.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary {

enum class EntryType { kFile, kDirectory, kSymlink, kOther };

struct DirEntry {
  std::string name;        // base name
  EntryType type = EntryType::kOther;
  std::string link_target; // for kSymlink: the link text, as stored
};

class FileSource {
 public:
  virtual ~FileSource() = default;
  // Entries of a directory in any order; error if it is not a directory.
  virtual Result<std::vector<DirEntry>> List(const std::string& dir) const = 0;
  // Type of one path without following a final symlink; kOther if absent.
  virtual EntryType TypeOf(const std::string& path) const = 0;
  // Size in bytes of a regular file (so callers can refuse large files unread).
  virtual Result<std::size_t> SizeOf(const std::string& path) const = 0;
  // Whole contents of a regular file.
  virtual Result<std::string> Read(const std::string& path) const = 0;
  // Display name of `path` for messages (for example the path on disk).
  virtual std::string Describe(const std::string& path) const = 0;
};

}  // namespace gitcanary
