#include "plugin/commands/render_command.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "plugin/sources/app_source.h"
#include "plugin/commands/args.h"
#include "plugin/commands/build_flags.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/gateway_plan.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/published_apps.h"
#include "plugin/apps/published_writer.h"
#include "plugin/apps/render_app.h"
#include "render/loader.h"
#include "render/output.h"
#include "render/render.h"

namespace gitcanary::plugin {

const char kRenderHelp[] = R"(Usage: gitcanary render [DIR] [flags]

Render the app in DIR (default .) for a canary release and print the objects
as a YAML stream on stdout. DIR is built as Argo CD builds it: a kustomization
by kustomize, a Helm chart by `helm template`, any other directory read as
plain manifests (--explain says which). Nothing is printed on stdout unless the whole
render succeeds; errors go to stderr as FILE:LINE:COL: message.

Flags:
  --mode git|flagger   git (the default): gitcanary runs the canary; render
                       emits the primary and canary workloads and the Istio
                       routing with the weights of the status committed in git.
                       flagger: the rewritten app, HPAs, Gateways and
                       normalised Canaries for an in-cluster Flagger.
                       Default: defaults.mode in gitcanary.yaml, else git.
  -n, --namespace NS   namespace of objects that have none (default:
                       $ARGOCD_APP_NAMESPACE, else "default"). Such objects stay
                       namespace-less in the output.
  -o, --output FORMAT  yaml (default) or json (one v1 List)
  --explain            print every rewrite and generated object to stderr
  --repo PATH          read DIR from a commit of the git repository at PATH,
                       without a checkout (DIR is relative to the repo root)
  --revision REV       the commit to read with --repo (default HEAD)
  --write OUT          publish instead of printing: render every app inside
                       DIR (the apps of the repository, as diff and serve find
                       them) and write each to OUT/<app path>/, one file per
                       object plus a kustomization.yaml listing them, for Flux
                       to apply. Files of objects and apps no longer rendered
                       are removed (only files gitcanary wrote there); nothing
                       is written unless every app renders. Prints what changed.
  -h, --help           show this help

Exit codes: 0 rendered, 1 invalid input, 2 usage error.
)";

namespace {

// The output in pieces (render/output.h): a JSON List is one piece.
Result<std::vector<std::string>> RenderToText(const ParsedArgs& args, std::vector<std::string>* explain) {
  if (args.positionals.size() > 1) return Status::Usage("render takes at most one DIR");
  const std::string dir = args.positionals.empty() ? "." : args.positionals[0];
  std::string format = args.Get("output").value_or("yaml");
  if (format != "yaml" && format != "json") return Status::Usage("unknown output format \"" + format + "\"; expected yaml or json");
  auto src = OpenAppSource(args, dir);
  if (!src.ok()) return src.status();
  auto config = LoadNearestConfig(*src->lookup, src->lookup_dir);
  if (!config.ok()) return config.status();
  render::RenderOptions options;
  auto mode = ResolveMode(args.Get("mode"), *config);
  if (!mode.ok()) return mode.status();
  options.mode = *mode;
  const char* env_ns = std::getenv("ARGOCD_APP_NAMESPACE");
  options.app_namespace = args.Get("namespace").value_or(env_ns != nullptr && *env_ns ? env_ns : "default");
  auto tools = BuildToolsFrom(args, options.app_namespace);
  if (!tools.ok()) return tools.status();
  auto app = LoadAppManifests(*src, *tools);
  if (!app.ok()) return app.status();
  GatewayPlanRequest plan_request{src->lookup, src->lookup_dir, src->disk_root, *tools};
  auto plan = PlanGatewaysForApp(plan_request, app->manifests, *config, &app->explain);
  if (!plan.ok()) return plan.status();
  options.gateways = std::move(*plan);
  auto rule = NamespaceScopeFor(*src->lookup, src->lookup_dir, *config);
  if (!rule.ok()) return rule.status();
  options.namespaces = std::move(*rule);
  auto result = RenderNonEmpty(std::move(app->manifests), *config, options, dir);
  if (!result.ok()) return result.status();
  *explain = std::move(app->explain);
  explain->insert(explain->end(), result->explain.begin(), result->explain.end());
  std::vector<std::string> text;
  if (format == "json") text.push_back(render::ToJsonList(result->objects));
  else text = render::ToYamlPieces(result->objects);
  KeepUntilExit(std::move(result->objects));
  KeepUntilExit(std::move(result->dropped));
  return text;
}

int RunRenderWrite(const ParsedArgs& args) {
  if (args.positionals.size() > 1) return ReportError(Status::Usage("render takes at most one DIR"), kRenderHelp);
  if (args.Has("output")) return ReportError(Status::Usage("--write and --output do not go together"), kRenderHelp);
  const std::string out_dir = *args.Get("write");
  if (out_dir.empty()) return ReportError(Status::Usage("--write needs a directory"), kRenderHelp);
  auto input = OpenRepoInput(args, args.positionals.empty() ? "." : args.positionals[0], args.Has("repo") ? "" : out_dir);
  if (!input.ok()) return ReportError(input.status(), nullptr);
  auto options = RepoRenderOptionsFrom(args);
  if (!options.ok()) return ReportError(options.status(), nullptr);
  auto apps = RenderPublishedApps(*input, *options);
  if (!apps.ok()) return ReportError(apps.status(), nullptr);
  auto report = WritePublishedDir(out_dir, *apps, input->under);
  if (!report.ok()) return ReportError(report.status(), nullptr);
  std::string text;
  for (const std::string& p : report->written) text += "wrote " + out_dir + "/" + p + "\n";
  for (const std::string& p : report->removed) text += "removed " + out_dir + "/" + p + "\n";
  if (text.empty()) text = out_dir + ": " + std::to_string(apps->size()) + " apps, up to date\n";
  return WriteStdout(text);
}

}  // namespace

int RunRender(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithBuildFlags({{"mode", 0, true}, {"namespace", 'n', true}, {"output", 'o', true},
                                              {"explain", 0, false}, {"repo", 0, true}, {"revision", 0, true},
                                              {"write", 0, true}}));
  if (!args.ok()) return ReportError(args.status(), kRenderHelp);
  if (args->help) {
    std::cout << kRenderHelp << "\n" << kBuildFlagsHelp;
    return kExitOk;
  }
  if (args->Has("write")) return RunRenderWrite(*args);
  std::vector<std::string> explain;
  auto text = RenderToText(*args, &explain);
  if (!text.ok()) return ReportError(text.status(), nullptr);
  if (args->Has("explain"))
    for (const std::string& line : explain) std::cerr << "explain: " << line << "\n";
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
