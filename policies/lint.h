// Lint: policy findings for the canary apps of one directory.
//
// LintApp looks at an app as render loads it (before Render): it expands the
// canary templates of gitcanary.yaml and normalises every Canary with render's
// own pure functions, so it judges the effective analysis (Flagger's defaults
// applied, v1alpha3 renamed), then checks each rule below. A Canary that does
// not normalise is left to render, which reports it as invalid input. Each
// finding points at the file and line of the offending field (line 0 when the
// field was generated) and names the canary as "canary NS/NAME". Credentials
// found in URLs are never copied into a message: they are shown as ***.
//
//   max-weight-without-gate  warning  weight reaches 100 with no confirm-promotion webhook
//   no-metrics               warning  an analysis with no metrics
//   step-over-max            error    stepWeight above maxWeight (a warning for stepWeights, where Flagger ignores maxWeight)
//   hpa-min-over-max         error    an HPA (or gitcanary.yaml defaults.hpa) with min > max
//   routing-bypass           warning  a kept Service or Ingress reaching the canary's pods directly
//   nginx-ingress-ref        error    an nginx Canary without ingressRef, or whose Ingress has no path to
//                                     the apex Service (warning: the Ingress is not in the app)
//   interval-too-short       warning  analysis.interval under Flagger's 10s floor
//   webhook-credentials      error    user:password@ or a token-like query parameter in a URL
//   gateway-refs-missing     error    a gatewayapi:* provider without spec.service.gatewayRefs
//   split-with-httproute     warning  a Service routed by a TrafficSplit and an HTTPRoute (lint_split_routes.h)
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"
#include "render/app_config.h"
#include "render/manifest.h"

namespace gitcanary::policies {

// Findings for one app's loaded manifests (render::LoadManifests output, before
// Render), sorted by file, line, rule.
std::vector<Finding> LintApp(const std::vector<render::Manifest>& manifests, const render::AppConfig& config,
                             const std::string& app_namespace);

}  // namespace gitcanary::policies
