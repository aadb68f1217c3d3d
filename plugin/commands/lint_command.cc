#include "plugin/commands/lint_command.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "plugin/sources/app_source.h"
#include "plugin/commands/args.h"
#include "plugin/commands/build_flags.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/published_apps.h"
#include "policies/lint.h"
#include "render/loader.h"
#include "render/render.h"

namespace gitcanary::plugin {

const char kLintHelp[] = R"(Usage: gitcanary lint [DIR] [flags]

Check the canary apps in DIR (default .) against release policies and print
one line per finding on stdout, as FILE:LINE: SEVERITY: MESSAGE [RULE], then
a summary on stderr. The app must render: input that render rejects is an
error reported the same way (FILE:LINE:COL: message on stderr).

Rules:
  max-weight-without-gate  warning  weight reaches 100 without a
                                    confirm-promotion webhook
  no-metrics               warning  an analysis without metrics
  step-over-max            error    stepWeight or a stepWeights entry above
                                    maxWeight
  hpa-min-over-max         error    an HPA, or defaults.hpa in gitcanary.yaml,
                                    with minReplicas above maxReplicas
  routing-bypass           warning  a Service or Ingress that stays and reaches
                                    the canary's pods around its weights
  interval-too-short       warning  analysis.interval under 10s
  webhook-credentials      error    credentials (user:password@, ?token=...) in
                                    a webhook URL or a provider address
  published-stale          error    (--check-published only) a published app
                                    that differs from a fresh render

Flags:
  -n, --namespace NS   namespace of objects that have none (default:
                       $ARGOCD_APP_NAMESPACE, else "default")
  -o, --output FORMAT  text (default) or json: {"findings": [{"severity",
                       "file", "line", "rule", "message"}]}
  --repo PATH          read DIR from a commit of the git repository at PATH,
                       without a checkout (DIR is relative to the repo root)
  --revision REV       the commit to read with --repo (default HEAD)
  --check-published OUT
                       instead of the rules above: render every app inside
                       DIR (as `render --write OUT` does) and report each app
                       whose OUT/<app path>/ is missing, holds extra files or
                       differs. With --repo, OUT is read from the same commit
                       (relative to the repository root).
  --mode git|flagger   with --check-published: the mode render --write used
  -h, --help           show this help

Exit codes: 0 no error findings (warnings alone pass), 1 an error finding or
invalid input, 2 usage error.
)";

namespace {

Result<std::vector<Finding>> LintDir(const ParsedArgs& args) {
  if (args.positionals.size() > 1) return Status::Usage("lint takes at most one DIR");
  const std::string dir = args.positionals.empty() ? "." : args.positionals[0];
  auto src = OpenAppSource(args, dir);
  if (!src.ok()) return src.status();
  auto config = LoadNearestConfig(*src->lookup, src->lookup_dir);
  if (!config.ok()) return config.status();
  const char* env_ns = std::getenv("ARGOCD_APP_NAMESPACE");
  render::RenderOptions options;
  options.mode = config->mode.value_or(render::Mode::kGit);
  options.app_namespace = args.Get("namespace").value_or(env_ns != nullptr && *env_ns ? env_ns : "default");
  auto tools = BuildToolsFrom(args, options.app_namespace);
  if (!tools.ok()) return tools.status();
  auto app = LoadAppManifests(*src, *tools);
  if (!app.ok()) return app.status();
  std::vector<render::Manifest>* manifests = &app->manifests;
  if (manifests->empty()) return Status::Invalid(dir + ": no manifests found; nothing to lint");
  auto rule = NamespaceScopeFor(*src->lookup, src->lookup_dir, *config);
  if (!rule.ok()) return rule.status();
  options.namespaces = std::move(*rule);
  auto rendered = render::Render(*manifests, *config, options);  // invalid input is render's error
  if (!rendered.ok()) return rendered.status();
  return policies::LintApp(*manifests, *config, options.app_namespace);
}

std::string Names(const std::vector<std::string>& files) {
  std::string out;
  for (const std::string& f : files) out += (out.empty() ? "" : ", ") + f;
  return out;
}

Result<std::vector<Finding>> CheckPublished(const ParsedArgs& args) {
  if (args.positionals.size() > 1) return Status::Usage("lint takes at most one DIR");
  const std::string out_dir = CleanRelative(*args.Get("check-published"));
  if (out_dir.empty()) return Status::Usage("--check-published needs the published directory");
  auto input = OpenRepoInput(args, args.positionals.empty() ? "." : args.positionals[0], out_dir);
  if (!input.ok()) return input.status();
  auto options = RepoRenderOptionsFrom(args);
  if (!options.ok()) return options.status();
  auto apps = RenderPublishedApps(*input, *options);
  if (!apps.ok()) return apps.status();
  DiskSource disk(out_dir);
  const bool in_commit = args.Has("repo");
  if (in_commit) {
    if (Status s = render::CheckPublishPath(out_dir, "--check-published directory"); !s.ok()) return s;
  } else if (disk.TypeOf("") != EntryType::kDirectory) {
    return Status::Invalid(out_dir + ": not a directory; publish it first: gitcanary render --write " + out_dir);
  }
  auto stale = in_commit ? FindStaleApps(*input->repo, out_dir, *apps, input->under)
                         : FindStaleApps(disk, "", *apps, input->under);
  if (!stale.ok()) return stale.status();
  std::vector<Finding> findings;
  for (const StaleApp& app : *stale) {
    std::string what;
    if (!app.changed.empty()) what += "changed " + Names(app.changed);
    if (!app.missing.empty()) what += (what.empty() ? "" : "; ") + std::string("missing ") + Names(app.missing);
    if (!app.extra.empty()) what += (what.empty() ? "" : "; ") + std::string("extra ") + Names(app.extra);
    findings.push_back({Severity::kError, app.app.empty() ? out_dir : out_dir + "/" + app.app, 0, "published-stale",
                        "app " + (app.app.empty() ? std::string(".") : app.app) +
                            ": published output differs from its sources (" + what +
                            "); run: gitcanary render --write " + out_dir});
  }
  return findings;
}

std::string AsText(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += f.file;
    if (f.line > 0) out.append(":").append(std::to_string(f.line));
    out.append(": ").append(SeverityName(f.severity)).append(": ").append(f.message);
    out.append(" [").append(f.rule).append("]\n");
  }
  return out;
}

std::string AsJson(const std::vector<Finding>& findings) {
  nlohmann::json list = nlohmann::json::array();
  for (const Finding& f : findings) {
    list.push_back({{"severity", SeverityName(f.severity)}, {"file", f.file}, {"line", f.line},
                    {"rule", f.rule}, {"message", f.message}});
  }
  return nlohmann::json{{"findings", list}}.dump(2) + "\n";
}

std::string Counted(std::size_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace

int RunLint(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithBuildFlags({{"namespace", 'n', true}, {"output", 'o', true}, {"repo", 0, true},
                                              {"revision", 0, true}, {"check-published", 0, true}, {"mode", 0, true}}));
  if (!args.ok()) return ReportError(args.status(), kLintHelp);
  if (args->help) {
    std::cout << kLintHelp << "\n" << kBuildFlagsHelp;
    return kExitOk;
  }
  const std::string format = args->Get("output").value_or("text");
  if (format != "text" && format != "json")
    return ReportError(Status::Usage("unknown output format \"" + format + "\"; expected text or json"), kLintHelp);
  if (args->Has("mode") && !args->Has("check-published"))
    return ReportError(Status::Usage("--mode goes only with --check-published"), kLintHelp);
  auto findings = args->Has("check-published") ? CheckPublished(*args) : LintDir(*args);
  if (!findings.ok()) return ReportError(findings.status(), kLintHelp);
  std::size_t errors = 0;
  for (const Finding& f : *findings) errors += f.severity == Severity::kError ? 1 : 0;
  int code = WriteStdout(format == "json" ? AsJson(*findings) : AsText(*findings));
  std::cerr << "lint: " << Counted(errors, "error") << ", " << Counted(findings->size() - errors, "warning") << "\n";
  if (code != kExitOk) return code;
  return errors > 0 ? kExitInvalid : kExitOk;
}

}  // namespace gitcanary::plugin
