// Which directories of a repository are apps: what gets built, rendered and
// analysed, and where canary statuses live. A base that overlays include is
// never an app of its own. In order, the first rule that finds any wins:
//
//   1. Argo CD and Flux say so: the paths that the repository's own Argo CD
//      `Application`s (spec.source.path, spec.sources[].path) and Flux
//      `Kustomization`s (kustomize.toolkit.fluxcd.io, spec.path) point at,
//      when they are directories of this repository.
//   2. The `apps:` list of the repository's top-level gitcanary.yaml.
//   3. Discovery: every kustomization that no other kustomization references
//      (through resources, bases or components), every Helm chart (its
//      subcharts are part of it), and every directory that directly holds a
//      manifest (its subdirectories are part of it), as `render` reads them.
//
// A directory of published output (render/published_layout.h: its
// kustomization.yaml names the app it was rendered from) is never an app, and
// a Flux Kustomization whose path is one stands for that app, so a repository
// whose Flux objects apply published output still finds its source apps.
// Hidden directories are skipped. Pure: it reads through the FileSource it is
// given, rooted at the repository top. serve's catalog, `diff`, `status` and
// the operator commands all take their apps from here.
//
// Cost. Rule 1 must look into every manifest of the repository, so the walk
// summarises each directory's subtree once per git tree id (AppRootsMemo):
// `diff` reads the unchanged subtrees of its second revision from the memo,
// and serve, which keeps one memo across passes, reads only what changed.
// Each file of a directory is read once per summary (a kustomization.yaml is
// looked at as published output and for what it includes).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"

namespace gitcanary::render {

enum class AppRule { kArgoCdOrFlux, kConfigList, kDiscovered };

struct AppRoots {
  AppRule rule = AppRule::kDiscovered;
  std::vector<std::string> dirs;  // sorted, relative to the top ("" = the top)
};

// What a walk learnt of each subtree, by directory and git tree id. Sources
// without ids (a disk) are never memoised. Not thread-safe.
class AppRootsMemo {
 public:
  struct Summary;
  AppRootsMemo();
  ~AppRootsMemo();
  AppRootsMemo(const AppRootsMemo&) = delete;
  AppRootsMemo& operator=(const AppRootsMemo&) = delete;
  std::map<std::string, std::shared_ptr<const Summary>>& entries() { return entries_; }
  const std::map<std::string, std::shared_ptr<const Summary>>& entries() const { return entries_; }

 private:
  std::map<std::string, std::shared_ptr<const Summary>> entries_;
};

// `listed` is the `apps:` list of the top-level gitcanary.yaml, or null.
// `under` keeps the apps inside those directories; discovery (rule 3) starts
// its walk at each of them, as if each were the top ("" or none: everywhere).
// `publish_dir` (relative to the top, "" = none): a Flux Kustomization path
// inside it stands for the app at the path below it, whether or not it has
// been published yet. `self_contained`, when given, receives the apps whose
// build, as the walk saw it, reads nothing outside their own directory but the
// Helm values files a chart is given: charts, plain directories without
// subdirectories, and kustomizations whose every path, followed through the
// kustomizations they include, stays inside. With its tree and the
// gitcanary.yaml files above it unchanged, such an app is unchanged (`diff`
// skips it unread); any other may read a shared base.
Result<AppRoots> FindAppRoots(const FileSource& repo, const std::vector<std::string>* listed,
                              const std::vector<std::string>& under = {}, AppRootsMemo* memo = nullptr,
                              const std::string& publish_dir = "", std::set<std::string>* self_contained = nullptr);

}  // namespace gitcanary::render
