// Reconciler: one pass of `gitcanary serve` over every canary of a branch.
//
//   fetch -> read spec and status at the head -> decide each due canary ->
//   one commit for every changed status -> push (never forced)
//
// A rejected push means another replica or a person moved the branch: the pass
// fetches again, re-reads spec and status at the new head, decides again, and
// retries with jittered exponential backoff, up to a limit. A canary whose
// status changed at the new head is left alone for this pass: someone else
// already acted on it, so it is never stepped twice. A webhook the decision
// calls again with the same body gets the answer it gave earlier in the pass
// (PassWebhookMemo): it is sent once per pass. Webhooks and alerts that
// follow a decision (post-rollout, event, alerts) run only after its commit is
// pushed, so a losing replica never sends them.
//
// Serve renews its lease while a pass runs (plugin/serve/lease_keeper.h). The
// pass asks ExecutorDeps::still_held before every webhook, metric and
// readiness call of a decision and before pushing the status commit; once the
// lease is lost, the pass stops there with "lease lost during the pass: ...",
// sends nothing more and pushes nothing, and the next holder decides afresh.
//
// With --publish DIR, the commit that changes statuses also rewrites the
// published output of their apps (plugin/serve/serve_publisher.h), rendered from
// the head with those statuses, so Flux never applies routing that disagrees
// with the status of record. Apps whose sources changed since DIR was last
// current are republished too: with the status changes, or in a commit of
// their own when no canary changed.
//
// A canary is due when its analysis interval has passed since the later of
// its last status change in git and its last decision in this process: a
// restarted process resumes from git without stepping early.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "git/git_remote.h"
#include "plugin/serve/analysis_executor.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/serve/pass_webhook_memo.h"
#include "plugin/serve/serve_publisher.h"
#include "plugin/serve/status_commit_message.h"
#include "plugin/serve/status_writeback.h"

namespace gitcanary::plugin {

struct ReconcilerOptions {
  std::string branch = "main";
  CatalogOptions catalog;
  WriteMode write_mode = WriteMode::kCommit;
  git::Author author;
  git::Signer signer;
  std::string publish_dir;  // --publish: relative to the repository top; "" = off
  bool all_due = false;  // every canary is due
  bool dry_run = false;  // decide, never commit
  int max_push_attempts = 5;
  long long backoff_ms = 100;  // first retry waits up to this (jittered), doubling
};

// What a pass did, for logs, metrics and --once output.
struct PassReport {
  std::string head;    // the commit decided from (the last attempt's)
  std::string pushed;  // the status commit pushed, "" when none
  std::vector<DecidedCanary> decided;  // due canaries and their decisions
  std::vector<std::string> halted;     // "ns/name: error" of canaries that cannot be analysed
  std::vector<std::string> app_errors;
  std::vector<std::string> carry_failures;  // post-rollout/event hooks and alerts that failed
  std::vector<std::string> warnings;        // force-pushed branch, ...
  std::vector<std::string> published;       // apps whose published files the pushed commit changed
  int push_attempts = 0;
  int conflicts = 0;
  long long analysis_ms = 0;  // time spent deciding
};

class Reconciler {
 public:
  using Clock = std::function<long long()>;  // Unix ms
  // `deps` serves every canary; its `providers` is set per canary.
  Reconciler(ReconcilerOptions options, git::GitRemote* remote, ExecutorDeps deps, Clock now);

  // One pass. An error (fetch failed, branch missing, push lost every retry)
  // is returned as a Status; the report so far is in LastReport().
  Status Pass();
  const PassReport& LastReport() const { return report_; }
  // The catalog as of the last fetch (nullptr before the first).
  const Catalog* CurrentCatalog() const { return catalog_ ? &*catalog_ : nullptr; }
  // When the earliest canary is due next (Unix ms); 0 when unknown.
  long long NextDueMs() const;
  // That canary and its time; nullopt before the first fetch or when no
  // canary can be analysed.
  struct NextCanary {
    std::string id;
    long long due_ms = 0;
  };
  std::optional<NextCanary> NextDue() const;

 private:
  using States = std::map<std::string, policies::AnalysisState>;
  // One fetch-decide-commit-push. `skip`: canaries whose state at the new
  // head is not the one a rejected attempt decided on (someone acted on them).
  Status Attempt(const States& rejected, bool* done, States* decided_on);
  // Fetches the branch; notices a force-push (the last head is no longer in its history).
  Result<std::string> FetchHead();
  Status LoadHead(const std::string& head);
  // Decides every due canary at the loaded head; the status changes to commit.
  // An error when the lease was lost before an observation (ExecutorDeps::still_held).
  Result<std::vector<git::FileChange>> DecideDue(const States& rejected, long long now, States* decided_on);
  // Post-rollout and event hooks and alerts of pushed decisions.
  void CarryOut(const std::vector<const DecidedCanary*>& changed, long long now);
  bool Due(const CatalogEntry& e, long long now) const;
  Status PushNote(const std::string& commit, const std::string& text, long long now);

  ReconcilerOptions options_;
  git::GitRemote* remote_;
  ExecutorDeps deps_;
  Clock now_;
  std::optional<Catalog> catalog_;
  // Publishing's changes of this attempt, added to `changes`; the message lines.
  Status AddPublished(const std::string& head, std::vector<git::FileChange>* changes,
                      const std::vector<const DecidedCanary*>& changed, std::vector<std::string>* apps);

  std::optional<ServePublisher> publisher_;
  BuildCache builds_;  // kustomize and Helm builds, kept while their inputs are unchanged
  std::unique_ptr<git::TreeSource> tree_;
  std::string last_head_;
  std::map<std::string, long long> next_due_;  // by canary id
  PassReport report_;
  std::optional<PassWebhookMemo> pass_webhooks_;  // this pass's decision webhooks, each sent once
};

}  // namespace gitcanary::plugin
