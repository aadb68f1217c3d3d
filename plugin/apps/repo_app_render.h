// One app of a repository rendered exactly as `gitcanary render DIR` renders
// it, from a source rooted at the repository top (a commit's tree, or the
// work tree on disk). The commands that render many apps of one repository
// (`render --write`, `lint --check-published`, `serve --publish`) use it, so
// every published directory holds what `render DIR` prints for that app.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "plugin/apps/app_build.h"
#include "render/manifest.h"

namespace gitcanary::plugin {

struct RepoRenderOptions {
  std::optional<std::string> mode;  // --mode; else the app's gitcanary.yaml, else git
  std::string app_namespace = "default";
  BuildTools tools;
};

// The rendered objects of `app` (relative to `repo`'s root, "" = the top).
// `disk_root`: the top on disk when `repo` reads the disk (builds run in place).
Result<std::vector<render::Manifest>> RenderRepoApp(const FileSource& repo, const std::string& app,
                                                    const std::optional<std::string>& disk_root,
                                                    const RepoRenderOptions& options);

// The apps of `repo` (render/app_roots.h) inside `under` ("" = all), sorted.
// `publish_dir`: where they are published, relative to the top ("" = not in it).
Result<std::vector<std::string>> RepoApps(const FileSource& repo, const std::string& under,
                                          const std::string& publish_dir);

}  // namespace gitcanary::plugin
