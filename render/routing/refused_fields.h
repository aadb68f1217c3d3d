// Canary fields a provider cannot honour, refused with the reason.
//
// Flagger's routers ignore what their mesh cannot express, so a Canary asking
// for it gets traffic other than what it says. A provider of git mode lists
// such fields with the reason and refuses the first one set, as one line
// `file:line:col: spec.analysis.match: not supported with provider linkerd: <reason>`.
// A field that is null, false, or an empty list or mapping asks for nothing
// and passes.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

struct RefusedField {
  std::string_view section;  // "analysis" or "service": a mapping under spec
  std::string_view key;
  std::string_view reason;
};

// Whether `n` asks for something: not null, not false, not an empty list or mapping.
bool AsksForSomething(const yaml::Node& n);

// The first field of `refused` that c's spec sets, as an error, else Ok.
Status RefuseFields(const RouteContext& c, const std::vector<RefusedField>& refused);

}  // namespace gitcanary::render
