// GitRemote::Compact: the cache's compaction (git/cache_compaction.h) and the
// reopening of the cache that releases the removed packs.
#include <chrono>

#include "git/git_remote.h"

namespace gitcanary::git {

Result<bool> GitRemote::Compact(bool force) {
  if (!force && !NeedsCompaction(MeasureCache(path_), compaction_)) return false;
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto done = CompactCache(repo_.get(), path_, compaction_, now);
  if (!done.ok()) return done.status();
  // libgit2 keeps every pack it loaded open and mapped, removed or not,
  // until the repository is freed.
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Io("reopening the git cache " + path_ + " after compacting it: " + LastGitError());
  repo_.reset(raw);
  ++compactions_;
  compaction_error_.clear();
  return true;
}

}  // namespace gitcanary::git
