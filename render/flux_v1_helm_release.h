// Flux v1 HelmReleases: the Helm Operator's `helm.fluxcd.io/v1` HelmRelease is
// rewritten, in place, to helm-controller's `helm.toolkit.fluxcd.io/v2`, and
// the source object its chart needs is added to the app: a
// `source.toolkit.fluxcd.io/v1` GitRepository for `chart.git`/`ref`/`path`, a
// HelmRepository for `chart.repository`/`name`/`version`. Releases of the app
// that read the same repository (and, for git, the same ref and credentials)
// share one source; a source of the input with the same URL is reused, and a
// different object under the derived name is an error. Every other field is
// mapped to its v2 equivalent, a field whose behaviour v2 cannot reproduce is
// an error that says what to write instead, and a field that has no effect
// under v2 is dropped with an explain line. The README's "Flux v1
// HelmReleases" lists the mapping field by field. A v2 HelmRelease, and any
// other object, is left untouched, so converting twice changes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

inline constexpr std::string_view kFluxV1HelmApiVersion = "helm.fluxcd.io/v1";
inline constexpr std::string_view kFluxHelmReleaseApiVersion = "helm.toolkit.fluxcd.io/v2";
inline constexpr std::string_view kFluxSourceApiVersion = "source.toolkit.fluxcd.io/v1";

bool IsFluxV1HelmRelease(const Manifest& m);

// Converts every Flux v1 HelmRelease of `manifests` and appends the sources
// they need. `app_namespace` is the namespace of objects that write none (the
// v1 default release name is made from it; "default" when it is empty too).
// Each conversion adds lines to `explain`. On error `manifests` may be partly
// converted; the caller discards them.
Status ConvertFluxV1HelmReleases(std::vector<Manifest>& manifests, const std::string& app_namespace,
                                 std::vector<std::string>* explain);

}  // namespace gitcanary::render
