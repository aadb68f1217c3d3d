#include "plugin/serve/serve_command.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>

#include "plugin/serve/lease_keeper.h"
#include "plugin/commands/build_flags.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/sibling_exec.h"
#include "plugin/serve/json_log.h"
#include "plugin/serve/process_memory.h"
#include "plugin/clients/metrics_factory.h"
#include "plugin/clients/readiness.h"
#include "plugin/clients/secret_source_impl.h"
#include "plugin/serve/serve_metrics.h"
#include "plugin/serve/serve_notices.h"
#include "plugin/serve/serve_options.h"
#include "plugin/clients/webhook_client.h"
#include "plugin/serve/dashboard_feed.h"
#include "plugin/serve/dashboard_site.h"
#include "render/revision_checksum.h"

namespace gitcanary::plugin {

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) { g_stop = true; }

long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Once asked to stop, the process is gone within 5 s even if a webhook or a
// push hangs: git holds every decision, so exiting mid-pass loses nothing.
void StartStopWatchdog() {
  std::thread([] {
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    LogWarn("stopping: a pass did not finish within 3.5 s of the signal; exiting now (git has every decision)");
    _exit(0);
  }).detach();
}

void SleepUntil(long long until_ms) {
  while (!g_stop && NowMs() < until_ms) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// The cache directory (+ `suffix`), locked for this process: two processes
// never share one local clone. The lock file descriptor stays open until exit.
// The lease keeper's GitRemote has a sibling directory of its own ("-lease").
Result<std::string> LockCacheDir(const ServeOptions& o, const std::string& suffix = "") {
  std::string dir = o.cache_dir;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    yaml::Node url = yaml::Node::String(o.repo);
    dir = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/gitcanary/" + render::Digest(url);
  }
  if (!suffix.empty()) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    dir += suffix;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Io("cannot create the cache directory " + dir + ": " + ec.message());
  const std::string lock = dir + ".lock";
  int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
    return Status::Invalid("the cache directory " + dir + " is in use by another gitcanary; give --cache-dir");
  // A process killed mid-write (kill -9) can leave git's lock files behind;
  // holding the directory's lock, this process is the only writer.
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".lock") std::filesystem::remove(it->path(), ec);
  }
  return dir;
}

class HttpEndpoints {
 public:
  // `site`: the dashboard, served at / (may be null).
  HttpEndpoints(const std::string& listen, ServeMetrics* metrics, DashboardSite* site) : site_(site) {
    if (site != nullptr) site->Mount(server_);
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
    server_.Get("/readyz", [metrics](const httplib::Request&, httplib::Response& res) {
      const bool ready = metrics->Ready();
      res.status = ready ? 200 : 503;
      res.set_content(ready ? "ready\n" : "not ready: the last fetch failed\n", "text/plain");
    });
    server_.Get("/metrics", [metrics](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics->Render(), "text/plain; version=0.0.4");
    });
    const std::size_t colon = listen.rfind(':');
    const std::string host = listen.substr(0, colon);
    const int port = std::atoi(listen.c_str() + colon + 1);
    ok_ = server_.bind_to_port(host.empty() ? "0.0.0.0" : host, port);
    if (ok_) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~HttpEndpoints() {
    if (site_ != nullptr) site_->Stop();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ok() const { return ok_; }

 private:
  DashboardSite* site_;
  httplib::Server server_;
  std::thread thread_;
  bool ok_ = false;
};

std::string OnceLine(const DecidedCanary& d, bool committed) {
  const policies::Decision& decision = d.executed.decision;
  if (!decision.Changed(d.before)) return "canary " + d.id + ": no change (" + decision.reason + ")";
  return CommitLine(d) + (committed ? "" : " [not committed]");
}

// Logs what a pass did; halted canaries, app errors and a canary's unchanged
// decisions once per distinct message.
void LogPass(const PassReport& r, const Catalog* catalog, std::set<std::string>* reported) {
  // Bounded for a process that runs for months: reasons can carry figures,
  // so distinct lines keep coming; past this many, each is logged once more.
  if (reported->size() > 4096) reported->clear();
  for (const std::string& w : r.warnings) LogWarn(w);
  if (catalog != nullptr)
    for (const std::string& dir : catalog->flagger_apps)
      if (reported->insert("flagger " + dir).second)
        LogInfo("app left to an in-cluster Flagger (mode: flagger in its gitcanary.yaml)", {{"app", dir}});
  for (const std::string& e : r.app_errors)
    if (reported->insert(e).second) LogError("app not loaded", {{"error", e}});
  for (const std::string& h : r.halted)
    if (reported->insert(h).second) LogError("canary halted", {{"error", h}});
  for (const DecidedCanary& d : r.decided) {
    const policies::Decision& decision = d.executed.decision;
    const bool changed = decision.Changed(d.before);
    if (!changed && !reported->insert(d.id + "\n" + decision.reason).second) continue;
    LogFields f{{"canary", d.id}, {"phase", std::string(PhaseName(decision.next.phase))},
                {"weight", std::to_string(decision.next.canary_weight)}, {"reason", decision.reason}};
    if (changed) f.emplace_back("transition", TransitionText(d.before, decision.next));
    if (changed && !r.pushed.empty()) f.emplace_back("commit", r.pushed);
    LogInfo(changed ? (r.pushed.empty() ? "decided (not committed)" : "status committed") : "no change", f);
  }
  for (const std::string& app : r.published)
    LogInfo("published", {{"app", app.empty() ? "." : app}, {"commit", r.pushed}});
  for (const std::string& c : r.carry_failures) LogWarn("after the decision", {{"error", c}});
  if (r.conflicts > 0) LogInfo("push conflicts resolved", {{"conflicts", std::to_string(r.conflicts)}});
}

// Once, at the first pass that read a catalog: a warning, in the log and as a
// plain line, when canaries' metrics have no default Prometheus to ask.
void WarnMissingPrometheus(const ServeOptions& o, const Catalog* catalog, bool* checked) {
  if (*checked || catalog == nullptr) return;
  *checked = true;
  std::vector<PrometheusUser> users = DefaultPrometheusUsers(*catalog);
  PrometheusConfig config;
  config.address = o.prometheus;
  const std::string probe_error = o.prometheus.empty() ? "" : ProbePrometheus(config, 2000);
  const std::string warning = MissingPrometheusWarning(users, o.prometheus, probe_error);
  if (warning.empty()) return;
  LogWarn(warning);
  LogPlain("gitcanary: warning: " + warning);
}

// --once: one pass without the lease; stdout has one line per decided canary.
int OncePass(const ServeOptions& o, Reconciler& reconciler, ServeMetrics& metrics, DashboardSite* site) {
  std::set<std::string> reported;
  Status s = reconciler.Pass();
  const PassReport& report = reconciler.LastReport();
  metrics.RecordPass(reconciler.CurrentCatalog(), report);
  if (site != nullptr) PublishPass(*site, reconciler.CurrentCatalog(), report);
  LogPass(report, reconciler.CurrentCatalog(), &reported);
  bool checked = false;
  WarnMissingPrometheus(o, reconciler.CurrentCatalog(), &checked);
  if (!s.ok()) return ReportError(s, nullptr);
  if (report.decided.empty() && report.published.empty() && reconciler.CurrentCatalog() != nullptr)
    LogPlain(NothingDueText(*reconciler.CurrentCatalog(), reconciler.NextDue(), NowMs(), o.reconciler.branch));
  std::string out;
  for (const DecidedCanary& d : report.decided) out += OnceLine(d, !report.pushed.empty()) + "\n";
  for (const std::string& app : report.published) out += "published " + (app.empty() ? "." : app) + "\n";
  if (!report.pushed.empty()) out += "committed " + report.pushed + "\n";
  for (const std::string& h : report.halted) out += "halted " + h + "\n";
  const int written = WriteStdout(out);
  if (written != kExitOk) return written;
  return report.halted.empty() && report.app_errors.empty() ? kExitOk : kExitInvalid;
}

// Until a stop signal: take or renew the lease, and while holding it run a
// pass whenever a canary is due (at least every --poll); the keeper renews the
// lease meanwhile and a pass stops once it is lost. Failures back off
// exponentially up to --poll.
void Loop(const ServeOptions& o, Reconciler& reconciler, LeaseKeeper& lease, ServeMetrics& metrics, DashboardSite* site,
          git::GitRemote* remote) {
  std::set<std::string> reported;
  bool prometheus_checked = false;
  HeapTrimmer trimmer;
  std::unique_ptr<FollowerFeed> follower;  // the dashboard while another replica holds the lease
  if (site != nullptr) follower = std::make_unique<FollowerFeed>(remote, o.reconciler);
  const long long max_backoff = std::max<long long>(o.poll_ms, 500);
  long long backoff = 500;
  auto back_off = [&] {
    SleepUntil(NowMs() + backoff);
    backoff = std::min(backoff * 2, max_backoff);
  };
  while (!g_stop) {
    auto held = lease.Acquire();
    if (!held.ok()) {
      metrics.RecordFetch(false, NowMs());
      LogError("cannot reach the remote", {{"error", held.status().message()}, {"retry_in_ms", std::to_string(backoff)}});
      back_off();
      continue;
    }
    metrics.RecordLease(*held);
    // A follower only needs to see the lease often enough to take it over
    // in time: every quarter of the TTL, or --poll when that is longer.
    long long next = NowMs() + (*held ? o.poll_ms : std::max(o.poll_ms, o.lease_ttl_ms / 4));
    if (*held) {
      Status s = reconciler.Pass();
      const PassReport& report = reconciler.LastReport();
      metrics.RecordFetch(!report.head.empty(), NowMs());
      metrics.RecordPass(reconciler.CurrentCatalog(), report);
      if (site != nullptr) PublishPass(*site, reconciler.CurrentCatalog(), report);
      LogPass(report, reconciler.CurrentCatalog(), &reported);
      WarnMissingPrometheus(o, reconciler.CurrentCatalog(), &prometheus_checked);
      if (!remote->compaction_error().empty() && reported.insert("compaction " + remote->compaction_error()).second)
        LogWarn("cache not compacted", {{"error", remote->compaction_error()}});
      trimmer.AfterPass(NowMs(), remote->compactions());
      if (!s.ok()) {
        LogError("pass failed", {{"error", s.message()}, {"retry_in_ms", std::to_string(backoff)}});
        back_off();
        continue;
      }
      backoff = 500;
      if (reconciler.NextDueMs() > 0) next = std::min(next, std::max(NowMs() + 50, reconciler.NextDueMs()));
    } else {
      metrics.RecordFetch(true, NowMs());
      if (follower)
        if (Status s = follower->Refresh(*site); !s.ok()) LogWarn("dashboard not refreshed", {{"error", s.message()}});
      trimmer.AfterPass(NowMs(), remote->compactions());  // a follower's reads free memory too
    }
    SleepUntil(next);
  }
}

int Serve(const ServeOptions& o) {
  auto cache = LockCacheDir(o);
  if (!cache.ok()) return ReportError(cache.status(), nullptr);
  auto remote = git::GitRemote::Open(o.repo, *cache, o.credentials);
  if (!remote.ok()) return ReportError(remote.status(), nullptr);
  (*remote)->SetCompaction(o.compaction);
  // Compactions that rewrite layers run in a child: this executable's
  // `compact-cache` (the lease's cache below has no history to speak of).
  if (const std::string self = SelfExecutable(); !self.empty()) (*remote)->SetCompactionHelper({self, "compact-cache"});
  git::SetLongRunningLimits();
  std::unique_ptr<LeaseKeeper> keeper;
  if (!o.once) {
    auto lease_cache = LockCacheDir(o, "-lease");
    if (!lease_cache.ok()) return ReportError(lease_cache.status(), nullptr);
    auto lease_remote = git::GitRemote::Open(o.repo, *lease_cache, o.credentials);
    if (!lease_remote.ok()) return ReportError(lease_remote.status(), nullptr);
    // The lease cache holds one small ref: compacting it at a few packs costs
    // little and keeps its open packs (and so serve's fd count) from swinging.
    git::CompactionPolicy lease_compaction = o.compaction;
    if (lease_compaction.max_packs > 2) lease_compaction.max_packs = 2;
    (*lease_remote)->SetCompaction(lease_compaction);
    keeper = std::make_unique<LeaseKeeper>(std::move(*lease_remote), o.replica_id, o.lease_ttl_ms, NowMs);
  }

  FileEnvSecretSource secrets(SecretsDirFromEnvironment(), o.secrets_layout);
  auto egress = std::make_shared<const EgressGuard>(o.egress);
  HttpWebhookCaller webhooks(egress);
  PrometheusConfig builtin;
  builtin.address = o.prometheus;
  MetricsFactory metrics_factory(builtin, &secrets, egress);
  ReadinessChecker readiness(o.readiness);
  ExecutorDeps deps;
  deps.webhooks = &webhooks;
  deps.secrets = &secrets;
  deps.metrics = [&](const policies::MetricTemplate* t, const std::string& server) { return metrics_factory.For(t, server); };
  deps.readiness = [&](const policies::AnalysisSpec& spec, bool primary) {
    return readiness.Check(spec.ns, primary ? spec.target + "-primary" : spec.target,
                           primary ? spec.primary_ready_threshold : spec.canary_ready_threshold);
  };
  if (keeper) deps.still_held = [k = keeper.get()] { return k->StillHeld(); };
  Reconciler reconciler(o.reconciler, remote->get(), deps, NowMs);
  ServeMetrics metrics;
  DashboardOptions dashboard_options;
  dashboard_options.repo = o.repo;
  dashboard_options.branch = o.reconciler.branch;
  dashboard_options.commit_url = o.commit_url;
  DashboardSite site(dashboard_options, CacheHistoryReader(o.repo, *cache, o.credentials));
  std::unique_ptr<HttpEndpoints> http;
  if (!o.listen.empty()) {
    http = std::make_unique<HttpEndpoints>(o.listen, &metrics, &site);
    if (!http->ok()) return ReportError(Status::Invalid("cannot listen on " + o.listen), nullptr);
  }
  LogInfo("serving", {{"repo", git::RedactUrl(o.repo)}, {"branch", o.reconciler.branch}, {"replica", o.replica_id},
                      {"listen", o.listen}});
  if (o.once) return OncePass(o, reconciler, metrics, http ? &site : nullptr);
  Loop(o, reconciler, *keeper, metrics, http ? &site : nullptr, remote->get());
  Status released = keeper->Release();
  if (!released.ok()) LogWarn("lease not released", {{"error", released.message()}});
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace

int RunServe(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, ServeFlags());
  if (!args.ok()) return ReportError(args.status(), kServeHelp);
  if (args->help) {
    std::cout << kServeHelp << "\n" << kBuildFlagsHelp;
    return kExitOk;
  }
  auto options = ServeOptionsFrom(*args);
  if (!options.ok()) return ReportError(options.status(), options.status().code() == Code::kUsage ? kServeHelp : nullptr);
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  LimitMallocArenas();  // before any thread starts
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  StartStopWatchdog();
  return Serve(*options);
}

}  // namespace gitcanary::plugin
