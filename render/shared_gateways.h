// Shared Gateways: which app of a repository emits an Istio Gateway that the
// Canaries of several apps name in service.gateways, and with which hosts.
//
// Argo CD renders one app at a time, so every app that names a Gateway would
// otherwise emit its own copy with its own hosts, and two apps would fight
// over one object. The rule, the same whichever app is rendered:
//
//   - a Gateway that any app of the repository defines (a real one) is never
//     generated, nor one that gitcanary.yaml marks `external`;
//   - otherwise exactly one app emits it: the `owner` named in gitcanary.yaml,
//     else the first app, in path order, whose Canaries name it;
//   - its hosts are the union of the hosts of every Canary of every app that
//     names it, or "*" when one of them names no host.
//
// Only references whose namespace is written (in the reference or on the
// Canary) are shared: a Gateway in "the app's namespace" is the app's own.
// Pure: the plugin loads the other apps (plugin/apps/gateway_plan.h).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"

namespace gitcanary::render {

struct HostSet {
  std::set<std::string> hosts;
  bool any = false;  // some Canary names no host: "*"
};

// What one app's manifests say about Gateways.
struct GatewayUses {
  std::map<GatewayKey, HostSet> named;  // by the Canaries, with a written namespace
  std::set<GatewayKey> defined;         // Istio Gateway objects with a written namespace
};

// Reads the Canaries (and those templates would generate) of an app's
// manifests as loaded, before render. Unreadable parts are skipped: render
// reports them for the app itself.
GatewayUses CollectGatewayUses(const std::vector<Manifest>& manifests, const AppConfig& config);

// What the rendered app does with one Gateway its Canaries name.
struct SharedGateway {
  bool emit = false;
  HostSet hosts;                            // when emitted
  std::optional<GatewaySettings> settings;  // from the repository's gitcanary.yaml
  std::string reason;                       // why it is left out, or who else names it
};
using GatewayPlan = std::map<GatewayKey, SharedGateway>;

struct OtherApp {
  std::string dir;  // relative to the repository top
  GatewayUses uses;
};

// The plan for the app at `app_dir` (relative to the repository top; every
// other app directory neither contains it nor lies inside it), whose own uses
// are `own`. `config` is the repository's gitcanary.yaml, in `config_dir`.
// An `owner` that is not an app naming the Gateway is an error at the owner,
// unless it is one of the `unread` apps (those that did not load): that app
// still owns it, and its own render reports why it does not load.
Result<GatewayPlan> PlanSharedGateways(const std::string& app_dir, const GatewayUses& own,
                                       const std::vector<OtherApp>& others, const AppConfig& config,
                                       const std::string& config_dir, const std::vector<std::string>& unread = {});

}  // namespace gitcanary::render
