// The flags of `gitcanary serve`, parsed and checked into ServeOptions before
// anything runs, so a typo is a usage error and not a half-started sidecar.
// Secrets (the git token) are read here from a file or a variable and never
// printed.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "git/git_remote.h"
#include "plugin/commands/args.h"
#include "plugin/clients/git_credentials.h"
#include "plugin/clients/readiness.h"
#include "plugin/clients/secret_source_impl.h"
#include "policies/egress_policy.h"
#include "plugin/serve/reconciler.h"

namespace gitcanary::plugin {

extern const char kServeHelp[];

struct ServeOptions {
  std::string repo;       // remote URL or path
  std::string cache_dir;  // "" = default under $TMPDIR
  git::CompactionPolicy compaction;  // of the cache (--cache-max-packs)
  git::Credentials credentials;
  ReconcilerOptions reconciler;
  ReadinessConfig readiness;
  std::string prometheus;  // default Prometheus for built-in metrics
  policies::EgressPolicy egress;  // --allow-egress, --deny-egress and KUBERNETES_SERVICE_HOST
  std::string listen;      // host:port for the dashboard, /healthz /readyz /metrics; "" = none
  std::string commit_url;  // the dashboard's commit links: {sha} replaced; "" = none
  std::string replica_id;
  long long lease_ttl_ms = 30000;
  long long poll_ms = 5000;  // longest sleep between passes
  bool once = false;
  SecretsLayout secrets_layout = SecretsLayout::kNamespaced;  // --secrets-layout
};

// The flags ParseArgs needs for serve.
std::vector<FlagSpec> ServeFlags();

Result<ServeOptions> ServeOptionsFrom(const ParsedArgs& args);

}  // namespace gitcanary::plugin
