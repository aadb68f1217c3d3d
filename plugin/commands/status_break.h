// StatusBreak: the commit that broke a canary's status, and how to recover.
//
// A status of record that does not parse (a person's `canaryWeight: 150`)
// halts its canary: serve leaves it alone and the operator commands refuse to
// act on it. The way back is to revert the commit that broke it. This walks
// the first-parent history down from the head while the status stays broken;
// the oldest commit of that run is the one that broke it, and any later
// commit that broke it differently is listed too, newest first, so that one
// `git revert` line undoes them all in an order that applies cleanly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/sources/repo_access.h"

namespace gitcanary::plugin {

struct StatusBreak {
  std::string commit;   // the commit that broke the status (full id)
  std::string subject;  // its first line
  std::string error;    // the status's error at the head
  std::vector<std::string> reverts;  // the commits to revert, newest first; ends with `commit`
};

// nullopt when the status at `head` is not broken (or no commit within the
// last 1000 is found to have broken it).
Result<std::optional<StatusBreak>> FindStatusBreak(RepoAccess& repo, const CatalogEntry& entry,
                                                   const std::string& head);

// "git revert <id> [<id>...]", the full ids, newest first.
std::string RevertCommand(const StatusBreak& b);

// One sentence for an error line: `the status broke in commit 1a2b3c4
// ("subject"); recover with: git revert <id>`.
std::string RecoveryText(const StatusBreak& b);

}  // namespace gitcanary::plugin
