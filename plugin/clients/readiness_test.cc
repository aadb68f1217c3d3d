// Unit tests for the pure parts of readiness: mode parsing, query rendering,
// the decision from a Deployment's JSON, names, the API server from the
// environment and config validation; plus the checks that need no server.
#include "plugin/clients/readiness.h"

#include <doctest/doctest.h>

#include "tests/test_util.h"
#include <stdlib.h>

#include <optional>
#include <string>
#include <vector>

namespace gitcanary::plugin {

using gitcanary::testing::ScopedEnv;
namespace {

// A Deployment as GET /apis/apps/v1/... returns it, with the fields readiness reads.
struct Dep {
  long long generation = 2, observed = 2;
  std::optional<long long> desired = 3;  // spec.replicas; nullopt leaves it out
  long long replicas = 3, updated = 3, available = 3;
  std::string progressing_reason = "NewReplicaSetAvailable";
  std::string progressing_message;
};

Dep Replicas(std::optional<long long> desired, long long replicas, long long updated, long long available) {
  Dep d;
  d.desired = desired;
  d.replicas = replicas;
  d.updated = updated;
  d.available = available;
  return d;
}

std::string Json(const Dep& d) {
  std::string spec = d.desired ? "\"replicas\":" + std::to_string(*d.desired) + "," : "";
  return R"({"apiVersion":"apps/v1","kind":"Deployment",)"
         R"("metadata":{"name":"podinfo","namespace":"test","generation":)" + std::to_string(d.generation) +
         R"(},"spec":{)" + spec + R"("selector":{"matchLabels":{"app":"podinfo"}}},)"
         R"("status":{"observedGeneration":)" + std::to_string(d.observed) +
         R"(,"replicas":)" + std::to_string(d.replicas) + R"(,"updatedReplicas":)" + std::to_string(d.updated) +
         R"(,"availableReplicas":)" + std::to_string(d.available) +
         R"(,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},)"
         R"({"type":"Progressing","status":"True","reason":")" + d.progressing_reason +
         R"(","message":")" + d.progressing_message + R"("}]}})";
}


}  // namespace

TEST_CASE("readiness: modes parse, anything else is a usage error") {
  CHECK(ParseReadinessMode("prometheus").value() == ReadinessMode::kPrometheus);
  CHECK(ParseReadinessMode("kubernetes").value() == ReadinessMode::kKubernetes);
  CHECK(ParseReadinessMode("none").value() == ReadinessMode::kNone);
  for (const char* bad : {"", "Prometheus", "k8s", "none "}) {
    CAPTURE(bad);
    Result<ReadinessMode> got = ParseReadinessMode(bad);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == Code::kUsage);
    CHECK(got.status().message().find("must be prometheus, kubernetes or none") != std::string::npos);
  }
}

TEST_CASE("readiness: the decision from a Deployment's JSON follows Flagger's checks") {
  struct Case {
    std::string name;
    Dep dep;
    bool ready;
    std::string reason;
  };
  const std::string who = "deployment test/podinfo";
  Dep rolling_updated = Replicas(3, 4, 1, 3);
  Dep old_pending = Replicas(3, 4, 3, 3);
  Dep unavailable = Replicas(3, 3, 3, 1);
  Dep deadline = Replicas(3, 3, 1, 1);
  deadline.progressing_reason = "ProgressDeadlineExceeded";
  deadline.progressing_message = "ReplicaSet \\\"podinfo-5d\\\" has timed out progressing.";
  Dep unobserved;
  unobserved.generation = 3;
  Dep zero = Replicas(0, 0, 0, 0);
  Dep no_spec_replicas = Replicas(std::nullopt, 1, 1, 1);
  Dep no_spec_replicas_down = Replicas(std::nullopt, 0, 0, 0);
  Dep surge_done = Replicas(2, 2, 2, 2);
  const std::vector<Case> cases = {
      {"all replicas updated and available", Dep{}, true, ""},
      {"scaled down to 2, settled", surge_done, true, ""},
      {"spec.replicas defaults to 1", no_spec_replicas, true, ""},
      {"spec.replicas defaults to 1, no pod yet", no_spec_replicas_down, false,
       who + ": waiting for rollout to finish: 0 out of 1 new replicas have been updated"},
      {"generation not observed", unobserved, false,
       who + ": waiting for rollout to finish: generation 3 not yet observed (observed 2)"},
      {"progress deadline exceeded", deadline, false,
       who + " exceeded its progress deadline: ReplicaSet \"podinfo-5d\" has timed out progressing."},
      {"new replicas not all updated", rolling_updated, false,
       who + ": waiting for rollout to finish: 1 out of 3 new replicas have been updated"},
      {"old replicas left", old_pending, false,
       who + ": waiting for rollout to finish: 1 old replicas are pending termination"},
      {"updated replicas not available", unavailable, false,
       who + ": waiting for rollout to finish: 1 of 3 updated replicas are available"},
      {"scaled to zero", zero, false, who + " is scaled to zero"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    policies::Readiness got = DeploymentReadiness(Json(c.dep), "test", "podinfo");
    CHECK(got.ready == c.ready);
    CHECK(got.reason == c.reason);
  }
}

// Flagger's isDeploymentReady: with readyThreshold T, int32(float32(updated) *
// float32(T)/100) available replicas are enough (deployment_ready.go).
TEST_CASE("readiness: a ready threshold below 100 needs that share of the updated replicas, truncated") {
  const std::string who = "deployment test/podinfo";
  struct Case {
    long long updated, available;
    int threshold;
    bool ready;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {3, 1, 50, true, ""},   // 3 * 0.5 = 1.5 -> 1
      {4, 2, 50, true, ""},   // 2
      {4, 1, 50, false, who + ": waiting for rollout to finish: 1 of 2 (readyThreshold 50%) updated replicas are available"},
      {3, 1, 67, false, who + ": waiting for rollout to finish: 1 of 2 (readyThreshold 67%) updated replicas are available"},
      {3, 0, 0, true, ""},    // nothing needed
      {3, 2, 100, false, who + ": waiting for rollout to finish: 2 of 3 updated replicas are available"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.threshold);
    CAPTURE(c.available);
    policies::Readiness got = DeploymentReadiness(Json(Replicas(c.updated, c.updated, c.updated, c.available)), "test",
                                                  "podinfo", c.threshold);
    CHECK(got.ready == c.ready);
    CHECK(got.reason == c.reason);
  }
}

TEST_CASE("readiness: a reply that is not a Deployment is not ready") {
  const std::string want = "deployment test/podinfo: the API server's reply is not a Deployment";
  for (const char* body : {"", "not json", "[]", R"({"kind":"Status","status":"Failure"})",
                           R"({"kind":"Deployment","metadata":"x","status":7})"}) {
    CAPTURE(body);
    policies::Readiness got = DeploymentReadiness(body, "test", "podinfo");
    CHECK_FALSE(got.ready);
    if (std::string(body).find("\"Deployment\"") == std::string::npos) CHECK(got.reason == want);
  }
  // Wrong types read as absent: generation 0, no replicas in spec (1) and none updated.
  policies::Readiness odd =
      DeploymentReadiness(R"({"kind":"Deployment","metadata":"x","status":7})", "test", "podinfo");
  CHECK(odd.reason ==
        "deployment test/podinfo: waiting for rollout to finish: 0 out of 1 new replicas have been updated");
}

TEST_CASE("readiness: query templates render namespace and deployment") {
  struct Case {
    std::string query, want;
  };
  const std::vector<Case> cases = {
      {"up{namespace=\"{{ namespace }}\",deployment=\"{{ deployment }}\"}",
       "up{namespace=\"test\",deployment=\"podinfo\"}"},
      {"x{a=\"{{namespace}}\",b=\"{{  deployment  }}\"} / {{deployment}}",
       "x{a=\"test\",b=\"podinfo\"} / podinfo"},
      {"vector(1)", "vector(1)"},
      {"", ""},
      {"{ } }}", "{ } }}"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    Result<std::string> got = RenderReadinessQuery(c.query, "test", "podinfo");
    REQUIRE_MESSAGE(got.ok(), got.status().message());
    CHECK(*got == c.want);
  }
  Result<std::string> escaped = RenderReadinessQuery("{a=\"{{ deployment }}\"}", "test", "a\"b\\c");
  REQUIRE(escaped.ok());
  CHECK(*escaped == "{a=\"a\\\"b\\\\c\"}");

  const std::vector<Case> bad = {
      {"x{{ target }}", "readiness query: unknown variable {{ target }} (known: namespace, deployment)"},
      {"x{{ namespace }", "readiness query: unclosed {{ at offset 1"},
      {"{{}}", "readiness query: unknown variable {{  }} (known: namespace, deployment)"},
  };
  for (const Case& c : bad) {
    CAPTURE(c.query);
    Result<std::string> got = RenderReadinessQuery(c.query, "test", "podinfo");
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == Code::kInvalidInput);
    CHECK(got.status().message() == c.want);
  }
}

TEST_CASE("readiness: the default query names kube-state-metrics series for one Deployment") {
  Result<std::string> got = RenderReadinessQuery(kDefaultReadinessQuery, "test", "podinfo-primary");
  REQUIRE(got.ok());
  CHECK(got->find("{{") == std::string::npos);
  const std::string sel = "{namespace=\"test\",deployment=\"podinfo-primary\"}";
  for (const char* metric :
       {"kube_deployment_status_replicas_available", "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas", "kube_deployment_status_replicas_updated",
        "kube_deployment_status_observed_generation", "kube_deployment_metadata_generation"}) {
    CAPTURE(metric);
    CHECK(got->find(std::string(metric) + sel) != std::string::npos);
  }
  CHECK(got->rfind("min(", 0) == 0);
}

TEST_CASE("readiness: namespaces are DNS-1123 labels, names DNS-1123 subdomains") {
  struct Case {
    std::string name;
    bool label, subdomain;
  };
  const std::vector<Case> cases = {
      {"podinfo", true, true},         {"podinfo-primary", true, true}, {"a", true, true},
      {"0abc", true, true},            {"app.v2", false, true},         {"", false, false},
      {"-a", false, false},            {"a-", false, false},            {"A", false, false},
      {"a_b", false, false},           {"..", false, false},            {"a..b", false, false},
      {".a", false, false},            {"a/b", false, false},           {"a%2Fb", false, false},
      {std::string(63, 'a'), true, true}, {std::string(64, 'a'), false, false},
      {std::string(63, 'a') + "." + std::string(63, 'b'), false, true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    CHECK(IsDns1123Name(c.name, true) == c.label);
    CHECK(IsDns1123Name(c.name, false) == c.subdomain);
  }
}

TEST_CASE("readiness: the API server comes from KUBERNETES_SERVICE_HOST and _PORT") {
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
    CHECK(ApiServerFromEnvironment() == "https://10.96.0.1:443");
  }
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "fd00:10:96::1");
    ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
    CHECK(ApiServerFromEnvironment() == "https://[fd00:10:96::1]:6443");
  }
  {
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.0.0.1");
    ScopedEnv port("KUBERNETES_SERVICE_PORT", std::nullopt);
    CHECK(ApiServerFromEnvironment() == "https://10.0.0.1:443");
  }
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  CHECK(ApiServerFromEnvironment().empty());
}

TEST_CASE("readiness: configs are validated before serve starts") {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  struct Case {
    std::string name;
    ReadinessConfig config;
    std::string want;  // "" = valid
  };
  const auto prometheus = [](std::string url, std::string query = kDefaultReadinessQuery) {
    ReadinessConfig c;
    c.prometheus_url = std::move(url);
    c.query = std::move(query);
    return c;
  };
  const auto kubernetes = [](std::string api_server) {
    ReadinessConfig c;
    c.mode = ReadinessMode::kKubernetes;
    c.api_server = std::move(api_server);
    return c;
  };
  ReadinessConfig none;
  none.mode = ReadinessMode::kNone;
  ReadinessConfig zero = none;
  zero.timeout_ms = 0;
  const ReadinessConfig prom = prometheus("http://prometheus:9090");
  const ReadinessConfig no_url = prometheus("");
  const ReadinessConfig bad_url = prometheus("prometheus:9090");
  const ReadinessConfig bad_query = prometheus("http://p", "x{{ name }}");
  const ReadinessConfig kube = kubernetes("https://[fd00::1]:6443/k8s/");
  const ReadinessConfig kube_env = kubernetes("");
  const ReadinessConfig kube_bad = kubernetes("https://host:99999");
  const ReadinessConfig kube_cred = kubernetes("https://u:hunter2@host");
  const std::vector<Case> cases = {
      {"prometheus", prom, ""},
      {"prometheus without URL", no_url, "readiness mode prometheus needs a Prometheus URL"},
      {"prometheus bad URL", bad_url, "must start with http:// or https://"},
      {"prometheus bad query", bad_query, "unknown variable {{ name }}"},
      {"kubernetes", kube, ""},
      {"kubernetes outside a pod", kube_env, "KUBERNETES_SERVICE_HOST is not set"},
      {"kubernetes bad port", kube_bad, "must be http[s]://host[:port][/path]"},
      {"kubernetes credentials", kube_cred, "must not carry credentials"},
      {"none", none, ""},
      {"zero timeout", zero, "readiness timeout must be positive"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Status got = ValidateReadinessConfig(c.config);
    if (c.want.empty()) {
      CHECK_MESSAGE(got.ok(), got.message());
    } else {
      REQUIRE_FALSE(got.ok());
      CHECK(got.message().find(c.want) != std::string::npos);
      CHECK(got.message().find("hunter2") == std::string::npos);
    }
  }
}

TEST_CASE("readiness: none is always ready, bad names and missing settings are not ready") {
  ReadinessConfig config;
  config.mode = ReadinessMode::kNone;
  ReadinessChecker none(config);
  policies::Readiness got = none.Check("test", "podinfo");
  CHECK(got.ready);
  CHECK(got.reason.empty());

  ReadinessChecker prom(ReadinessConfig{});
  got = prom.Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: no Prometheus URL for readiness");
  got = prom.Check("test", "../secrets/x");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment \"test/../secrets/x\": not a valid namespace and name");

  ScopedEnv host("KUBERNETES_SERVICE_HOST", std::nullopt);
  config.mode = ReadinessMode::kKubernetes;
  ReadinessChecker kube(config);
  got = kube.Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: no Kubernetes API server (KUBERNETES_SERVICE_HOST is not set)");
}

}  // namespace gitcanary::plugin
