// App discovery for `gitcanary diff`: which apps differ between two commits.
//
// An app is a directory that directly holds a manifest (a *.yaml, *.yml or
// *.json file the loader reads, whose text has apiVersion and kind); its
// subdirectories belong to it, as render loads them. Alternatively the
// repository's top-level gitcanary.yaml lists the app directories under
// `apps:`. The walk compares git object ids and never descends into a
// subtree whose id is the same on both sides, so its cost grows with the
// change, not with the repository, unless a gitcanary.yaml above that subtree
// changed: every app below a changed config is compared, since its render may
// change with no file of its own changing.
#pragma once

#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"

namespace gitcanary::plugin {

struct ChangedApp {
  std::string path;  // directory in the repository
  bool in_base = false;
  bool in_head = false;
};

// `base` and `head` are sources over the whole tree of each commit whose List
// gives entry ids. `under` limits the search to those directories ("" or empty
// = everywhere); `listed` is the union of both sides' `apps:` lists, when any.
Result<std::vector<ChangedApp>> FindChangedApps(const FileSource& base, const FileSource& head,
                                                const std::vector<std::string>& under,
                                                const std::vector<std::string>* listed);

}  // namespace gitcanary::plugin
