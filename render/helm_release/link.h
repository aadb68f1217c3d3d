// Which Flux HelmRelease a Canary's target comes from.
//
// A Canary whose targetRef names a Deployment that a chart renders (so the
// Deployment is not in git) is linked to the HelmRelease of its namespace that
// renders it:
//  - explicitly, by the Canary annotation `gitcanary.io/helmrelease: <name>`;
//  - implicitly, when the target Deployment is not in the input and the
//    Canary's namespace has exactly one HelmRelease (an --explain line says so).
// HelmReleases are `helm.toolkit.fluxcd.io` v2, v2beta2 and v2beta1 (one shape
// for what gitcanary reads). Every ambiguity is an error at the Canary's
// field: an annotation naming a missing HelmRelease, a target found nowhere
// (with 0 or several HelmReleases, listed), one HelmRelease linked by two
// Canaries, and a Canary both annotated and with its Deployment in the input.
// Both render modes link; only git mode renders from the link.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"
#include "render/rewrite_app.h"

namespace gitcanary::render {

inline constexpr std::string_view kHelmReleaseAnnotation = "gitcanary.io/helmrelease";
inline constexpr std::string_view kHelmReleaseGroup = "helm.toolkit.fluxcd.io";

// Whether `m` is a Flux HelmRelease of a version gitcanary reads.
bool IsHelmRelease(const Manifest& m);

// The HelmRelease (same namespace) of one normalised Canary, "" when its
// target Deployment is in `manifests`; every error above but the claim by two
// Canaries (which LinkHelmReleases checks).
Result<std::string> LinkHelmRelease(const std::vector<Manifest>& manifests, const Manifest& canary,
                                    const CanaryInfo& info, const std::string& app_namespace,
                                    std::vector<std::string>* explain);

// Sets `helm_release` of each Canary in `canaries` (indices into `manifests`)
// that a HelmRelease renders the target of; leaves the others "".
Status LinkHelmReleases(const std::vector<Manifest>& manifests, std::vector<CanaryRef>& canaries,
                        const std::string& app_namespace, std::vector<std::string>* explain);

}  // namespace gitcanary::render
