#include "plugin/commands/generate_command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>

#include "plugin/apps/app_build.h"
#include "plugin/commands/args.h"
#include "plugin/sources/argocd_env.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/gateway_plan.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/render_app.h"
#include "render/app_config.h"
#include "render/carried_annotations.h"
#include "render/output.h"

namespace gitcanary::plugin {

const char kGenerateHelp[] = R"(Usage: gitcanary generate

Argo CD Config Management Plugin command (the `generate` of plugin.yaml).
Builds the app in the working directory as Argo CD would (a kustomization
with kustomize, a Chart.yaml with helm template, else plain manifests),
renders it like `gitcanary render .` and prints a YAML stream. Works with or
without .git in the extracted repository.

Plugin parameters (ARGOCD_APP_PARAMETERS, JSON; the PARAM_<NAME> variables
are read only when it is missing, empty or null):
  "mode"                     git or flagger; default defaults.mode of
                             gitcanary.yaml, else git
  "namespace"                namespace of objects that have none, and helm's
                             --namespace; default ARGOCD_APP_NAMESPACE
  "helm-values-files"        (array) helm --values files, relative to the
                             chart directory
  "helm-parameters"          (map) helm --set NAME=VALUE for each entry; a
                             comma in VALUE is escaped, as Argo CD does
  "helm-release-name"        helm's release name; default ARGOCD_APP_NAME
  "build-timeout"            time limit of one kustomize or helm run, a Go
                             duration such as 90s or 2m; default 90s
An empty string, array or map means "not set", so the env entry or the
gitcanary.yaml default below it applies. Unknown names, and a value of the
wrong kind (a string for "helm-values-files"), are errors.

The Application's plugin env entries (plugin.env GITCANARY_X arrives as
ARGOCD_ENV_GITCANARY_X); parameters win over them:
  ARGOCD_ENV_GITCANARY_MODE, _NAMESPACE, _HELM_RELEASE_NAME, _BUILD_TIMEOUT
                             as the parameters above
Any other ARGOCD_ENV_GITCANARY_* is an error.

The sidecar's own variables, the lowest level. What the sidecar runs is the
sidecar's to choose, never an Application's (as Argo CD keeps
kustomize.buildOptions in argocd-cm), so these three are set here only:
  GITCANARY_KUSTOMIZE        the kustomize command line: "kustomize build" or
                             "kubectl kustomize" (default: kustomize on PATH,
                             else kubectl kustomize)
  GITCANARY_KUSTOMIZE_BUILD_OPTIONS  extra kustomize flags, as Argo CD's
                             kustomize.buildOptions: "--enable-helm
                             --load-restrictor LoadRestrictionsNone"
  GITCANARY_HELM             the helm binary (default helm on PATH)
  GITCANARY_BUILD_TIMEOUT    the default of "build-timeout"

Argo CD's environment:
  ARGOCD_APP_NAME            starts every error message: "app NAME: ..."
                             (unset: the working directory's name)
  ARGOCD_APP_NAMESPACE       the default of "namespace"
  ARGOCD_APP_REVISION        written to the gitcanary.io/source-revision
                             annotation of every object
  ARGOCD_APP_SOURCE_PATH     the app's path in the repository; "" or "." is
                             the repository top. Unset means a run by hand:
                             gitcanary.yaml is then looked up to the nearest
                             .git
  ARGOCD_CMP_WORKDIR, TMPDIR the cmp-server extracts each request into
                             DIR/_cmp_server/ID (DIR: ARGOCD_CMP_WORKDIR, else
                             TMPDIR, else /tmp); ID is the extracted top

gitcanary.yaml is looked up from the app up to the top of the extracted
tree, never above it. That top is the repository, or, with the app's
argocd.argoproj.io/manifest-generate-paths annotation and the repo-server's
reposerver.plugin.use.manifest.generate.paths, only the deepest directory
holding the app and those paths: the gitcanary.yaml that applies must then be
inside it (list its directory in the annotation, "/" for the top). An app
directory that is a symbolic link is followed while it stays inside the
extracted tree; gitcanary.yaml is still looked up along the path Argo CD
names, ARGOCD_APP_SOURCE_PATH.

Exit codes: 0 rendered, 1 invalid input or an empty result (nothing on
stdout), 2 usage error.
)";

namespace {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (name.empty()) return dir;
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// The path's components, without empty and "." ones.
std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
  }
  return parts;
}

std::string JoinComponents(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += (out.empty() ? "" : "/") + parts[i];
  return out;
}

// "a//b/./c/../d" -> "a/b/d", as Argo CD cleans the path it joins; nullopt
// for a path that leaves the repository.
std::optional<std::string> CleanSourcePath(const std::string& path) {
  std::vector<std::string> parts;
  for (std::string& part : Components(path)) {
    if (part != "..") {
      parts.push_back(std::move(part));
    } else if (parts.empty()) {
      return std::nullopt;
    } else {
      parts.pop_back();
    }
  }
  return JoinComponents(parts, 0, parts.size());
}

std::optional<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
  if (real == nullptr) return std::nullopt;
  return std::string(real.get());
}

// `path` below directory `dir` (both absolute and resolved): "" for the
// directory itself, nullopt when outside it.
std::optional<std::string> Below(const std::string& path, const std::string& dir) {
  if (path == dir) return std::string();
  const std::string prefix = dir == "/" ? dir : dir + "/";
  if (path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return path.substr(prefix.size());
}

// The cmp-server's work directory as argo-cd's common.GetCMPWorkDir names it:
// $ARGOCD_CMP_WORKDIR/_cmp_server, else os.TempDir() ($TMPDIR, else /tmp)
// /_cmp_server. generate inherits the cmp-server's environment, so it sees the
// same variables. Every request is extracted into a fresh directory right
// below it (files.CreateTempDir). Resolved; nullopt when it does not exist.
std::optional<std::string> CmpWorkDir(const Environment& env) {
  auto get = [&env](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  std::string base = get("ARGOCD_CMP_WORKDIR");
  if (base.empty()) base = get("TMPDIR");
  if (base.empty()) base = "/tmp";
  return RealPath(JoinPath(base, "_cmp_server"));
}

// Where the app is. `root` is the top that gitcanary reads and never leaves;
// `logical` is the app below it as Argo CD names it (gitcanary.yaml is looked
// up along it); `physical` is the working directory below it, which differs
// when the app directory is a symbolic link, and is what is built.
struct AppLocation {
  std::string root;
  std::string logical;
  std::string physical;
  std::string dropped;   // the repository path of `root` when it is below the top
  bool by_hand = false;  // no ARGOCD_APP_SOURCE_PATH and no cmp-server layout
};

Status NotInSourcePath(const std::string& source_path) {
  return Status::Invalid("the working directory does not end in ARGOCD_APP_SOURCE_PATH \"" + source_path + "\"");
}

// Inside the cmp-server's extracted tree: the root is the request's directory
// below the work directory. The tarball holds the repository, or (with
// manifest-generate-paths) a directory above the app, so the app's path below
// the root is the source path or a tail of it: the longest that leads here.
Result<AppLocation> LocateInExtracted(const std::string& cwd, const std::string& work, const std::string& inside,
                                      const std::optional<std::string>& source, const std::optional<std::string>& clean) {
  const std::size_t slash = inside.find('/');
  AppLocation at;
  at.root = JoinPath(work, inside.substr(0, slash));
  at.physical = slash == std::string::npos ? "" : inside.substr(slash + 1);
  if (!clean) {
    at.logical = at.physical;
    return at;
  }
  const std::vector<std::string> parts = Components(*clean);
  for (std::size_t k = 0; k <= parts.size(); ++k) {
    const std::string tail = JoinComponents(parts, k, parts.size());
    if (RealPath(JoinPath(at.root, tail)) != cwd) continue;
    at.logical = tail;
    at.dropped = JoinComponents(parts, 0, k);
    return at;
  }
  return NotInSourcePath(*source);
}

// Outside a cmp-server layout (a run by hand, a test): the root is the
// working directory with as many levels removed as the source path has, and
// the source path must lead from there back here.
Result<AppLocation> LocateBySourcePath(const std::string& cwd, const std::string& source, const std::string& clean) {
  const std::vector<std::string> parts = Components(clean);
  const std::vector<std::string> here = Components(cwd);
  if (here.size() < parts.size()) return NotInSourcePath(source);
  AppLocation at;
  at.root = "/";
  at.root += JoinComponents(here, 0, here.size() - parts.size());
  at.physical = JoinComponents(here, here.size() - parts.size(), here.size());
  at.logical = clean;
  if (RealPath(JoinPath(at.root, clean)) != cwd) return NotInSourcePath(source);
  return at;
}

Result<AppLocation> Locate(const std::optional<std::string>& source, const Environment& env) {
  std::optional<std::string> clean;
  if (source) {
    clean = CleanSourcePath(*source);
    if (!clean) return Status::Invalid("ARGOCD_APP_SOURCE_PATH \"" + *source + "\" leaves the repository");
  }
  auto cwd = RealPath(".");
  if (!cwd) return Status::Io("cannot resolve the working directory");
  const auto work = CmpWorkDir(env);
  if (work) {
    auto inside = Below(*cwd, *work);
    if (inside && !inside->empty()) return LocateInExtracted(*cwd, *work, *inside, source, clean);
    // The cmp-server runs every request below its work directory, so a
    // working directory elsewhere is an app directory that is a symbolic
    // link out of the extracted tree.
    if (source)
      return Status::Invalid("the app directory ARGOCD_APP_SOURCE_PATH \"" + *source +
                             "\" leads out of the extracted repository (a symbolic link to " + *cwd + ")");
  }
  if (clean) return LocateBySourcePath(*cwd, *source, *clean);
  auto lookup = DiskLookupFor(".");
  if (!lookup.ok()) return lookup.status();
  AppLocation at;
  at.root = lookup->root;
  at.logical = at.physical = lookup->dir;
  at.by_hand = true;
  return at;
}

// Whether LoadNearestConfig would find a gitcanary.yaml from `dir` up.
bool HasConfig(const FileSource& source, std::string dir) {
  for (;;) {
    if (source.TypeOf(JoinPath(dir, std::string(render::kConfigFileName))) == EntryType::kFile) return true;
    if (dir.empty()) return false;
    const std::size_t slash = dir.rfind('/');
    dir = slash == std::string::npos ? std::string() : dir.substr(0, slash);
  }
}

BuildTools ToolsFor(const CmpOptions& cmp, const std::string& app_namespace) {
  BuildTools tools;
  tools.kustomize = cmp.kustomize.value_or("");
  tools.kustomize_build_options = cmp.kustomize_build_options.value_or("");
  tools.helm = cmp.helm.value_or("");
  tools.release_name = cmp.helm_release_name.value_or(cmp.app_name);
  tools.app_namespace = app_namespace;
  tools.values_files = cmp.helm_values_files;
  tools.set_values = cmp.helm_set;
  if (cmp.build_timeout_ms) tools.timeout_ms = *cmp.build_timeout_ms;
  return tools;
}

Result<std::string> Generate(const CmpOptions& cmp, const Environment& env) {
  auto where = Locate(cmp.source_path, env);
  if (!where.ok()) return where.status();
  // Under Argo CD, read from the extracted top so that messages name files by
  // their path in the repository, not by the cmp-server's temporary directory.
  if (!where->by_hand && chdir(where->root.c_str()) != 0)
    return Status::Io("cannot enter the extracted repository " + where->root);
  DiskSource top(where->by_hand ? where->root : ".");
  if (!where->dropped.empty() && !HasConfig(top, where->logical))
    return Status::Invalid("no gitcanary.yaml in the part of the repository Argo CD sent, \"" + where->dropped +
                           "\" and below (argocd.argoproj.io/manifest-generate-paths); add the directory of the "
                           "gitcanary.yaml that applies to that annotation (\"/\" for the repository top)");
  auto config = LoadNearestConfig(top, where->logical);
  if (!config.ok()) return config.status();
  render::RenderOptions options;
  auto mode = ResolveMode(cmp.mode, *config);
  if (!mode.ok()) return mode.status();
  options.mode = *mode;
  options.app_namespace = cmp.namespace_.value_or("default");
  auto root = where->by_hand ? RealPath(where->root) : std::optional<std::string>(where->root);
  if (!root) return Status::Io("cannot resolve " + where->root);
  const BuildTools tools = ToolsFor(cmp, options.app_namespace);
  auto app = BuildApp(top, where->physical, tools, root);
  if (!app.ok()) return app.status();
  GatewayPlanRequest plan_request{&top, where->physical, root, tools};
  auto plan = PlanGatewaysForApp(plan_request, app->manifests, *config, &app->explain);
  if (!plan.ok()) return plan.status();
  options.gateways = std::move(*plan);
  auto rule = NamespaceScopeFor(top, where->logical, *config);
  if (!rule.ok()) return rule.status();
  options.namespaces = std::move(*rule);
  auto result = RenderNonEmpty(std::move(app->manifests), *config, options, "the app directory");
  if (!result.ok()) return result.status();
  if (!cmp.revision.empty()) render::AnnotateAll(result->objects, kSourceRevisionAnnotation, cmp.revision);
  std::string text = render::ToYamlStream(result->objects);
  KeepUntilExit(std::move(result->objects));
  KeepUntilExit(std::move(result->dropped));
  return text;
}

}  // namespace

namespace {

// The name every error starts with: ARGOCD_APP_NAME, else (a run by hand) the
// working directory's name.
std::string AppName(const Environment& env) {
  auto name = env.find("ARGOCD_APP_NAME");
  if (name != env.end() && !name->second.empty()) return name->second;
  std::unique_ptr<char, decltype(&std::free)> cwd(getcwd(nullptr, 0), &std::free);
  if (cwd == nullptr) return ".";
  std::string dir = cwd.get();
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::size_t slash = dir.rfind('/');
  const std::string base = slash == std::string::npos ? dir : dir.substr(slash + 1);
  return base.empty() ? dir : base;
}

int RunGenerateAs(const std::string& app, const std::vector<std::string>& argv, const Environment& env);

}  // namespace

int RunGenerate(const std::vector<std::string>& argv) {
  const Environment env = ProcessEnvironment();
  // Every error names the app, so Argo CD's UI shows which one failed.
  const std::string app = "app " + AppName(env) + ": ";
  try {
    return RunGenerateAs(app, argv, env);
  } catch (const std::exception& e) {
    return ReportError(Status::Invalid(app + "internal error: " + e.what()), nullptr);
  }
}

namespace {

int RunGenerateAs(const std::string& app, const std::vector<std::string>& argv, const Environment& env) {
  auto fail = [&app](const Status& status, const char* usage) {
    const std::string message = app + status.message();
    return ReportError(status.code() == Code::kUsage ? Status::Usage(message) : Status::Invalid(message), usage);
  };
  auto args = ParseArgs(argv, {});
  if (!args.ok()) return fail(args.status(), kGenerateHelp);
  if (args->help) {
    std::cout << kGenerateHelp;
    return kExitOk;
  }
  if (!args->positionals.empty())
    return fail(Status::Usage("generate takes no arguments; it renders the working directory"), kGenerateHelp);
  auto cmp = ReadCmpOptions(env);
  if (!cmp.ok()) return fail(Status::Invalid(cmp.status().message()), nullptr);
  auto text = Generate(*cmp, env);
  if (!text.ok()) return fail(Status::Invalid(text.status().message()), nullptr);
  if (std::fwrite(text->data(), 1, text->size(), stdout) != text->size() || std::fflush(stdout) != 0)
    return fail(Status::Io("writing stdout failed"), nullptr);
  return kExitOk;
}

}  // namespace

}  // namespace gitcanary::plugin
