// AnalysisExecutor with fake webhooks and metrics (and, for the unreachable
// provider, the real Prometheus client aimed at a closed port): observations
// are made in Flagger's order and only when reached, carry Flagger's payloads,
// and every failure becomes a failed check with its reason.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "plugin/serve/analysis_executor.h"
#include "plugin/clients/prometheus_client.h"

namespace gitcanary::plugin {
namespace {

using policies::HookType;

class FakeWebhooks : public WebhookCaller {
 public:
  std::map<std::string, int> status_by_url;  // default 200
  std::vector<WebhookRequest> calls;
  Result<WebhookResponse> Post(const WebhookRequest& r) override {
    calls.push_back(r);
    auto it = status_by_url.find(r.url);
    return WebhookResponse{it == status_by_url.end() ? 200 : it->second, it == status_by_url.end() ? "" : "denied"};
  }
};

class FakeMetrics : public MetricsProvider {
 public:
  double value = 0;
  std::vector<std::string> queries;
  Result<double> Query(const std::string& promql) override {
    queries.push_back(promql);
    return value;
  }
};

policies::HookSpec Hook(const char* name, HookType type) {
  policies::HookSpec h;
  h.name = name;
  h.type = type;
  h.url = std::string("http://hooks/") + name;
  return h;
}

policies::AnalysisSpec Spec() {
  policies::AnalysisSpec s;
  s.name = s.target = s.service = "podinfo";
  s.ns = "test";
  s.step_weight = 10;
  s.max_weight = 50;
  s.threshold = 3;
  policies::MetricSpec rate;
  rate.name = "request-success-rate";
  rate.min = 99;
  s.metrics = {rate};
  s.webhooks = {Hook("smoke", HookType::kRollout), Hook("done", HookType::kPostRollout)};
  return s;
}

policies::AnalysisState Progressing(int weight) {
  policies::AnalysisState st;
  st.phase = Phase::kProgressing;
  st.canary_weight = weight;
  st.last_applied_spec = "abc123";
  st.last_promoted_spec = "old";
  st.last_transition_ms = 1;
  return st;
}

struct Fixture {
  FakeWebhooks hooks;
  FakeMetrics metrics;
  policies::TemplateIndex templates;
  AnalysisExecutor Executor() {
    ExecutorDeps deps;
    deps.webhooks = &hooks;
    deps.metrics = [this](const policies::MetricTemplate*, const std::string&) -> Result<MetricsProvider*> {
      return static_cast<MetricsProvider*>(&metrics);
    };
    return AnalysisExecutor(std::move(deps), templates);
  }
};

TEST_CASE("executor: a rollout hook with Flagger's payload, then the built-in query, then a step") {
  Fixture fx;
  fx.metrics.value = 99.9;
  Executed out = fx.Executor().Decide(Spec(), Progressing(10), "abc123", 1000);
  REQUIRE_FALSE(out.decision.need.has_value());
  CHECK(out.decision.next.canary_weight == 20);
  REQUIRE(fx.hooks.calls.size() == 1);  // the post-rollout hook is not called while deciding
  CHECK(fx.hooks.calls[0].url == "http://hooks/smoke");
  CHECK(fx.hooks.calls[0].body ==
        R"({"name":"podinfo","namespace":"test","phase":"Progressing","checksum":"abc123"})");
  REQUIRE(fx.metrics.queries.size() == 1);
  CHECK(fx.metrics.queries[0].find("destination_workload_namespace=\"test\"") != std::string::npos);
  CHECK(fx.metrics.queries[0].find("destination_workload=~\"podinfo\"") != std::string::npos);
  CHECK(out.evidence.size() == 4);  // two readiness checks, the hook, the metric
}

TEST_CASE("executor: a denied rollout hook stops before any query") {
  Fixture fx;
  fx.hooks.status_by_url["http://hooks/smoke"] = 500;
  Executed out = fx.Executor().Decide(Spec(), Progressing(10), "abc123", 1000);
  CHECK(out.decision.next.failed_checks == 1);
  CHECK(out.decision.reason.find("HTTP 500: denied") != std::string::npos);
  CHECK(fx.metrics.queries.empty());
}

TEST_CASE("executor: an unreachable Prometheus is a failed check with the reason") {
  FakeWebhooks hooks;
  policies::TemplateIndex templates;
  PrometheusConfig config;
  config.address = "http://127.0.0.1:1";
  config.timeout_ms = 2000;
  PrometheusClient closed(config);
  ExecutorDeps deps;
  deps.webhooks = &hooks;
  deps.metrics = [&](const policies::MetricTemplate*, const std::string&) -> Result<MetricsProvider*> {
    return static_cast<MetricsProvider*>(&closed);
  };
  AnalysisExecutor executor(std::move(deps), templates);
  Executed out = executor.Decide(Spec(), Progressing(10), "abc123", 1000);
  CHECK(out.decision.next.failed_checks == 1);
  CHECK(out.decision.next.canary_weight == 10);
  CHECK_MESSAGE(out.decision.reason.find("127.0.0.1:1") != std::string::npos, out.decision.reason);
}

// Flagger runs an in-line `query:` through RenderQuery with the template
// model, against the default Prometheus or spec.metricsServer (no template).
TEST_CASE("executor: an in-line query is rendered and sent to the canary's metrics server") {
  FakeWebhooks hooks;
  FakeMetrics metrics;
  metrics.value = 3;
  policies::TemplateIndex templates;
  std::vector<std::string> servers;
  ExecutorDeps deps;
  deps.webhooks = &hooks;
  deps.metrics = [&](const policies::MetricTemplate* t, const std::string& server) -> Result<MetricsProvider*> {
    CHECK(t == nullptr);
    servers.push_back(server);
    return static_cast<MetricsProvider*>(&metrics);
  };
  AnalysisExecutor executor(std::move(deps), templates);
  policies::AnalysisSpec spec = Spec();
  spec.webhooks.clear();
  spec.metrics_server = "http://127.0.0.1:9090";
  policies::MetricSpec errors;
  errors.name = "errors";
  errors.max = 5;
  errors.interval = "30s";
  errors.query = "sum(rate(errors{ns=\"{{ namespace }}\",app=\"{{ target }}\"}[{{ interval }}]))";
  spec.metrics = {errors};
  Executed out = executor.Decide(spec, Progressing(10), "abc123", 1000);
  REQUIRE_FALSE(out.decision.need.has_value());
  CHECK(out.decision.next.canary_weight == 20);
  REQUIRE(metrics.queries.size() == 1);
  CHECK(metrics.queries[0] == "sum(rate(errors{ns=\"test\",app=\"podinfo\"}[30s]))");
  CHECK(servers == std::vector<std::string>{"http://127.0.0.1:9090"});
}

TEST_CASE("executor: a templated metric renders its query, other providers fail the check") {
  Fixture fx;
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "test";
  t.query = "sum(rate(errors{ns=\"{{ namespace }}\",svc=\"{{ service }}\"}[{{ interval }}]))";
  fx.templates["test/errors"] = t;
  policies::AnalysisSpec spec = Spec();
  spec.webhooks.clear();
  policies::MetricSpec errors;
  errors.name = "errors";
  errors.max = 5;
  errors.interval = "2m";
  errors.template_name = "errors";
  errors.template_ns = "test";
  spec.metrics = {errors};
  fx.metrics.value = 1;
  Executed out = fx.Executor().Decide(spec, Progressing(10), "abc123", 1000);
  REQUIRE(fx.metrics.queries.size() == 1);
  CHECK(fx.metrics.queries[0] == "sum(rate(errors{ns=\"test\",svc=\"podinfo\"}[2m]))");
  CHECK(out.decision.next.canary_weight == 20);

  fx.templates["test/errors"].provider_type = "datadog";
  Executed other = fx.Executor().Decide(spec, Progressing(10), "abc123", 1000);
  CHECK(other.decision.next.failed_checks == 1);
  CHECK(other.decision.reason.find("provider type \"datadog\" is not supported") != std::string::npos);
}

// Flagger's observers: the metrics provider picks the query; request-duration
// is compared in whole milliseconds (NGINX answers ms, the HTTP observer of
// Gateway API answers seconds, times 1000), truncated.
TEST_CASE("executor: built-in metrics query the metrics provider and compare whole milliseconds") {
  struct Case {
    std::string metrics_provider, series;
    double answer;
    bool passes;
  };
  const std::vector<Case> cases = {
      {"nginx", "nginx_ingress_controller_response_duration_seconds_sum{ namespace=\"test\", ingress=\"public\"",
       500.9, true},
      {"nginx", "nginx_ingress_controller_response_duration_seconds_sum", 501.0, false},
      {"gatewayapi:v1", "http_request_duration_seconds_bucket{ kubernetes_namespace=\"test\"", 0.5009, true},
      {"gatewayapi:v1", "http_request_duration_seconds_bucket", 0.501, false},
      {"linkerd", "response_latency_ms_bucket{ namespace=\"test\", deployment=~\"podinfo\"", 500.99, true},
      {"istio", "istio_request_duration_milliseconds_bucket", 500.5, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.metrics_provider);
    CAPTURE(c.answer);
    Fixture fx;
    fx.metrics.value = c.answer;
    policies::AnalysisSpec spec = Spec();
    spec.webhooks.clear();
    spec.provider = spec.metrics_provider = c.metrics_provider;
    spec.ingress = "public";
    policies::MetricSpec duration;
    duration.name = "request-duration";
    duration.max = 500;
    spec.metrics = {duration};
    Executed out = fx.Executor().Decide(spec, Progressing(10), "abc123", 1000);
    REQUIRE(fx.metrics.queries.size() == 1);
    CHECK(fx.metrics.queries[0].find(c.series) != std::string::npos);
    CHECK(out.decision.next.failed_checks == (c.passes ? 0 : 1));
    CHECK(out.decision.next.canary_weight == (c.passes ? 20 : 10));
  }
}

TEST_CASE("executor: a MetricTemplate reads ingress and route which default to the target") {
  Fixture fx;
  policies::MetricTemplate t;
  t.name = "edge";
  t.ns = "test";
  t.query = "sum(rate(x{ingress=\"{{ ingress }}\",route=\"{{ route }}\"}[{{ interval }}]))";
  fx.templates["test/edge"] = t;
  policies::AnalysisSpec spec = Spec();
  spec.webhooks.clear();
  policies::MetricSpec edge;
  edge.name = "edge";
  edge.max = 5;
  edge.template_name = "edge";
  edge.template_ns = "test";
  spec.metrics = {edge};
  fx.metrics.value = 501.7;  // a templated value is compared as it is
  fx.Executor().Decide(spec, Progressing(10), "abc123", 1000);
  spec.ingress = "public";
  spec.route = "podinfo-route";
  Executed out = fx.Executor().Decide(spec, Progressing(10), "abc123", 1000);
  REQUIRE(fx.metrics.queries.size() == 2);
  CHECK(fx.metrics.queries[0] == "sum(rate(x{ingress=\"podinfo\",route=\"podinfo\"}[1m]))");
  CHECK(fx.metrics.queries[1] == "sum(rate(x{ingress=\"public\",route=\"podinfo-route\"}[1m]))");
  CHECK(out.decision.reason.find("edge 501.7 > 5") != std::string::npos);
}

TEST_CASE("executor: carrying a promotion calls post-rollout and event hooks") {
  Fixture fx;
  policies::AnalysisSpec spec = Spec();
  spec.webhooks.push_back(Hook("audit", HookType::kEvent));
  spec.webhooks.back().metadata = {{"team", "web"}, {"eventType", "ignored"}};
  policies::AnalysisState finalising = Progressing(0);
  finalising.phase = Phase::kFinalising;
  Executed out = fx.Executor().Decide(spec, finalising, "abc123", 1000);
  REQUIRE(out.decision.next.phase == Phase::kSucceeded);
  fx.hooks.calls.clear();
  CHECK(fx.Executor().Carry(spec, out.decision, 1234).empty());
  REQUIRE(fx.hooks.calls.size() == 2);
  CHECK(fx.hooks.calls[0].url == "http://hooks/done");
  CHECK(fx.hooks.calls[0].body.find("\"phase\":\"Succeeded\"") != std::string::npos);
  CHECK(fx.hooks.calls[1].url == "http://hooks/audit");
  CHECK(fx.hooks.calls[1].body.find("\"eventType\":\"Normal\"") != std::string::npos);
  CHECK(fx.hooks.calls[1].body.find("\"team\":\"web\"") != std::string::npos);
  CHECK(fx.hooks.calls[1].body.find("\"timestamp\":\"1234\"") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::plugin

namespace gitcanary::plugin {
namespace {

TEST_CASE("executor: alerts reach the providers whose severity wants them") {
  Fixture fx;
  policies::ProviderIndex providers;
  policies::AlertProvider slack;
  slack.name = "on-call";
  slack.ns = "test";
  slack.type = "slack";
  slack.address = "http://hooks/slack";
  providers["test/on-call"] = policies::ProviderDoc{slack, ""};
  policies::AnalysisSpec spec = Spec();
  spec.webhooks.clear();
  spec.alerts = {policies::AlertRef{"errors-only", "error", "on-call", "test"},
                 policies::AlertRef{"everything", "info", "on-call", "test"}};
  ExecutorDeps deps;
  deps.webhooks = &fx.hooks;
  deps.providers = &providers;
  AnalysisExecutor executor(std::move(deps), fx.templates);

  policies::AnalysisState at_threshold = Progressing(30);
  at_threshold.failed_checks = 3;
  Executed failed = executor.Decide(spec, at_threshold, "abc123", 1000);
  REQUIRE(failed.decision.next.phase == Phase::kFailed);
  CHECK(executor.Carry(spec, failed.decision, 2000).empty());
  // An error alert reaches both entries.
  REQUIRE(fx.hooks.calls.size() == 2);
  CHECK(fx.hooks.calls[0].body.find("Failed checks threshold reached 3") != std::string::npos);
  CHECK(fx.hooks.calls[0].body.find("\"color\":\"danger\"") != std::string::npos);

  fx.hooks.calls.clear();
  policies::AnalysisState finalising = Progressing(0);
  finalising.phase = Phase::kFinalising;
  Executed done = executor.Decide(spec, finalising, "abc123", 1000);
  CHECK(executor.Carry(spec, done.decision, 2000).empty());
  // An info alert reaches only the "info" entry.
  REQUIRE(fx.hooks.calls.size() == 1);
  CHECK(fx.hooks.calls[0].body.find("promotion finished") != std::string::npos);
  CHECK(fx.hooks.calls[0].body.find("\"color\":\"good\"") != std::string::npos);

  spec.alerts[0].provider_name = "gone";
  fx.hooks.calls.clear();
  auto failures = executor.Carry(spec, failed.decision, 2000);
  REQUIRE(failures.size() == 1);
  CHECK(failures[0].find("AlertProvider test/gone not found") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::plugin
