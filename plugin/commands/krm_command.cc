#include "plugin/commands/krm_command.h"

#include <iostream>

#include "plugin/commands/args.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/render_app.h"
#include "plugin/sources/stdin_text.h"
#include "render/carried_annotations.h"
#include "render/fields.h"
#include "render/loader.h"
#include "render/output.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace gitcanary::plugin {

const char kKrmHelp[] = R"(Usage: gitcanary krm [CONFIG] < input

KRM function (kpt, kustomize --enable-exec): reads a ResourceList
(config.kubernetes.io/v1) on stdin, renders its items for a canary release
like `gitcanary render`, and writes a ResourceList with the rendered items.
Errors go to `results` (severity error) and stderr, and the exit code is 1.

With CONFIG, it follows kustomize's exec plugin contract, which `kubectl
kustomize --enable-alpha-plugins` runs: the plugin config is the file CONFIG,
the resources are a YAML stream on stdin, the result a YAML stream on stdout.

Options (functionConfig, or the CONFIG file):
  apiVersion: gitcanary.io/v1alpha1
  kind: CanaryRender
  metadata:
    name: canary
  spec:
    mode: git          # or flagger; default git
    namespace: prod    # namespace of items that have none; default "default"
A ConfigMap with the same keys under `data` works too (kpt's usual form).
The caller's config.kubernetes.io/*, internal.config.kubernetes.io/* and
kustomize ids stay on every item that had them; generated items have none.

Exit codes: 0 rendered, 1 invalid input, 2 usage error.
)";

namespace {

constexpr std::string_view kRenderKind = "CanaryRender";
constexpr std::string_view kOurApiVersion = "gitcanary.io/v1alpha1";

struct FunctionOptions {
  std::optional<std::string> mode;
  std::string app_namespace = "default";
};

// Options from functionConfig: spec of a CanaryRender, data of a ConfigMap.
Result<FunctionOptions> ReadFunctionConfig(const yaml::Node* config) {
  FunctionOptions out;
  if (config == nullptr || config->IsNull()) return out;
  render::Fields fields("stdin");
  if (!config->IsMapping()) return fields.Error(*config, "functionConfig", "expected a mapping");
  const yaml::Node* kind = config->Find("kind");
  const yaml::Node* api = config->Find("apiVersion");
  std::string_view key;
  if (kind != nullptr && kind->value == "ConfigMap" && api != nullptr && api->value == "v1") {
    key = "data";
  } else if (kind != nullptr && kind->value == kRenderKind && api != nullptr && api->value == kOurApiVersion) {
    key = "spec";
  } else {
    return fields.Error(*config, "functionConfig", "expected a gitcanary.io/v1alpha1 CanaryRender or a v1 ConfigMap");
  }
  auto options = fields.Mapping(*config, key, "functionConfig");
  if (!options.ok()) return options.status();
  if (*options == nullptr) return out;
  const std::string path = "functionConfig." + std::string(key);
  for (const yaml::Field& f : (*options)->fields) {
    if (f.key != "mode" && f.key != "namespace")
      return fields.Error(f.value, path + "." + f.key, "unknown option; expected mode or namespace");
  }
  auto mode = fields.String(**options, "mode", path);
  if (!mode.ok()) return mode.status();
  auto ns = fields.String(**options, "namespace", path);
  if (!ns.ok()) return ns.status();
  if (*mode && !(*mode)->empty()) out.mode = **mode;
  if (*ns && !(*ns)->empty()) out.app_namespace = **ns;
  return out;
}

Status CheckResourceList(const yaml::Node& list) {
  render::Fields fields("stdin");
  if (!list.IsMapping()) return fields.Error(list, "", "expected a ResourceList");
  const yaml::Node* kind = list.Find("kind");
  const yaml::Node* api = list.Find("apiVersion");
  if (kind == nullptr || kind->value != "ResourceList" || api == nullptr ||
      (api->value != "config.kubernetes.io/v1" && api->value != "config.kubernetes.io/v1alpha1"))
    return fields.Error(list, "", "expected kind ResourceList of apiVersion config.kubernetes.io/v1");
  const yaml::Node* items = list.Find("items");
  if (items != nullptr && !items->IsNull() && !items->IsSequence())
    return fields.Error(*items, "items", "expected a list");
  return Status::Ok();
}

// Renders the items with the options of `function_config`; returns the items
// in output order, with the caller's marks kept.
Result<std::vector<render::Manifest>> RenderItems(std::vector<yaml::Node> items, const yaml::Node* function_config) {
  auto options = ReadFunctionConfig(function_config);
  if (!options.ok()) return options.status();
  render::AppConfig config;
  render::RenderOptions render_options;
  auto mode = ResolveMode(options->mode, config);
  if (!mode.ok()) return mode.status();
  render_options.mode = *mode;
  render_options.app_namespace = options->app_namespace;
  auto manifests = render::ManifestsFromDocuments(std::move(items), "stdin");
  if (!manifests.ok()) return manifests.status();
  auto marks = render::CarriedAnnotations::Take(*manifests, render::IsKrmMark);
  auto result = RenderNonEmpty(std::move(*manifests), config, render_options, "the input items");
  if (!result.ok()) return result.status();
  marks.Restore(result->objects);
  KeepUntilExit(std::move(result->dropped));
  return std::move(result->objects);
}

Result<std::vector<yaml::Node>> ParseStdin(std::size_t max_nodes) {
  auto input = ReadStdin();
  if (!input.ok()) return input.status();
  yaml::ParseLimits limits;
  limits.max_nodes_per_document = max_nodes;
  return yaml::ParseYamlStream(*input, "stdin", limits);
}

yaml::Node ErrorResult(const std::string& message) {
  yaml::Node result = yaml::Node::Mapping(2);
  result.Set("message", yaml::Node::String(message));
  result.Set("severity", yaml::Node::String("error"));
  yaml::Node results = yaml::Node::Sequence();
  results.items.push_back(std::move(result));
  return results;
}

std::string ResourceListText(const std::string& api_version, yaml::Node items, std::optional<yaml::Node> results) {
  yaml::Node list = yaml::Node::Mapping(4);
  list.Set("apiVersion", yaml::Node::String(api_version));
  list.Set("kind", yaml::Node::String("ResourceList"));
  list.Set("items", std::move(items));
  if (results) list.Set("results", std::move(*results));
  std::string text;
  yaml::EmitYaml(list, &text);
  return text;
}

// The KRM function contract: a ResourceList in, a ResourceList out.
int RunResourceList() {
  // One document holds every item, so the per-document node bound is raised
  // to what the stdin limit allows.
  auto docs = ParseStdin(20'000'000);
  if (!docs.ok()) return ReportError(docs.status(), nullptr);
  if (docs->size() != 1)
    return ReportError(Status::Invalid("stdin: expected exactly one ResourceList document, got " + std::to_string(docs->size())), nullptr);
  const yaml::Node& list = docs->front();
  Status valid = CheckResourceList(list);
  if (!valid.ok()) return ReportError(valid, nullptr);
  const std::string api_version = list.Find("apiVersion")->value;
  const yaml::Node* input_items = list.Find("items");
  std::vector<yaml::Node> items = input_items != nullptr && input_items->IsSequence() ? input_items->items : std::vector<yaml::Node>{};
  auto rendered = RenderItems(std::move(items), list.Find("functionConfig"));
  if (!rendered.ok()) {
    std::string text = ResourceListText(api_version, input_items != nullptr ? *input_items : yaml::Node::Sequence(),
                                        ErrorResult(rendered.status().message()));
    ReportError(rendered.status(), nullptr);
    WriteStdout(text);
    return kExitInvalid;
  }
  yaml::Node out = yaml::Node::Sequence();
  out.items.reserve(rendered->size());
  for (render::Manifest& m : *rendered) out.items.push_back(std::move(m.doc));
  return WriteStdout(ResourceListText(api_version, std::move(out), std::nullopt));
}

// kustomize's exec plugin contract (what `kubectl kustomize
// --enable-alpha-plugins` runs): the plugin's config in a file named by the
// first argument, the resources as a YAML stream on stdin and on stdout.
int RunExecPlugin(const std::string& config_file) {
  DiskSource here(".");
  auto config_text = here.Read(config_file, 1024 * 1024);
  if (!config_text.ok()) return ReportError(config_text.status(), nullptr);
  auto config_docs = yaml::ParseYamlStream(*config_text, config_file, {});
  if (!config_docs.ok()) return ReportError(config_docs.status(), nullptr);
  if (config_docs->size() != 1)
    return ReportError(Status::Invalid(config_file + ": expected one CanaryRender document"), nullptr);
  auto docs = ParseStdin(yaml::ParseLimits{}.max_nodes_per_document);
  if (!docs.ok()) return ReportError(docs.status(), nullptr);
  auto rendered = RenderItems(std::move(*docs), &config_docs->front());
  if (!rendered.ok()) return ReportError(rendered.status(), nullptr);
  std::string text = render::ToYamlStream(*rendered);
  KeepUntilExit(std::move(*rendered));
  return WriteStdout(text);
}

}  // namespace

int RunKrm(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {});
  if (!args.ok()) return ReportError(args.status(), kKrmHelp);
  if (args->help) {
    std::cout << kKrmHelp;
    return kExitOk;
  }
  if (args->positionals.size() > 1) return ReportError(Status::Usage("krm takes at most one CONFIG file"), kKrmHelp);
  return args->positionals.empty() ? RunResourceList() : RunExecPlugin(args->positionals[0]);
}

}  // namespace gitcanary::plugin
