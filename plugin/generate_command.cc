#include "plugin/generate_command.h"

#include <algorithm>
#include <iostream>
#include <optional>

#include "plugin/app_source.h"
#include "plugin/args.h"
#include "plugin/argocd_env.h"
#include "plugin/config_lookup.h"
#include "plugin/disk_source.h"
#include "plugin/exit_codes.h"
#include "plugin/render_app.h"
#include "render/carried_annotations.h"
#include "render/loader.h"
#include "render/output.h"

namespace gitcanary::plugin {

const char kGenerateHelp[] = R"(Usage: gitcanary generate

Argo CD Config Management Plugin command (the `generate` of plugin.yaml).
Renders the app in the working directory like `gitcanary render .` and prints
a YAML stream. Works with or without .git in the extracted repository.

Options come from the environment Argo CD sets:
  ARGOCD_APP_PARAMETERS      plugin parameters (JSON); "mode", "namespace"
  PARAM_MODE, PARAM_NAMESPACE  read when ARGOCD_APP_PARAMETERS is unset
  ARGOCD_ENV_GITCANARY_MODE, ARGOCD_ENV_GITCANARY_NAMESPACE
                             the Application's plugin env entries
                             GITCANARY_MODE / GITCANARY_NAMESPACE
  ARGOCD_APP_NAMESPACE       namespace of objects that have none
  ARGOCD_APP_REVISION        written to the gitcanary.io/source-revision
                             annotation of every object
  ARGOCD_APP_SOURCE_PATH     the app's path in the repository; gitcanary.yaml
                             is looked up from here to the repository top
  ARGOCD_APP_NAME            names the app in error messages
Parameters win over env entries; unknown names are errors. The mode defaults
to defaults.mode in gitcanary.yaml, else git.

Exit codes: 0 rendered, 1 invalid input or an empty result (nothing on
stdout), 2 usage error.
)";

namespace {

// "a//b/./c/../d" -> "a/b/d", as Argo CD cleans the path it joins; nullopt
// for a path that leaves the repository.
std::optional<std::string> CleanSourcePath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (parts.empty()) {
      return std::nullopt;
    } else {
      parts.pop_back();
    }
  }
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

// Where gitcanary.yaml is looked up: from the working directory up to the
// repository top, which ARGOCD_APP_SOURCE_PATH names exactly even when the
// extracted tree has no .git. Without it (a run by hand), up to the nearest
// .git.
Result<DiskLookup> LookupFor(const std::string& source_path) {
  if (source_path.empty()) return DiskLookupFor(".");
  auto below = CleanSourcePath(source_path);
  if (!below) return Status::Invalid("ARGOCD_APP_SOURCE_PATH \"" + source_path + "\" leaves the repository");
  if (below->empty()) return DiskLookup{".", ""};
  std::string root = ".";
  for (char c : *below + "/")
    if (c == '/') root += "/..";
  auto check = PathBelow(root, ".");
  if (!check.ok() || *check != *below)
    return Status::Invalid("the working directory does not end in ARGOCD_APP_SOURCE_PATH \"" + source_path + "\"");
  return DiskLookup{root, *below};
}

Result<std::string> Generate(const CmpOptions& cmp) {
  auto where = LookupFor(cmp.source_path);
  if (!where.ok()) return where.status();
  DiskSource top(where->root);
  auto config = LoadNearestConfig(top, where->dir);
  if (!config.ok()) return config.status();
  render::RenderOptions options;
  auto mode = ResolveMode(cmp.mode, *config);
  if (!mode.ok()) return mode.status();
  options.mode = *mode;
  options.app_namespace = cmp.namespace_.value_or("default");
  DiskSource app(".");
  auto manifests = render::LoadManifests(app, "");
  if (!manifests.ok()) return manifests.status();
  auto result = RenderNonEmpty(std::move(*manifests), *config, options, "the app directory");
  if (!result.ok()) return result.status();
  if (!cmp.revision.empty()) render::AnnotateAll(result->objects, kSourceRevisionAnnotation, cmp.revision);
  std::string text = render::ToYamlStream(result->objects);
  KeepUntilExit(std::move(result->objects));
  KeepUntilExit(std::move(result->dropped));
  return text;
}

}  // namespace

int RunGenerate(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {});
  if (!args.ok()) return ReportError(args.status(), kGenerateHelp);
  if (args->help) {
    std::cout << kGenerateHelp;
    return kExitOk;
  }
  if (!args->positionals.empty()) return ReportError(Status::Usage("generate takes no arguments; it renders the working directory"), kGenerateHelp);
  auto cmp = ReadCmpOptions(ProcessEnvironment());
  if (!cmp.ok()) return ReportError(cmp.status(), nullptr);
  auto text = Generate(*cmp);
  if (!text.ok()) {
    const std::string app = cmp->app_name.empty() ? "" : "app " + cmp->app_name + ": ";
    return ReportError(Status::Invalid(app + text.status().message()), nullptr);
  }
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
