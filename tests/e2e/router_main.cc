// gitcanary_e2e_router: the stand-in for the data plane (Istio's sidecars,
// Linkerd's proxies, a Gateway API implementation or ingress-nginx) in the
// end-to-end tests. It routes requests between the primary's and the
// canary's pods as the applied routing objects say, and exports the request
// metrics that provider's Prometheus would scrape.
//
//   gitcanary_e2e_router --config FILE [--port-file F] [--admin-port-file F]
//
// FILE is JSON, written by the tests' "apply" step (tests/e2e/applied_routing.h)
// after every commit and re-read every 200 ms (a bad or missing file keeps the
// last good routes):
//   {"generation": 3, "namespace": "test", "metrics": "istio",
//    "ingress": "podinfo", "service": "podinfo",          (nginx only)
//    "routes": [
//      {"match": [{"headers": [{"name": "x-canary", "exact": "insider"}]}],
//       "backends": [{"workload": "podinfo", "port": 41002, "weight": 100}]},
//      {"backends": [{"workload": "podinfo-primary", "port": 41001, "weight": 80,
//                     "pod": "podinfo-primary-5d8f9c7b6-1", "upstream": ""},
//                    {"workload": "podinfo", "port": 41002, "weight": 20}]}]}
//
// Routes are tried in order and the first that matches takes the request, as
// in an Istio VirtualService or ingress-nginx's canary precedence. A route
// matches when it has no "match", or when one of its match entries does: all
// of that entry's "headers" ({name, and one of exact, regex (whole value),
// search (anywhere in the value, as ingress-nginx's canary-by-header-pattern)
// or present: true}) and "cookies" ({name, value}: the Cookie header carries
// name=value). Within the route, the backend is chosen by smooth weighted
// round robin (nginx's), so 20 % means exactly one request in five. No route
// matching, or none with weight, answers 404 / 503 as a proxy would.
//
// Each answered request counts in the series of "metrics":
//   istio    istio_requests_total{reporter="destination", destination_workload,
//              destination_workload_namespace, destination_service_name, response_code}
//            istio_request_duration_milliseconds_{bucket (Istio's buckets), sum, count}
//   linkerd  response_total{namespace, deployment, direction="inbound",
//              classification="success"|"failure" (5xx), status_code}
//            response_latency_ms_{bucket (the proxy's buckets), sum, count}{namespace,
//              deployment, direction="inbound", status_code}
//   nginx    nginx_ingress_controller_requests{namespace, ingress, service, canary, status}
//            nginx_ingress_controller_response_duration_seconds_{bucket, sum, count}{namespace,
//              ingress, service, canary}
//            (canary: the backend's "upstream", set on the canary's backend
//            only, as ingress-nginx's proxy_alternative_upstream_name)
//   app      http_request_duration_seconds_{bucket, sum, count}{kubernetes_namespace,
//              kubernetes_pod_name (the backend's "pod"), status}: the app's own
//            histogram as Flagger's Prometheus relabels it (Gateway API, kubernetes)
// A route whose backend does not answer gets 503 and no metric, as when no
// destination proxy saw the request. The admin port serves /metrics (those
// series) and /config (the config in effect).
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/e2e/e2e_common.h"

namespace {

using nlohmann::json;

struct Backend {
  std::string workload, pod, upstream;
  int port = 0;
  long long weight = 0;
  long long current = 0;  // smooth weighted round robin state
};

struct Condition {
  enum Kind { kExact, kRegex, kSearch, kPresent, kCookie } kind = kExact;
  std::string name, value;
  std::regex re;
};

struct Route {
  std::vector<std::vector<Condition>> match;  // any entry, all of its conditions; empty = every request
  std::vector<Backend> backends;
};

struct Config {
  long long generation = -1;
  std::string ns = "default", metrics = "istio", ingress, service;
  std::vector<Route> routes;
  json source;  // as read, for /config
};

// Istio's default buckets for istio_request_duration_milliseconds.
const std::vector<double> kIstioBuckets = {0.5,  1,    5,     10,    25,     50,     100,     250,     500,    1000,
                                           2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
// The Linkerd proxy's buckets for response_latency_ms.
const std::vector<double> kLinkerdBuckets = {1,    2,    3,    4,    5,    10,   20,    30,    40,    50,    100,   200, 300,
                                             400,  500,  1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000};
// Prometheus' default buckets (seconds): ingress-nginx's and the app's histograms.
const std::vector<double> kSecondsBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

struct Series {
  long long count = 0;
  double sum_ms = 0;
  std::vector<double> samples_ms;  // each observation, bucketed at export by the flavour's buckets
};

// The value of cookie `name` in a Cookie header, and whether it is there.
bool CookieValue(const std::string& header, const std::string& name, std::string* value) {
  std::istringstream parts(header);
  for (std::string part; std::getline(parts, part, ';');) {
    const std::size_t start = part.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    part = part.substr(start);
    const std::size_t eq = part.find('=');
    if (eq == std::string::npos || part.substr(0, eq) != name) continue;
    *value = part.substr(eq + 1);
    return true;
  }
  return false;
}

bool Holds(const Condition& c, const httplib::Request& req) {
  if (c.kind == Condition::kCookie) {
    std::string value;
    for (std::size_t i = 0, n = req.get_header_value_count("Cookie"); i < n; ++i)
      if (CookieValue(req.get_header_value("Cookie", i), c.name, &value) && value == c.value) return true;
    return false;
  }
  if (!req.has_header(c.name)) return false;
  const std::string value = req.get_header_value(c.name);
  switch (c.kind) {
    case Condition::kExact: return value == c.value;
    case Condition::kRegex: return std::regex_match(value, c.re);
    case Condition::kSearch: return std::regex_search(value, c.re);
    default: return true;  // present
  }
}

bool Matches(const Route& route, const httplib::Request& req) {
  if (route.match.empty()) return true;
  for (const auto& entry : route.match) {
    bool all = true;
    for (const Condition& c : entry) all = all && Holds(c, req);
    if (all) return true;
  }
  return false;
}

Config Parse(const json& j) {
  Config next;
  next.generation = j.at("generation").get<long long>();
  next.ns = j.value("namespace", "default");
  next.metrics = j.value("metrics", "istio");
  next.ingress = j.value("ingress", "");
  next.service = j.value("service", "");
  if (next.metrics != "istio" && next.metrics != "linkerd" && next.metrics != "nginx" && next.metrics != "app")
    throw std::runtime_error("unknown metrics flavour " + next.metrics);
  for (const json& r : j.at("routes")) {
    Route route;
    for (const json& m : r.value("match", json::array())) {
      std::vector<Condition> entry;
      for (const json& h : m.value("headers", json::array())) {
        Condition c;
        c.name = h.at("name").get<std::string>();
        if (h.contains("exact")) {
          c.value = h["exact"].get<std::string>();
        } else if (h.contains("regex") || h.contains("search")) {
          c.kind = h.contains("regex") ? Condition::kRegex : Condition::kSearch;
          c.value = h.contains("regex") ? h["regex"].get<std::string>() : h["search"].get<std::string>();
          c.re = std::regex(c.value, std::regex::ECMAScript);
        } else if (h.value("present", false)) {
          c.kind = Condition::kPresent;
        } else {
          throw std::runtime_error("header match " + h.dump() + " has no exact, regex, search or present");
        }
        entry.push_back(std::move(c));
      }
      for (const json& k : m.value("cookies", json::array())) {
        Condition c;
        c.kind = Condition::kCookie;
        c.name = k.at("name").get<std::string>();
        c.value = k.at("value").get<std::string>();
        entry.push_back(std::move(c));
      }
      route.match.push_back(std::move(entry));
    }
    for (const json& b : r.at("backends"))
      route.backends.push_back({b.at("workload"), b.value("pod", ""), b.value("upstream", ""), b.at("port"),
                                b.at("weight"), 0});
    next.routes.push_back(std::move(route));
  }
  next.source = j;
  return next;
}

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
      Config next = Parse(json::parse(text.str()));
      std::lock_guard<std::mutex> lock(mu_);
      config_now_ = std::move(next);
      last_text_ = text.str();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gitcanary_e2e_router: %s: %s\n", config_.c_str(), e.what());
    }
  }

  // The backend for `req`: 404 when no route matches, 503 when the matching
  // route has no backend with weight, else 0 and the backend.
  int Pick(const httplib::Request& req, Backend* out) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Route& route : config_now_.routes) {
      if (!Matches(route, req)) continue;
      long long total = 0;
      Backend* best = nullptr;
      for (Backend& b : route.backends) {
        if (b.weight <= 0) continue;
        b.current += b.weight;
        total += b.weight;
        if (best == nullptr || b.current > best->current) best = &b;
      }
      if (best == nullptr) return 503;
      best->current -= total;
      *out = *best;
      return 0;
    }
    return 404;
  }

  void Record(const Backend& b, int code, double ms) {
    std::lock_guard<std::mutex> lock(mu_);
    Series& s = series_[{b.workload, b.pod, b.upstream, code}];
    ++s.count;
    s.sum_ms += ms;
    s.samples_ms.push_back(ms);
  }

  std::string Metrics() {
    std::lock_guard<std::mutex> lock(mu_);
    std::ostringstream out;
    const std::string& flavour = config_now_.metrics;
    if (flavour == "istio") {
      out << "# TYPE istio_requests_total counter\n";
      for (const auto& [key, s] : series_) out << "istio_requests_total{" << IstioLabels(key) << "} " << s.count << "\n";
      out << "# TYPE istio_request_duration_milliseconds histogram\n";
      for (const auto& [key, s] : series_)
        Histogram(out, "istio_request_duration_milliseconds", IstioLabels(key), s, kIstioBuckets, 1);
    } else if (flavour == "linkerd") {
      out << "# TYPE response_total counter\n";
      for (const auto& [key, s] : series_)
        out << "response_total{" << LinkerdLabels(key) << ",classification=\"" << (std::get<3>(key) >= 500 ? "failure" : "success")
            << "\",status_code=\"" << std::get<3>(key) << "\"} " << s.count << "\n";
      out << "# TYPE response_latency_ms histogram\n";
      for (const auto& [key, s] : series_)
        Histogram(out, "response_latency_ms", LinkerdLabels(key) + ",status_code=\"" + std::to_string(std::get<3>(key)) + "\"",
                  s, kLinkerdBuckets, 1);
    } else if (flavour == "nginx") {
      // ingress-nginx counts per status; the duration histogram has no status label.
      std::map<std::string, Series> durations;
      out << "# TYPE nginx_ingress_controller_requests counter\n";
      for (const auto& [key, s] : series_) {
        const std::string l = NginxLabels(key);
        out << "nginx_ingress_controller_requests{" << l << ",status=\"" << std::get<3>(key) << "\"} " << s.count << "\n";
        Series& d = durations[l];
        d.count += s.count;
        d.sum_ms += s.sum_ms;
        d.samples_ms.insert(d.samples_ms.end(), s.samples_ms.begin(), s.samples_ms.end());
      }
      out << "# TYPE nginx_ingress_controller_response_duration_seconds histogram\n";
      for (const auto& [l, s] : durations)
        Histogram(out, "nginx_ingress_controller_response_duration_seconds", l, s, kSecondsBuckets, 1000);
    } else {
      out << "# TYPE http_request_duration_seconds histogram\n";
      for (const auto& [key, s] : series_)
        Histogram(out, "http_request_duration_seconds",
                  "kubernetes_namespace=\"" + config_now_.ns + "\",kubernetes_pod_name=\"" + std::get<1>(key) +
                      "\",status=\"" + std::to_string(std::get<3>(key)) + "\"",
                  s, kSecondsBuckets, 1000);
    }
    return out.str();
  }

  std::string ConfigJson() {
    std::lock_guard<std::mutex> lock(mu_);
    json j = config_now_.source.is_object() ? config_now_.source : json::object();
    j["generation"] = config_now_.generation;
    j["namespace"] = config_now_.ns;
    j["metrics"] = config_now_.metrics;
    if (!j.contains("routes")) j["routes"] = json::array();
    return j.dump();
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string, int>;  // workload, pod, upstream, code

  // One histogram's _bucket, _sum and _count lines; `unit` is milliseconds per unit of the metric.
  static void Histogram(std::ostringstream& out, const std::string& name, const std::string& labels, const Series& s,
                        const std::vector<double>& buckets, double unit) {
    for (double le : buckets) {
      long long n = 0;
      for (double ms : s.samples_ms) n += ms / unit <= le;
      out << name << "_bucket{" << labels << ",le=\"" << le << "\"} " << n << "\n";
    }
    out << name << "_bucket{" << labels << ",le=\"+Inf\"} " << s.count << "\n";
    out << name << "_sum{" << labels << "} " << s.sum_ms / unit << "\n";
    out << name << "_count{" << labels << "} " << s.count << "\n";
  }

  std::string IstioLabels(const Key& k) const {
    const std::string& workload = std::get<0>(k);
    // The service name is the canary's (the apex), as for both of Flagger's workloads.
    const std::string service = workload.size() > 8 && workload.ends_with("-primary")
                                    ? workload.substr(0, workload.size() - 8)
                                    : workload;
    return "reporter=\"destination\",destination_workload=\"" + workload + "\",destination_workload_namespace=\"" +
           config_now_.ns + "\",destination_service_name=\"" + service + "\",response_code=\"" +
           std::to_string(std::get<3>(k)) + "\"";
  }

  std::string LinkerdLabels(const Key& k) const {
    return "namespace=\"" + config_now_.ns + "\",deployment=\"" + std::get<0>(k) + "\",direction=\"inbound\"";
  }

  std::string NginxLabels(const Key& k) const {
    return "namespace=\"" + config_now_.ns + "\",ingress=\"" + config_now_.ingress + "\",service=\"" +
           config_now_.service + "\",canary=\"" + std::get<2>(k) + "\"";
  }

  std::string config_, last_text_;
  std::mutex mu_;
  Config config_now_;
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
    res.set_content(router.ConfigJson(), "application/json");
  });
  BindOrExit(admin, Flag(flags, "admin-port", "0"), Flag(flags, "admin-port-file"), "gitcanary_e2e_router");
  std::thread admin_thread([&] { admin.listen_after_bind(); });
  admin_thread.detach();

  httplib::Server data;
  data.Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    Backend backend;
    if (const int refused = router.Pick(req, &backend); refused != 0 || backend.port <= 0) {
      res.status = refused == 404 ? 404 : 503;
      res.set_content(refused == 404 ? "no route\n" : "no healthy upstream\n", "text/plain");
      return;
    }
    const auto start = std::chrono::steady_clock::now();
    httplib::Client client("127.0.0.1", backend.port);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(30, 0);
    httplib::Result r = client.Get(req.target.empty() ? req.path : req.target);
    if (!r) {
      res.status = 503;
      res.set_content("upstream connect error\n", "text/plain");
      return;
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    router.Record(backend, r->status, ms);
    res.status = r->status;
    res.set_header("x-destination-workload", backend.workload);
    res.set_content(r->body, r->get_header_value("Content-Type", 0).empty() ? "text/plain"
                                                                              : r->get_header_value("Content-Type", 0));
  });
  BindOrExit(data, Flag(flags, "port", "0"), Flag(flags, "port-file"), "gitcanary_e2e_router");
  data.listen_after_bind();
  return 0;
}
