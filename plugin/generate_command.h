// `gitcanary generate`: the Argo CD Config Management Plugin entry point.
//
// Argo CD's cmp-server extracts the repository (often without `.git`) into a
// temporary directory and runs this command with the app path as working
// directory and the app's options in the environment (plugin/argocd_env.h).
// It renders that directory exactly as `gitcanary render` would, stamps every
// object with the revision Argo CD is syncing, and prints the YAML stream.
// Any error, and an empty result, exits non-zero with nothing on stdout,
// because Argo CD would prune every object on empty output.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kGenerateHelp[];

// The annotation that carries ARGOCD_APP_REVISION on every generated object.
inline constexpr char kSourceRevisionAnnotation[] = "gitcanary.io/source-revision";

int RunGenerate(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
