// `gitcanary simulate` end to end through the real binary: the table and JSON
// timelines, the scenario flag, and bad input (each an error naming the
// canary and field, exit 1 or 2, nothing on stdout).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/test_util.h"

using gitcanary::testing::Gitcanary;
using gitcanary::testing::RunResult;
using gitcanary::testing::SourceDir;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace {

// Flagger's podinfo tutorial analysis: stepWeight 5 up to 50.
const char kTutorial[] = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  service: {port: 9898}
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 5
    metrics:
    - name: request-success-rate
      thresholdRange: {min: 99}
      interval: 1m
    - name: request-duration
      thresholdRange: {max: 500}
      interval: 30s
)";

std::string WithMetrics(const std::string& metrics_yaml) {
  std::string base = kTutorial;
  return base.substr(0, base.find("    metrics:\n")) + metrics_yaml;
}

RunResult Simulate(const TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"simulate", dir.path()};
  args.insert(args.end(), extra.begin(), extra.end());
  return Gitcanary(args);
}

void ExpectError(const RunResult& r, int code, const std::string& needle) {
  CHECK(r.exit_code == code);
  CHECK(r.out.empty());
  CHECK_MESSAGE(r.err.find(needle) != std::string::npos, r.err);
}

TEST_CASE("simulate prints the podinfo tutorial as a JSON timeline") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", kTutorial);
  RunResult r = Simulate(dir, {"-o", "json"});
  REQUIRE(r.exit_code == 0);
  auto entries = nlohmann::json::parse(r.out);
  REQUIRE(entries.is_array());
  REQUIRE(entries.size() == 14);  // detect, 10 shifts of 5, Promoting, Finalising, Succeeded
  for (int tick = 1; tick <= 10; ++tick) CHECK(entries[tick]["weight"] == 5 * tick);
  CHECK(entries[11]["phase"] == "Promoting");
  CHECK(entries[12]["phase"] == "Finalising");
  CHECK(entries[13]["phase"] == "Succeeded");
  CHECK(entries[13]["at_seconds"] == 13 * 60);
  for (const char* key : {"canary", "tick", "at_seconds", "phase", "weight", "failed_checks", "reason"})
    CHECK(entries[0].contains(key));
  CHECK(entries[0]["canary"] == "test/podinfo");
}

TEST_CASE("simulate shows a rollback in the table with the total time") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", kTutorial);
  RunResult r = Simulate(dir, {"--scenario", "fail:request-duration@2"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("CANARY test/podinfo (canary, stepWeight 5, maxWeight 50") == 0);
  CHECK(r.out.find("request-duration 505 > 500") != std::string::npos);
  // Failures at ticks 2..6 (threshold 5); tick 7 rolls back.
  CHECK(r.out.find("=> Failed after 7m, rolled back\n") != std::string::npos);
}

// Flagger runs a canary of the kubernetes provider (Services only) as blue/green
// with 10 iterations; the provider comes from spec.provider, else gitcanary.yaml.
TEST_CASE("simulate: the kubernetes provider of gitcanary.yaml runs blue/green") {
  TempDir dir;
  WriteFile(dir / "gitcanary.yaml", "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ndefaults:\n  provider: kubernetes\n");
  WriteFile(dir / "canary.yaml", kTutorial);
  RunResult r = Simulate(dir, {"-o", "json"});
  REQUIRE(r.exit_code == 0);
  auto entries = nlohmann::json::parse(r.out);
  // detect, 10 iterations at weight 0, all traffic to the canary, Promoting, Finalising, Succeeded
  REQUIRE(entries.size() == 15);
  for (int tick = 1; tick <= 10; ++tick) CHECK(entries[tick]["weight"] == 0);
  CHECK(entries[11]["weight"] == 100);
  CHECK(entries[12]["phase"] == "Promoting");
  CHECK(entries[13]["phase"] == "Finalising");
  CHECK(entries[14]["phase"] == "Succeeded");
  RunResult table = Simulate(dir);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("CANARY test/podinfo (blue/green, iterations 10, provider kubernetes shifts no traffic") == 0);

  std::string own = kTutorial;  // spec.provider wins over the default
  own.replace(own.find("  targetRef"), 0, "  provider: istio\n");
  WriteFile(dir / "canary.yaml", own);
  RunResult canary = Simulate(dir);
  REQUIRE(canary.exit_code == 0);
  CHECK(canary.out.find("CANARY test/podinfo (canary, stepWeight 5, maxWeight 50") == 0);
}

TEST_CASE("simulate runs the bundled examples") {
  RunResult r = Gitcanary({"simulate", SourceDir() + "/examples/monorepo", "--canary", "shop/checkout"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("CANARY shop/checkout") == 0);
  CHECK(r.out.find("CANARY shop/frontend") == std::string::npos);
  CHECK(r.out.find("=> Succeeded after") != std::string::npos);
}

// Kurator's Istio canary guide: checks 90 s apart take weight 0 to 50 in
// steps of 10, then Promoting, Finalising, Succeeded. The rollout is read
// from the Application, the workload being in another repository.
TEST_CASE("simulate: a Kurator Application's rollout runs as Kurator's canary guide shows") {
  TempDir dir;
  WriteFile(dir / "application.yaml", R"(apiVersion: apps.kurator.dev/v1alpha1
kind: Application
metadata: {name: rollout-demo, namespace: default}
spec:
  source: {gitRepository: {url: https://github.com/stefanprodan/podinfo, ref: {branch: master}}}
  syncPolicies:
  - kustomization: {path: ./deploy/webapp, interval: 0s, prune: true}
    rollout:
      testLoader: true
      trafficRoutingProvider: istio
      workload: {apiVersion: apps/v1, kind: Deployment, name: backend, namespace: webapp}
      serviceName: backend
      port: 9898
      rolloutPolicy:
        trafficRouting: {timeoutSeconds: 60, canaryStrategy: {maxWeight: 50, stepWeight: 10}}
        trafficAnalysis:
          checkIntervalSeconds: 90
          checkFailedTimes: 2
          metrics:
          - {name: request-success-rate, intervalSeconds: 90, thresholdRange: {min: 99}}
          - {name: request-duration, intervalSeconds: 90, thresholdRange: {max: 500}}
)");
  RunResult r = Simulate(dir, {"-o", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto entries = nlohmann::json::parse(r.out);
  REQUIRE(entries.size() == 9);  // detect, 5 shifts of 10, Promoting, Finalising, Succeeded
  CHECK(entries[0]["canary"] == "webapp/backend");
  for (int tick = 0; tick <= 5; ++tick) {
    CHECK(entries[tick]["phase"] == "Progressing");
    CHECK(entries[tick]["weight"] == 10 * tick);
    CHECK(entries[tick]["at_seconds"] == 90 * tick);
  }
  CHECK(entries[6]["phase"] == "Promoting");
  CHECK(entries[7]["phase"] == "Finalising");
  CHECK(entries[8]["phase"] == "Succeeded");
  CHECK(entries[8]["at_seconds"] == 8 * 90);
}

TEST_CASE("simulate: a metric neither built in nor templated names the canary and field") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", WithMetrics("    metrics:\n    - name: error-rate\n      thresholdRange: {max: 1}\n"));
  ExpectError(Simulate(dir), 1,
              "spec.analysis.metrics[0].name: canary test/podinfo: \"error-rate\" is not a built-in metric");
}

// Flagger's in-line PromQL: a metric with `query:` and no templateRef.
TEST_CASE("simulate and lint accept an in-line query metric") {
  TempDir dir;
  WriteFile(dir / "canary.yaml",
            WithMetrics("    metrics:\n    - name: error-rate\n      thresholdRange: {max: 1}\n"
                        "      query: sum(rate(errors{namespace=\"{{ namespace }}\"}[{{ interval }}]))\n"));
  RunResult r = Simulate(dir, {"--scenario", "fail:error-rate@2"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(r.out.find("check failed (1/5): error-rate") != std::string::npos, r.out);
  CHECK(r.out.find("=> Failed after 7m, rolled back\n") != std::string::npos);
  RunResult lint = Gitcanary({"lint", dir.path()});
  CHECK_MESSAGE(lint.err.find("error-rate") == std::string::npos, lint.err);
  CHECK_MESSAGE(lint.out.find("error-rate") == std::string::npos, lint.out);
}

TEST_CASE("simulate: a missing MetricTemplate names the canary and field") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", WithMetrics("    metrics:\n    - name: errors\n      templateRef: {name: error-rate}\n"
                                             "      thresholdRange: {max: 1}\n"));
  ExpectError(Simulate(dir), 1, "spec.analysis.metrics[0].templateRef: canary test/podinfo: MetricTemplate test/error-rate not found");
  // With the template in the app, the same canary simulates.
  WriteFile(dir / "template.yaml", R"(apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata: {name: error-rate, namespace: test}
spec:
  provider: {type: prometheus, address: "http://prometheus:9090"}
  query: sum(rate(errors{namespace="{{ namespace }}"}[{{ interval }}]))
)");
  RunResult ok = Simulate(dir, {"--scenario", "fail:errors@3"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("errors 1.5 > 1") != std::string::npos);
}

TEST_CASE("simulate: a webhook URL that is not http(s) is an error naming the field") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", WithMetrics("    webhooks:\n    - name: load\n      type: pre-rollout\n"
                                             "      url: ftp://loadtester/\n"));
  ExpectError(Simulate(dir), 1, "spec.analysis.webhooks[0].url: canary test/podinfo: webhook URL must be http(s)");
}

TEST_CASE("simulate: bad flags and scenarios are usage errors") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", kTutorial);
  ExpectError(Simulate(dir, {"--scenario", "explode"}), 2, "scenario clause \"explode\"");
  ExpectError(Simulate(dir, {"-o", "xml"}), 2, "unknown output format \"xml\"");
  ExpectError(Simulate(dir, {"--canary", "podinfo"}), 2, "--canary takes NAMESPACE/NAME");
  ExpectError(Simulate(dir, {"--canary", "test/other"}), 1, "no Canary test/other found");
  ExpectError(Simulate(dir, {"--scenario", "fail:request-sucess-rate"}), 1, "request-sucess-rate");
}

}  // namespace
