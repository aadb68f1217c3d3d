// The flags and environment variables that choose and configure the build
// tools (plugin/apps/app_build.h), shared by every command that reads an app
// directory: render, lint, simulate, diff, serve and the operator commands.
// A flag wins over its environment variable; unset means the default.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "plugin/apps/app_build.h"
#include "plugin/commands/args.h"

namespace gitcanary::plugin {

// --kustomize, --kustomize-build-options, --helm, --release-name, --values,
// --set, --build-timeout.
std::vector<FlagSpec> BuildFlagSpecs();

// `specs` followed by BuildFlagSpecs().
std::vector<FlagSpec> WithBuildFlags(std::vector<FlagSpec> specs);

// The help lines for those flags, to append to a command's help.
extern const char kBuildFlagsHelp[];

// BuildTools from the flags of `args` and GITCANARY_KUSTOMIZE,
// GITCANARY_KUSTOMIZE_BUILD_OPTIONS, GITCANARY_HELM and
// GITCANARY_BUILD_TIMEOUT. `app_namespace` is Helm's --namespace.
Result<BuildTools> BuildToolsFrom(const ParsedArgs& args, const std::string& app_namespace);

}  // namespace gitcanary::plugin
