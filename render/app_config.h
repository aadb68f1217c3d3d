// AppConfig: the repository's `gitcanary.yaml`.
//
// It holds defaults for many apps (render mode, HPA sizing) and named canary
// templates. A Deployment annotated `gitcanary.io/canary-template: NAME` gets a
// Canary generated from template NAME, so hundreds of apps can share one policy.
// The file is found by the caller (nearest one from the app directory up to the
// repository root) and parsed here; unknown keys are errors, to catch typos.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/gateway_settings.h"
#include "render/namespace_rules.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

enum class Mode { kGit, kFlagger };

inline constexpr std::string_view kConfigFileName = "gitcanary.yaml";
inline constexpr std::string_view kConfigApiVersion = "gitcanary.io/v1alpha1";

struct HpaDefaults {
  long long min_replicas = 2;
  long long max_replicas = 4;
  long long cpu_utilization = 99;
};

// The labels of git mode's primary workloads, as Flagger's -selector-labels
// and -include-label-prefix flags set them: the first of `selector` found in a
// target's spec.selector.matchLabels is its selector label; target labels
// (and ConfigMap labels) are copied to the -primary objects only when their key
// starts with one of `include_prefix` ("*" = all; none by default).
struct WorkloadLabels {
  std::vector<std::string> selector{"app", "name", "app.kubernetes.io/name"};
  std::vector<std::string> include_prefix;
};

struct CanaryTemplate {
  yaml::Node spec;  // a Canary spec without targetRef
};

struct AppConfig {
  std::string file;  // where it was read from; "" = built-in defaults
  std::optional<Mode> mode;
  HpaDefaults hpa;
  WorkloadLabels labels;  // defaults.selectorLabels, defaults.includeLabelPrefix
  // defaults.provider: the traffic provider of Canaries without spec.provider
  // (render/routing/provider.h); "" = istio.
  std::string default_provider;
  std::map<std::string, CanaryTemplate> templates;
  // The app directories `gitcanary diff` reviews, relative to the config's
  // directory; unset = found by looking for manifests.
  std::optional<std::vector<std::string>> apps;
  // How the Istio Gateways named in service.gateways are generated, shared
  // between apps or left to a definition elsewhere (render/gateway_settings.h).
  std::map<GatewayKey, GatewaySettings> gateways;
  // namespaces: which namespaces the apps under each path may use
  // (render/namespace_rules.h). Read from the repository's top gitcanary.yaml
  // only; unset = no rules.
  std::optional<std::vector<NamespaceRule>> namespaces;
};

Result<Mode> ParseMode(std::string_view text);

Result<AppConfig> ParseAppConfig(std::string_view text, const std::string& file);

}  // namespace gitcanary::render
