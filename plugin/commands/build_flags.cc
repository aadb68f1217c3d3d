#include "plugin/commands/build_flags.h"

#include <cstdlib>

#include "render/fields.h"

namespace gitcanary::plugin {

const char kBuildFlagsHelp[] = R"(Build flags (kustomizations and Helm charts are built first, as Argo CD does):
  --kustomize CMD      the kustomize command: "kustomize build" or "kubectl
                       kustomize" (default: kustomize when on PATH, else
                       kubectl; env GITCANARY_KUSTOMIZE)
  --kustomize-build-options OPTS
                       extra kustomize flags, as Argo CD's
                       kustomize.buildOptions: "--enable-helm
                       --load-restrictor LoadRestrictionsNone" (env
                       GITCANARY_KUSTOMIZE_BUILD_OPTIONS)
  --helm BIN           the helm binary (default helm; env GITCANARY_HELM)
  --release-name NAME  Helm release name (default: the chart directory's name)
  --values FILES       Helm values files, comma-separated, relative to the chart
  --set VALUES         Helm --set key=value pairs, comma-separated
  --build-timeout DUR  time limit of one build (default 90s; env
                       GITCANARY_BUILD_TIMEOUT)
)";

namespace {

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(',', start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string FlagOrEnv(const ParsedArgs& args, const char* flag, const char* env) {
  if (auto v = args.Get(flag)) return *v;
  const char* value = std::getenv(env);
  return value != nullptr ? value : "";
}

}  // namespace

std::vector<FlagSpec> BuildFlagSpecs() {
  return {{"kustomize", 0, true}, {"kustomize-build-options", 0, true}, {"helm", 0, true},
          {"release-name", 0, true}, {"values", 0, true}, {"set", 0, true}, {"build-timeout", 0, true}};
}

std::vector<FlagSpec> WithBuildFlags(std::vector<FlagSpec> specs) {
  for (FlagSpec& s : BuildFlagSpecs()) specs.push_back(std::move(s));
  return specs;
}

Result<BuildTools> BuildToolsFrom(const ParsedArgs& args, const std::string& app_namespace) {
  BuildTools tools;
  tools.kustomize = FlagOrEnv(args, "kustomize", "GITCANARY_KUSTOMIZE");
  tools.kustomize_build_options = FlagOrEnv(args, "kustomize-build-options", "GITCANARY_KUSTOMIZE_BUILD_OPTIONS");
  tools.helm = FlagOrEnv(args, "helm", "GITCANARY_HELM");
  tools.release_name = args.Get("release-name").value_or("");
  tools.app_namespace = app_namespace;
  tools.values_files = SplitCommas(args.Get("values").value_or(""));
  if (auto set = args.Get("set")) tools.set_values.push_back(*set);
  const std::string timeout = FlagOrEnv(args, "build-timeout", "GITCANARY_BUILD_TIMEOUT");
  if (!timeout.empty()) {
    auto ms = render::ParseDurationMillis(timeout);
    if (!ms || *ms <= 0) return Status::Usage("--build-timeout \"" + timeout + "\" is not a duration such as 90s or 2m");
    tools.timeout_ms = static_cast<int>(std::min<long long>(*ms, 24LL * 3600 * 1000));
  }
  return tools;
}

}  // namespace gitcanary::plugin
