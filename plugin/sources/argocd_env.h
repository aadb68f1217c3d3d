// The options Argo CD hands a Config Management Plugin, read from its
// environment.
//
// Argo CD's cmp-server runs `gitcanary generate` with the app's settings in
// environment variables: the Application's plugin `env` entries arrive with an
// `ARGOCD_ENV_` prefix, its plugin `parameters` arrive both as one JSON list in
// `ARGOCD_APP_PARAMETERS` and as `PARAM_<NAME>` variables, and the build
// environment adds `ARGOCD_APP_NAME`, `ARGOCD_APP_NAMESPACE`,
// `ARGOCD_APP_REVISION` and `ARGOCD_APP_SOURCE_PATH`. This unit turns that
// environment, given as a map so it can be tested as data, into the options of
// one render.
//
// Precedence, highest first: the JSON list (or, only when it is missing, empty
// or null, the PARAM_ variables), then `ARGOCD_ENV_GITCANARY_*`, then the
// sidecar's own `GITCANARY_KUSTOMIZE`, `GITCANARY_HELM`,
// `GITCANARY_KUSTOMIZE_BUILD_OPTIONS` and `GITCANARY_BUILD_TIMEOUT`. An empty
// value at any level means "not set": it never overrides a lower level, so a
// parameter left blank in Argo CD's UI cannot switch the mode. Unknown gitcanary
// options are errors, so a typo never silently changes a render.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitcanary::plugin {

// One entry of ARGOCD_APP_PARAMETERS: {"name": ..., "string" | "array" | "map": ...}.
struct AppParameter {
  std::string name;
  std::optional<std::string> string;
  std::optional<std::vector<std::string>> array;
  std::optional<std::map<std::string, std::string>> map;
};

// Parses the JSON list Argo CD puts in ARGOCD_APP_PARAMETERS.
Result<std::vector<AppParameter>> ParseAppParameters(std::string_view json);

struct CmpOptions {
  std::optional<std::string> mode;        // "git" or "flagger" as given
  std::optional<std::string> namespace_;  // the app's namespace
  std::string app_name;                   // ARGOCD_APP_NAME, for messages
  std::string revision;                   // ARGOCD_APP_REVISION, "" when unset
  // ARGOCD_APP_SOURCE_PATH as Argo CD sets it: always present under Argo CD,
  // "" (or ".") for an app at the repository top; nullopt for a run by hand.
  std::optional<std::string> source_path;

  // How kustomizations and charts are built (plugin/apps/app_build.h BuildTools).
  std::optional<std::string> kustomize;                // the kustomize command line
  std::optional<std::string> kustomize_build_options;  // extra kustomize flags
  std::optional<std::string> helm;                     // the helm binary
  std::optional<std::string> helm_release_name;        // default ARGOCD_APP_NAME
  std::vector<std::string> helm_values_files;          // helm --values, relative to the chart
  std::vector<std::string> helm_set;                   // helm --set "key=value", from the map
  std::optional<int> build_timeout_ms;                 // from a Go duration such as 90s
};

using Environment = std::map<std::string, std::string>;

// The current process environment as a map.
Environment ProcessEnvironment();

Result<CmpOptions> ReadCmpOptions(const Environment& env);

}  // namespace gitcanary::plugin
