// MetricsFactory against a real Prometheus-compatible HTTP server on
// 127.0.0.1: a MetricTemplate's headers and its secretRef's bearer token reach
// the server, built-in metrics go to spec.metricsServer when set, and a bad
// template is an error naming it.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "plugin/clients/metrics_factory.h"
#include "plugin/clients/secret_source_impl.h"
#include "tests/loopback_egress.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

class FakePrometheus {
 public:
  FakePrometheus() {
    server_.Get("/api/v1/query", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++queries_;
      tenant_ = req.get_header_value("X-Scope-OrgID");
      auth_ = req.get_header_value("Authorization");
      res.set_content(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"42.5"]}]}})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(server_.is_running());
  }
  ~FakePrometheus() {
    server_.stop();
    thread_.join();
  }
  std::string Address() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string tenant() { std::lock_guard<std::mutex> lock(mu_); return tenant_; }
  std::string auth() { std::lock_guard<std::mutex> lock(mu_); return auth_; }
  int queries() { std::lock_guard<std::mutex> lock(mu_); return queries_; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string tenant_, auth_;
  int queries_ = 0;
};

TEST_CASE("metrics factory: a template's headers and secret token reach Prometheus") {
  FakePrometheus prom;
  testing::TempDir secrets;
  testing::WriteFile(secrets / "test/prom-auth/token", "s3cret\n");
  FileEnvSecretSource source(secrets.path());
  MetricsFactory factory(PrometheusConfig{}, &source, testing::LoopbackEgress());
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "test";
  t.address = prom.Address();
  t.headers = {{"X-Scope-OrgID", "team-a"}};
  t.secret_name = "prom-auth";
  auto provider = factory.For(&t, "");
  REQUIRE(provider.ok());
  auto value = (*provider)->Query("up");
  REQUIRE(value.ok());
  CHECK(*value == 42.5);
  CHECK(prom.tenant() == "team-a");
  CHECK(prom.auth() == "Bearer s3cret");
  auto again = factory.For(&t, "");
  REQUIRE(again.ok());
  CHECK(*again == *provider);  // reused
}

TEST_CASE("metrics factory: built-in metrics use spec.metricsServer over the default") {
  FakePrometheus prom;
  PrometheusConfig config;
  config.address = "http://127.0.0.1:1";
  config.timeout_ms = 2000;
  MetricsFactory factory(config, nullptr, testing::LoopbackEgress());
  auto provider = factory.For(nullptr, prom.Address());
  REQUIRE(provider.ok());
  CHECK((*provider)->Query("up").ok());
  auto fallback = factory.For(nullptr, "");
  REQUIRE(fallback.ok());
  CHECK_FALSE((*fallback)->Query("up").ok());  // the default, a closed port
}

TEST_CASE("metrics factory: unusable templates are errors naming them") {
  MetricsFactory factory(PrometheusConfig{}, nullptr, testing::LoopbackEgress());
  policies::MetricTemplate t;
  t.name = "latency";
  t.ns = "test";
  t.provider_type = "datadog";
  auto other = factory.For(&t, "");
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message() == "MetricTemplate test/latency: provider type \"datadog\" is not supported (gitcanary queries prometheus)");
  t.provider_type = "prometheus";
  t.address = "http://prometheus:9090";
  t.secret_name = "missing";
  auto no_secrets = factory.For(&t, "");
  REQUIRE_FALSE(no_secrets.ok());
  CHECK(no_secrets.status().message().find("secretRef missing") != std::string::npos);
  CHECK_FALSE(factory.For(nullptr, "").ok());  // no default Prometheus at all
}

// The template's namespace is team-a; the Secret it names exists for team-b
// only (as a file and as a variable). It is refused, and nothing is queried.
TEST_CASE("metrics factory: a template reading another namespace's Secret is refused") {
  FakePrometheus prom;
  testing::TempDir secrets;
  testing::WriteFile(secrets / "team-b/prom-auth/token", "team-b-token");
  testing::WriteFile(secrets / "team-b/prom-auth/username", "b");
  testing::WriteFile(secrets / "team-b/prom-auth/password", "b-pw");
  testing::ScopedEnv env("GITCANARY_SECRET_TEAM_B__PROM_AUTH_TOKEN", "team-b-env-token");
  FileEnvSecretSource source(secrets.path());
  MetricsFactory factory(PrometheusConfig{}, &source, testing::LoopbackEgress());
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "team-a";
  t.address = prom.Address();
  t.secret_name = "prom-auth";
  auto provider = factory.For(&t, "");
  REQUIRE_FALSE(provider.ok());
  CHECK(provider.status().code() == Code::kInvalidInput);
  CHECK(provider.status().message() ==
        "MetricTemplate team-a/errors: spec.provider.secretRef: secret \"prom-auth\" in namespace team-a (" +
            (secrets / "team-a/prom-auth/") +
            " or GITCANARY_SECRET_TEAM_A__PROM_AUTH_<KEY>) not found (no key token, username or password); a "
            "secretRef is read only from the namespace of the MetricTemplate that names it");
  CHECK(provider.status().message().find("team-b-token") == std::string::npos);
  CHECK(prom.queries() == 0);
  // The same template in team-b reads team-b's Secret.
  t.ns = "team-b";
  auto own = factory.For(&t, "");
  REQUIRE(own.ok());
  REQUIRE((*own)->Query("up").ok());
  CHECK(prom.auth() == "Bearer team-b-token");
  CHECK(prom.queries() == 1);
}

TEST_CASE("metrics factory: the flat layout reads a secretRef whatever the namespace") {
  FakePrometheus prom;
  testing::TempDir secrets;
  testing::WriteFile(secrets / "prom-auth/username", "u");
  testing::WriteFile(secrets / "prom-auth/password", "p");
  FileEnvSecretSource source(secrets.path(), SecretsLayout::kFlat);
  MetricsFactory factory(PrometheusConfig{}, &source, testing::LoopbackEgress());
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "team-a";
  t.address = prom.Address();
  t.secret_name = "prom-auth";
  auto provider = factory.For(&t, "");
  REQUIRE(provider.ok());
  REQUIRE((*provider)->Query("up").ok());
  CHECK(prom.auth() == "Basic dTpw");  // base64("u:p")
}

TEST_CASE("metrics factory: a username without a password is refused before any query") {
  FakePrometheus prom;
  testing::TempDir secrets;
  testing::WriteFile(secrets / "team-a/prom-auth/username", "u");
  FileEnvSecretSource source(secrets.path());
  MetricsFactory factory(PrometheusConfig{}, &source, testing::LoopbackEgress());
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "team-a";
  t.address = prom.Address();
  t.secret_name = "prom-auth";
  auto provider = factory.For(&t, "");
  REQUIRE_FALSE(provider.ok());
  CHECK(provider.status().message().find("has neither a token nor both a username and a password") != std::string::npos);
  CHECK(prom.queries() == 0);
}

}  // namespace
}  // namespace gitcanary::plugin
