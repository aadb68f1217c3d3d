#include "plugin/commands/post_render_command.h"

#include <cstdlib>
#include <iostream>

#include "plugin/commands/args.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/render_app.h"
#include "plugin/sources/stdin_text.h"
#include "render/carried_annotations.h"
#include "render/loader.h"
#include "render/output.h"

namespace gitcanary::plugin {

const char kPostRenderHelp[] = R"(Usage: gitcanary post-render [flags] < manifests.yaml

Helm post-renderer: reads every manifest Helm rendered on stdin, renders them
for a canary release like `gitcanary render`, and prints the YAML stream.
Empty and comment-only documents are skipped. Helm 4's
postrenderer.helm.sh/postrender-filename annotation stays on every object that
had it.

  Helm 3: helm install NAME CHART --post-renderer gitcanary \
            --post-renderer-args post-render
  Helm 4: helm plugin install deploy/helm-plugin, then
          helm install NAME CHART --post-renderer gitcanary

Flags:
  --mode git|flagger   as for render (default: defaults.mode of --config, else git)
  -n, --namespace NS   namespace of objects that have none (default:
                       $HELM_NAMESPACE, else "default")
  --config FILE        a gitcanary.yaml with defaults and canary templates
  -h, --help           show this help

Exit codes: 0 rendered, 1 invalid input or an empty result (nothing on
stdout), 2 usage error.
)";

namespace {

Result<render::AppConfig> ReadConfig(const std::optional<std::string>& path) {
  if (!path) return render::AppConfig{};
  DiskSource here(".");
  auto text = here.Read(*path, 1024 * 1024);
  if (!text.ok()) return text.status();
  return render::ParseAppConfig(*text, *path);
}

Result<std::string> PostRender(const ParsedArgs& args) {
  if (!args.positionals.empty()) return Status::Usage("post-render takes no arguments; manifests come on stdin");
  auto config = ReadConfig(args.Get("config"));
  if (!config.ok()) return config.status();
  render::RenderOptions options;
  auto mode = ResolveMode(args.Get("mode"), *config);
  if (!mode.ok()) return mode.status();
  options.mode = *mode;
  const char* helm_ns = std::getenv("HELM_NAMESPACE");
  options.app_namespace = args.Get("namespace").value_or(helm_ns != nullptr && *helm_ns ? helm_ns : "default");
  auto input = ReadStdin();
  if (!input.ok()) return input.status();
  auto manifests = render::ParseManifests(*input, "stdin");
  if (!manifests.ok()) return manifests.status();
  auto marks = render::CarriedAnnotations::Take(*manifests, render::IsHelmMark);
  auto result = RenderNonEmpty(std::move(*manifests), *config, options, "stdin");
  if (!result.ok()) return result.status();
  marks.Restore(result->objects);
  std::string text = render::ToYamlStream(result->objects);
  KeepUntilExit(std::move(result->objects));
  KeepUntilExit(std::move(result->dropped));
  return text;
}

}  // namespace

int RunPostRender(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {{"mode", 0, true}, {"namespace", 'n', true}, {"config", 0, true}});
  if (!args.ok()) return ReportError(args.status(), kPostRenderHelp);
  if (args->help) {
    std::cout << kPostRenderHelp;
    return kExitOk;
  }
  auto text = PostRender(*args);
  if (!text.ok()) return ReportError(text.status(), kPostRenderHelp);
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
