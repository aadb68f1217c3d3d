// App discovery for `gitcanary diff`: which apps differ between two commits.
//
// The apps of each side are those of render/app_roots.h (Argo CD and Flux
// Applications, else the `apps:` list, else discovery). An app changed when
// anything its render reads differs, compared by git object ids without
// reading the files:
//   - its own directory (status documents included: git mode renders them);
//   - for a kustomization, every input of the build (render/app_inputs.h), so
//     a change to a shared base marks every overlay that includes it;
//   - for a chart, the chart and its values files;
//   - every gitcanary.yaml from the top down to it.
// Only changed apps are built and rendered, so the cost of a review grows with
// the change, not with the repository. Most apps are not even read: one whose
// build reads nothing outside its directory (render::FindAppRoots's self_contained)
// is unchanged when its tree and the gitcanary.yaml files above it are, which
// the ids of the directories that differ tell; the others (an overlay of a
// shared base, say) have their inputs found and compared.
#pragma once

#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "plugin/apps/app_build.h"
#include "render/app_roots.h"

namespace gitcanary::plugin {

struct ChangedApp {
  std::string path;  // directory in the repository
  bool in_base = false;
  bool in_head = false;
};

// `base` and `head` are sources over the whole tree of each commit whose List
// gives entry ids. `under` limits the search to those directories ("" or empty
// = everywhere); `listed` is the union of both sides' `apps:` lists, when any.
// `tools` gives the Helm values files that a chart reads. `publish_dir`: as
// for render::FindAppRoots. `memo`: kept by a caller that compares commit
// after commit (serve, and diff through plugin/sources/walk_memo_file.h), so a
// subtree already summarised is not read again; it is left holding the
// entries of both revisions.
Result<std::vector<ChangedApp>> FindChangedApps(const FileSource& base, const FileSource& head,
                                                const std::vector<std::string>& under,
                                                const std::vector<std::string>* listed, const BuildTools& tools,
                                                const std::string& publish_dir = "",
                                                render::AppRootsMemo* memo = nullptr);

}  // namespace gitcanary::plugin
