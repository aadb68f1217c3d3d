#include "plugin/dashboard_site.h"

#include <httplib.h>

#include <chrono>

#include "plugin/dashboard_assets.h"

namespace gitcanary::plugin {

const char kDashboardCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

namespace {

constexpr int kMaxStreams = 4;  // event streams at a time; each holds a server thread
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr const char* kJson = "application/json; charset=utf-8";

// Only what a page shows and a history walk needs: never the pod template
// snapshot, the tracked configs or the app's references.
CatalogEntry Slim(const CatalogEntry& e) {
  CatalogEntry out;
  out.id = e.id;
  out.app_dir = e.app_dir;
  out.canary_file = e.canary_file;
  out.generated = e.generated;
  out.built = e.built;
  out.error = e.error;
  out.spec.name = e.spec.name;
  out.spec.ns = e.spec.ns;
  out.spec.provider = e.spec.provider;
  out.spec.threshold = e.spec.threshold;
  out.spec.max_weight = e.spec.max_weight;
  out.spec.webhooks = e.spec.webhooks;
  out.status = e.status;
  out.state.phase = e.state.phase;
  out.state.canary_weight = e.state.canary_weight;
  out.state.failed_checks = e.state.failed_checks;
  out.status_file = e.status_file;
  out.status_in_annotation = e.status_in_annotation;
  out.revision = e.revision;
  return out;
}

// Whether the overview row of `a` and `b` is the same (RowObject's inputs).
bool SameRow(const CatalogEntry& a, const CatalogEntry& b) {
  auto status_key = [](const CatalogEntry& e) {
    return std::make_tuple(e.status.has_value(), e.state.phase, e.state.canary_weight, e.state.failed_checks,
                           e.status ? e.status->last_transition_time : std::string());
  };
  return a.id == b.id && a.app_dir == b.app_dir && a.revision == b.revision && a.error.ok() == b.error.ok() &&
         a.error.message() == b.error.message() && a.spec.provider == b.spec.provider &&
         a.spec.threshold == b.spec.threshold && a.spec.max_weight == b.spec.max_weight && status_key(a) == status_key(b);
}

std::string IdFrom(const httplib::Request& req) { return req.matches[1].str() + "/" + req.matches[2].str(); }

void NotFound(httplib::Response& res) {
  res.status = 404;
  res.set_content("{\"error\":\"no such canary at the branch head\"}", kJson);
}

}  // namespace

DashboardSite::DashboardSite(DashboardOptions options, HistoryReader history)
    : options_(std::move(options)), history_(std::move(history)), snapshot_(std::make_shared<Snapshot>()) {
  snapshot_->overview = plugin::OverviewJson(Catalog{}, "", options_);
}

void DashboardSite::Publish(const Catalog& catalog, const std::string& head,
                            const std::map<std::string, render::CanaryStatus>& overrides) {
  std::shared_ptr<const Snapshot> last;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (snapshot_->head == head) return;
    last = snapshot_;
  }
  auto next = std::make_shared<Snapshot>();
  next->head = head;
  next->catalog.commit = head;
  next->catalog.errors = catalog.errors;
  next->catalog.flagger_apps = catalog.flagger_apps;
  next->catalog.canaries.reserve(catalog.canaries.size());
  std::vector<std::string> rows;
  rows.reserve(catalog.canaries.size());
  for (const CatalogEntry& e : catalog.canaries) {
    CatalogEntry slim = Slim(e);
    if (auto o = overrides.find(e.id); o != overrides.end()) {
      slim.status = o->second;
      slim.state.phase = o->second.phase;
      slim.state.canary_weight = o->second.canary_weight;
      slim.state.failed_checks = o->second.failed_checks;
    }
    const CatalogEntry* before = last->catalog.Find(e.id);
    auto row = last->rows.find(e.id);
    std::string text = before != nullptr && row != last->rows.end() && SameRow(*before, slim) ? row->second
                                                                                              : CanaryRowJson(slim);
    rows.push_back(text);
    next->rows.emplace(e.id, std::move(text));
    next->catalog.canaries.push_back(std::move(slim));
  }
  next->overview = OverviewJsonFromRows(next->catalog, rows, head, options_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_ = std::move(next);
  }
  moved_.notify_all();
}

std::string DashboardSite::Head() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_->head;
}

std::string DashboardSite::OverviewJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_->overview;
}

std::shared_ptr<const DashboardSite::Page> DashboardSite::PageOf(const std::string& id) {
  std::shared_ptr<Snapshot> snap;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snap = snapshot_;
    if (auto p = snap->pages.find(id); p != snap->pages.end()) return p->second;
  }
  const CatalogEntry* e = snap->catalog.Find(id);
  if (e == nullptr) return nullptr;
  std::lock_guard<std::mutex> walk(history_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto p = snap->pages.find(id); p != snap->pages.end()) return p->second;  // read meanwhile
  }
  auto page = std::make_shared<Page>();
  auto history = history_ ? history_(*e, snap->head) : Result<CanaryHistory>(Status::Invalid("no history here"));
  if (history.ok()) {
    page->json = CanaryPageJson(*e, history->timeline, history->evidence, "", snap->head, options_);
    page->svg = policies::HistoryChartSvg(history->timeline);
  } else {
    policies::Timeline empty;
    empty.id = id;
    page->json = CanaryPageJson(*e, empty, {}, history.status().message(), snap->head, options_);
  }
  std::lock_guard<std::mutex> lock(mu_);
  snap->pages[id] = page;
  return page;
}

std::optional<std::string> DashboardSite::CanaryJson(const std::string& id) {
  auto page = PageOf(id);
  if (!page) return std::nullopt;
  return page->json;
}

std::optional<std::string> DashboardSite::ChartSvg(const std::string& id) {
  auto page = PageOf(id);
  if (!page || page->svg.empty()) return std::nullopt;
  return page->svg;
}

void DashboardSite::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  moved_.notify_all();
}

void DashboardSite::Mount(httplib::Server& server) {
  server.set_default_headers({{"Content-Security-Policy", kDashboardCsp},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"},
                              {"Cache-Control", "no-store"}});
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || req.method == "HEAD") return httplib::Server::HandlerResponse::Unhandled;
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content("read-only: only GET and HEAD\n", "text/plain; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  auto page = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardIndexHtml, "text/html; charset=utf-8");
  };
  server.Get("/", page);
  server.Get(R"(/canary/([^/]+)/(.+))", page);
  server.Get("/assets/dashboard.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardJs, "text/javascript; charset=utf-8");
  });
  server.Get("/assets/dashboard.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kDashboardCss, "text/css; charset=utf-8");
  });
  server.Get("/api/overview", [this](const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<const Snapshot> snap;
    {
      std::lock_guard<std::mutex> lock(mu_);
      snap = snapshot_;
    }
    if (req.has_param("since") && req.get_param_value("since") == snap->head) {
      res.status = 204;
      return;
    }
    res.set_content(snap->overview, kJson);
  });
  server.Get(R"(/api/chart/([^/]+)/(.+)\.svg)", [this](const httplib::Request& req, httplib::Response& res) {
    auto svg = ChartSvg(IdFrom(req));
    if (!svg) return NotFound(res);
    res.set_content(*svg, "image/svg+xml");
  });
  server.Get(R"(/api/canary/([^/]+)/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto json = CanaryJson(IdFrom(req));
    if (!json) return NotFound(res);
    res.set_content(*json, kJson);
  });
  server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
    if (++streams_ > kMaxStreams) {
      --streams_;
      res.status = 503;
      res.set_content("too many event streams; poll /api/overview?since=HEAD\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, sent = std::string(), first = true](std::size_t, httplib::DataSink& sink) mutable {
          std::unique_lock<std::mutex> lock(mu_);
          if (!first) moved_.wait_for(lock, kKeepAlive, [&] { return stopping_ || snapshot_->head != sent; });
          first = false;
          if (stopping_) {
            sink.done();
            return false;
          }
          std::string message = ": keep-alive\n\n";
          if (snapshot_->head != sent) {
            sent = snapshot_->head;
            message = "event: head\ndata: " + sent + "\n\n";
          }
          lock.unlock();
          return sink.write(message.data(), message.size());
        },
        [this](bool) { --streams_; });
  });
}

}  // namespace gitcanary::plugin
