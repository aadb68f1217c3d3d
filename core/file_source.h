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
  std::string id;          // content id when the source has one (a git object id), else ""
};

inline constexpr std::size_t kNoLimit = static_cast<std::size_t>(-1);

// The error every FileSource gives for a file over the caller's limit.
inline Status FileTooLarge(const std::string& described, std::size_t size, std::size_t limit) {
  return Status::Invalid(described + ": file is " + std::to_string(size) + " bytes, over the limit of " +
                         std::to_string(limit));
}

class FileSource {
 public:
  virtual ~FileSource() = default;
  // Entries of a directory in any order; error if it is not a directory.
  virtual Result<std::vector<DirEntry>> List(const std::string& dir) const = 0;
  // Type of one path without following a final symlink; kOther if absent.
  virtual EntryType TypeOf(const std::string& path) const = 0;
  // Whole contents of a regular file. A file larger than `max_bytes` is refused
  // with FileTooLarge() without being read whole.
  virtual Result<std::string> Read(const std::string& path, std::size_t max_bytes = kNoLimit) const = 0;
  // Display name of `path` for messages (for example the path on disk).
  virtual std::string Describe(const std::string& path) const = 0;
};

}  // namespace gitcanary
