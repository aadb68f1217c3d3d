// The built-in metrics of every provider, run against the real Prometheus.
//
// One exporter in this process serves, at once, the series each provider's
// observer reads: Istio's, Linkerd's response_total and latency buckets,
// NGINX's controller requests and response-time sum/count, and an
// application's own http_request_duration_seconds histogram (Gateway API and
// kubernetes). Every counter grows by a fixed amount per scrape, so rate()
// scales all series of a query alike and the ratios below are exact up to
// rounding. Series a query must leave out (the primary's pods, outbound
// traffic, requests the primary served) fail loudly, so selecting them would
// show in the numbers. Debian's Prometheus scrapes the exporter every second;
// the test skips, saying why, when it is not installed.
#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugin/clients/prometheus_client.h"
#include "policies/metric_query.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using plugin::PrometheusClient;
using testing::Clock;
using testing::ServerThread;
using testing::TempDir;

// One histogram series: `per_scrape` observations per scrape, split between
// buckets as `in_bucket` says ({upper bound, observations per scrape}, in
// increasing order), written cumulatively.
std::string Histogram(const std::string& name, const std::string& labels,
                      const std::vector<std::pair<std::string, long long>>& in_bucket, double sum_per_scrape,
                      long long scrape) {
  std::string out;
  long long cumulative = 0;
  for (const auto& [le, n] : in_bucket) {
    cumulative += n;
    out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative * scrape) + "\n";
  }
  out += name + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(cumulative * scrape) + "\n";
  out += name + "_sum{" + labels + "} " + std::to_string(sum_per_scrape * static_cast<double>(scrape)) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(cumulative * scrape) + "\n";
  return out;
}

std::string Counter(const std::string& name, const std::string& labels, long long per_scrape, long long scrape) {
  return name + "{" + labels + "} " + std::to_string(per_scrape * scrape) + "\n";
}

// Linkerd's proxy metrics for the canary Deployment podinfo in namespace
// test: 97 successes and 3 failures inbound per scrape, latencies 40 in
// (100, 200] ms and 60 in (200, 300] ms.
std::string LinkerdSeries(long long scrape) {
  const std::string inbound = "namespace=\"test\",deployment=\"podinfo\",direction=\"inbound\"";
  // Left out: the primary (the regex is anchored) and outbound traffic.
  const std::string primary = "namespace=\"test\",deployment=\"podinfo-primary\",direction=\"inbound\"";
  const std::string outbound = "namespace=\"test\",deployment=\"podinfo\",direction=\"outbound\"";
  std::string out = "# TYPE response_total counter\n";
  out += Counter("response_total", inbound + ",classification=\"success\",status_code=\"200\"", 97, scrape);
  out += Counter("response_total", inbound + ",classification=\"failure\",status_code=\"500\"", 3, scrape);
  out += Counter("response_total", primary + ",classification=\"failure\",status_code=\"500\"", 50, scrape);
  out += Counter("response_total", outbound + ",classification=\"failure\",status_code=\"500\"", 50, scrape);
  out += "# TYPE response_latency_ms histogram\n";
  out += Histogram("response_latency_ms", inbound + ",status_code=\"200\"",
                   {{"100", 0}, {"200", 39}, {"300", 58}, {"1000", 0}}, 0, scrape);
  out += Histogram("response_latency_ms", inbound + ",status_code=\"500\"",
                   {{"100", 0}, {"200", 1}, {"300", 2}, {"1000", 0}}, 0, scrape);
  out += Histogram("response_latency_ms", primary + ",status_code=\"500\"", {{"100", 0}, {"1000", 50}}, 0, scrape);
  out += Histogram("response_latency_ms", outbound + ",status_code=\"500\"", {{"100", 0}, {"1000", 50}}, 0, scrape);
  return out;
}

// ingress-nginx's metrics for the Ingress podinfo-ing in namespace test:
// requests the canary served carry the canary upstream's name, 95 with 200
// and 5 with 503 per scrape, taking 12.34 s in all (123.4 ms on average).
std::string NginxSeries(long long scrape) {
  const std::string base = "namespace=\"test\",ingress=\"podinfo-ing\",method=\"GET\",path=\"/\"";
  const std::string canary = base + ",service=\"podinfo-canary\",canary=\"test-podinfo-canary-80\"";
  // Left out: what the primary served, and another Ingress.
  const std::string primary = base + ",service=\"podinfo-primary\",canary=\"\"";
  const std::string other =
      "namespace=\"test\",ingress=\"other\",method=\"GET\",path=\"/\",service=\"x\",canary=\"test-x-canary-80\"";
  std::string out = "# TYPE nginx_ingress_controller_requests counter\n";
  out += Counter("nginx_ingress_controller_requests", canary + ",status=\"200\"", 95, scrape);
  out += Counter("nginx_ingress_controller_requests", canary + ",status=\"503\"", 5, scrape);
  out += Counter("nginx_ingress_controller_requests", primary + ",status=\"500\"", 100, scrape);
  out += Counter("nginx_ingress_controller_requests", other + ",status=\"500\"", 100, scrape);
  out += "# TYPE nginx_ingress_controller_response_duration_seconds histogram\n";
  out += Histogram("nginx_ingress_controller_response_duration_seconds", canary,
                   {{"0.1", 30}, {"0.25", 70}}, 12.34, scrape);
  out += Histogram("nginx_ingress_controller_response_duration_seconds", primary, {{"10", 100}}, 900, scrape);
  out += Histogram("nginx_ingress_controller_response_duration_seconds", other, {{"10", 100}}, 900, scrape);
  return out;
}

// The application's own histogram, relabelled with kubernetes_namespace and
// kubernetes_pod_name as Flagger's bundled Prometheus does: the canary's pod
// podinfo-7f9c8d6b5-x2x4z answers 98 with 200 and 2 with 500 per scrape, 40
// in (0.1, 0.25] s and 60 in (0.25, 0.5] s.
std::string HttpSeries(long long scrape) {
  const std::string pod = "kubernetes_namespace=\"test\",kubernetes_pod_name=\"podinfo-7f9c8d6b5-x2x4z\"";
  std::string out = "# TYPE http_request_duration_seconds histogram\n";
  out += Histogram("http_request_duration_seconds", pod + ",method=\"GET\",path=\"/\",status=\"200\"",
                   {{"0.1", 0}, {"0.25", 39}, {"0.5", 59}, {"1", 0}}, 0, scrape);
  out += Histogram("http_request_duration_seconds", pod + ",method=\"GET\",path=\"/\",status=\"500\"",
                   {{"0.1", 0}, {"0.25", 1}, {"0.5", 1}, {"1", 0}}, 0, scrape);
  // Left out: a primary pod (podinfo-primary-<rs>-<pod> does not match the regex).
  const std::string primary = "kubernetes_namespace=\"test\",kubernetes_pod_name=\"podinfo-primary-6d5f7c9b8-abcde\"";
  out += Histogram("http_request_duration_seconds", primary + ",method=\"GET\",path=\"/\",status=\"500\"",
                   {{"0.1", 0}, {"1", 100}}, 0, scrape);
  return out;
}

Result<double> PollQuery(PrometheusClient& client, const std::string& query, Clock::time_point deadline) {
  Result<double> last = Status::Internal("not queried");
  while (Clock::now() < deadline) {
    last = client.Query(query);
    if (last.ok()) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

struct Expected {
  std::string provider;  // the metrics provider
  double success_rate;   // percent
  double raw_duration;   // what the duration query returns
  double duration_ms;    // what Flagger compares with the threshold
};

}  // namespace

TEST_CASE("Every provider's built-in metrics read the right numbers from a real Prometheus") {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(40);
  std::atomic<long long> scrapes{0};
  ServerThread exporter([&](httplib::Server& s) {
    s.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      const long long n = ++scrapes;
      res.set_content(testing::IstioSeries({{"podinfo", "test", 99, 1}}, n) + LinkerdSeries(n) + NginxSeries(n) +
                          HttpSeries(n),
                      "text/plain; version=0.0.4");
    });
  });
  TempDir dir;
  testing::PrometheusProcess prometheus(dir.path(), "127.0.0.1:" + std::to_string(exporter.port()));
  if (!prometheus.Installed()) {
    MESSAGE("skipped: /usr/bin/prometheus is not installed (Debian's prometheus package; scripts/test.sh installs it)");
    return;
  }
  if (!prometheus.WaitReady(deadline)) FAIL("prometheus not ready; log:\n" << prometheus.Log());
  PrometheusClient client({.address = prometheus.url(), .timeout_ms = 5000});

  QueryVars vars{"podinfo", "test", "podinfo", "podinfo", "30s", {}, "podinfo-ing", ""};
  // P99 by histogram_quantile: rank 99 of 100 lies in the upper bucket, 59 of
  // its 60 observations up: lower + width * 59/60. NGINX's is the average.
  const double linkerd_p99 = 200 + 100 * 59.0 / 60;   // 298.33 ms
  const double http_p99 = 0.25 + 0.25 * 59.0 / 60;    // 0.49583 s
  const std::vector<Expected> cases = {
      {"istio", 99, 100 + 150 * 0.99, 248},  // testing::IstioSeries: 99:1, all in (100, 250] ms
      {"linkerd", 97, linkerd_p99, 298},
      {"nginx", 95, 123.4, 123},
      {"kubernetes", 98, http_p99, 495},
      {"gatewayapi:v1", 98, http_p99, 495},
      {"gatewayapi:v1beta1", 98, http_p99, 495},
      // A linkerd default provider makes an NGINX canary read Linkerd's.
      {MetricsProviderFor("nginx", "linkerd"), 97, linkerd_p99, 298},
  };
  for (const Expected& c : cases) {
    INFO("prometheus log:\n" << prometheus.Log());
    CAPTURE(c.provider);
    Result<std::string> success_query = BuiltinQuery(c.provider, "request-success-rate", vars);
    Result<std::string> duration_query = BuiltinQuery(c.provider, "request-duration", vars);
    REQUIRE(success_query.ok());
    REQUIRE(duration_query.ok());
    Result<double> success = PollQuery(client, *success_query, deadline);
    REQUIRE_MESSAGE(success.ok(), *success_query << ": " << success.status().message());
    CHECK(*success == doctest::Approx(c.success_rate).epsilon(1e-6));
    CHECK(BuiltinValue(c.provider, "request-success-rate", *success) == doctest::Approx(c.success_rate).epsilon(1e-6));
    Result<double> duration = PollQuery(client, *duration_query, deadline);
    REQUIRE_MESSAGE(duration.ok(), *duration_query << ": " << duration.status().message());
    CHECK(*duration == doctest::Approx(c.raw_duration).epsilon(1e-6));
    CHECK(BuiltinValue(c.provider, "request-duration", *duration) == c.duration_ms);
  }
  MESSAGE("provider metrics integration took "
          << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count() << " ms after "
          << scrapes.load() << " scrapes");
}

}  // namespace gitcanary
