// What serve says about metrics without a Prometheus and about a pass that
// decided nothing: the canaries named, the delays rounded, no credentials.
#include "plugin/serve/serve_notices.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

namespace gitcanary::plugin {

namespace {

policies::MetricSpec Builtin(const std::string& name) {
  policies::MetricSpec m;
  m.name = name;
  return m;
}

policies::MetricSpec Templated(const std::string& name, const std::string& tmpl) {
  policies::MetricSpec m;
  m.name = name;
  m.template_name = tmpl;
  m.template_ns = "test";
  return m;
}

CatalogEntry Entry(const std::string& name, std::vector<policies::MetricSpec> metrics,
                   std::shared_ptr<const AppIndexes> app, const std::string& metrics_server = "") {
  CatalogEntry e;
  e.id = "test/" + name;
  e.spec.name = name;
  e.spec.ns = "test";
  e.spec.metrics = std::move(metrics);
  e.spec.metrics_server = metrics_server;
  e.app = std::move(app);
  return e;
}

std::vector<std::string> Names(const std::vector<PrometheusUser>& users) {
  std::vector<std::string> out;
  for (const PrometheusUser& u : users) {
    std::string line = u.canary + ":";
    for (const std::string& m : u.metrics) line += " " + m;
    out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("serve notices: the canaries whose metrics go to the default Prometheus") {
  auto app = std::make_shared<AppIndexes>();
  policies::MetricTemplate with_address;
  with_address.name = "latency";
  with_address.ns = "test";
  with_address.address = "http://prometheus.example:9090";
  policies::MetricTemplate without_address = with_address;
  without_address.name = "errors";
  without_address.address = "";
  app->templates["test/latency"] = with_address;
  app->templates["test/errors"] = without_address;
  Catalog catalog;
  catalog.canaries.push_back(Entry("a", {Builtin("request-success-rate"), Builtin("request-duration")}, app));
  catalog.canaries.push_back(Entry("b", {Builtin("request-success-rate")}, app, "http://other:9090"));
  catalog.canaries.push_back(Entry("c", {Templated("latency", "latency"), Templated("errors", "errors")}, app));
  CatalogEntry halted = Entry("d", {Builtin("request-success-rate")}, app);
  halted.error = Status::Invalid("broken");
  catalog.canaries.push_back(halted);
  catalog.canaries.push_back(Entry("e", {}, app));
  CHECK(Names(DefaultPrometheusUsers(catalog)) ==
        std::vector<std::string>{"test/a: request-success-rate request-duration", "test/c: errors"});
}

TEST_CASE("serve notices: the warning about metrics without a Prometheus") {
  const std::vector<PrometheusUser> users = {{"test/podinfo", {"request-success-rate", "request-duration"}}};
  struct Row {
    const char* name;
    std::vector<PrometheusUser> users;
    std::string address, probe_error, expected;
  };
  const std::vector<Row> rows = {
      {"no canary needs it, none given", {}, "", "", ""},
      {"given and answering", users, "http://127.0.0.1:9090", "", ""},
      {"needed and not given", users, "", "",
       "no --prometheus is given, so the metrics of test/podinfo (request-success-rate, request-duration) have no "
       "data and every check of them fails; give --prometheus URL, or spec.metricsServer in the Canary"},
      {"needed and not answering", users, "http://127.0.0.1:9/", "Prometheus at http://127.0.0.1:9/: connection refused",
       "Prometheus at http://127.0.0.1:9/: connection refused; the metrics of test/podinfo (request-success-rate, "
       "request-duration) have no data and every check of them fails until it answers"},
      {"not needed and not answering", {}, "http://127.0.0.1:9/", "Prometheus at http://127.0.0.1:9/: connection refused",
       "Prometheus at http://127.0.0.1:9/: connection refused; readiness and metrics asked of it have no data until "
       "it answers"},
      {"credentials in the error are dropped", users, "http://127.0.0.1:9/",
       "Prometheus at http://user:s3cret@127.0.0.1:9/: connection refused",
       "Prometheus at http://127.0.0.1:9/: connection refused; the metrics of test/podinfo (request-success-rate, "
       "request-duration) have no data and every check of them fails until it answers"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    CHECK(MissingPrometheusWarning(r.users, r.address, r.probe_error) == r.expected);
  }
  std::vector<PrometheusUser> many;
  for (char c = 'a'; c <= 'g'; ++c) many.push_back({std::string("test/") + c, {"m"}});
  CHECK(MissingPrometheusWarning(many, "", "").find("test/e (m) and 2 more have no data") != std::string::npos);
}

TEST_CASE("serve notices: delays are whole seconds, rounded up") {
  struct Row {
    long long ms;
    const char* text;
  };
  for (const Row& r : std::vector<Row>{{-5000, "0s"}, {0, "0s"}, {1, "1s"}, {41001, "42s"}, {42000, "42s"},
                                       {60000, "1m0s"}, {200000, "3m20s"}, {7205000, "2h0m5s"}}) {
    CAPTURE(r.ms);
    CHECK(DelayText(r.ms) == r.text);
  }
}

TEST_CASE("serve notices: why a pass decided nothing") {
  const long long now = 1796550000000;
  Catalog empty;
  CHECK(NothingDueText(empty, std::nullopt, now, "main") == "nothing due; no canaries on branch main");
  Catalog one;
  one.canaries.push_back(Entry("podinfo", {}, nullptr));
  CHECK(NothingDueText(one, Reconciler::NextCanary{"test/podinfo", now + 42000}, now, "main") ==
        "nothing due; next: test/podinfo in 42s");
  CHECK(NothingDueText(one, std::nullopt, now, "prod") == "nothing due; every canary on branch prod is halted");
}

}  // namespace gitcanary::plugin
