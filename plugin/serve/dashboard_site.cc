#include "plugin/serve/dashboard_site.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

#include "plugin/serve/dashboard_assets.h"

namespace gitcanary::plugin {

const char kDashboardCsp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

namespace {

constexpr int kMaxStreams = 4;  // event streams at a time; each holds a server thread
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr const char* kJson = "application/json; charset=utf-8";

// Only what a page shows and a history walk needs: never the pod template
// snapshot, the tracked configs or the app's references. `status` overrides
// the entry's own (serve's decision, committed in the head published).
CatalogEntry Slim(const CatalogEntry& e, const render::CanaryStatus* status) {
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
  out.status_file = e.status_file;
  out.status_in_annotation = e.status_in_annotation;
  out.revision = e.revision;
  out.state.phase = status != nullptr ? status->phase : e.state.phase;
  out.state.canary_weight = status != nullptr ? static_cast<int>(status->canary_weight) : e.state.canary_weight;
  out.state.failed_checks = status != nullptr ? static_cast<int>(status->failed_checks) : e.state.failed_checks;
  const std::optional<render::CanaryStatus>& from = status != nullptr ? std::optional<render::CanaryStatus>() : e.status;
  if (status != nullptr || from) {
    const render::CanaryStatus& s = status != nullptr ? *status : *from;
    render::CanaryStatus kept;  // the fields a page shows
    kept.phase = s.phase;
    kept.canary_weight = s.canary_weight;
    kept.failed_checks = s.failed_checks;
    kept.iterations = s.iterations;
    kept.last_transition_time = s.last_transition_time;
    out.status = std::move(kept);
  }
  return out;
}

// Whether `shown` (a slim entry) still shows `e` with `status` laid over it:
// the inputs of its overview row and of its page, without copying anything.
bool Unchanged(const CatalogEntry& shown, const CatalogEntry& e, const render::CanaryStatus* status) {
  const bool has_status = status != nullptr || e.status.has_value();
  if (shown.status.has_value() != has_status) return false;
  if (has_status) {
    const render::CanaryStatus& s = status != nullptr ? *status : *e.status;
    if (shown.status->phase != s.phase || shown.status->canary_weight != s.canary_weight ||
        shown.status->failed_checks != s.failed_checks || shown.status->iterations != s.iterations ||
        shown.status->last_transition_time != s.last_transition_time)
      return false;
  }
  if (status == nullptr && (shown.state.phase != e.state.phase || shown.state.canary_weight != e.state.canary_weight ||
                            shown.state.failed_checks != e.state.failed_checks))
    return false;
  return shown.app_dir == e.app_dir && shown.revision == e.revision && shown.error.ok() == e.error.ok() &&
         shown.error.message() == e.error.message() && shown.spec.provider == e.spec.provider &&
         shown.spec.threshold == e.spec.threshold && shown.spec.max_weight == e.spec.max_weight &&
         std::equal(shown.spec.webhooks.begin(), shown.spec.webhooks.end(), e.spec.webhooks.begin(), e.spec.webhooks.end(),
                    [](const policies::HookSpec& a, const policies::HookSpec& b) { return a.type == b.type; }) &&
         shown.canary_file == e.canary_file &&
         shown.status_file == e.status_file && shown.status_in_annotation == e.status_in_annotation;
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

const DashboardSite::Canary* DashboardSite::Snapshot::Find(const std::string& id) const {
  auto it = std::lower_bound(canaries.begin(), canaries.end(), id,
                             [](const std::shared_ptr<const Canary>& c, const std::string& key) { return c->entry.id < key; });
  return it != canaries.end() && (*it)->entry.id == id ? it->get() : nullptr;
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
  next->canaries.reserve(catalog.canaries.size());
  // Both lists are sorted by id: walk them together.
  auto before = last->canaries.begin();
  std::vector<const std::string*> rows;
  rows.reserve(catalog.canaries.size());
  for (const CatalogEntry& e : catalog.canaries) {
    auto o = overrides.find(e.id);
    const render::CanaryStatus* status = o == overrides.end() ? nullptr : &o->second;
    while (before != last->canaries.end() && (*before)->entry.id < e.id) ++before;
    if (before != last->canaries.end() && (*before)->entry.id == e.id && Unchanged((*before)->entry, e, status)) {
      next->canaries.push_back(*before);
    } else {
      auto made = std::make_shared<Canary>();
      made->entry = Slim(e, status);
      made->row = CanaryRowJson(made->entry);
      next->canaries.push_back(std::move(made));
    }
    rows.push_back(&next->canaries.back()->row);
  }
  Catalog errors;  // the apps that did not load, for the overview
  errors.errors = catalog.errors;
  next->overview = OverviewJsonFromRows(errors, rows, head, options_);
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
  const Canary* found = snap->Find(id);
  if (found == nullptr) return nullptr;
  const CatalogEntry* e = &found->entry;
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
