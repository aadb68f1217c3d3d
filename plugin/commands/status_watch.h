// `gitcanary status --watch`: the status table kept up to date as the branch
// moves, like `kubectl get canaries -w`.
//
// Every interval it asks only where the branch head is (a local repository's
// ref read in place, a remote's one ref fetched) and compares that id with
// the one shown; the catalog is read and the report rebuilt only when the
// head moved, so a branch that does not move costs the poll and nothing else.
// Between polls it sleeps in poll(2) on a self-pipe that SIGINT and SIGTERM
// write to, so Ctrl-C ends it at once with exit 0 (a second signal ends it
// even in the middle of a fetch).
//
// Output: on a terminal, the screen is cleared and the whole table drawn
// again under a header line naming the branch, the head and the time; into a
// file or a pipe (or with -o json), one line per canary whose row changed
// (plugin/commands/status_report.h: StatusLine, StatusJsonLine), every canary on the
// first poll, and a `Deleted` line for one that is gone. Errors reading the
// branch go to stderr once each, and the watch goes on.
#pragma once

#include "plugin/serve/canary_catalog.h"
#include "plugin/sources/repo_access.h"

namespace gitcanary::plugin {

struct WatchOptions {
  long long interval_ms = 2000;
  bool json = false;      // JSON lines instead of the table or text lines
  bool terminal = false;  // stdout is a terminal: redraw the table
};

// Watches until SIGINT or SIGTERM; returns the exit code (0, or 1 when
// stdout cannot be written).
int WatchStatus(RepoAccess& repo, CatalogOptions options, const WatchOptions& watch);

}  // namespace gitcanary::plugin
