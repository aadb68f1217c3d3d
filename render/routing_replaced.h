// Finds the Services and Ingresses that a Canary's routing replaces.
//
// A Service is replaced when its selector is non-empty and matches the target
// Deployment's pod labels: the canary's own Services take over its traffic. Its
// targetPort must agree with the Canary's service.targetPort, or the switch
// would silently change the port. An Ingress is replaced when every backend
// points at a replaced Service; one that still routes some paths to a Service
// that stays is an error, since dropping it would cut those paths.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "render/canary_spec.h"
#include "render/manifest.h"

namespace gitcanary::render {

// The Services of each namespace (effective), as indexes into the manifests.
using ServicesByNamespace = std::unordered_map<std::string, std::vector<std::size_t>>;
ServicesByNamespace IndexServices(const std::vector<Manifest>& manifests, const std::string& app_namespace);

// Marks in `removed` the Services that select `target`'s pods.
Status MarkReplacedServices(const std::vector<Manifest>& manifests, const ServicesByNamespace& services,
                            const Manifest& canary,
                            const CanaryInfo& info, const Manifest& target,
                            const std::string& app_namespace, std::vector<bool>* removed,
                            std::vector<std::string>* explain);

// Marks in `removed` the Ingresses whose backends all point at removed Services.
Status MarkReplacedIngresses(const std::vector<Manifest>& manifests, const std::string& app_namespace,
                             std::vector<bool>* removed, std::vector<std::string>* explain);

}  // namespace gitcanary::render
