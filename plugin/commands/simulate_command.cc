#include "plugin/commands/simulate_command.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/parallel.h"
#include "policies/analysis_spec_reader.h"
#include "plugin/sources/app_source.h"
#include "plugin/commands/args.h"
#include "plugin/commands/build_flags.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/shared_references.h"
#include "policies/simulation.h"
#include "policies/webhook.h"
#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/kurator/expand.h"
#include "render/loader.h"

namespace gitcanary::plugin {

const char kSimulateHelp[] = R"(Usage: gitcanary simulate [DIR] [flags]

Run the canary analysis offline on the canaries in DIR (default .) with
scripted observations, and print each canary's timeline: tick, time offset,
phase, canary weight, failed checks and the reason, then the time it takes to
promote or roll back. Tick 0 is the tick that detects a new revision; tick k
is k analysis intervals later. Nothing is queried or called.

Flags:
  --canary NS/NAME     simulate only this canary
  --scenario SPEC      what the observations say (default: pass). A comma-
                       separated list of clauses:
                         pass                  every check passes
                         fail:METRIC[@K]       METRIC is out of range from tick K
                         nodata[:METRIC][@K]   METRIC (all metrics) has no data from tick K
                         deny:TYPE[@K]         webhooks of TYPE deny until tick K
                                               (deny:rollback: the rollback hook fires)
                         unready:canary|primary[@K]  not ready until tick K
  -n, --namespace NS   namespace of objects that have none (default:
                       $ARGOCD_APP_NAMESPACE, else "default")
  -o, --output FORMAT  table (default) or json: an array of {canary, tick,
                       at_seconds, phase, weight, failed_checks, reason}
  --repo PATH          read DIR from a commit of the git repository at PATH,
                       without a checkout (DIR is relative to the repo root)
  --revision REV       the commit to read with --repo (default HEAD)
  -h, --help           show this help

Example: gitcanary simulate examples/podinfo --scenario fail:request-success-rate@3

Exit codes: 0 simulated, 1 invalid input, 2 usage error.
)";

namespace {

struct Simulated {
  std::string id;  // "ns/name"
  policies::AnalysisSpec spec;
  policies::Timeline timeline;
};

Result<std::vector<Simulated>> LoadCanaries(const ParsedArgs& args, const std::string& dir, const std::string& app_ns,
                                            const std::string& only) {
  auto src = OpenAppSource(args, dir);
  if (!src.ok()) return src.status();
  auto config = LoadNearestConfig(*src->lookup, src->lookup_dir);
  if (!config.ok()) return config.status();
  auto tools = BuildToolsFrom(args, app_ns);
  if (!tools.ok()) return tools.status();
  auto app = LoadAppManifests(*src, *tools);
  if (!app.ok()) return app.status();
  std::vector<render::Manifest>* manifests = &app->manifests;
  std::vector<std::string> explain;
  Status s = render::ExpandCanaryTemplates(*manifests, *config, app_ns, &explain);
  if (!s.ok()) return s;
  // A Kurator Application's rollouts, wherever their workloads are: simulation needs the analysis only.
  auto kurator = render::kurator::ExpandApplications(*manifests, render::Mode::kFlagger, app_ns, &explain);
  if (!kurator.ok()) return kurator.status();
  auto templates = policies::ReadMetricTemplates(*manifests, app_ns);
  if (!templates.ok()) return templates.status();
  auto providers = policies::ReadAlertProviders(*manifests, app_ns);
  if (!providers.ok()) return providers.status();
  // Templates and providers other apps of the repository define, as in the
  // cluster; outside a repository, the app's own.
  AppDefinitions own{src->lookup_dir, std::move(*templates), std::move(*providers)};
  SharedReferences refs = MergeDefinitions({own});
  if (src->disk_root != std::optional<std::string>("/")) {
    auto repo_refs = RepositoryReferences(*src->lookup, src->lookup_dir, std::move(own), *tools, app_ns);
    if (!repo_refs.ok()) return repo_refs.status();
    refs = std::move(*repo_refs);
  }
  std::vector<Simulated> out;
  for (render::Manifest& m : *manifests) {
    if (!render::IsCanary(m)) continue;
    std::string id = m.EffectiveNamespace(app_ns) + "/" + m.name;
    if (!only.empty() && id != only) continue;
    auto info = render::NormaliseCanary(m, config->default_provider);
    if (!info.ok()) return info.status();
    auto spec = policies::ReadAnalysisSpec(m, app_ns, refs.templates, policies::kFlaggerMinIntervalMs, refs.scope, config->default_provider);
    if (!spec.ok()) return spec.status();
    if (Status alerts = policies::CheckAlertProviders(*spec, refs.providers, refs.scope); !alerts.ok()) return alerts;
    out.push_back(Simulated{std::move(id), std::move(*spec), {}});
  }
  if (out.empty()) {
    return Status::Invalid(only.empty() ? dir + ": no Canary found" : dir + ": no Canary " + only + " found");
  }
  std::sort(out.begin(), out.end(), [](const Simulated& a, const Simulated& b) { return a.id < b.id; });
  return out;
}

std::string Describe(const policies::AnalysisSpec& s) {
  const policies::Strategy strategy = policies::StrategyOf(s);
  std::string out(policies::StrategyName(strategy));
  if (strategy == policies::Strategy::kCanary) {
    if (s.step_weight > 0) out += ", stepWeight " + std::to_string(s.step_weight);
    else out += ", stepWeights " + std::to_string(s.step_weights.size());
    out += ", maxWeight " + std::to_string(policies::MaxWeight(s));
  } else {
    out += ", iterations " + std::to_string(policies::AnalysisIterations(s));
  }
  if (!policies::ShiftsTraffic(s)) out += ", provider " + s.provider + " shifts no traffic";
  else if (s.mirror) out += ", mirrored";
  return out + ", interval " + policies::FormatSeconds(s.interval_ms / 1000) + ", threshold " +
         std::to_string(s.threshold);
}

std::string Pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

void AppendTable(const Simulated& c, std::string* out) {
  *out += "CANARY " + c.id + " (" + Describe(c.spec) + ")\n";
  *out += "TICK  AT        PHASE             WEIGHT  FAILED  REASON\n";
  for (const policies::TimelineEntry& e : c.timeline.entries) {
    *out += Pad(std::to_string(e.tick), 6) + Pad(policies::FormatSeconds(e.at_seconds), 10) +
            Pad(std::string(PhaseName(e.phase)), 18) + Pad(std::to_string(e.weight), 8) +
            Pad(std::to_string(e.failed_checks), 8) + e.reason + "\n";
  }
  *out += "=> " + policies::OutcomeLine(c.timeline) + "\n";
}

void AppendJson(const Simulated& c, bool* first, std::string* out) {
  const std::string canary = policies::GoJsonString(c.id);
  for (const policies::TimelineEntry& e : c.timeline.entries) {
    *out += *first ? "\n  " : ",\n  ";
    *first = false;
    *out += "{\"canary\":" + canary + ",\"tick\":" + std::to_string(e.tick) +
            ",\"at_seconds\":" + std::to_string(e.at_seconds) + ",\"phase\":\"" + std::string(PhaseName(e.phase)) +
            "\",\"weight\":" + std::to_string(e.weight) + ",\"failed_checks\":" + std::to_string(e.failed_checks) +
            ",\"reason\":" + policies::GoJsonString(e.reason) + "}";
  }
}

Result<std::string> SimulateToText(const ParsedArgs& args) {
  if (args.positionals.size() > 1) return Status::Usage("simulate takes at most one DIR");
  const std::string dir = args.positionals.empty() ? "." : args.positionals[0];
  const std::string format = args.Get("output").value_or("table");
  if (format != "table" && format != "json")
    return Status::Usage("unknown output format \"" + format + "\"; expected table or json");
  const std::string only = args.Get("canary").value_or("");
  if (!only.empty() && only.find('/') == std::string::npos)
    return Status::Usage("--canary takes NAMESPACE/NAME, got \"" + only + "\"");
  auto scenario = policies::ParseScenario(args.Get("scenario").value_or("pass"));
  if (!scenario.ok()) return Status::Usage(scenario.status().message());
  const char* env_ns = std::getenv("ARGOCD_APP_NAMESPACE");
  const std::string app_ns = args.Get("namespace").value_or(env_ns != nullptr && *env_ns ? env_ns : "default");
  auto canaries = LoadCanaries(args, dir, app_ns, only);
  if (!canaries.ok()) return canaries.status();
  // A scenario naming a metric must fit at least one canary: a typo fails loudly.
  Status fits = Status::Invalid("");
  for (const Simulated& c : *canaries) {
    Status s = policies::CheckScenario(*scenario, c.spec);
    if (s.ok()) fits = s;
    else if (!fits.ok() && fits.message().empty()) fits = s;
  }
  if (!fits.ok()) return fits;
  ParallelFor(canaries->size(), [&](std::size_t i) {
    Simulated& c = (*canaries)[i];
    c.timeline = policies::Simulate(c.spec, *scenario);
  });
  std::string out;
  bool first = true;
  if (format == "json") out += "[";
  for (std::size_t i = 0; i < canaries->size(); ++i) {
    if (format == "json") {
      AppendJson((*canaries)[i], &first, &out);
    } else {
      if (i > 0) out += "\n";
      AppendTable((*canaries)[i], &out);
    }
  }
  if (format == "json") out += first ? "]\n" : "\n]\n";
  return out;
}

}  // namespace

int RunSimulate(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithBuildFlags({{"canary", 0, true}, {"scenario", 0, true}, {"namespace", 'n', true},
                                              {"output", 'o', true}, {"repo", 0, true},
                                              {"revision", 0, true}}));
  if (!args.ok()) return ReportError(args.status(), kSimulateHelp);
  if (args->help) {
    std::cout << kSimulateHelp << "\n" << kBuildFlagsHelp;
    return kExitOk;
  }
  auto text = SimulateToText(*args);
  if (!text.ok()) return ReportError(text.status(), text.status().code() == Code::kUsage ? kSimulateHelp : nullptr);
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
