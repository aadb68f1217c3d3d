#include "plugin/commands/history_command.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "git/libgit2_handle.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/build_flags.h"
#include "policies/presentation/history_text.h"
#include "plugin/serve/status_writeback.h"
#include "plugin/sources/status_reader.h"
#include "render/canary_spec.h"
#include "render/loader.h"

namespace gitcanary::plugin {

using policies::HistoryMetric;
using policies::HistoryRow;

namespace {

constexpr const char* kNotesRef = "refs/notes/gitcanary";
constexpr std::size_t kLogChunk = 256;

bool IsGitcanaryCommit(const std::string& message) {
  const std::string first = message.substr(0, message.find('\n'));
  if (first.rfind("gitcanary: ", 0) == 0) return true;
  if (first.rfind("canary ", 0) != 0) return false;
  const std::size_t colon = first.find(": ", 7);
  if (colon == std::string::npos) return false;
  const std::string id = first.substr(7, colon - 7);
  return std::count(id.begin(), id.end(), '/') == 1 && id.find(' ') == std::string::npos;
}

bool SameStatus(const render::CanaryStatus& a, const render::CanaryStatus& b) {
  return a.phase == b.phase && a.canary_weight == b.canary_weight && a.failed_checks == b.failed_checks &&
         a.iterations == b.iterations && a.last_applied_spec == b.last_applied_spec &&
         a.last_promoted_spec == b.last_promoted_spec && a.last_transition_time == b.last_transition_time &&
         a.approved_revision == b.approved_revision;
}

// The id of the tree at `dir` ("" = the top) of `commit`; "" when absent.
std::string TreeIdAt(git_repository* repo, const std::string& commit, const std::string& dir) {
  git_oid oid;
  git_commit* raw_commit = nullptr;
  if (git_oid_fromstr(&oid, commit.c_str()) != 0 || git_commit_lookup(&raw_commit, repo, &oid) != 0) return "";
  git::GitPtr<git_commit> c(raw_commit);
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, c.get()) != 0) return "";
  git::GitPtr<git_tree> tree(raw_tree);
  const git_oid* id = git_tree_id(tree.get());
  git::GitPtr<git_tree_entry> entry;
  if (!dir.empty()) {
    git_tree_entry* raw_entry = nullptr;
    if (git_tree_entry_bypath(&raw_entry, tree.get(), dir.c_str()) != 0) return "";
    entry.reset(raw_entry);
    id = git_tree_entry_id(entry.get());
  }
  char hex[GIT_OID_HEXSZ + 1] = {0};
  git_oid_tostr(hex, sizeof hex, id);
  return hex;
}

// Whether `commit` changed a file under `dir` ("" = anywhere) besides
// `ignored` (the status file), compared with `parent`.
bool ChangedApp(git_repository* repo, const std::string& parent, const std::string& commit, const std::string& dir,
                const std::string& ignored) {
  auto tree_of = [repo](const std::string& id) {
    git_oid oid;
    git_commit* c = nullptr;
    git_tree* t = nullptr;
    if (git_oid_fromstr(&oid, id.c_str()) == 0 && git_commit_lookup(&c, repo, &oid) == 0) git_commit_tree(&t, c);
    git_commit_free(c);
    return git::GitPtr<git_tree>(t);
  };
  git::GitPtr<git_tree> before = tree_of(parent), after = tree_of(commit);
  git_diff* raw = nullptr;
  if (!before || !after || git_diff_tree_to_tree(&raw, repo, before.get(), after.get(), nullptr) != 0) return true;
  std::unique_ptr<git_diff, void (*)(git_diff*)> diff(raw, git_diff_free);
  const std::string prefix = dir.empty() ? "" : dir + "/";
  for (std::size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff.get(), i);
    for (const char* path : {d->old_file.path, d->new_file.path})
      if (path != nullptr && std::string_view(path).starts_with(prefix) && path != ignored) return true;
  }
  return false;
}

// One commit read, waiting for its parent to say whether it changed anything.
struct Pending {
  git::CommitInfo info;
  StatusAtCommit status;
  std::string app_tree;
};

// The walk down the first-parent history, newest first.
class Walker {
 public:
  Walker(git::GitRemote* remote, const CatalogEntry& e, std::string notes)
      : remote_(remote), entry_(e), notes_(std::move(notes)), reader_(remote, e) {}

  std::map<std::string, std::vector<std::string>>& evidence() { return evidence_; }

  Result<std::vector<HistoryRow>> Run(const std::string& head, std::size_t limit) {
    git_repository* raw = nullptr;
    if (git_repository_open_bare(&raw, remote_->path().c_str()) != 0)
      return Status::Io("opening " + remote_->path() + ": " + git::LastGitError());
    repo_.reset(raw);
    std::optional<Pending> pending;
    for (std::string from = head; !from.empty();) {
      auto log = remote_->FirstParentLog(from, kLogChunk);
      if (!log.ok()) return log.status();
      for (git::CommitInfo& c : *log) {
        auto status = reader_.At(c.id);
        if (!status.ok()) return status.status();
        std::string app_tree = TreeIdAt(repo_.get(), c.id, entry_.app_dir);
        Pending here{std::move(c), std::move(*status), std::move(app_tree)};
        if (pending)
          if (Status s = Settle(*pending, &here); !s.ok()) return s;
        pending = std::move(here);
        if (limit != 0 && status_rows_ >= limit) {
          truncated_ = true;  // older commits were not read
          return std::move(rows_);
        }
      }
      from = log->empty() || log->back().parents.empty() ? "" : log->back().parents[0];
    }
    if (pending)
      if (Status s = Settle(*pending, nullptr); !s.ok()) return s;
    return std::move(rows_);
  }

 private:
  // Adds the row of `p`, if any, given its parent (nullptr: a root commit).
  Status Settle(const Pending& p, const Pending* parent) {
    const std::optional<render::CanaryStatus>& status = p.status.status;
    if (p.status.broken() && (parent == nullptr || parent->status.error != p.status.error)) {
      HistoryRow row;
      row.kind = HistoryRow::Kind::kError;
      row.commit = p.info.id;
      row.time = p.info.time;
      row.subject = policies::SubjectFor(p.info.message, entry_.id);
      row.error = p.status.error;
      rows_.push_back(std::move(row));
      ++status_rows_;
      return Status::Ok();
    }
    const bool changed =
        status && (parent == nullptr || !parent->status.status || !SameStatus(*status, *parent->status.status));
    if (!changed) {
      if (parent != nullptr && p.app_tree != parent->app_tree && !IsGitcanaryCommit(p.info.message) &&
          ChangedApp(repo_.get(), parent->info.id, p.info.id, entry_.app_dir, reader_.status_file())) {
        HistoryRow row;
        row.kind = HistoryRow::Kind::kChange;
        row.commit = p.info.id;
        row.time = p.info.time;
        row.subject = p.info.message.substr(0, p.info.message.find('\n'));
        rows_.push_back(std::move(row));
      }
      return Status::Ok();
    }
    HistoryRow row;
    row.commit = p.info.id;
    row.time = p.info.time;
    row.phase = status->phase;
    row.weight = status->canary_weight;
    row.failed_checks = status->failed_checks;
    row.iterations = status->iterations;
    row.subject = policies::SubjectFor(p.info.message, entry_.id);
    row.action = policies::OperatorActionOf(p.info.message);
    std::optional<std::vector<HistoryMetric>> metrics;
    if (!notes_.empty()) {
      auto note = remote_->ReadNote(notes_, p.info.id);
      if (!note.ok()) return note.status();
      if (*note) {
        metrics = policies::MetricsFromNote(**note, entry_.id);
        std::vector<std::string> section = policies::NoteSection(**note, entry_.id);
        if (!section.empty()) evidence_[p.info.id] = std::move(section);
      }
    }
    std::vector<HistoryMetric> from_subject = policies::MetricsFromSubject(row.subject);
    if (metrics)  // the note's exact values, the subject's thresholds
      for (HistoryMetric& m : *metrics)
        for (const HistoryMetric& named : from_subject)
          if (named.name == m.name) m.min = named.min, m.max = named.max;
    row.metrics = metrics ? std::move(*metrics) : std::move(from_subject);
    rows_.push_back(std::move(row));
    ++status_rows_;
    return Status::Ok();
  }

  git::Libgit2Session session_;
  git::GitPtr<git_repository> repo_;
  git::GitRemote* remote_;
  const CatalogEntry& entry_;
  std::string notes_;
  StatusReader reader_;
  std::vector<HistoryRow> rows_;
  std::map<std::string, std::vector<std::string>> evidence_;
  std::size_t status_rows_ = 0;
  bool truncated_ = false;

 public:
  bool truncated() const { return truncated_; }
};


}  // namespace

Result<CanaryHistory> ReadEntryHistory(git::GitRemote* remote, const CatalogEntry& e, const std::string& head,
                                       const std::string& notes_commit, const HistoryOptions& options) {
  Walker walker(remote, e, notes_commit);
  auto rows = walker.Run(head, options.limit);
  if (!rows.ok()) return rows.status();
  // Oldest first, starting at the first status row: app changes before the
  // canary had a status are its prehistory.
  while (!rows->empty() && rows->back().kind == HistoryRow::Kind::kChange) rows->pop_back();
  if (rows->empty()) return Status::Invalid("no status recorded yet for " + e.id);
  CanaryHistory history;
  history.timeline.id = e.id;
  history.timeline.truncated = walker.truncated();
  history.timeline.rows.assign(rows->rbegin(), rows->rend());
  history.evidence = std::move(walker.evidence());
  return history;
}

Result<policies::Timeline> ReadHistory(RepoAccess& repo, const std::string& id, const HistoryOptions& options) {
  CatalogOptions catalog_options;
  catalog_options.app_namespace = options.app_namespace;
  auto tools = BuildToolsFrom(ParsedArgs{}, options.app_namespace);  // the tools from the environment
  if (!tools.ok()) return tools.status();
  catalog_options.tools = std::move(*tools);
  auto at_head = ReadHeadCatalog(repo, catalog_options);
  if (!at_head.ok()) return at_head.status();
  auto found = at_head->Find(id, repo);
  if (!found.ok()) return found.status();
  auto notes = repo.remote()->Fetch({kNotesRef});
  if (!notes.ok()) return notes.status();
  auto history = ReadEntryHistory(repo.remote(), **found, at_head->head, (*notes)[kNotesRef].value_or(""), options);
  if (!history.ok()) return history.status();
  return std::move(history->timeline);
}

namespace {

const char kHistoryHelp[] = R"(Usage: gitcanary history NAMESPACE/NAME [flags]

The canary's timeline from the branch's first-parent history, oldest first:
one row per commit that changed its status (TIME PHASE WEIGHT FAILED ITER
METRICS COMMIT SUBJECT), the metric values from the analysis note in
refs/notes/gitcanary, else from the commit message. Commits that changed the
app without being gitcanary's own (a new image tag) show as rows with PHASE -.
A commit that left the status broken (it does not parse) shows as a row with
PHASE error and the error: revert that commit to recover.

Flags:
  -o, --output FORMAT   table (default) or json (an array of {commit, time, kind,
                        phase, weight, failed_checks, iterations, metrics, subject,
                        action, error})
  --svg FILE            also write the timeline as an SVG chart to FILE
  --limit N             only the newest N status changes (default: all)
  -n, --namespace NS    namespace of objects that have none (default "default")
  -h, --help            show this help
)";

Status WriteSvg(const std::string& path, const std::string& svg) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Io("cannot write the chart to " + path + ": " + std::strerror(errno));
  out << svg;
  out.close();
  if (!out) return Status::Io("cannot write the chart to " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Result<std::string> HistoryText(const ParsedArgs& args) {
  if (args.positionals.size() != 1 || args.positionals[0].find('/') == std::string::npos ||
      args.positionals[0].front() == '/' || args.positionals[0].back() == '/')
    return Status::Usage("give the canary as NAMESPACE/NAME");
  const std::string format = args.Get("output").value_or("table");
  if (format != "table" && format != "json")
    return Status::Usage("unknown output format \"" + format + "\"; expected table or json");
  HistoryOptions options;
  options.app_namespace = args.Get("namespace").value_or("default");
  if (auto limit = args.Get("limit")) {
    char* end = nullptr;
    const long long n = std::strtoll(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || n <= 0) return Status::Usage("--limit wants a positive number, not \"" + *limit + "\"");
    options.limit = static_cast<std::size_t>(n);
  }
  const std::optional<std::string> svg = args.Get("svg");
  if (svg && svg->empty()) return Status::Usage("--svg wants a file name");
  auto repo = RepoAccess::Open(args);
  if (!repo.ok()) return repo.status();
  auto timeline = ReadHistory(**repo, args.positionals[0], options);
  if (!timeline.ok()) return timeline.status();
  if (svg)
    if (Status s = WriteSvg(*svg, policies::HistoryChartSvg(*timeline)); !s.ok()) return s;
  return format == "json" ? policies::HistoryJson(*timeline) : policies::HistoryTable(*timeline);
}

}  // namespace

int RunHistory(const std::vector<std::string>& argv) {
  const std::string help = std::string(kHistoryHelp) + kRepoFlagsHelp +
                           "\nExit codes: 0 printed, 1 failed (no such canary, no status yet, --svg not\n"
                           "written), 2 usage error.\n";
  std::vector<FlagSpec> flags{{"output", 'o', true}, {"namespace", 'n', true}, {"svg", 0, true}, {"limit", 0, true}};
  for (FlagSpec& f : RepoFlags()) flags.push_back(std::move(f));
  auto args = ParseArgs(argv, flags);
  if (!args.ok()) return ReportError(args.status(), help.c_str());
  if (args->help) {
    std::cout << help;
    return kExitOk;
  }
  auto text = HistoryText(*args);
  if (!text.ok()) return ReportError(text.status(), text.status().code() == Code::kUsage ? help.c_str() : nullptr);
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
