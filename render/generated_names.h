// Names that rendering derives from a Canary, checked as the API server
// would check them, so that a Canary whose objects Kubernetes would refuse is
// an error that says what to change.
//
// The apex name is spec.service.name when set, else spec.targetRef.name; the
// Services `<apex>`, `<apex>-primary` and `<apex>-canary` must be DNS-1035
// labels (at most 63 characters, lowercase letters, digits and '-', starting
// with a letter). The primary Deployment `<targetRef.name>-primary` and the
// primary HPA `<autoscalerRef.name>-primary` must be DNS-1123 subdomains (at
// most 253 characters). spec.service.portName becomes a Service port name and
// must be an IANA service name: at most 15 characters, lowercase letters,
// digits and '-', at least one letter, no leading, trailing or doubled '-'.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "render/fields.h"

namespace gitcanary::render {

// Checks the names derived from a Canary's `spec` (before or after normalising).
Status CheckGeneratedNames(const yaml::Node& spec, const Fields& f);

// "" when `name` is valid, else why not (for tests and messages).
std::string Dns1035LabelProblem(std::string_view name);
std::string Dns1123SubdomainProblem(std::string_view name);
std::string IanaServiceNameProblem(std::string_view name);

}  // namespace gitcanary::render
