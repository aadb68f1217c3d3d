#include "plugin/apps/repo_app_render.h"

#include "plugin/sources/config_lookup.h"
#include "plugin/apps/gateway_plan.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/render_app.h"
#include "render/app_roots.h"
#include "render/render.h"

namespace gitcanary::plugin {

Result<std::vector<render::Manifest>> RenderRepoApp(const FileSource& repo, const std::string& app,
                                                    const std::optional<std::string>& disk_root,
                                                    const RepoRenderOptions& options) {
  const std::string shown = app.empty() ? "." : app;
  auto config = LoadNearestConfig(repo, app);
  if (!config.ok()) return config.status();
  render::RenderOptions render_options;
  auto mode = ResolveMode(options.mode, *config);
  if (!mode.ok()) return mode.status();
  render_options.mode = *mode;
  render_options.app_namespace = options.app_namespace;
  BuildTools tools = options.tools;
  if (tools.app_namespace.empty()) tools.app_namespace = options.app_namespace;
  auto kind = ClassifyApp(repo, app);
  if (!kind.ok()) return kind.status();
  auto built = *kind != AppKind::kManifests ? BuildApp(repo, app, tools, disk_root)
                                            : LoadManifestDirectory(repo, app, repo, app, tools, disk_root);
  if (!built.ok()) return built.status();
  GatewayPlanRequest plan_request{&repo, app, disk_root, tools};
  std::vector<std::string> explain;
  auto plan = PlanGatewaysForApp(plan_request, built->manifests, *config, &explain);
  if (!plan.ok()) return plan.status();
  render_options.gateways = std::move(*plan);
  auto rule = NamespaceScopeFor(repo, app, *config);
  if (!rule.ok()) return rule.status();
  render_options.namespaces = std::move(*rule);
  auto result = RenderNonEmpty(std::move(built->manifests), *config, render_options, shown);
  if (!result.ok()) return result.status();
  return std::move(result->objects);
}

Result<std::vector<std::string>> RepoApps(const FileSource& repo, const std::string& under,
                                          const std::string& publish_dir) {
  auto top = LoadNearestConfig(repo, "");
  if (!top.ok()) return top.status();
  auto roots = render::FindAppRoots(repo, top->apps ? &*top->apps : nullptr,
                                    under.empty() ? std::vector<std::string>{} : std::vector<std::string>{under}, nullptr,
                                    publish_dir);
  if (!roots.ok()) return roots.status();
  return roots->dirs;
}

}  // namespace gitcanary::plugin
