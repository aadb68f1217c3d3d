// Objects render generates when the input does not have them: the HPA named by
// a Canary's autoscalerRef, and the Istio Gateways named in service.gateways.
//
// Shapes follow the Dispatch canary guide: an autoscaling/v2 HPA with CPU
// utilisation (sizing from gitcanary.yaml, 2/4/99% by default) and a Gateway
// selecting `istio: ingressgateway` on HTTP port 80, unless gitcanary.yaml
// gives the Gateway's selector and servers (render/gateway_settings.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

struct GatewayRef {
  bool mesh = false;  // the sidecar mesh, not a Gateway object
  std::string name;
  std::string ns;  // "" = the Canary's own namespace
};

// Parses `mesh`, `name.ns.svc.cluster.local`, `ns/name` or `name`; an error
// message for anything else (empty parts, extra slashes, bad characters).
Result<GatewayRef> ParseGatewayRef(const std::string& ref);

yaml::Node MakeHpa(const std::string& name, const std::string& ns, const std::string& deployment,
                   long long min_replicas, long long max_replicas, long long cpu_utilization);

// `hosts` empty means "*". `settings` (from gitcanary.yaml, may be null) gives
// the selector and the servers; every server gets the hosts.
yaml::Node MakeGateway(const std::string& name, const std::string& ns, const std::vector<std::string>& hosts,
                       const GatewaySettings* settings = nullptr);

}  // namespace gitcanary::render
