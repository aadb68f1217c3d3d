#include "plugin/apps/gateway_plan.h"

#include "plugin/sources/config_lookup.h"
#include "render/app_roots.h"

namespace gitcanary::plugin {

namespace {

std::string Join(const std::string& dir, std::string_view name) {
  if (name.empty()) return dir;
  return dir.empty() ? std::string(name) : dir + "/" + std::string(name);
}

// The repository of apps seen from `top`: every path is below it, so the app
// search never looks above the topmost gitcanary.yaml (on a disk outside git,
// the lookup's root is "/").
class Subtree : public FileSource {
 public:
  Subtree(const FileSource& inner, std::string top) : inner_(inner), top_(std::move(top)) {}
  Result<std::vector<DirEntry>> List(const std::string& dir) const override { return inner_.List(Join(top_, dir)); }
  EntryType TypeOf(const std::string& path) const override { return inner_.TypeOf(Join(top_, path)); }
  Result<std::string> Read(const std::string& path, std::size_t max_bytes) const override {
    return inner_.Read(Join(top_, path), max_bytes);
  }
  std::string Describe(const std::string& path) const override { return inner_.Describe(Join(top_, path)); }

 private:
  const FileSource& inner_;
  std::string top_;
};

// "a" contains "a" and "a/b"; "" contains everything.
bool Contains(const std::string& dir, const std::string& path) {
  return dir.empty() || path == dir ||
         (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// Whether some Gateway named by the app is left to the plan to decide.
bool NeedsPlan(const render::GatewayUses& own, const render::AppConfig& config) {
  for (const auto& [key, hosts] : own.named) {
    if (own.defined.count(key) != 0) continue;
    auto it = config.gateways.find(key);
    if (it == config.gateways.end() || !it->second.external) return true;
  }
  return false;
}

}  // namespace

Result<std::optional<render::GatewayPlan>> PlanGatewaysForApp(const GatewayPlanRequest& request,
                                                              const std::vector<render::Manifest>& manifests,
                                                              const render::AppConfig& config,
                                                              std::vector<std::string>* explain) {
  const FileSource& repo = *request.repo;
  const render::GatewayUses own = render::CollectGatewayUses(manifests, config);
  if (own.named.empty()) return std::optional<render::GatewayPlan>();
  std::optional<std::string> scope = TopmostConfigDir(repo, request.app);
  if (!scope) return std::optional<render::GatewayPlan>();
  const std::string top = *scope;
  auto top_config = LoadNearestConfig(repo, top);
  if (!top_config.ok()) return top_config.status();
  // Rendering the whole repository (or a directory above it) leaves no other app.
  if (!NeedsPlan(own, *top_config) || Contains(request.app, top)) {
    auto plan = render::PlanSharedGateways(request.app, own, {}, *top_config, top);
    if (!plan.ok()) return plan.status();
    return std::optional<render::GatewayPlan>(std::move(*plan));
  }
  const Subtree apps_repo(repo, top);
  auto roots = render::FindAppRoots(apps_repo, top_config->apps ? &*top_config->apps : nullptr, {});
  if (!roots.ok()) return roots.status();
  for (std::string& dir : roots->dirs) dir = Join(top, dir);
  BuildTools tools = request.tools;  // the rendered app's Helm settings are its own
  tools.release_name.clear();
  tools.values_files.clear();
  tools.set_values.clear();
  std::vector<render::OtherApp> others;
  std::vector<std::string> unread;
  for (const std::string& dir : roots->dirs) {
    if (Contains(dir, request.app) || Contains(request.app, dir)) continue;
    auto app_config = LoadNearestConfig(repo, dir);
    auto built = app_config.ok() ? BuildApp(repo, dir, tools, request.disk_root) : Result<BuiltApp>(app_config.status());
    if (!built.ok()) {
      unread.push_back(dir);
      continue;
    }
    others.push_back(render::OtherApp{dir, render::CollectGatewayUses(built->manifests, *app_config)});
  }
  explain->push_back("read " + std::to_string(others.size()) + " other apps below \"" + (top.empty() ? "." : top) +
                     "\" for the Gateways they share" +
                     (unread.empty() ? "" : " (" + std::to_string(unread.size()) + " that do not load left out)"));
  auto plan = render::PlanSharedGateways(request.app, own, others, *top_config, top, unread);
  if (!plan.ok()) return plan.status();
  return std::optional<render::GatewayPlan>(std::move(*plan));
}

}  // namespace gitcanary::plugin
