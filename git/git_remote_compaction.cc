// GitRemote::Compact: the cache's compaction (git/cache_compaction.h), in
// this process or a helper child, and the reopening of the cache that
// releases the removed packs.
#include <chrono>
#include <filesystem>

#include "git/child_process.h"
#include "git/git_remote.h"

namespace gitcanary::git {
namespace {

// A full compaction of a very large history takes minutes; a hung helper is
// killed after this.
constexpr long long kHelperTimeoutMs = 30LL * 60 * 1000;

}  // namespace

std::vector<std::string> CompactionHelperArgs(const std::string& cache_dir, const CompactionPolicy& policy) {
  return {"--max-packs",     std::to_string(policy.max_packs),     "--max-loose", std::to_string(policy.max_loose),
          "--grace-seconds", std::to_string(policy.grace_seconds), cache_dir};
}

Result<bool> GitRemote::Compact(bool force) {
  if (!force && !NeedsCompaction(MeasureCache(path_), compaction_)) return false;
  const CompactionPlan plan = PlanCompaction(path_, compaction_);
  const bool in_child = !helper_.empty() && (plan.full() || plan.rewritten > 0);
  if (in_child) {
    std::vector<std::string> argv = helper_;
    for (std::string& a : CompactionHelperArgs(path_, compaction_)) argv.push_back(std::move(a));
    // The helper's reasons go to a file in the cache, read back on failure.
    const std::string err = path_ + "/gitcanary-compaction.err";
    auto rc = RunChild(argv, ChildFiles{"/dev/null", "/dev/null", err}, kHelperTimeoutMs);
    std::string reason = ReadSmallFile(err);
    std::error_code ec;
    std::filesystem::remove(err, ec);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    if (!rc.ok()) return Status::Io("the compaction helper: " + rc.status().message());
    if (*rc != 0)
      return Status::Io("the compaction helper " + argv[0] + " failed (exit " + std::to_string(*rc) +
                        "): " + (reason.empty() ? "no reason given" : reason));
  } else {
    const long long now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto done = CompactCache(repo_.get(), path_, compaction_, now);
    if (!done.ok()) return done.status();
  }
  // libgit2 keeps every pack it loaded open and mapped, removed or not,
  // until the repository is freed.
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Io("reopening the git cache " + path_ + " after compacting it: " + LastGitError());
  repo_.reset(raw);
  ++compactions_;
  if (in_child) ++child_compactions_;
  compaction_error_.clear();
  return true;
}

}  // namespace gitcanary::git
