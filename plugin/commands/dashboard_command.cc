#include "plugin/commands/dashboard_command.h"

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "plugin/commands/build_flags.h"
#include "plugin/serve/dashboard_site.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/history_command.h"
#include "plugin/serve/json_log.h"
#include "plugin/sources/repo_access.h"
#include "render/fields.h"

namespace gitcanary::plugin {

const char kDashboardHelp[] = R"(Usage: gitcanary dashboard --repo PATH|URL [flags]

Serves the canaries of a branch as a web page, read-only: the overview at /
(every canary, its phase, weight, failed checks and last transition; apps that
do not load, with their error), a page per canary at /canary/NS/NAME (the
timeline chart, the decisions newest first with their evidence from the
analysis notes, and the operator commands for its phase). The page updates
live when the branch moves. Nothing is decided or committed; the browser can
only read (GET), and the page loads nothing from outside this address.

Flags:
  --listen HOST:PORT    where to serve (default 127.0.0.1:9798)
  --commit-url TEMPLATE link each commit: {sha} is replaced by its id, e.g.
                        https://git.example.com/org/repo/commit/{sha}
  --interval DURATION   how often the branch is read (default 5s)
  -n, --namespace NS    namespace of objects that have none (default "default")
  -h, --help            show this help
)";

namespace {

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop = true; }

constexpr const char* kNotesRef = "refs/notes/gitcanary";

long long Interval(const ParsedArgs& args, Status* error) {
  const std::string text = args.Get("interval").value_or("5s");
  auto ms = render::ParseDurationMillis(text);
  if (!ms || *ms < 100) *error = Status::Usage("--interval wants a duration of at least 100ms, like 5s, not \"" + text + "\"");
  return ms.value_or(5000);
}

// Reads the branch until stopped, publishing each new head's catalog.
void Feed(RepoAccess& repo, std::mutex& git_mu, const CatalogOptions& options, long long interval_ms,
          DashboardSite& site) {
  std::string last, last_error;
  while (!g_stop) {
    {
      std::lock_guard<std::mutex> lock(git_mu);
      Status s = [&]() -> Status {
        auto head = repo.Head();
        if (!head.ok()) return head.status();
        if (*head == last) return Status::Ok();
        auto tree = repo.Tree(*head);
        if (!tree.ok()) return tree.status();
        auto catalog = ReadCatalog(**tree, options);
        if (!catalog.ok()) return catalog.status();
        site.Publish(*catalog, *head);
        LogInfo("read", {{"commit", *head}, {"canaries", std::to_string(catalog->canaries.size())}});
        last = *head;
        return Status::Ok();
      }();
      if (!s.ok() && s.message() != last_error) LogError("cannot read the branch", {{"error", s.message()}});
      last_error = s.ok() ? "" : s.message();
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(interval_ms);
    while (!g_stop && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int Dashboard(const ParsedArgs& args) {
  Status usage;
  const long long interval_ms = Interval(args, &usage);
  if (!usage.ok()) return ReportError(usage, kDashboardHelp);
  DashboardOptions options;
  options.repo = args.Get("repo").value_or(".");
  options.commit_url = args.Get("commit-url").value_or("");
  options.standalone = true;
  if (Status s = CheckCommitUrlTemplate(options.commit_url); !s.ok()) return ReportError(s, kDashboardHelp);
  const std::string listen = args.Get("listen").value_or("127.0.0.1:9798");
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos)
    return ReportError(Status::Usage("--listen takes HOST:PORT, got \"" + listen + "\""), kDashboardHelp);
  CatalogOptions catalog_options;
  catalog_options.app_namespace = args.Get("namespace").value_or("default");
  auto tools = BuildToolsFrom(args, catalog_options.app_namespace);
  if (!tools.ok()) return ReportError(tools.status(), nullptr);
  catalog_options.tools = std::move(*tools);
  BuildCache builds;
  catalog_options.cache = &builds;
  auto repo = RepoAccess::Open(args);
  if (!repo.ok()) return ReportError(repo.status(), nullptr);
  options.branch = (*repo)->branch();
  std::mutex git_mu;
  RepoAccess* access = repo->get();
  DashboardSite site(options, [access, &git_mu](const CatalogEntry& e, const std::string& head) -> Result<CanaryHistory> {
    std::lock_guard<std::mutex> lock(git_mu);
    auto notes = access->remote()->Fetch({kNotesRef});
    if (!notes.ok()) return notes.status();
    return ReadEntryHistory(access->remote(), e, head, (*notes)[kNotesRef].value_or(""), HistoryOptions{});
  });
  httplib::Server server;
  site.Mount(server);
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  const std::string host = listen.substr(0, colon);
  if (!server.bind_to_port(host.empty() ? "0.0.0.0" : host, std::atoi(listen.c_str() + colon + 1)))
    return ReportError(Status::Invalid("cannot listen on " + listen), nullptr);
  std::thread http([&server] { server.listen_after_bind(); });
  LogInfo("dashboard", {{"repo", (*repo)->display()}, {"branch", options.branch}, {"listen", listen}});
  Feed(**repo, git_mu, catalog_options, interval_ms, site);
  site.Stop();
  server.stop();
  http.join();
  LogInfo("stopped");
  return kExitOk;
}

}  // namespace

int RunDashboard(const std::vector<std::string>& argv) {
  const std::string help = std::string(kDashboardHelp) + kRepoFlagsHelp + kBuildFlagsHelp;
  std::vector<FlagSpec> flags{{"listen", 0, true}, {"commit-url", 0, true}, {"interval", 0, true}, {"namespace", 'n', true}};
  for (FlagSpec& f : RepoFlags()) flags.push_back(std::move(f));
  auto args = ParseArgs(argv, WithBuildFlags(flags));
  if (!args.ok()) return ReportError(args.status(), help.c_str());
  if (args->help) {
    std::cout << help;
    return kExitOk;
  }
  if (!args->positionals.empty())
    return ReportError(Status::Usage("dashboard takes no arguments, got \"" + args->positionals[0] + "\""), help.c_str());
  struct sigaction sa {};
  sa.sa_handler = OnStop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return Dashboard(*args);
}

}  // namespace gitcanary::plugin
