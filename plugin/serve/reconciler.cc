#include "plugin/serve/reconciler.h"

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "policies/status_state.h"

namespace gitcanary::plugin {

namespace {

constexpr const char* kNotesRef = "refs/notes/gitcanary";

std::string BranchRef(const std::string& branch) { return "refs/heads/" + branch; }

}  // namespace

Reconciler::Reconciler(ReconcilerOptions options, git::GitRemote* remote, ExecutorDeps deps, Clock now)
    : options_(std::move(options)), remote_(remote), deps_(std::move(deps)), now_(std::move(now)) {
  if (!options_.publish_dir.empty()) {
    options_.catalog.publish_dir = options_.publish_dir;
    RepoRenderOptions render;
    render.app_namespace = options_.catalog.app_namespace;
    render.tools = options_.catalog.tools;
    publisher_.emplace(options_.publish_dir, std::move(render));
  }
}

Status Reconciler::AddPublished(const std::string& head, std::vector<git::FileChange>* changes,
                                const std::vector<const DecidedCanary*>& changed, std::vector<std::string>* apps) {
  std::set<std::string> decided_apps;
  for (const DecidedCanary* c : changed)
    if (const CatalogEntry* e = catalog_->Find(c->id)) decided_apps.insert(e->app_dir);
  auto plan = publisher_->Plan(remote_->path(), head, *changes, decided_apps);
  if (!plan.ok()) return plan.status();
  for (const std::string& e : plan->errors) report_.app_errors.push_back("publish " + e);
  changes->insert(changes->end(), plan->changes.begin(), plan->changes.end());
  *apps = std::move(plan->apps);
  return Status::Ok();
}

long long Reconciler::NextDueMs() const {
  const std::optional<NextCanary> next = NextDue();
  return next ? next->due_ms : 0;
}

std::optional<Reconciler::NextCanary> Reconciler::NextDue() const {
  if (!catalog_) return std::nullopt;
  std::optional<NextCanary> next;
  for (const CatalogEntry& e : catalog_->canaries) {
    if (!e.error.ok()) continue;
    auto it = next_due_.find(e.id);
    long long due = e.state.last_transition_ms + e.spec.interval_ms;
    if (it != next_due_.end()) due = std::max(due, it->second);
    if (!next || due < next->due_ms) next = NextCanary{e.id, due};
  }
  return next;
}

bool Reconciler::Due(const CatalogEntry& e, long long now) const {
  if (options_.all_due) return true;
  auto it = next_due_.find(e.id);
  if (it != next_due_.end() && now < it->second) return false;
  return e.state.last_transition_ms == 0 || now >= e.state.last_transition_ms + e.spec.interval_ms;
}

Status Reconciler::LoadHead(const std::string& head) {
  if (catalog_ && catalog_->commit == head) return Status::Ok();
  auto tree = git::TreeSource::OpenTree(remote_->path(), head, "");
  if (!tree.ok()) return tree.status();
  CatalogOptions options = options_.catalog;
  options.cache = &builds_;
  auto catalog = ReadCatalog(**tree, options);
  if (!catalog.ok()) return catalog.status();
  tree_ = std::move(*tree);
  catalog_ = std::move(*catalog);
  // Canaries removed from the branch are forgotten.
  for (auto it = next_due_.begin(); it != next_due_.end();)
    it = catalog_->Find(it->first) == nullptr ? next_due_.erase(it) : std::next(it);
  return Status::Ok();
}

Status Reconciler::PushNote(const std::string& commit, const std::string& text, long long now) {
  for (int attempt = 0; attempt < options_.max_push_attempts; ++attempt) {
    auto refs = remote_->Fetch({kNotesRef});
    if (!refs.ok()) return refs.status();
    const std::string parent = (*refs)[kNotesRef].value_or("");
    auto note = remote_->WriteNote(parent, commit, text, options_.author, now / 1000);
    if (!note.ok()) return note.status();
    auto pushed = remote_->Push({{kNotesRef, *note}});
    if (!pushed.ok()) return pushed.status();
    if ((*pushed)[kNotesRef] == git::PushResult::kPushed) return Status::Ok();
  }
  return Status::Io("the analysis note of " + commit + " lost every push race");
}

Result<std::string> Reconciler::FetchHead() {
  const std::string branch_ref = BranchRef(options_.branch);
  auto refs = remote_->Fetch({branch_ref});
  if (!refs.ok()) return refs.status();
  const std::optional<std::string> head = (*refs)[branch_ref];
  if (!head) return Status::Invalid("branch " + options_.branch + " does not exist on the remote");
  if (!last_head_.empty() && *head != last_head_) {
    auto ancestor = remote_->IsAncestor(last_head_, *head);
    if (ancestor.ok() && !*ancestor) {
      report_.warnings.push_back("branch " + options_.branch + " was force-pushed: " + last_head_ +
                                 " is not in the history of " + *head + "; continuing from the new head");
      next_due_.clear();
    }
  }
  last_head_ = *head;
  report_.head = *head;
  return *head;
}

Result<std::vector<git::FileChange>> Reconciler::DecideDue(const States& rejected, long long now, States* decided_on) {
  const auto started = std::chrono::steady_clock::now();
  report_.halted.clear();
  report_.app_errors = catalog_->errors;
  report_.decided.clear();
  std::vector<git::FileChange> changes;
  for (const CatalogEntry& e : catalog_->canaries) {
    if (!e.error.ok()) {
      report_.halted.push_back(e.id + ": " + e.error.message());
      continue;
    }
    if (auto r = rejected.find(e.id); r != rejected.end() && !(r->second == e.state)) continue;
    if (!Due(e, now)) continue;
    ExecutorDeps deps = deps_;
    deps.providers = &e.app->providers;
    if (pass_webhooks_) deps.webhooks = &*pass_webhooks_;
    AnalysisExecutor executor(std::move(deps), e.app->templates);
    DecidedCanary decided{e.id, &e.spec, e.state,
                          executor.Decide(e.spec, e.state, e.revision, now, e.status ? e.status->approved_revision : "")};
    if (!decided.executed.stopped.ok()) return decided.executed.stopped;
    (*decided_on)[e.id] = e.state;
    if (decided.executed.decision.Changed(e.state)) {
      auto change = StatusChange(*tree_, e, NextStatus(e, decided.executed), options_.write_mode);
      if (!change.ok()) {
        report_.halted.push_back(e.id + ": " + change.status().message());
        continue;
      }
      changes.push_back(std::move(*change));
    }
    report_.decided.push_back(std::move(decided));
  }
  report_.analysis_ms +=
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return changes;
}

void Reconciler::CarryOut(const std::vector<const DecidedCanary*>& changed, long long now) {
  for (const DecidedCanary* c : changed) {
    const CatalogEntry* e = catalog_->Find(c->id);
    if (e == nullptr) continue;
    ExecutorDeps deps = deps_;
    deps.providers = &e->app->providers;
    AnalysisExecutor executor(std::move(deps), e->app->templates);
    for (std::string& f : executor.Carry(*c->spec, c->executed.decision, now))
      report_.carry_failures.push_back(c->id + ": " + f);
  }
}

Status Reconciler::Attempt(const States& rejected, bool* done, States* decided_on) {
  auto head = FetchHead();
  if (!head.ok()) return head.status();
  if (Status s = LoadHead(*head); !s.ok()) return s;
  const long long now = now_();
  auto decided = DecideDue(rejected, now, decided_on);
  if (!decided.ok()) return decided.status();
  std::vector<git::FileChange> changes = std::move(*decided);
  std::vector<const DecidedCanary*> changed;
  for (const DecidedCanary& d : report_.decided)
    if (d.executed.decision.Changed(d.before)) changed.push_back(&d);
  auto schedule = [&] {
    for (const DecidedCanary& d : report_.decided) next_due_[d.id] = now + d.spec->interval_ms;
  };
  std::vector<std::string> published;
  if (publisher_ && !options_.dry_run)
    if (Status s = AddPublished(*head, &changes, changed, &published); !s.ok()) return s;
  if ((changed.empty() && published.empty()) || options_.dry_run) {
    if (!options_.dry_run) schedule();
    if (publisher_ && !options_.dry_run) publisher_->Current(*head);
    *done = true;
    return Status::Ok();
  }
  std::string message = changed.empty() ? PublishCommitMessage(options_.publish_dir, published, *head)
                                        : CommitMessage(changed);
  if (!changed.empty() && !published.empty()) message += PublishTrailer(options_.publish_dir, published, *head);
  auto commit = remote_->WriteCommit(*head, changes, options_.author, now / 1000, message, options_.signer);
  if (!commit.ok()) return commit.status();
  if (deps_.still_held)
    if (Status held = deps_.still_held(); !held.ok()) return LeaseLost(held, "pushing the status commit");
  ++report_.push_attempts;
  const std::string branch_ref = BranchRef(options_.branch);
  auto pushed = remote_->Push({{branch_ref, *commit}});
  if (!pushed.ok()) return pushed.status();
  if ((*pushed)[branch_ref] != git::PushResult::kPushed) {
    ++report_.conflicts;
    return Status::Ok();  // not done: fetch, decide again
  }
  *done = true;
  report_.pushed = *commit;
  report_.published = std::move(published);
  last_head_ = *commit;
  if (publisher_) publisher_->Current(*commit);
  schedule();
  if (changed.empty()) return Status::Ok();  // published only: no analysis to note
  if (Status s = PushNote(*commit, AnalysisNote(changed, policies::FormatRfc3339(now)), now); !s.ok())
    report_.warnings.push_back("analysis note not recorded: " + s.message());
  CarryOut(changed, now);
  return Status::Ok();
}

Status Reconciler::Pass() {
  report_ = PassReport{};
  pass_webhooks_.reset();
  if (deps_.webhooks != nullptr) pass_webhooks_.emplace(deps_.webhooks);
  States rejected;
  std::mt19937_64 rng(std::random_device{}());
  long long backoff = options_.backoff_ms;
  for (int attempt = 0; attempt < options_.max_push_attempts; ++attempt) {
    if (attempt > 0) {
      std::uniform_int_distribution<long long> jitter(backoff / 2, backoff);
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
      backoff *= 2;
    }
    bool done = false;
    States decided_on;
    if (Status s = Attempt(rejected, &done, &decided_on); !s.ok()) return s;
    if (done) return Status::Ok();
    rejected = std::move(decided_on);
  }
  return Status::Io("the status commit lost " + std::to_string(report_.conflicts) +
                    " push races in a row; trying again at the next tick");
}

}  // namespace gitcanary::plugin
