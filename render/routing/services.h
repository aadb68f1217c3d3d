// The three Services of a canary's routing, as Flagger's Kubernetes service
// router makes them: apex X and X-primary select `<label>: V-primary`, X-canary
// selects `<label>: V` (V: the target's selector label value).
//
// Each Service carries the labels and annotations of service.apex,
// service.primary or service.canary, plus `<label>: <its own name>`; it is
// ClusterIP (clusterIP None with service.headless), with
// service.trafficDistribution. Ports: the main port (portName, default http;
// port; targetPort, default port; appProtocol), then with portDiscovery every
// other container port of the pod except the istio-proxy and envoy sidecars,
// named as declared or `tcp-<container>-<index>`, sorted by number.
//
// When the apex replaces the app's own Service named X, that Service is kept
// as written (type, nodePorts, externalTrafficPolicy, load-balancer fields,
// labels, annotations), and only its selector and ports are set, each port
// keeping the nodePort of the written port of the same name.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/fields.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// Services X, X-primary, X-canary, in this order. `service` is spec.service.
Result<std::vector<yaml::Node>> MakeRoutingServices(const RoutingInput& in, const yaml::Node& service,
                                                     const RoutingNames& names, const Fields& f);

// The service ports (the main one first) of spec.service and the pod template.
Result<yaml::Node> RoutingPorts(const RoutingInput& in, const yaml::Node& service, const Fields& f);

}  // namespace gitcanary::render
