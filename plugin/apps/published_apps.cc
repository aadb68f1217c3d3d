#include "plugin/apps/published_apps.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "plugin/sources/app_source.h"
#include "plugin/sources/commit_input.h"
#include "plugin/commands/build_flags.h"
#include "plugin/sources/disk_source.h"

namespace gitcanary::plugin {

namespace {

bool Inside(const std::string& app, const std::string& under) {
  return under.empty() || app == under || app.rfind(under + "/", 0) == 0;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : name.empty() ? dir : dir + "/" + name;
}

}  // namespace

Result<RepoInput> OpenRepoInput(const ParsedArgs& args, const std::string& path, const std::string& publish) {
  RepoInput in;
  if (args.Has("repo")) {
    auto commit = OpenCommitInput(*args.Get("repo"), path, args.Get("revision").value_or("HEAD"));
    if (!commit.ok()) return commit.status();
    in.revision = std::move(commit->commit);
    in.repo = std::move(commit->tree);
    in.under = std::move(commit->dir);
    in.publish_dir = CleanRelative(publish);
    if (!in.under.empty() && in.repo->TypeOf(in.under) != EntryType::kDirectory)
      return Status::Invalid(in.under + ": not a directory at " + in.revision);
    return in;
  }
  if (args.Has("revision")) return Status::Usage("--revision needs --repo");
  auto top = FindRepoRoot(path);
  if (!top.ok()) return top.status();
  const std::string root = top->empty() ? path : *top;
  auto below = PathBelow(root, path);
  if (!below.ok()) return below.status();
  in.repo = std::make_unique<DiskSource>(root);
  in.under = CleanRelative(*below);
  in.disk_root = root;
  std::error_code ec;
  const auto top_path = std::filesystem::weakly_canonical(root, ec);
  const auto out = std::filesystem::weakly_canonical(std::filesystem::absolute(publish, ec), ec);
  if (!ec) {
    const std::string rel = out.lexically_relative(top_path).generic_string();
    if (!rel.empty() && rel != "." && rel.rfind("..", 0) != 0) in.publish_dir = rel;
  }
  return in;
}

Result<RepoRenderOptions> RepoRenderOptionsFrom(const ParsedArgs& args) {
  RepoRenderOptions options;
  options.mode = args.Get("mode");
  const char* env_ns = std::getenv("ARGOCD_APP_NAMESPACE");
  options.app_namespace = args.Get("namespace").value_or(env_ns != nullptr && *env_ns ? env_ns : "default");
  auto tools = BuildToolsFrom(args, options.app_namespace);
  if (!tools.ok()) return tools.status();
  options.tools = std::move(*tools);
  return options;
}

Result<std::vector<render::PublishedApp>> RenderPublishedApps(const RepoInput& input, const RepoRenderOptions& options) {
  auto apps = RepoApps(*input.repo, input.under, input.publish_dir);
  if (!apps.ok()) return apps.status();
  if (apps->empty())
    return Status::Invalid((input.under.empty() ? std::string(".") : input.under) + ": no apps found to publish");
  std::vector<render::PublishedApp> out;
  for (const std::string& app : *apps) {
    auto objects = RenderRepoApp(*input.repo, app, input.disk_root, options);
    if (!objects.ok()) return objects.status();
    auto laid = render::LayOutApp(app, *objects, input.revision);
    if (!laid.ok()) return laid.status();
    out.push_back(std::move(*laid));
  }
  return out;
}

Result<std::vector<StaleApp>> FindStaleApps(const FileSource& published, const std::string& prefix,
                                            const std::vector<render::PublishedApp>& apps, const std::string& under) {
  std::vector<StaleApp> out;
  std::set<std::string> wanted;
  auto compare = [&](const std::string& app, const std::optional<render::PublishedApp>& want) -> Status {
    const std::string dir = Join(prefix, app);
    auto changes = render::PublishChanges(published, dir, want);
    if (!changes.ok()) return changes.status();
    if (changes->empty()) return Status::Ok();
    StaleApp stale{app, {}, {}, {}};
    for (const render::PublishedChange& c : *changes) {
      const std::string file = dir.empty() ? c.path : c.path.substr(dir.size() + 1);
      if (!c.content) stale.extra.push_back(file);
      else if (published.TypeOf(c.path) == EntryType::kFile) stale.changed.push_back(file);
      else stale.missing.push_back(file);
    }
    out.push_back(std::move(stale));
    return Status::Ok();
  };
  for (const render::PublishedApp& app : apps) {
    wanted.insert(app.app);
    if (Status s = compare(app.app, app); !s.ok()) return s;
  }
  auto listed = render::PublishedApps(published, prefix);
  if (!listed.ok()) return listed.status();
  for (const std::string& app : *listed)
    if (!wanted.count(app) && Inside(app, under))
      if (Status s = compare(app, std::nullopt); !s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const StaleApp& a, const StaleApp& b) { return a.app < b.app; });
  return out;
}

}  // namespace gitcanary::plugin
