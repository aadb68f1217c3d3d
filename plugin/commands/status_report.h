// StatusReport: what `gitcanary status` prints about the canaries of a branch
// head, as a table, as JSON, and (for `status --watch` when stdout is not a
// terminal) as one line per canary.
//
// A canary that cannot be analysed shows STATUS Halted and its error; when
// the error is a broken status of record, the report also names the commit
// that broke it and the exact `git revert` line that recovers
// (plugin/commands/status_break.h).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "plugin/sources/repo_access.h"

namespace gitcanary::plugin {

struct StatusRow {
  std::string ns, name;
  std::string phase;  // "Halted" when the canary cannot be analysed
  long long weight = 0;
  long long failed_checks = 0;
  std::string last_transition_time;  // "" when none
  std::string revision;
  std::string error;     // "" unless Halted
  std::string broken_by;  // the commit that broke the status, "" when it is not broken
  std::string recovery;   // "git revert <id>" when broken_by is set

  std::string id() const { return ns + "/" + name; }
  bool operator==(const StatusRow&) const = default;
};

struct StatusReport {
  std::string head;                 // the commit read
  std::vector<StatusRow> rows;      // sorted by id
  std::vector<std::string> errors;  // apps that did not load: "DIR: message"
};

// The report of a catalog read at its head; looks up the commit that broke
// each broken status.
Result<StatusReport> BuildStatusReport(RepoAccess& repo, const HeadCatalog& at_head);

// NAMESPACE NAME STATUS WEIGHT FAILED LASTTRANSITION, then each halted
// canary's error (and its recovery), then the apps that did not load.
std::string StatusTable(const StatusReport& report);

// An array of {namespace, name, status, weight, failed_checks,
// last_transition_time, revision, error, broken_by, recovery}.
std::string StatusJson(const StatusReport& report);

// One object of that array, on one line (for `--watch -o json`), with the
// time seen and the head commit in front.
std::string StatusJsonLine(const StatusRow& row, const std::string& time, const std::string& head);

// One line about a canary, for `--watch` into a file or pipe:
//   2026-12-06T21:30:02Z test/podinfo Progressing weight=20 failed=0 commit=1a2b3c4
// with ` error="..."` (and ` recover="git revert ..."`) when halted.
std::string StatusLine(const StatusRow& row, const std::string& time, const std::string& head);

}  // namespace gitcanary::plugin
