// Canary templates: generate a Canary for every Deployment annotated
// `gitcanary.io/canary-template: NAME` from template NAME in gitcanary.yaml.
//
// The generated Canary is named like the Deployment, lives in its namespace,
// targets it, and is marked `gitcanary.io/template: NAME`. The annotation is
// removed from the rendered Deployment so that rendering the output again is a
// no-op. Template strings may use `{{ name }}` and `{{ namespace }}`; any other
// placeholder is an error. A Deployment that is both annotated and targeted by
// a Canary in the input is ambiguous and an error.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"

namespace gitcanary::render {

inline constexpr std::string_view kTemplateAnnotation = "gitcanary.io/canary-template";
inline constexpr std::string_view kGeneratedFromAnnotation = "gitcanary.io/template";

// Appends generated Canaries to `manifests`; explains each on `explain`.
Status ExpandCanaryTemplates(std::vector<Manifest>& manifests, const AppConfig& config,
                             const std::string& app_namespace, std::vector<std::string>* explain);

}  // namespace gitcanary::render
