// Render: the pure pipeline from loaded manifests to the objects to apply.
//
//   templates -> normalise Canaries -> rewrite the app -> status of record
//   (git mode: workloads and routing) -> duplicates check -> install order
//
// It does no I/O: callers load manifests (loader.h) and the config and print the
// result (output.h). In flagger mode the result is the rewritten app, the
// generated HPAs and Gateways and the normalised Canaries, for an in-cluster
// Flagger. In git mode (git_mode.h) each Canary is replaced by its workloads
// and routing, rendered from the status of record committed beside it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"
#include "render/namespace_rules.h"
#include "render/shared_gateways.h"

namespace gitcanary::render {

struct RenderOptions {
  Mode mode = Mode::kGit;
  std::string app_namespace = "default";
  // Set when the app is rendered as one app of a repository: which Gateways
  // it emits (render/shared_gateways.h). Unset: the app stands alone.
  std::optional<GatewayPlan> gateways;
  // Set when a namespace rule of the repository's gitcanary.yaml applies to
  // the app (render/namespace_rules.h): every object, as written and as
  // rendered, and every Canary reference is checked against it.
  std::optional<NamespaceScope> namespaces;
};

struct RenderResult {
  std::vector<Manifest> objects;     // in output order
  std::vector<std::string> explain;  // one line per rewrite or generated object
  std::vector<Manifest> dropped;     // input objects left out of the output (the caller decides when to free them)
};

Result<RenderResult> Render(std::vector<Manifest> manifests, const AppConfig& config,
                            const RenderOptions& options);

}  // namespace gitcanary::render
