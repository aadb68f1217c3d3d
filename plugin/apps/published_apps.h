// The apps of a repository rendered and laid out for publishing
// (render/published_layout.h), and the comparison of a published directory
// with them: what `render --write DIR` writes and `lint --check-published DIR`
// checks.
//
// The repository is a commit's tree with --repo/--revision (the source
// revision is then that commit), else the git work tree that holds PATH on
// disk (no source revision: the work tree may differ from any commit), else,
// outside a repository, PATH itself. The apps are those of
// render/app_roots.h inside PATH; every one is rendered before anything is
// compared or written, and the first that fails to render is the error.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "plugin/commands/args.h"
#include "plugin/apps/repo_app_render.h"
#include "render/published_layout.h"

namespace gitcanary::plugin {

struct RepoInput {
  std::unique_ptr<FileSource> repo;      // rooted at the repository top
  std::string under;                     // PATH within it ("" = everything)
  std::optional<std::string> disk_root;  // the top on disk; none for a commit
  std::string revision;                  // the commit's id; "" on disk
  std::string publish_dir;               // DIR relative to the top when inside it, else ""
};

// Reads --repo and --revision of `args`; `path` is PATH as given. `publish`
// is DIR: with --repo relative to the top, else a path on disk.
Result<RepoInput> OpenRepoInput(const ParsedArgs& args, const std::string& path, const std::string& publish);

// RepoRenderOptions from --mode, --namespace (or $ARGOCD_APP_NAMESPACE) and the build flags.
Result<RepoRenderOptions> RepoRenderOptionsFrom(const ParsedArgs& args);

// Every app inside `input.under`, rendered and laid out. None is an error.
Result<std::vector<render::PublishedApp>> RenderPublishedApps(const RepoInput& input, const RepoRenderOptions& options);

// How one published app differs from its fresh render.
struct StaleApp {
  std::string app;
  std::vector<std::string> missing, extra, changed;  // file names within DIR/<app>
};

// Compares DIR (`prefix` in `published`, "" = its root) with `apps`;
// published apps inside `under` that are not among `apps` are stale with
// every file extra. Sorted by app.
Result<std::vector<StaleApp>> FindStaleApps(const FileSource& published, const std::string& prefix,
                                            const std::vector<render::PublishedApp>& apps, const std::string& under);

}  // namespace gitcanary::plugin
