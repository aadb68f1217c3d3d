// Fuzzes the Argo CD CMP options (plugin/sources/argocd_env.h).
//
// Each input is used twice:
//   1. as the JSON of ARGOCD_APP_PARAMETERS, through ParseAppParameters and
//      through ReadCmpOptions (with that one variable set);
//   2. as an environment, one NAME=VALUE per line, through ReadCmpOptions, so
//      ARGOCD_ENV_GITCANARY_*, PARAM_* and ARGOCD_APP_* mix with the list.
// Beyond "no crash, no uncaught exception, no leak, no UB, no hang": parsed
// parameters have non-empty names, and options read are never empty strings.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "plugin/sources/argocd_env.h"

namespace {

using gitcanary::plugin::Environment;

void CheckOptions(const Environment& env) {
  auto options = gitcanary::plugin::ReadCmpOptions(env);
  if (!options.ok()) {
    FUZZ_CHECK(!options.status().message().empty(), "error without a message");
    return;
  }
  FUZZ_CHECK(!options->mode || !options->mode->empty(), "empty mode read as set");
  FUZZ_CHECK(!options->namespace_ || !options->namespace_->empty(), "empty namespace read as set");
}

Environment LinesAsEnvironment(std::string_view text) {
  Environment env;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return env;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto params = gitcanary::plugin::ParseAppParameters(text);
  if (params.ok()) {
    for (const auto& p : *params) FUZZ_CHECK(!p.name.empty(), "parameter with an empty name");
  }
  CheckOptions({{"ARGOCD_APP_PARAMETERS", std::string(text)}, {"ARGOCD_APP_NAME", "fuzz"}});
  CheckOptions(LinesAsEnvironment(text));
  return 0;
}
