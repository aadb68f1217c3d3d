#include "plugin/commands/diff_command.h"

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include "git/local_repository.h"
#include "git/tree_source.h"
#include "plugin/apps/app_discovery.h"
#include "plugin/sources/app_source.h"
#include "plugin/commands/args.h"
#include "plugin/commands/build_flags.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/apps/gateway_plan.h"
#include "plugin/apps/namespace_scope.h"
#include "plugin/apps/render_app.h"
#include "plugin/sources/overlay_source.h"
#include "plugin/sources/walk_memo_file.h"
#include "policies/lint.h"
#include "render/diff_report.h"
#include "render/status_summary.h"
#include "render/loader.h"

namespace gitcanary::plugin {

const char kDiffHelp[] = R"(Usage: gitcanary diff --base REV [--head REV | --worktree] [PATHS...] [flags]

Render every app that differs between two revisions of a git repository,
straight from git objects, and report what changes in the rendered output: per
app, then per resource (added, removed, changed, renamed) with field paths,
canary status changes on one line, and the lint findings of the head
revision. Apps whose directory and gitcanary.yaml files are identical in both
revisions are not rendered. In git mode the normalised Canaries are compared
too, since the rendered objects do not carry the analysis.

Apps are the paths the repository's Argo CD Applications and Flux
Kustomizations point at; else the `apps:` list of the top-level
gitcanary.yaml; else every kustomization no other one includes, every Helm
chart and every directory that directly holds manifests. Kustomizations and
charts are built as Argo CD builds them, and an app changed when any input of
its build did (a shared base included). PATHS limit the search to apps under
those directories; a PATH or listed app that is a directory in neither
revision is an error.

What the search learns of each directory tree is kept, by git tree id, in the
repository's git directory (gitcanary/app-roots-memo), so a later diff reads
only the trees it has not seen. Being keyed by content it is never stale;
deleting it is always safe, and a repository it cannot be written to goes
without it.

Flags:
  --repo PATH          the repository holding PATH (a directory of a work
                       tree, .git or bare; default: the one holding the
                       working directory)
  --base REV           the revision to compare against (required)
  --head REV           the revision under review (default HEAD)
  --worktree           review the work tree instead of a revision: HEAD with
                       the uncommitted changes on disk, staged or not, and
                       untracked files (ignored ones left out)
  --format FORMAT      markdown (default), unified or json
  --output FILE        write the report to FILE instead of stdout. Markdown
                       over 65,536 characters is split into comment-sized
                       parts: FILE, FILE.2, FILE.3, ... (each part starts with
                       "<!-- gitcanary diff part N/M -->"; on stdout the parts
                       follow one another)
  --mode git|flagger   render mode (default: defaults.mode in gitcanary.yaml,
                       else git)
  -n, --namespace NS   namespace of objects that have none (default "default")
  --show-secrets       show Secret data and stringData (redacted by default)
  -h, --help           show this help

Exit codes: 0 no change, 1 changes, 2 error (bad flags, unknown revision, or
an app that does not render in either revision; that app is still reported).
)";

namespace {

struct DiffRequest {
  std::string repo, base, head;
  // --worktree: the files of the work tree that differ from HEAD (nullopt:
  // deleted), read from disk; the head side is HEAD with them applied.
  bool worktree = false;
  std::map<std::string, std::optional<std::string>> worktree_changes;
  std::vector<std::string> under;
  std::optional<std::string> mode;
  std::string app_namespace = "default";
  render::DiffOptions options;
  BuildTools tools;
};

// A render of one app at one revision: its objects and, for the head, its
// lint findings; or the error.
struct Rendered {
  std::vector<render::Manifest> objects;
  std::vector<Finding> findings;
  std::string error;
};

// In git mode the Canaries are not in the output (serve reads them from git),
// so a change to an analysis would not show: their normalised form, as
// flagger mode renders it, is compared too.
Status AddCanarySpecs(std::vector<render::Manifest> manifests, const render::AppConfig& config,
                      const render::RenderOptions& options, std::vector<render::Manifest>* objects) {
  render::RenderOptions flagger = options;
  flagger.mode = render::Mode::kFlagger;
  auto result = render::Render(std::move(manifests), config, flagger);
  if (!result.ok()) return result.status();
  for (render::Manifest& m : result->objects)
    if (m.kind == "Canary") objects->push_back(std::move(m));
  KeepUntilExit(std::move(result->objects));
  KeepUntilExit(std::move(result->dropped));
  return Status::Ok();
}

Rendered RenderApp(const FileSource& whole, const std::string& app, const DiffRequest& request, bool lint) {
  Rendered out;
  auto fail = [&](const Status& s) {
    out.error = s.message();
    return std::move(out);
  };
  auto config = LoadNearestConfig(whole, app);
  if (!config.ok()) return fail(config.status());
  auto built = BuildApp(whole, app, request.tools, std::nullopt);
  if (!built.ok()) return fail(built.status());
  std::vector<render::Manifest>* manifests = &built->manifests;
  if (lint) out.findings = policies::LintApp(*manifests, *config, request.app_namespace);
  auto mode = ResolveMode(request.mode, *config);
  if (!mode.ok()) return fail(mode.status());
  render::RenderOptions options{*mode, request.app_namespace};
  std::vector<std::string> ignored;
  auto plan = PlanGatewaysForApp(GatewayPlanRequest{&whole, app, std::nullopt, request.tools}, *manifests, *config,
                                 &ignored);
  if (!plan.ok()) return fail(plan.status());
  options.gateways = std::move(*plan);
  auto rule = NamespaceScopeFor(whole, app, *config);
  if (!rule.ok()) return fail(rule.status());
  options.namespaces = std::move(*rule);
  std::vector<render::Manifest> specs = *mode == render::Mode::kGit ? *manifests : std::vector<render::Manifest>{};
  auto result = RenderNonEmpty(std::move(*manifests), *config, options, app.empty() ? "." : app);
  if (!result.ok()) return fail(result.status());
  out.objects = std::move(result->objects);
  KeepUntilExit(std::move(result->dropped));
  if (*mode == render::Mode::kGit) {
    Status s = AddCanarySpecs(std::move(specs), *config, options, &out.objects);
    if (!s.ok()) return fail(s);
  }
  return out;
}

// The work tree as a source: HEAD's tree with the uncommitted files read from
// disk. Those files are described by their path on disk, the others as HEAD's.
class WorktreeView : public OverlaySource {
 public:
  WorktreeView(std::unique_ptr<git::TreeSource> head, const DiffRequest& request)
      : OverlaySource(*head, request.worktree_changes), head_(std::move(head)), disk_(request.repo),
        changes_(request.worktree_changes) {}
  std::string Describe(const std::string& path) const override {
    return changes_.count(path) ? disk_.Describe(path) : OverlaySource::Describe(path);
  }

 private:
  std::unique_ptr<git::TreeSource> head_;
  DiskSource disk_;
  const std::map<std::string, std::optional<std::string>>& changes_;
};

// The head side of the comparison.
Result<std::unique_ptr<FileSource>> OpenHead(const DiffRequest& request) {
  auto tree = git::TreeSource::OpenTree(request.repo, request.head, "");
  if (!tree.ok()) return tree.status();
  if (!request.worktree) return std::unique_ptr<FileSource>(std::move(*tree));
  return std::unique_ptr<FileSource>(std::make_unique<WorktreeView>(std::move(*tree), request));
}

// The uncommitted files of the work tree, read through DiskSource (symlinks
// are not followed, as nowhere in a render).
Result<std::map<std::string, std::optional<std::string>>> ReadWorktreeChanges(const std::string& repo) {
  auto changes = git::UncommittedChanges(repo);
  if (!changes.ok()) return Status::Invalid("--worktree: " + changes.status().message());
  DiskSource disk(repo);
  std::map<std::string, std::optional<std::string>> out;
  for (const git::WorktreeChange& c : *changes) {
    if (c.deleted) {
      out[c.path] = std::nullopt;
      continue;
    }
    auto text = disk.Read(c.path);
    if (!text.ok()) return text.status();
    out[c.path] = std::move(*text);
  }
  return out;
}

// Renders both sides of every changed app on all cores, one (app, side) pair
// per task, so the two kustomize builds of a single changed app run at once.
// Every thread reads through the sources discovery used (FileSources allow
// calls from several threads), so the repository is opened once.
std::vector<render::AppDiff> DiffApps(const DiffRequest& request, const std::vector<ChangedApp>& apps,
                                      const FileSource& base, const FileSource& head) {
  std::vector<Rendered> before(apps.size()), after(apps.size());
  std::atomic<std::size_t> next{0};
  auto work = [&]() {
    for (std::size_t task = next++; task < apps.size() * 2; task = next++) {
      const std::size_t i = task / 2;
      const ChangedApp& app = apps[i];
      if (task % 2 == 1 && app.in_head) after[i] = RenderApp(head, app.path, request, true);
      if (task % 2 == 0 && app.in_base) before[i] = RenderApp(base, app.path, request, false);
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), std::max<std::size_t>(apps.size() * 2, 1));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  std::vector<render::AppDiff> diffs(apps.size());
  for (std::size_t i = 0; i < apps.size(); ++i) {
    render::AppDiff& diff = diffs[i];
    diff.app = apps[i].path.empty() ? "." : apps[i].path;
    if (!before[i].error.empty()) diff.errors.push_back("base: " + before[i].error);
    if (!after[i].error.empty()) diff.errors.push_back("head: " + after[i].error);
    diff.findings = std::move(after[i].findings);
    if (diff.errors.empty()) {
      diff.changes = render::DiffObjects(before[i].objects, after[i].objects, request.options);
      diff.status_lines = render::StatusSummary(before[i].objects, after[i].objects);
    }
    KeepUntilExit(std::move(before[i].objects));
    KeepUntilExit(std::move(after[i].objects));
  }
  return diffs;
}

Result<render::DiffReport> Diff(const DiffRequest& request) {
  auto base = git::TreeSource::OpenTree(request.repo, request.base, "");
  if (!base.ok()) return base.status();
  auto head = OpenHead(request);
  if (!head.ok()) return head.status();
  // The top-level gitcanary.yaml of either side may list the apps.
  std::optional<std::vector<std::string>> listed;
  for (const FileSource* side : std::initializer_list<const FileSource*>{base->get(), head->get()}) {
    auto config = LoadNearestConfig(*side, "");
    if (!config.ok()) return config.status();
    if (!config->apps) continue;
    if (!listed) listed.emplace();
    for (const std::string& app : *config->apps)
      if (std::find(listed->begin(), listed->end(), app) == listed->end()) listed->push_back(app);
  }
  WalkMemoFile kept((*base)->GitDir());
  auto apps = FindChangedApps(**base, **head, request.under, listed ? &*listed : nullptr, request.tools, "",
                              &kept.memo());
  if (!apps.ok()) return apps.status();
  kept.Save();
  std::vector<render::AppDiff> diffs = DiffApps(request, *apps, **base, **head);
  render::DiffReport report{request.base, request.worktree ? "work tree" : request.head, {}};
  for (render::AppDiff& diff : diffs)
    if (!diff.changes.empty() || !diff.status_lines.empty() || !diff.errors.empty() || !diff.findings.empty())
      report.apps.push_back(std::move(diff));
  return report;
}

Result<DiffRequest> ReadRequest(const ParsedArgs& args) {
  DiffRequest request;
  if (auto repo = args.Get("repo")) {
    auto found = git::FindRepository(*repo);  // any directory of a work tree, as for git
    if (!found.ok()) return found.status();
    request.repo = found->root;
  } else {
    auto top = FindRepoRoot(".");  // works from any directory of a work tree
    if (!top.ok()) return top.status();
    if (top->empty()) return Status::Invalid("not in a git repository; give --repo PATH");
    request.repo = *top;
  }
  if (!args.Has("base")) return Status::Usage("diff needs --base REV");
  request.base = *args.Get("base");
  request.head = args.Get("head").value_or("HEAD");
  request.worktree = args.Has("worktree");
  if (request.worktree && args.Has("head"))
    return Status::Usage("--worktree reviews the work tree against --base; give no --head");
  for (const std::string& given : args.positionals) {
    if (!given.empty() && given[0] == '/') return Status::Usage("PATHS are relative to the repository: " + given);
    request.under.push_back(CleanRelative(given));
  }
  request.mode = args.Get("mode");
  if (request.mode) {
    auto mode = render::ParseMode(*request.mode);
    if (!mode.ok()) return mode.status();
  }
  request.app_namespace = args.Get("namespace").value_or("default");
  request.options.show_secrets = args.Has("show-secrets");
  auto tools = BuildToolsFrom(args, request.app_namespace);
  if (!tools.ok()) return tools.status();
  request.tools = std::move(*tools);
  if (request.worktree) {
    auto changes = ReadWorktreeChanges(request.repo);
    if (!changes.ok()) return changes.status();
    request.worktree_changes = std::move(*changes);
  }
  return request;
}

// The report's parts: one for unified and JSON, comment-sized ones for Markdown.
Result<std::vector<std::string>> Format(const render::DiffReport& report, const std::string& format) {
  if (format == "unified") return std::vector<std::string>{render::FormatUnified(report)};
  if (format == "json") return std::vector<std::string>{render::FormatJson(report)};
  if (format != "markdown") return Status::Usage("unknown format \"" + format + "\"; expected markdown, unified or json");
  // Each part carries its number, within the limit.
  constexpr std::size_t kLimit = 65536, kMarkerRoom = 64;
  std::vector<std::string> parts = render::FormatMarkdown(report, kLimit - kMarkerRoom);
  if (parts.size() > 1)
    for (std::size_t i = 0; i < parts.size(); ++i)
      parts[i] = "<!-- gitcanary diff part " + std::to_string(i + 1) + "/" + std::to_string(parts.size()) + " -->\n" + parts[i];
  return parts;
}

// Writes FILE, FILE.2, ... and removes the parts a longer earlier report left.
Status WriteParts(const std::vector<std::string>& parts, const std::string& file) {
  for (std::size_t i = parts.size() + 1; std::remove((file + "." + std::to_string(i)).c_str()) == 0; ++i) {
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string path = i == 0 ? file : file + "." + std::to_string(i + 1);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << parts[i];
    out.close();
    if (!out) return Status::Io("writing " + path + " failed");
  }
  return Status::Ok();
}

}  // namespace

int RunDiff(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, WithBuildFlags({{"repo", 0, true}, {"base", 0, true}, {"head", 0, true},
                                              {"format", 0, true}, {"output", 0, true}, {"mode", 0, true},
                                              {"namespace", 'n', true}, {"show-secrets", 0, false},
                                              {"worktree", 0, false}}));
  if (!args.ok()) {
    ReportError(args.status(), kDiffHelp);
    return kDiffExitError;
  }
  if (args->help) {
    std::cout << kDiffHelp << "\n" << kBuildFlagsHelp;
    return kExitOk;
  }
  auto request = ReadRequest(*args);
  const std::string format = args->Get("format").value_or("markdown");
  if (request.ok() && format != "markdown" && format != "unified" && format != "json")
    request = Status::Usage("unknown format \"" + format + "\"; expected markdown, unified or json");
  if (!request.ok()) {
    ReportError(request.status(), kDiffHelp);
    return kDiffExitError;
  }
  auto report = Diff(*request);
  if (!report.ok()) {
    ReportError(report.status(), nullptr);
    return kDiffExitError;
  }
  auto parts = Format(*report, format);
  if (!parts.ok()) {
    ReportError(parts.status(), nullptr);
    return kDiffExitError;
  }
  if (auto file = args->Get("output")) {
    Status written = WriteParts(*parts, *file);
    if (!written.ok()) {
      ReportError(written, nullptr);
      return kDiffExitError;
    }
  } else {
    std::string all;
    for (const std::string& p : *parts) all += p;
    if (WriteStdout(all) != kExitOk) return kDiffExitError;
  }
  bool render_errors = false;
  for (const render::AppDiff& app : report->apps) render_errors = render_errors || !app.errors.empty();
  if (render_errors) {
    std::cerr << "gitcanary: an app does not render in one of the revisions; see the report\n";
    return kDiffExitError;
  }
  return render::HasChanges(*report) ? kDiffExitChanges : kExitOk;
}

}  // namespace gitcanary::plugin
