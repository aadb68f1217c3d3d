#include "plugin/serve/serve_publisher.h"

#include <algorithm>
#include <map>

#include "git/tree_source.h"
#include "plugin/apps/app_discovery.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/overlay_source.h"
#include "render/published_layout.h"

namespace gitcanary::plugin {

namespace {

std::string Shown(const std::string& app) { return app.empty() ? "." : app; }

bool Below(const std::string& path, const std::string& dir) { return path == dir || path.rfind(dir + "/", 0) == 0; }

std::string AppList(const std::vector<std::string>& apps) {
  std::string out;
  for (const std::string& a : apps) out += (out.empty() ? "" : ", ") + Shown(a);
  return out;
}

// The apps to look at: every app and every published one, or those changed since `since`.
Result<std::set<std::string>> AppsToCheck(const git::TreeSource& head, const std::string& repo_path,
                                          const std::string& since, const std::string& dir, const BuildTools& tools,
                                          render::AppRootsMemo* memo, std::set<std::string>* gone) {
  std::set<std::string> out;
  if (since.empty()) {
    auto apps = RepoApps(head, "", dir);
    if (!apps.ok()) return apps.status();
    out.insert(apps->begin(), apps->end());
    auto published = render::PublishedApps(head, dir);
    if (!published.ok()) return published.status();
    for (const std::string& p : *published)
      if (!out.count(p)) gone->insert(p);
    return out;
  }
  auto base = git::TreeSource::OpenTree(repo_path, since, "");
  if (!base.ok()) return base.status();
  auto base_top = LoadNearestConfig(**base, "");
  auto head_top = LoadNearestConfig(head, "");
  if (!base_top.ok()) return base_top.status();
  if (!head_top.ok()) return head_top.status();
  std::vector<std::string> listed;
  const bool any_list = base_top->apps || head_top->apps;
  if (base_top->apps) listed.insert(listed.end(), base_top->apps->begin(), base_top->apps->end());
  if (head_top->apps) listed.insert(listed.end(), head_top->apps->begin(), head_top->apps->end());
  auto changed = FindChangedApps(**base, head, {}, any_list ? &listed : nullptr, tools, dir, memo);
  if (!changed.ok()) return changed.status();
  for (const ChangedApp& c : *changed) {
    if (Below(c.path, dir)) continue;
    if (c.in_head) out.insert(c.path);
    else gone->insert(c.path);
  }
  return out;
}

}  // namespace

ServePublisher::ServePublisher(std::string dir, RepoRenderOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

Result<PublishPlan> ServePublisher::Plan(const std::string& repo_path, const std::string& head,
                                         const std::vector<git::FileChange>& status_changes,
                                         const std::set<std::string>& decided_apps) {
  if (current_at_ == head && decided_apps.empty()) return PublishPlan{};  // an idle pass: nothing to read
  auto tree = git::TreeSource::OpenTree(repo_path, head, "");
  if (!tree.ok()) return tree.status();
  std::set<std::string> gone;
  std::set<std::string> apps = decided_apps;
  if (current_at_ != head) {
    auto changed = AppsToCheck(**tree, repo_path, current_at_, dir_, options_.tools, roots_memo_.get(), &gone);
    if (!changed.ok()) return changed.status();
    apps.insert(changed->begin(), changed->end());
  }
  std::map<std::string, std::optional<std::string>> overrides;
  for (const git::FileChange& c : status_changes) overrides[c.path] = c.content;
  OverlaySource next(**tree, std::move(overrides));
  PublishPlan plan;
  auto add = [&](const std::string& app, const std::optional<render::PublishedApp>& want) -> Status {
    auto dir = render::PublishedAppDir(dir_, app);
    if (!dir.ok()) return dir.status();
    auto changes = render::PublishChanges(**tree, *dir, want);
    if (!changes.ok()) return changes.status();
    if (changes->empty()) return Status::Ok();
    plan.apps.push_back(app);
    for (render::PublishedChange& c : *changes) plan.changes.push_back({std::move(c.path), std::move(c.content)});
    return Status::Ok();
  };
  for (const std::string& app : apps) {
    auto objects = RenderRepoApp(next, app, std::nullopt, options_);
    if (!objects.ok()) {
      plan.errors.push_back(Shown(app) + ": " + objects.status().message());
      continue;
    }
    auto laid = render::LayOutApp(app, *objects, head);
    Status s = laid.ok() ? add(app, *laid) : laid.status();
    if (!s.ok()) plan.errors.push_back(Shown(app) + ": " + s.message());
  }
  for (const std::string& app : gone)
    if (Status s = add(app, std::nullopt); !s.ok()) plan.errors.push_back(Shown(app) + ": " + s.message());
  std::sort(plan.apps.begin(), plan.apps.end());
  return plan;
}

std::string PublishCommitMessage(const std::string& dir, const std::vector<std::string>& apps,
                                 const std::string& source) {
  return "publish " + dir + ": " + AppList(apps) + "\n\n" + PublishTrailer(dir, apps, source).substr(1);
}

std::string PublishTrailer(const std::string& dir, const std::vector<std::string>& apps, const std::string& source) {
  std::string out = "\n";
  for (const std::string& a : apps) out += "Published: " + (a.empty() ? dir : dir + "/" + a) + "\n";
  out += "Source-Revision: " + source + "\n";
  return out;
}

}  // namespace gitcanary::plugin
