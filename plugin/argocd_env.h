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
// one render. Parameters win over `ARGOCD_ENV_GITCANARY_*`; the JSON list wins
// over `PARAM_*`. Unknown gitcanary options are errors, so a typo never
// silently changes a render.
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
  std::string source_path;                // ARGOCD_APP_SOURCE_PATH, the app dir in the repo
};

using Environment = std::map<std::string, std::string>;

// The current process environment as a map.
Environment ProcessEnvironment();

Result<CmpOptions> ReadCmpOptions(const Environment& env);

}  // namespace gitcanary::plugin
