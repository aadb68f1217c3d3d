// GatewaySettings: the `gateways:` block of gitcanary.yaml, which says how an
// Istio Gateway named in the Canaries' service.gateways is generated, keyed
// by NAMESPACE/NAME:
//
//   gateways:
//     istio-system/public-gateway:
//       owner: apps/frontend        # the app that emits it (default: the
//                                   # first app, in path order, naming it)
//       external: true              # defined elsewhere: never generated
//       selector: {istio: ingressgateway}
//       servers:                    # hosts are filled in from the Canaries
//         - port: {number: 443, name: https, protocol: HTTPS}
//           tls: {mode: SIMPLE, credentialName: public-cert}
//
// Servers are checked against the shape of Istio's Gateway (networking.istio.io
// v1 Server): unknown fields, wrong types and values outside Istio's enums are
// errors, and an HTTPS or TLS server needs tls settings, as istiod refuses one
// without them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

using GatewayKey = std::pair<std::string, std::string>;  // (namespace, name)

struct GatewaySettings {
  std::optional<std::string> owner;  // app directory relative to the config's directory
  yaml::Node owner_node;             // where `owner` was written, for errors
  bool external = false;
  std::optional<yaml::Node> selector;  // mapping of strings
  std::optional<yaml::Node> servers;   // sequence of Server mappings without hosts
  std::string file;                    // the gitcanary.yaml it was read from
};

// Reads the `gateways` mapping of a gitcanary.yaml.
Status ReadGatewaySettings(const std::string& file, const yaml::Node& gateways,
                           std::map<GatewayKey, GatewaySettings>* out);

// The Server fields accepted under `servers`, as "port.number: integer",
// "tls.mode: string", ...: tests compare them with Istio's Gateway schema.
struct ServerField {
  std::string_view path;
  std::string_view type;  // integer, string, boolean, array
};
const std::vector<ServerField>& AcceptedServerFields();

}  // namespace gitcanary::render
