// Canary specs: accept Flagger's v1beta1 and legacy v1alpha3 Canary, normalise
// to v1beta1 with Flagger's defaults applied, and validate.
//
// Normalising rewrites the document in place: `canaryAnalysis` becomes
// `analysis`, a metric's `threshold` becomes `thresholdRange.min` for
// request-success-rate and `thresholdRange.max` otherwise, autoscaling/v2beta*
// becomes autoscaling/v2, and missing defaults are written out (interval 1m,
// threshold 1, maxWeight 100 with stepWeight, progressDeadlineSeconds 600,
// metric interval 1m, and under istio gateways [mesh]). A normalised Canary normalises to
// itself, so rendering is idempotent. CanaryInfo is what the rewrites need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

inline constexpr std::string_view kCanaryGroup = "flagger.app";
inline constexpr std::string_view kCanaryApiVersion = "flagger.app/v1beta1";

struct CanaryInfo {
  std::string target;           // Deployment name, in the Canary's namespace
  std::string autoscaler;       // HPA name; "" when the Canary has no autoscalerRef
  std::vector<std::string> gateways;  // as written in service.gateways ("mesh" included)
  std::vector<std::string> hosts;     // service.hosts
  long long port = 0;                 // service.port
  yaml::Node target_port;             // service.targetPort (int or name); defaults to port
  std::string provider;               // spec.provider, else gitcanary.yaml's defaults.provider, else istio
};

bool IsCanary(const Manifest& m);

// Normalises and validates `m` (a Canary) in place and returns what rewrites
// need. `default_provider` is gitcanary.yaml's defaults.provider: with
// spec.provider, it decides the provider, which decides whether Istio's
// checks and the `gateways: [mesh]` default apply (istio only).
Result<CanaryInfo> NormaliseCanary(Manifest& m, std::string_view default_provider = "");

}  // namespace gitcanary::render
