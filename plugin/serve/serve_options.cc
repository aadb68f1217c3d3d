#include "plugin/serve/serve_options.h"

#include "plugin/serve/dashboard_model.h"

#include "plugin/sources/app_source.h"
#include "plugin/commands/build_flags.h"

#include <unistd.h>

#include <cstdlib>

#include "render/fields.h"
#include "render/published_layout.h"

namespace gitcanary::plugin {

const char kServeHelp[] = R"(Usage: gitcanary serve --repo URL [flags]

Advance every canary of a branch one analysis step at a time, from committed
git state only: read spec and status at the branch head, query Prometheus, call
webhooks, and commit each decision back (pushed with compare-and-swap, never
forced). Several replicas may run against one repo: a lease in git
(refs/gitcanary/lease) keeps all but one idle, and the branch's compare-and-swap
keeps any two from stepping one canary twice. The holder renews the lease while
a pass runs; a pass that loses it stops before its next webhook, query or push.

Repository:
  --repo URL            remote: a path, file://, https:// or ssh:// (required)
  --branch NAME         branch to follow (default main)
  --cache-dir DIR       local bare clone (default $TMPDIR/gitcanary/<digest of URL>)
  --cache-max-packs N   compact the clone when it holds more than N packs or
                        64 x N loose objects (default 16; 0 = never)
  --token-file FILE     https token or password, read from FILE
  --token-env VAR       https token or password, read from $VAR
  --username NAME       https or ssh user (default git)
  --ssh-key FILE        ssh private key (default: ssh-agent)
Write-back:
  --write-mode MODE     commit (default: <canary>.gitcanary-status.yaml beside the
                        Canary) or annotations (the Canary's gitcanary.io/status)
  --author-name NAME    status commit author (default gitcanary)
  --author-email EMAIL  (default gitcanary@localhost)
  --sign KIND:KEY       sign status commits: ssh:KEYFILE or gpg:KEYID
  --publish DIR         also keep DIR (relative to the repository top) holding
                        every app's render as `render --write DIR` lays it out,
                        for Flux to apply: a status commit carries its app's
                        new render, and apps whose sources changed are
                        republished at the next pass
Analysis:
  --prometheus URL      Prometheus for built-in metrics (per canary: spec.metricsServer)
  --readiness MODE      prometheus (default when --prometheus is set), kubernetes or none
  --readiness-query Q   PromQL with {{ namespace }} and {{ deployment }}; ready at >= 1
  --kube-api URL        API server for --readiness kubernetes (default: in-cluster)
  -n, --namespace NS    namespace of objects that have none (default "default")
  --min-interval DUR    floor of analysis.interval (default 10s, as Flagger; lower
                        it for demos and tests)
  --secrets-layout L    where a secretRef is read (dir: $GITCANARY_SECRETS_DIR,
                        default /etc/gitcanary/secrets): namespaced (default:
                        DIR/<namespace>/<name>/<key>, the referring object's own
                        namespace) or flat (DIR/<name>/<key>, single tenant only)
Egress (webhooks, alert providers, MetricTemplate and spec.metricsServer
addresses; not --prometheus, --kube-api or --repo, which the operator sets):
  --allow-egress ENTRY  allow a host name (*.example.com for the names below
                        it), an IP address or a CIDR; repeatable, or comma-
                        separated. By default loopback, link-local (169.254/16,
                        fe80::/10), 0.0.0.0 and :: and the Kubernetes API
                        service (KUBERNETES_SERVICE_HOST, kubernetes.default.svc
                        and its other names; allow its exact address or name)
                        are denied and everything else is allowed
  --deny-egress ENTRY   deny a host name, IP address or CIDR the same way
                        (e.g. 10.0.0.0/8, or 0.0.0.0/0 and ::/0 to allow only
                        the --allow-egress entries); the longest prefix wins
Running:
  --listen HOST:PORT    serve the dashboard (/) and /healthz /readyz /metrics
                        (default 0.0.0.0:9797, with --once off; "off" = none)
  --commit-url TEMPLATE link the dashboard's commits: {sha} is replaced by the
                        commit id, e.g. https://git.example.com/org/repo/commit/{sha}
  --replica-id ID       name in the lease (default HOSTNAME-PID)
  --lease-ttl DURATION  lease time to live (default 30s)
  --poll DURATION       longest wait between passes (default 5s)
  --once                one pass over the canaries that are due, then exit
  --all-due             treat every canary as due
  --dry-run             decide and print, never commit
  -h, --help            show this help

Logs are JSON lines on stderr. With --once, stdout has one line per decided
canary. Exit codes: 0 success, 1 a canary is halted, an app does not load or
the pass failed (remote unreachable, push lost every race), 2 usage error.
SIGTERM or SIGINT stops within 5 s; the lease is released.
)";

std::vector<FlagSpec> ServeFlags() {
  return WithBuildFlags({{"repo", 0, true},          {"branch", 0, true},        {"cache-dir", 0, true},
          {"token-file", 0, true},    {"token-env", 0, true},     {"username", 0, true},
          {"ssh-key", 0, true},       {"write-mode", 0, true},    {"author-name", 0, true},
          {"author-email", 0, true},  {"sign", 0, true},          {"prometheus", 0, true},
          {"readiness", 0, true},     {"readiness-query", 0, true}, {"kube-api", 0, true},
          {"namespace", 'n', true},   {"listen", 0, true},        {"replica-id", 0, true},
          {"lease-ttl", 0, true},     {"poll", 0, true},          {"once", 0, false},
          {"all-due", 0, false},      {"dry-run", 0, false},      {"min-interval", 0, true},
          {"publish", 0, true},       {"commit-url", 0, true},    {"secrets-layout", 0, true},
          {"allow-egress", 0, true},  {"deny-egress", 0, true},   {"cache-max-packs", 0, true}});
}

namespace {

Result<long long> Duration(const ParsedArgs& args, const std::string& flag, long long fallback) {
  auto text = args.Get(flag);
  if (!text) return fallback;
  auto ms = render::ParseDurationMillis(*text);
  if (!ms || *ms <= 0) return Status::Usage("--" + flag + ": \"" + *text + "\" is not a duration such as 30s or 1m");
  return *ms;
}

Result<git::Signer> ParseSigner(const std::string& text) {
  const std::size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon), key = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (key.empty() || (kind != "ssh" && kind != "gpg"))
    return Status::Usage("--sign takes ssh:KEYFILE or gpg:KEYID, got \"" + text + "\"");
  return git::Signer{kind == "ssh" ? git::Signer::Kind::kSsh : git::Signer::Kind::kGpg, key};
}

// Every value of a repeatable flag, each split at commas.
std::vector<std::string> ListFlag(const ParsedArgs& args, const std::string& flag) {
  std::vector<std::string> out;
  for (const std::string& value : args.GetAll(flag)) {
    std::size_t start = 0;
    for (std::size_t comma = value.find(','); ; comma = value.find(',', start)) {
      out.push_back(value.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

std::string DefaultReplicaId() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::string(host[0] ? host : "gitcanary") + "-" + std::to_string(getpid());
}

}  // namespace

Result<ServeOptions> ServeOptionsFrom(const ParsedArgs& args) {
  if (!args.positionals.empty()) return Status::Usage("serve takes no arguments; give the remote with --repo");
  ServeOptions o;
  o.repo = args.Get("repo").value_or("");
  if (o.repo.empty()) return Status::Usage("--repo is required");
  o.cache_dir = args.Get("cache-dir").value_or("");
  if (auto packs = args.Get("cache-max-packs")) {
    char* end = nullptr;
    const long long n = std::strtoll(packs->c_str(), &end, 10);
    if (packs->empty() || *end != '\0' || n < 0 || n > 100000)
      return Status::Usage("--cache-max-packs: \"" + *packs + "\" is not a number of packs such as 16 (0 = never compact)");
    o.compaction.max_packs = static_cast<std::size_t>(n);
    o.compaction.max_loose = 64 * o.compaction.max_packs;
  }
  auto token = ReadToken(args.Get("token-file").value_or(""), args.Get("token-env").value_or(""));
  if (!token.ok()) return token.status();
  o.credentials.token = *token;
  o.credentials.username = args.Get("username").value_or("");
  o.credentials.ssh_key = args.Get("ssh-key").value_or("");
  o.repo = MoveUrlCredentials(o.repo, &o.credentials);
  ReconcilerOptions& r = o.reconciler;
  r.branch = args.Get("branch").value_or("main");
  r.catalog.app_namespace = args.Get("namespace").value_or("default");
  auto min_interval = Duration(args, "min-interval", policies::kFlaggerMinIntervalMs);
  if (!min_interval.ok()) return min_interval.status();
  r.catalog.min_interval_ms = *min_interval;
  auto tools = BuildToolsFrom(args, r.catalog.app_namespace);
  if (!tools.ok()) return tools.status();
  r.catalog.tools = std::move(*tools);
  auto mode = ParseWriteMode(args.Get("write-mode").value_or("commit"));
  if (!mode.ok()) return mode.status();
  r.write_mode = *mode;
  r.author.name = args.Get("author-name").value_or("gitcanary");
  r.author.email = args.Get("author-email").value_or("gitcanary@localhost");
  if (args.Has("sign")) {
    auto signer = ParseSigner(*args.Get("sign"));
    if (!signer.ok()) return signer.status();
    r.signer = *signer;
  }
  if (args.Has("publish")) {
    r.publish_dir = CleanRelative(*args.Get("publish"));
    r.catalog.publish_dir = r.publish_dir;
    if (r.publish_dir.empty()) return Status::Usage("--publish needs a directory below the repository top");
    if (Status s = render::CheckPublishPath(r.publish_dir, "--publish directory"); !s.ok())
      return Status::Usage(s.message());
  }
  r.all_due = args.Has("all-due");
  r.dry_run = args.Has("dry-run");
  o.once = args.Has("once");
  o.prometheus = args.Get("prometheus").value_or("");
  auto readiness = ParseReadinessMode(args.Get("readiness").value_or(o.prometheus.empty() ? "none" : "prometheus"));
  if (!readiness.ok()) return Status::Usage(readiness.status().message());
  o.readiness.mode = *readiness;
  o.readiness.prometheus_url = o.prometheus;
  if (o.readiness.mode == ReadinessMode::kPrometheus && o.prometheus.empty())
    return Status::Usage("--readiness prometheus needs --prometheus URL");
  if (auto q = args.Get("readiness-query")) o.readiness.query = *q;
  if (auto api = args.Get("kube-api")) o.readiness.api_server = *api;
  if (Status s = ValidateReadinessConfig(o.readiness); !s.ok()) return Status::Usage(s.message());
  const char* api = std::getenv("KUBERNETES_SERVICE_HOST");
  auto egress = policies::EgressPolicy::Make(ListFlag(args, "allow-egress"), ListFlag(args, "deny-egress"),
                                             api == nullptr ? "" : api);
  if (!egress.ok()) return egress.status();
  o.egress = std::move(*egress);
  o.listen = args.Get("listen").value_or(o.once ? "off" : "0.0.0.0:9797");
  if (o.listen == "off") o.listen.clear();
  if (!o.listen.empty() && o.listen.rfind(':') == std::string::npos)
    return Status::Usage("--listen takes HOST:PORT, got \"" + o.listen + "\"");
  auto layout = ParseSecretsLayout(args.Get("secrets-layout").value_or("namespaced"));
  if (!layout.ok()) return layout.status();
  o.secrets_layout = *layout;
  o.commit_url = args.Get("commit-url").value_or("");
  if (Status s = CheckCommitUrlTemplate(o.commit_url); !s.ok()) return s;
  o.replica_id = args.Get("replica-id").value_or(DefaultReplicaId());
  auto ttl = Duration(args, "lease-ttl", 30000);
  if (!ttl.ok()) return ttl.status();
  o.lease_ttl_ms = *ttl;
  auto poll = Duration(args, "poll", 5000);
  if (!poll.ok()) return poll.status();
  o.poll_ms = *poll;
  return o;
}

}  // namespace gitcanary::plugin
