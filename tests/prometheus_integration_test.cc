// Integration tests for PrometheusClient and the built-in Istio queries.
//
// The main case runs the real Prometheus from Debian's `prometheus` package
// against an exporter in this process that serves Istio metrics growing in a
// known way, and checks what BuiltinQuery + PrometheusClient read back. The
// other cases drive PrometheusClient against small httplib servers (auth
// headers, encoding, HTTP errors, timeouts) and check PrometheusConfigFrom.
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/prometheus_client.h"
#include "policies/metric_query.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::Clock;
using plugin::PrometheusClient;
using plugin::PrometheusConfig;
using testing::FreePort;
using testing::ServerThread;
using testing::Tail;
using testing::TempDir;

// Polls `query` until it yields a value or `deadline` passes.
Result<double> PollQuery(PrometheusClient& client, const std::string& query, Clock::time_point deadline) {
  Result<double> last = Status::Internal("not queried");
  while (Clock::now() < deadline) {
    last = client.Query(query);
    if (last.ok()) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return last;
}

// What BuiltinQuery + PrometheusClient read from the exporter's series, and
// the errors of queries without exactly one value.
void CheckIstioQueries(PrometheusClient& client, Clock::time_point deadline, const std::string& log) {
  QueryVars vars{.name = "podinfo", .ns = "test", .target = "podinfo", .service = "podinfo", .interval = "30s"};
  Result<std::string> success_query = BuiltinQuery("istio", "request-success-rate", vars);
  Result<std::string> duration_query = BuiltinQuery("istio", "request-duration", vars);
  REQUIRE(success_query.ok());
  REQUIRE(duration_query.ok());

  // Both series are sampled in the same scrapes and grow 99:1, so rate()'s
  // extrapolation scales them alike and the ratio is 99 up to rounding.
  INFO("prometheus log:\n" << Tail(testing::ReadFile(log)));
  Result<double> success = PollQuery(client, *success_query, deadline);
  REQUIRE_MESSAGE(success.ok(), success.status().message());
  CHECK(*success == doctest::Approx(99.0).epsilon(0.0001));

  // Every observation is in the (100, 250] bucket, so histogram_quantile
  // interpolates 100 + 150 * 0.99 = 248.5.
  Result<double> p99 = PollQuery(client, *duration_query, deadline);
  REQUIRE_MESSAGE(p99.ok(), p99.status().message());
  CHECK(*p99 > 100.0);
  CHECK(*p99 <= 250.0);
  CHECK(*p99 == doctest::Approx(248.5).epsilon(0.0001));

  Result<double> two = client.Query("sum by (response_code) (istio_requests_total)");
  REQUIRE_FALSE(two.ok());
  CHECK(two.status().message() == "query returned 2 series, expected one");
  Result<double> none = client.Query("istio_requests_total{destination_workload=\"absent\"}");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() == "query returned no data");
  Result<double> bad = client.Query("sum(");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("answered HTTP 400: bad_data") != std::string::npos);
}

}  // namespace

TEST_CASE("PrometheusClient reads Istio built-in metrics from a real Prometheus") {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(30);
  std::atomic<long long> scrapes{0};
  ServerThread exporter([&](httplib::Server& s) {
    s.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(testing::IstioSeries({{"podinfo", "test", 99, 1}}, ++scrapes), "text/plain; version=0.0.4");
    });
  });
  TempDir dir;
  testing::PrometheusProcess prometheus(dir.path(), "127.0.0.1:" + std::to_string(exporter.port()));
  if (!prometheus.Installed()) {
    MESSAGE("skipped: prometheus not installed (scripts/test.sh installs it)");
    return;
  }
  if (!prometheus.WaitReady(deadline)) FAIL("prometheus not ready; log:\n" << prometheus.Log());
  const std::string log = dir / "prometheus.log";
  PrometheusClient client({.address = prometheus.url(), .timeout_ms = 5000});
  CheckIstioQueries(client, deadline, log);
  MESSAGE("prometheus integration took "
          << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
          << " ms after " << scrapes.load() << " scrapes");
}

TEST_CASE("PrometheusClient names an unreachable address, not the credentials") {
  const std::string address = "http://127.0.0.1:" + std::to_string(FreePort());
  PrometheusClient client({.address = address, .bearer_token = "s3cret-token", .timeout_ms = 2000});
  const auto start = Clock::now();
  Result<double> got = client.Query("vector(1)");
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().code() == Code::kIo);
  // Nothing listens on a free port of 127.0.0.1: the system refuses, and the message says so.
  CHECK(got.status().message() == "Prometheus at " + address + ": connection refused");
  CHECK(got.status().message().find("s3cret") == std::string::npos);
  CHECK(elapsed < std::chrono::milliseconds(2500));
}

TEST_CASE("PrometheusClient sends auth, prefix and encoded query, and reports HTTP errors") {
  const std::string promql = "sum(rate(x{a=~\"b|c\", d!=\"e f&g+h\"}[1m])) * 100";
  std::string seen_auth, seen_query, seen_path;
  ServerThread fake([&](httplib::Server& s) {
    s.Get("/prom/api/v1/query", [&](const httplib::Request& req, httplib::Response& res) {
      seen_auth = req.get_header_value("Authorization");
      seen_query = req.get_param_value("query");
      seen_path = req.path;
      if (seen_auth == "Bearer tok") {
        res.set_content(R"({"status":"success","data":{"resultType":"scalar","result":[1,"42"]}})",
                        "application/json");
      } else {
        res.status = 401;
        res.set_content("Unauthorized\n", "text/plain");
      }
    });
  });
  PrometheusClient bearer({.address = fake.url() + "/prom/", .bearer_token = "tok", .timeout_ms = 2000});
  Result<double> got = bearer.Query(promql);
  REQUIRE_MESSAGE(got.ok(), got.status().message());
  CHECK(*got == 42.0);
  CHECK(seen_query == promql);
  CHECK(seen_path == "/prom/api/v1/query");

  PrometheusClient basic({.address = fake.url() + "/prom", .username = "alice", .password = "pa55word", .timeout_ms = 2000});
  got = basic.Query("vector(1)");
  CHECK(seen_auth == "Basic YWxpY2U6cGE1NXdvcmQ=");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().message() ==
        "Prometheus at " + fake.url() + "/prom answered HTTP 401: Unauthorized");
  CHECK(got.status().message().find("pa55word") == std::string::npos);
}

TEST_CASE("PrometheusClient gives up after timeout_ms") {
  ServerThread slow([](httplib::Server& s) {
    s.Get("/api/v1/query", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800));
      res.set_content("{}", "application/json");
    });
  });
  PrometheusClient client({.address = slow.url(), .timeout_ms = 200});
  const auto start = Clock::now();
  Result<double> got = client.Query("vector(1)");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().message() == "Prometheus at " + slow.url() + ": no complete reply within 200 ms");
  CHECK(Clock::now() - start < std::chrono::milliseconds(700));
}

TEST_CASE("PrometheusConfigFrom reads the bearer token from a file or a variable") {
  TempDir dir;
  testing::WriteFile(dir / "token", "file-token\n");
  Result<plugin::PrometheusConfig> c = plugin::PrometheusConfigFrom("https://prom:9090", dir / "token");
  REQUIRE(c.ok());
  CHECK(c->bearer_token == "file-token");
  CHECK(c->address == "https://prom:9090");

  setenv("GITCANARY_TEST_PROM_TOKEN", "env-token\r\n", 1);
  c = plugin::PrometheusConfigFrom("http://prom", "", "GITCANARY_TEST_PROM_TOKEN");
  REQUIRE(c.ok());
  CHECK(c->bearer_token == "env-token");
  unsetenv("GITCANARY_TEST_PROM_TOKEN");

  struct Case {
    std::string address, file, env, want;
  };
  testing::WriteFile(dir / "empty", "\n");
  const std::vector<Case> cases = {
      {"prom:9090", "", "", "must start with http:// or https://"},
      {"http://", "", "", "must be http[s]://host[:port][/path]"},
      {"http://user:hunter2@prom", "", "", "must not carry credentials"},
      {"http://prom", dir / "missing", "", "cannot read Prometheus bearer token file " + (dir / "missing")},
      {"http://prom", dir / "empty", "", "is empty"},
      {"http://prom", "", "GITCANARY_TEST_PROM_UNSET", "GITCANARY_TEST_PROM_UNSET (Prometheus bearer token) is not set"},
      {"http://prom", dir / "token", "X", "not both"},
  };
  for (const Case& k : cases) {
    CAPTURE(k.address);
    c = plugin::PrometheusConfigFrom(k.address, k.file, k.env);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().message().find(k.want) != std::string::npos);
    CHECK(c.status().message().find("hunter2") == std::string::npos);
  }
}

}  // namespace gitcanary
