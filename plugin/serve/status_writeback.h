// Status write-back: the file change that records a canary's new status in
// git, and the status that a decision leads to.
//
// Where: a status already in git stays where it is (a status document in its
// file, or the Canary's `gitcanary.io/status` annotation). A first status goes
// where the write mode says: `commit` writes `<canary>.gitcanary-status.yaml`
// beside the Canary; `annotations` edits the Canary's file in place, every
// byte outside the annotation unchanged. A canary generated from a template
// has no document to annotate and always gets a status file.
#pragma once

#include <string>

#include "core/status.h"
#include "git/git_remote.h"
#include "git/tree_source.h"
#include "plugin/serve/analysis_executor.h"
#include "plugin/serve/canary_catalog.h"
#include "policies/step.h"

namespace gitcanary::plugin {

enum class WriteMode { kCommit, kAnnotations };
Result<WriteMode> ParseWriteMode(std::string_view text);

// The status after `executed`: the engine's state, on a Promote action the
// current pod template and configs as the promoted snapshot, and an
// operator's approval cleared once it opened a gate.
render::CanaryStatus NextStatus(const CatalogEntry& entry, const Executed& executed);

// The status file a first status of `entry` is written to in commit mode.
std::string StatusFilePath(const CatalogEntry& entry);

// The change that writes `status` for `entry`, reading the current file
// contents from `tree` (the commit the entry was read from).
Result<git::FileChange> StatusChange(const git::TreeSource& tree, const CatalogEntry& entry,
                                     const render::CanaryStatus& status, WriteMode mode);

}  // namespace gitcanary::plugin
