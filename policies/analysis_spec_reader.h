// Reading the analysis engine's typed inputs from manifests: a normalised
// Canary becomes a policies::AnalysisSpec, and MetricTemplate documents become
// policies::MetricTemplate.
//
// This is where YAML meets the pure state machine, so every error points at
// the source (`file:line:col: field: message`) and names the canary: a metric
// that is neither built in nor has a templateRef or an in-line query, a templateRef to a
// MetricTemplate that is not in the app, a webhook URL that is not http(s),
// a malformed field. The Canary must have gone through render's
// NormaliseCanary, which applied Flagger's defaults and validated the shape.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "policies/alert.h"
#include "policies/analysis_spec.h"
#include "render/manifest.h"

namespace gitcanary::policies {

// MetricTemplates by "namespace/name".
using TemplateIndex = std::map<std::string, policies::MetricTemplate>;

// An AlertProvider document and the secret its address may come from.
struct ProviderDoc {
  policies::AlertProvider provider;
  std::string secret_name;  // spec.secretRef.name; "" = none
};
using ProviderIndex = std::map<std::string, ProviderDoc>;  // by "namespace/name"

bool IsMetricTemplate(const render::Manifest& m);

// Every MetricTemplate among `objects`; objects without a namespace are in
// `app_ns`. Two templates with one name are an error.
Result<TemplateIndex> ReadMetricTemplates(const std::vector<render::Manifest>& objects, const std::string& app_ns);

// Every AlertProvider among `objects` (flagger.app/v1beta1 AlertProvider:
// spec.type, address, channel, username, proxy, secretRef.name).
Result<ProviderIndex> ReadAlertProviders(const std::vector<render::Manifest>& objects, const std::string& app_ns);

// Where references were looked up, for the messages of those that resolve
// nowhere or twice: "the app", or the app and the repository's other apps.
struct ReferenceScope {
  std::string looked_in = "the app";
  // "MetricTemplate ns/name" or "AlertProvider ns/name" -> "in apps A and B",
  // for those defined by more than one app (and left out of the indexes).
  std::map<std::string, std::string> twice;
};

// Every analysis.alerts providerRef of `spec` must name a provider in `providers`.
Status CheckAlertProviders(const policies::AnalysisSpec& spec, const ProviderIndex& providers,
                           const ReferenceScope& scope = {});

// Flagger's floor for analysis.interval: shorter intervals are raised to it.
inline constexpr long long kFlaggerMinIntervalMs = 10'000;

// `min_interval_ms` lowers the floor (serve --min-interval, for demos and tests).
// `default_provider` is gitcanary.yaml's defaults.provider ("" = istio): the
// provider of a Canary without spec.provider, and linkerd's queries for the
// built-in metrics of every canary when it is linkerd, as in Flagger.
Result<policies::AnalysisSpec> ReadAnalysisSpec(const render::Manifest& canary, const std::string& app_ns,
                                                const TemplateIndex& templates,
                                                long long min_interval_ms = kFlaggerMinIntervalMs,
                                                const ReferenceScope& scope = {},
                                                std::string_view default_provider = {});

}  // namespace gitcanary::policies
