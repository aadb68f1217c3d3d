// `gitcanary history NS/NAME`: a canary's timeline read back from git.
//
// Every decision `serve` (or an operator command) takes is a commit that
// changes the canary's status of record, so the first-parent history of the
// branch is the canary's history. This walks it from the head, reads the
// status at each commit (the status file, or the Canary's annotation, where
// the head keeps it), and keeps one row per commit that changed it. A row's
// metric values come from the analysis note in refs/notes/gitcanary when the
// commit has one, else from the evidence in the commit's line about the
// canary. Commits that changed the app directory without being gitcanary's
// own (a person's new image tag) are kept as `change` rows once the canary
// has a status. A commit that left the status broken (plugin/sources/
// status_reader.h) is an `error` row, and a status commit an operator command
// made carries that action. With a limit, the timeline says it is truncated.
// The timeline goes out as a table, as JSON, and as an SVG
// chart (policies/presentation/history_chart.h).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "plugin/sources/repo_access.h"
#include "policies/presentation/history_chart.h"

namespace gitcanary::plugin {

struct HistoryOptions {
  std::string app_namespace = "default";  // of objects that have none
  std::size_t limit = 0;                  // keep the newest `limit` rows; 0 = all
};

// The timeline of canary `id` ("NS/NAME") on the branch of `repo`, oldest
// first. Errors: no such canary at the head (naming branch and repository),
// or no status in its history ("no status recorded yet for NS/NAME").
Result<policies::Timeline> ReadHistory(RepoAccess& repo, const std::string& id, const HistoryOptions& options);

// A timeline with the evidence of each status row: the lines of the canary's
// section in the commit's analysis note (NoteSection in history_text.h),
// keyed by full commit id; rows without a note have no entry.
struct CanaryHistory {
  policies::Timeline timeline;
  std::map<std::string, std::vector<std::string>> evidence;
};

// The history of catalog entry `e` from `head` down, read through `remote`
// (which must hold `head`), with analysis notes from the notes commit
// `notes_commit` ("" = none). ReadHistory is this after reading the head's
// catalog and fetching the notes; the dashboard calls it with the catalog it
// already has. Same errors as ReadHistory.
Result<CanaryHistory> ReadEntryHistory(git::GitRemote* remote, const CatalogEntry& e, const std::string& head,
                                       const std::string& notes_commit, const HistoryOptions& options);

// gitcanary history NS/NAME [--repo PATH|URL] [--branch B] [-n NS] [-o table|json] [--svg FILE] [--limit N]
int RunHistory(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
