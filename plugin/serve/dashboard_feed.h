// How the dashboard (plugin/serve/dashboard_site.h) is fed in `serve`: each pass's
// catalog is published, with the statuses serve has just committed laid over
// it, so the page shows a decision as soon as its commit is pushed; and a
// canary's history is read through a GitRemote of its own on serve's cache
// (reads only: serve's own GitRemote does every fetch and push).
#pragma once

#include <string>

#include "git/git_remote.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/serve/dashboard_site.h"
#include "plugin/serve/reconciler.h"

namespace gitcanary::plugin {

// On a replica that does not hold the lease no pass runs; this keeps its page
// current all the same: it fetches the branch and the analysis notes, and
// reads and publishes the head's catalog when the head moved. Runs on serve's
// loop thread, which then has the cache to itself.
class FollowerFeed {
 public:
  FollowerFeed(git::GitRemote* remote, const ReconcilerOptions& options);
  Status Refresh(DashboardSite& site);

 private:
  git::GitRemote* remote_;
  std::string branch_;
  CatalogOptions options_;
  BuildCache builds_;
};

// Publishes the catalog of the last pass: at the pushed commit with the
// decided statuses when the pass committed, else at the catalog's commit.
void PublishPass(DashboardSite& site, const Catalog* catalog, const PassReport& report);

// The commit `ref` points at in the repository at `path`; "" when none.
std::string LocalRefTarget(const std::string& path, const std::string& ref);

// Reads history from the cache at `cache_dir` (of remote `url`), with the
// analysis notes the cache holds.
HistoryReader CacheHistoryReader(const std::string& url, const std::string& cache_dir,
                                 const git::Credentials& credentials);

}  // namespace gitcanary::plugin
