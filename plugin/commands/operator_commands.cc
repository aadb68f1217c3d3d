#include "plugin/commands/operator_commands.h"

#include <chrono>
#include <iostream>

#include <unistd.h>

#include "plugin/commands/build_flags.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/sources/repo_access.h"
#include "plugin/commands/status_break.h"
#include "plugin/serve/status_commit_message.h"
#include "plugin/commands/status_report.h"
#include "policies/status_state.h"
#include "plugin/commands/status_watch.h"
#include "plugin/serve/status_writeback.h"
#include "policies/operator_action.h"
#include "render/fields.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {

namespace {

constexpr int kMaxAttempts = 5;

std::string ActionHelp(policies::OperatorAction action) {
  const std::string name(policies::OperatorActionName(action));
  std::string what;
  switch (action) {
    case policies::OperatorAction::kApprove:
      what = "Open the manual gate the canary waits at (confirm-rollout while Waiting,\n"
             "confirm-traffic-increase while Progressing, confirm-promotion while\n"
             "WaitingPromotion). serve answers that gate's webhooks with \"approved\" once.";
      break;
    case policies::OperatorAction::kAbort:
      what = "Roll the canary back now: Failed, all traffic to the primary.";
      break;
    case policies::OperatorAction::kPromote:
      what = "Skip the rest of the analysis: the revision under analysis is promoted.";
      break;
    case policies::OperatorAction::kRetry:
      what = "Run the analysis of a failed revision again, without touching the pod\n"
             "template: serve starts it at its next tick.";
      break;
  }
  return "Usage: gitcanary " + name + " NAMESPACE/NAME [flags]\n\n" + what +
         "\nThe decision is a commit on the branch; the state machine refuses an\n"
         "action that makes no sense in the canary's phase, with the reason.\n\n"
         "Flags:\n"
         "  -m, --message TEXT    why (recorded in the commit message)\n"
         "  -n, --namespace NS    namespace of objects that have none (default \"default\")\n"
         "  --author \"NAME <EMAIL>\"\n"
         "                        who acts, recorded as the commit's author and named\n"
         "                        in its message (default: the git identity, as for\n"
         "                        git commit: $GIT_AUTHOR_NAME/EMAIL, else git config\n"
         "                        user.name/user.email)\n"
         "  --author-name NAME, --author-email EMAIL\n"
         "                        the same, one part at a time\n"
         "  -h, --help            show this help\n" +
         kRepoFlagsHelp + "\nExit codes: 0 committed, 1 refused or failed, 2 usage error.\n";
}

std::vector<FlagSpec> WithRepoFlags(std::vector<FlagSpec> flags) {
  for (FlagSpec& f : RepoFlags()) flags.push_back(std::move(f));
  return flags;
}

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string CommitMessageFor(policies::OperatorAction action, const CatalogEntry& e,
                             const policies::OperatorOutcome& outcome, const ParsedArgs& args,
                             const git::Author& author) {
  std::string subject = "canary " + e.id + ": " + policies::OperatorSummary(outcome, author.name);
  // retry clears lastAppliedSpec, which the transition would show as
  // "revision " with nothing after it; the summary names the revision.
  policies::AnalysisState shown = outcome.next;
  if (shown.last_applied_spec.empty()) shown.last_applied_spec = e.state.last_applied_spec;
  const std::string transition = TransitionTextIfChanged(e.state, shown);
  if (!transition.empty()) subject += " (" + transition + ")";
  std::string body = "Requested with `gitcanary " + std::string(policies::OperatorActionName(action)) + "`.";
  if (auto why = args.Get("message"); why && !why->empty()) body = *why + "\n\n" + body;
  return subject + "\n\n" + body + "\n\nActed-by: " + author.name + " <" + author.email + ">\n";
}

// A canary halted by a broken status: the error, and how to recover.
Status WithRecovery(const Status& error, RepoAccess& repo, const CatalogEntry& e, const std::string& head) {
  auto broke = FindStatusBreak(repo, e, head);
  if (!broke.ok() || !*broke) return error;
  return Status::Invalid(error.message() + "; " + RecoveryText(**broke));
}

// The catalog options of an operator command: -n and the build flags.
Result<CatalogOptions> CatalogOptionsFrom(const ParsedArgs& args) {
  CatalogOptions options;
  options.app_namespace = args.Get("namespace").value_or("default");
  auto tools = BuildToolsFrom(args, options.app_namespace);
  if (!tools.ok()) return tools.status();
  options.tools = std::move(*tools);
  return options;
}

Result<std::string> Act(policies::OperatorAction action, const ParsedArgs& args) {
  if (args.positionals.size() != 1 || args.positionals[0].find('/') == std::string::npos)
    return Status::Usage("give the canary as NAMESPACE/NAME");
  const std::string id = args.positionals[0];
  auto repo = RepoAccess::Open(args);
  if (!repo.ok()) return repo.status();
  auto options = CatalogOptionsFrom(args);
  if (!options.ok()) return options.status();
  auto author = OperatorAuthor(args, (*repo)->local_path());
  if (!author.ok()) return author.status();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto at_head = ReadHeadCatalog(**repo, *options);
    if (!at_head.ok()) return at_head.status();
    auto found = at_head->Find(id, **repo);
    if (!found.ok()) return found.status();
    const CatalogEntry* e = *found;
    if (!e->error.ok()) return WithRecovery(e->error, **repo, *e, at_head->head);
    auto outcome = policies::Operate(e->spec, e->state, e->revision, action, NowMs());
    if (!outcome.ok()) return outcome.status();
    render::CanaryStatus status = policies::WithState(e->status, outcome->next);
    status.approved_revision = outcome->approved_revision;
    if (outcome->promote) {
      status.promoted = e->current;
      status.tracked_configs = e->current_configs;
    }
    auto change = StatusChange(*at_head->tree, *e, status, WriteMode::kCommit);
    if (!change.ok()) return change.status();
    auto commit = (*repo)->Commit(at_head->head, {*change}, *author,
                                  CommitMessageFor(action, *e, *outcome, args, *author));
    if (!commit.ok()) return commit.status();
    if (*commit) {
      std::cerr << (*repo)->PushHint(**commit);
      return "canary " + id + ": " + policies::OperatorSummary(*outcome, author->name) + " (commit " + **commit + ")\n";
    }
  }
  return Status::Io("branch " + (*repo)->branch() + " kept moving; nothing committed, try again");
}

int RunAction(policies::OperatorAction action, const std::vector<std::string>& argv) {
  const std::string help = ActionHelp(action);
  auto args = ParseArgs(argv, WithRepoFlags({{"message", 'm', true}, {"namespace", 'n', true},
                                              {"author", 0, true}, {"author-name", 0, true},
                                              {"author-email", 0, true}}));
  if (!args.ok()) return ReportError(args.status(), help.c_str());
  if (args->help) {
    std::cout << help;
    return kExitOk;
  }
  auto text = Act(action, *args);
  if (!text.ok()) return ReportError(text.status(), text.status().code() == Code::kUsage ? help.c_str() : nullptr);
  return WriteStdout(*text);
}

const char kStatusHelp[] = R"(Usage: gitcanary status [flags]

The canaries of a branch as git records them, like `kubectl get canaries`:
NAMESPACE NAME STATUS WEIGHT FAILED LASTTRANSITION. A canary that cannot be
analysed shows STATUS Halted and its error; a status that a commit broke
also shows that commit and the `git revert` that recovers.

Flags:
  -o, --output FORMAT   table (default) or json (an array of {namespace, name,
                        status, weight, failed_checks, last_transition_time,
                        revision, error, broken_by, recovery}; apps that do
                        not load go to stderr)
  -w, --watch           keep watching: redraw the table whenever the branch
                        moves (on a terminal), else print one line per changed
                        canary (with -o json, one JSON object per line);
                        Ctrl-C stops it with exit 0
  --interval DURATION   how often --watch asks where the branch is (default 2s)
  -n, --namespace NS    namespace of objects that have none (default "default")
  -h, --help            show this help
)";

// status --watch: the same reading, again whenever the branch moves.
Result<int> Watch(const ParsedArgs& args) {
  if (!args.positionals.empty()) return Status::Usage("status takes no arguments");
  const std::string format = args.Get("output").value_or("table");
  if (format != "table" && format != "json")
    return Status::Usage("unknown output format \"" + format + "\"; expected table or json");
  WatchOptions watch;
  watch.json = format == "json";
  watch.terminal = isatty(STDOUT_FILENO) != 0;
  if (auto interval = args.Get("interval")) {
    auto ms = render::ParseDurationMillis(*interval);
    if (!ms || *ms < 100) return Status::Usage("--interval wants a duration of at least 100ms, not \"" + *interval + "\"");
    watch.interval_ms = *ms;
  }
  auto repo = RepoAccess::Open(args);
  if (!repo.ok()) return repo.status();
  auto options = CatalogOptionsFrom(args);
  if (!options.ok()) return options.status();
  return WatchStatus(**repo, std::move(*options), watch);
}

Result<std::string> StatusText(const ParsedArgs& args) {
  if (!args.positionals.empty()) return Status::Usage("status takes no arguments");
  const std::string format = args.Get("output").value_or("table");
  if (format != "table" && format != "json")
    return Status::Usage("unknown output format \"" + format + "\"; expected table or json");
  auto repo = RepoAccess::Open(args);
  if (!repo.ok()) return repo.status();
  auto options = CatalogOptionsFrom(args);
  if (!options.ok()) return options.status();
  auto at_head = ReadHeadCatalog(**repo, *options);
  if (!at_head.ok()) return at_head.status();
  auto report = BuildStatusReport(**repo, *at_head);
  if (!report.ok()) return report.status();
  if (format == "json") {
    // The array holds canaries only: an app that does not load would vanish
    // from it without a word, so its error goes to stderr.
    for (const std::string& err : report->errors) std::cerr << "gitcanary: " << err << "\n";
    return StatusJson(*report);
  }
  return StatusTable(*report);
}

}  // namespace

int RunApprove(const std::vector<std::string>& args) { return RunAction(policies::OperatorAction::kApprove, args); }
int RunAbort(const std::vector<std::string>& args) { return RunAction(policies::OperatorAction::kAbort, args); }
int RunPromote(const std::vector<std::string>& args) { return RunAction(policies::OperatorAction::kPromote, args); }
int RunRetry(const std::vector<std::string>& args) { return RunAction(policies::OperatorAction::kRetry, args); }

int RunStatus(const std::vector<std::string>& argv) {
  const std::string help = std::string(kStatusHelp) + kRepoFlagsHelp;
  auto args = ParseArgs(argv, WithRepoFlags({{"output", 'o', true}, {"namespace", 'n', true}, {"watch", 'w', false},
                                              {"interval", 0, true}}));
  if (!args.ok()) return ReportError(args.status(), help.c_str());
  if (args->help) {
    std::cout << help;
    return kExitOk;
  }
  if (args->Has("watch")) {
    auto code = Watch(*args);
    if (!code.ok()) return ReportError(code.status(), code.status().code() == Code::kUsage ? help.c_str() : nullptr);
    return *code;
  }
  if (args->Has("interval")) return ReportError(Status::Usage("--interval goes with --watch"), help.c_str());
  auto text = StatusText(*args);
  if (!text.ok()) return ReportError(text.status(), text.status().code() == Code::kUsage ? help.c_str() : nullptr);
  return WriteStdout(*text);
}

}  // namespace gitcanary::plugin
