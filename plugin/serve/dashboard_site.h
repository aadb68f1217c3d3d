// DashboardSite: the dashboard's HTTP side, shared by `serve` (--listen) and
// `gitcanary dashboard`. Read-only by design.
//
// Routes (GET and HEAD only; any other method is 405):
//   /                      the overview page   /canary/NS/NAME   a canary's page
//   /assets/dashboard.js|css  the page's script and style, built into the binary
//   /api/overview[?since=HEAD]  the overview JSON; 204 when the head is still HEAD
//   /api/canary/NS/NAME    a canary's page JSON      /api/chart/NS/NAME.svg  its chart
//   /events                server-sent events: "head" with the head commit,
//                          at once and whenever it moves (a few streams at a
//                          time; beyond that 503, and the page polls instead)
// Every response carries a strict Content-Security-Policy (nothing but this
// origin's script, style and data: images; no frames, forms or base), nosniff
// and no-referrer. The model is plugin/serve/dashboard_model.h.
//
// Whoever reads git calls Publish with each catalog it reads: the overview is
// rebuilt then, reusing the rows of canaries that did not change, so a page
// load never walks git. A canary's page walks its history (through the
// HistoryReader given) on first request at a head and is cached until the
// head moves.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.h"
#include "plugin/serve/canary_catalog.h"
#include "plugin/serve/dashboard_model.h"
#include "plugin/commands/history_command.h"
#include "render/canary_status.h"

namespace httplib {
class Server;
}

namespace gitcanary::plugin {

// Reads entry `e`'s history at `head`; called one at a time.
using HistoryReader = std::function<Result<CanaryHistory>(const CatalogEntry& e, const std::string& head)>;

// The security headers sent with every response.
extern const char kDashboardCsp[];

class DashboardSite {
 public:
  DashboardSite(DashboardOptions options, HistoryReader history);

  // The catalog read at `head`. `overrides`: statuses decided and committed
  // in `head` on top of the catalog's commit (serve's own status commit), by
  // canary id. Nothing is done when `head` is the one published last.
  void Publish(const Catalog& catalog, const std::string& head,
               const std::map<std::string, render::CanaryStatus>& overrides = {});

  // Adds the routes, the 405 and the headers to `server`.
  void Mount(httplib::Server& server);
  // Ends the event streams (before the server stops).
  void Stop();

  std::string Head() const;
  std::string OverviewJson() const;
  // nullopt: no such canary at the head.
  std::optional<std::string> CanaryJson(const std::string& id);
  std::optional<std::string> ChartSvg(const std::string& id);

 private:
  struct Page {
    std::string json, svg;
  };
  // One canary as the pages need it: its catalog entry without what only
  // decisions need, and its overview row. Shared by the snapshots of
  // successive heads while the canary's row does not change.
  struct Canary {
    CatalogEntry entry;
    std::string row;  // JSON
  };
  struct Snapshot {
    std::string head;
    std::vector<std::shared_ptr<const Canary>> canaries;  // sorted by id
    std::string overview;
    std::map<std::string, std::shared_ptr<const Page>> pages;

    const Canary* Find(const std::string& id) const;
  };
  std::shared_ptr<const Page> PageOf(const std::string& id);

  DashboardOptions options_;
  HistoryReader history_;
  mutable std::mutex mu_;
  std::condition_variable moved_;
  std::shared_ptr<Snapshot> snapshot_;
  bool stopping_ = false;
  std::mutex history_mu_;
  std::atomic<int> streams_{0};
};

}  // namespace gitcanary::plugin
