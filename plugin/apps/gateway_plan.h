// The shared-Gateway plan of one app of a repository (render/shared_gateways.h),
// for the commands that render an app inside its repository: `render DIR`
// (from disk or with --repo), `generate` and `diff`.
//
// The repository is the directory of the topmost gitcanary.yaml from the app
// up to the top of the source (a git work tree, a commit's tree, the tree Argo
// CD extracted). Its apps are those of render/app_roots.h below it. Without a
// gitcanary.yaml the app stands alone: a directory tree is not taken for a
// repository of apps unless it says so, since discovery would otherwise count
// every directory of manifests (a chart that a kustomization includes, test
// data) as an app, and load them all.
//
// Cost: nothing is read unless the app's Canaries name a Gateway with a
// written namespace that the app does not define and gitcanary.yaml does not
// mark external; only then is every other app loaded, as render loads it, to
// read its Canaries and Gateways. An app that does not load is left out (its
// own render reports why).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "plugin/apps/app_build.h"
#include "render/app_config.h"
#include "render/manifest.h"
#include "render/shared_gateways.h"

namespace gitcanary::plugin {

struct GatewayPlanRequest {
  const FileSource* repo = nullptr;  // rooted at the repository top
  std::string app;                   // the rendered directory, relative to the top
  std::optional<std::string> disk_root;  // the top on disk; none for a commit's tree
  BuildTools tools;  // kustomize and helm for the other apps
};

// nullopt: the app stands alone (render generates its Gateways as named).
// `manifests` and `config` are the app's own, as render will read them.
Result<std::optional<render::GatewayPlan>> PlanGatewaysForApp(const GatewayPlanRequest& request,
                                                              const std::vector<render::Manifest>& manifests,
                                                              const render::AppConfig& config,
                                                              std::vector<std::string>* explain);

}  // namespace gitcanary::plugin
