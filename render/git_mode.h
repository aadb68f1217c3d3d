// git mode: gitcanary is the canary controller, and the cluster only ever
// receives what one git revision renders to.
//
// For every Canary, after the app rewrites, this reads its status of record
// (a CanaryStatus document or the Canary's annotation; none yet means the
// canary is initialising) and renders the primary and canary workloads and the
// routing of its provider (render/routing/router.h) with the traffic split the status holds. The Canary itself and
// the status documents are not emitted: no Flagger runs in the cluster.
//
// Per phase: Initializing/Waiting/Progressing/WaitingPromotion/Promoting/
// Finalising keep the canary running; Initialized/Succeeded/Failed scale it to
// 0, except a failed promotion (Failed at weight 100), which keeps it running.
// The canary weight is the status's in Progressing, WaitingPromotion,
// Promoting (stepWeightPromotion lowers it there) and Failed (100 after a
// failed promotion, else 0), and 0 in every other phase.
// Mirroring is on while Progressing at weight 0 with analysis.mirror.
// A Canary whose target a Flux HelmRelease renders is rendered as two
// releases instead of two Deployments (render/helm_release/release_objects.h).
// A ConfigMap that several Canaries of a namespace track is rendered once as
// <name>-primary, from the Canary with the latest lastTransitionTime.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"
#include "render/rewrite_app.h"

namespace gitcanary::render {

inline constexpr std::string_view kPhaseAnnotation = "gitcanary.io/phase";
inline constexpr std::string_view kWeightAnnotation = "gitcanary.io/canary-weight";
inline constexpr std::string_view kRevisionAnnotation = "gitcanary.io/revision";
inline constexpr std::string_view kTransitionAnnotation = "gitcanary.io/last-transition";

// Removes CanaryStatus documents from `manifests` (both modes: they are state,
// not objects to apply); with `render` (git mode) renders each canary from them,
// with the selector labels, label prefixes and default provider of `config`
// (gitcanary.yaml).
// Removed objects (status documents, and in git mode the Canaries) are moved to `dropped`.
Status ApplyCanaryStatus(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                         const std::string& app_namespace, bool render, const AppConfig& config,
                         std::vector<std::string>* explain, std::vector<Manifest>* dropped);

}  // namespace gitcanary::render
