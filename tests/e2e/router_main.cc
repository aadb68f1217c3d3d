// gitcanary_e2e_router: the stand-in for Istio's data plane in the end-to-end
// tests. It splits requests between the primary's and the canary's pods by
// the weights of the rendered VirtualService, and exports the request metrics
// an Istio sidecar would, with Istio's names and labels, for Prometheus.
//
//   gitcanary_e2e_router --config FILE [--port-file F] [--admin-port-file F]
//
// FILE is JSON, written by the tests' "apply" step after every commit and
// re-read every 200 ms (a bad or missing file keeps the last good routes):
//   {"generation": 3, "namespace": "test",
//    "routes": [{"workload": "podinfo-primary", "port": 41001, "weight": 80},
//               {"workload": "podinfo", "port": 41002, "weight": 20}]}
//
// The data port forwards every GET to one route's backend, chosen by smooth
// weighted round robin (nginx's), so 20 % means exactly one request in five.
// Each answered request counts in
//   istio_requests_total{reporter="destination", destination_workload,
//     destination_workload_namespace, destination_service_name, response_code}
//   istio_request_duration_milliseconds_bucket{... le} (Istio's buckets), _sum, _count
// A route whose backend does not answer gets 503 and no destination metric,
// as when no destination sidecar saw the request. The admin port serves
// /metrics (those series) and /config (the generation and routes in effect).
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/e2e_common.h"

namespace {

struct Route {
  std::string workload;
  int port = 0;
  long long weight = 0;
  long long current = 0;  // smooth weighted round robin state
};

struct Routes {
  long long generation = -1;
  std::string ns = "default";
  std::vector<Route> routes;
};

// Istio's default buckets for istio_request_duration_milliseconds.
const double kBuckets[] = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
                           300000, 600000, 1800000, 3600000};
constexpr std::size_t kBucketCount = sizeof kBuckets / sizeof kBuckets[0];

struct Series {
  long long count = 0;
  double sum = 0;
  long long buckets[kBucketCount] = {};
};

class Router {
 public:
  explicit Router(std::string config) : config_(std::move(config)) {}

  // Re-reads the config file when its text changed; keeps the old routes on error.
  void Reload() {
    std::ifstream in(config_);
    std::stringstream text;
    text << in.rdbuf();
    if (!in || text.str() == last_text_) return;
    try {
      const nlohmann::json j = nlohmann::json::parse(text.str());
      Routes next;
      next.generation = j.at("generation").get<long long>();
      next.ns = j.value("namespace", "default");
      for (const auto& r : j.at("routes")) next.routes.push_back({r.at("workload"), r.at("port"), r.at("weight"), 0});
      std::lock_guard<std::mutex> lock(mu_);
      routes_ = std::move(next);
      last_text_ = text.str();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gitcanary_e2e_router: %s: %s\n", config_.c_str(), e.what());
    }
  }

  // The next route by smooth weighted round robin; false when none has weight.
  bool Pick(Route* out, std::string* ns) {
    std::lock_guard<std::mutex> lock(mu_);
    long long total = 0;
    Route* best = nullptr;
    for (Route& r : routes_.routes) {
      if (r.weight <= 0) continue;
      r.current += r.weight;
      total += r.weight;
      if (best == nullptr || r.current > best->current) best = &r;
    }
    if (best == nullptr) return false;
    best->current -= total;
    *out = *best;
    *ns = routes_.ns;
    return true;
  }

  void Record(const std::string& workload, const std::string& ns, int code, double ms) {
    std::lock_guard<std::mutex> lock(mu_);
    Series& s = series_[{workload, ns, std::to_string(code)}];
    ++s.count;
    s.sum += ms;
    for (std::size_t i = 0; i < kBucketCount; ++i)
      if (ms <= kBuckets[i]) ++s.buckets[i];
  }

  std::string Metrics() {
    std::lock_guard<std::mutex> lock(mu_);
    std::ostringstream out;
    out << "# TYPE istio_requests_total counter\n";
    for (const auto& [key, s] : series_) out << "istio_requests_total{" << Labels(key) << "} " << s.count << "\n";
    out << "# TYPE istio_request_duration_milliseconds histogram\n";
    for (const auto& [key, s] : series_) {
      const std::string l = Labels(key);
      for (std::size_t i = 0; i < kBucketCount; ++i)
        out << "istio_request_duration_milliseconds_bucket{" << l << ",le=\"" << kBuckets[i] << "\"} "
            << s.buckets[i] << "\n";
      out << "istio_request_duration_milliseconds_bucket{" << l << ",le=\"+Inf\"} " << s.count << "\n";
      out << "istio_request_duration_milliseconds_sum{" << l << "} " << s.sum << "\n";
      out << "istio_request_duration_milliseconds_count{" << l << "} " << s.count << "\n";
    }
    return out.str();
  }

  std::string Config() {
    std::lock_guard<std::mutex> lock(mu_);
    nlohmann::json j{{"generation", routes_.generation}, {"namespace", routes_.ns}, {"routes", nlohmann::json::array()}};
    for (const Route& r : routes_.routes)
      j["routes"].push_back({{"workload", r.workload}, {"port", r.port}, {"weight", r.weight}});
    return j.dump();
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // workload, namespace, code

  static std::string Labels(const Key& k) {
    const auto& [workload, ns, code] = k;
    // The service name is the canary's (the apex), as for both of Flagger's workloads.
    const std::string service = workload.size() > 8 && workload.ends_with("-primary")
                                    ? workload.substr(0, workload.size() - 8)
                                    : workload;
    return "reporter=\"destination\",destination_workload=\"" + workload + "\",destination_workload_namespace=\"" +
           ns + "\",destination_service_name=\"" + service + "\",response_code=\"" + code + "\"";
  }

  std::string config_, last_text_;
  std::mutex mu_;
  Routes routes_;
  std::map<Key, Series> series_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace gitcanary::e2e;
  const auto flags = ParseFlags(argc, argv);
  const std::string config = Flag(flags, "config");
  if (config.empty()) {
    std::fprintf(stderr, "usage: gitcanary_e2e_router --config FILE [--port-file F] [--admin-port-file F]\n");
    return 2;
  }
  Router router(config);
  router.Reload();
  std::thread reloader([&] {
    while (true) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      router.Reload();
    }
  });
  reloader.detach();

  httplib::Server admin;
  admin.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(router.Metrics(), "text/plain; version=0.0.4");
  });
  admin.Get("/config", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(router.Config(), "application/json");
  });
  BindOrExit(admin, Flag(flags, "admin-port", "0"), Flag(flags, "admin-port-file"), "gitcanary_e2e_router");
  std::thread admin_thread([&] { admin.listen_after_bind(); });
  admin_thread.detach();

  httplib::Server data;
  data.Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    Route route;
    std::string ns;
    if (!router.Pick(&route, &ns) || route.port <= 0) {
      res.status = 503;
      res.set_content("no healthy upstream\n", "text/plain");
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    httplib::Client backend("127.0.0.1", route.port);
    backend.set_connection_timeout(1, 0);
    backend.set_read_timeout(30, 0);
    httplib::Result r = backend.Get(req.target.empty() ? req.path : req.target);
    if (!r) {
      res.status = 503;
      res.set_content("upstream connect error\n", "text/plain");
      return;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    router.Record(route.workload, ns, r->status, ms);
    res.status = r->status;
    res.set_header("x-destination-workload", route.workload);
    res.set_content(r->body, r->get_header_value("Content-Type", 0).empty() ? "text/plain"
                                                                              : r->get_header_value("Content-Type", 0));
  });
  BindOrExit(data, Flag(flags, "port", "0"), Flag(flags, "port-file"), "gitcanary_e2e_router");
  data.listen_after_bind();
  return 0;
}
