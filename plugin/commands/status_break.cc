#include "plugin/commands/status_break.h"

#include "plugin/sources/status_reader.h"

namespace gitcanary::plugin {

namespace {

constexpr std::size_t kMaxWalk = 1000;
constexpr std::size_t kLogChunk = 64;

}  // namespace

Result<std::optional<StatusBreak>> FindStatusBreak(RepoAccess& repo, const CatalogEntry& entry,
                                                   const std::string& head) {
  StatusReader reader(repo.remote(), entry);
  StatusBreak out;
  std::string newer_error;  // the error at the commit read before (newer)
  std::string newer_commit, newer_subject;
  std::size_t walked = 0;
  std::string from = head;
  while (!from.empty() && walked < kMaxWalk) {
    auto log = repo.remote()->FirstParentLog(from, kLogChunk);
    if (!log.ok()) return log.status();
    for (const git::CommitInfo& c : *log) {
      auto at = reader.At(c.id);
      if (!at.ok()) return at.status();
      if (walked == 0) {
        if (!at->broken()) return std::optional<StatusBreak>();
        out.error = at->error;
      } else if (at->error != newer_error) {
        // The newer commit changed (or made) the broken status.
        out.reverts.push_back(newer_commit);
        if (!at->broken()) {
          out.commit = newer_commit;
          out.subject = newer_subject;
          return std::optional<StatusBreak>(std::move(out));
        }
      }
      newer_error = at->error;
      newer_commit = c.id;
      newer_subject = c.message.substr(0, c.message.find('\n'));
      if (++walked >= kMaxWalk) break;
    }
    from = log->empty() || log->back().parents.empty() ? "" : log->back().parents[0];
  }
  if (!from.empty() || walked == 0) return std::optional<StatusBreak>();  // walked too far
  // Broken since the first commit of the branch.
  out.reverts.push_back(newer_commit);
  out.commit = newer_commit;
  out.subject = newer_subject;
  return std::optional<StatusBreak>(std::move(out));
}

std::string RevertCommand(const StatusBreak& b) {
  std::string out = "git revert";
  for (const std::string& c : b.reverts) out += " " + c;
  return out;
}

std::string RecoveryText(const StatusBreak& b) {
  return "the status broke in commit " + b.commit.substr(0, 7) + " (\"" + b.subject +
         "\"); recover with: " + RevertCommand(b);
}

}  // namespace gitcanary::plugin
