// ServePublisher: the published output of `gitcanary serve --publish DIR`
// (render/published_layout.h), kept in step with the sources and statuses of
// the branch it follows.
//
//   plan at head H with this pass's status changes S:
//     apps = the apps of the decided canaries
//          + the apps changed since the commit DIR was last known current at
//            (app_discovery.h: by object ids; every app and every published
//            directory on the first pass)
//     for each: render it from H + S (OverlaySource), lay it out with source
//     revision H, and compare with DIR/<app> at H -> the file changes
//
// The reconciler puts those changes in the same commit as S, or, when no
// status changed, in a commit of their own, and calls Current() once it is
// pushed. Only the files of apps whose render changed are touched. An app
// that fails to render keeps its published files and is reported; the others
// are published.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "git/git_remote.h"
#include "plugin/apps/repo_app_render.h"
#include "render/app_roots.h"

namespace gitcanary::plugin {

struct PublishPlan {
  std::vector<git::FileChange> changes;
  std::vector<std::string> apps;    // apps whose published files change, sorted
  std::vector<std::string> errors;  // "app: message" of apps that did not render
};

class ServePublisher {
 public:
  // `dir`: relative to the repository top.
  ServePublisher(std::string dir, RepoRenderOptions options);
  const std::string& dir() const { return dir_; }

  // `repo_path`: the bare cache holding `head`. `decided_apps`: app directories
  // whose canaries' statuses `status_changes` write.
  Result<PublishPlan> Plan(const std::string& repo_path, const std::string& head,
                           const std::vector<git::FileChange>& status_changes,
                           const std::set<std::string>& decided_apps);

  // DIR is current at `commit` (after a push, or when a pass changed nothing).
  void Current(const std::string& commit) { current_at_ = commit; }
  const std::string& current_at() const { return current_at_; }

 private:
  std::string dir_;
  RepoRenderOptions options_;
  std::string current_at_;
  std::unique_ptr<render::AppRootsMemo> roots_memo_ = std::make_unique<render::AppRootsMemo>();
};

// The commit message of a pass that only publishes: it names DIR, the apps
// and the source commit.
std::string PublishCommitMessage(const std::string& dir, const std::vector<std::string>& apps,
                                 const std::string& source);

// The lines added to a status commit's message that also publishes.
std::string PublishTrailer(const std::string& dir, const std::vector<std::string>& apps, const std::string& source);

}  // namespace gitcanary::plugin
