// Bad Kurator rollout policies: each is one error naming the file, the line
// and column of the field to change, its path and what to do.
#include <doctest/doctest.h>

#include <string>

#include "render/kurator/application.h"
#include "render/kurator/canary_from_rollout.h"
#include "render/loader.h"

namespace gitcanary::render::kurator {
namespace {

// Line numbers are those of this text (the rollout mapping starts at 11:7).
constexpr const char* kBase =
    "apiVersion: apps.kurator.dev/v1alpha1\n"                                          // 1
    "kind: Application\n"                                                              // 2
    "metadata:\n"                                                                      // 3
    "  name: demo\n"                                                                   // 4
    "spec:\n"                                                                          // 5
    "  source:\n"                                                                      // 6
    "    gitRepository: {url: https://example.com/repo, ref: {branch: main}}\n"        // 7
    "  syncPolicies:\n"                                                                // 8
    "  - kustomization: {path: ./app, prune: true}\n"                                  // 9
    "    rollout:\n"                                                                   // 10
    "      testLoader: true\n"                                                         // 11
    "      trafficRoutingProvider: istio\n"                                            // 12
    "      workload: {apiVersion: apps/v1, kind: Deployment, name: podinfo, namespace: test}\n"  // 13
    "      serviceName: podinfo\n"                                                     // 14
    "      port: 9898\n"                                                               // 15
    "      rolloutPolicy:\n"                                                           // 16
    "        trafficRouting:\n"                                                        // 17
    "          canaryStrategy: {maxWeight: 50, stepWeight: 10}\n"                      // 18
    "        trafficAnalysis:\n"                                                       // 19
    "          checkIntervalSeconds: 60\n"                                             // 20
    "          checkFailedTimes: 2\n"                                                  // 21
    "          metrics:\n"                                                             // 22
    "          - {name: request-success-rate, thresholdRange: {min: 99}}\n"            // 23
    "          webhooks:\n"                                                            // 24
    "            command: [hey -z 1m http://podinfo-canary.test:9898/]\n";            // 25

std::string Edited(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const std::size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  return text;
}

Status Check(const std::string& text) {
  auto ms = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  auto rollouts = ParseRollouts(ms->at(0));
  if (!rollouts.ok()) return rollouts.status();
  for (const Rollout& r : *rollouts) {
    auto objects = CanaryFromRollout(r, nullptr, "default");
    if (!objects.ok()) return objects.status();
  }
  return Status::Ok();
}

TEST_CASE("kurator: the base rollout of the bad-input table is good") {
  Status s = Check(kBase);
  CHECK_MESSAGE(s.ok(), s.message());
}

TEST_CASE("kurator: bad rollout policies are errors at the field with the fix") {
  const std::string p = "spec.syncPolicies[0].rollout.";
  struct Row {
    std::string from, to;
    std::string want;  // the message's start
    std::string fix;   // a phrase of the fix
  };
  const Row rows[] = {
      // The fields Kurator's CRD requires.
      {"      port: 9898\n", "", "app.yaml:11:7: " + p + "port: missing", "the port the Service exposes"},
      {"      serviceName: podinfo\n", "", "app.yaml:11:7: " + p + "serviceName: missing", "name the Service"},
      {"      workload: {apiVersion: apps/v1, kind: Deployment, name: podinfo, namespace: test}\n", "",
       "app.yaml:11:7: " + p + "workload: missing", "name the Deployment"},
      {"name: podinfo, namespace", "namespace", "app.yaml:13:17: " + p + "workload.name: missing", "name the Deployment"},
      {"      trafficRoutingProvider: istio\n", "", "app.yaml:11:7: " + p + "trafficRoutingProvider: missing",
       "istio, kuma or nginx"},
      {"      rolloutPolicy:\n        trafficRouting:", "      rolloutPolicyX:\n        trafficRouting:",
       "app.yaml:16:7: " + p + "rolloutPolicyX: unknown field", "testLoader, trafficRoutingProvider"},
      {"          checkFailedTimes: 2\n", "",
       "app.yaml:20:11: " + p + "rolloutPolicy.trafficAnalysis.checkFailedTimes: missing", "e.g. 2"},
      {"          checkIntervalSeconds: 60\n", "",
       "app.yaml:20:11: " + p + "rolloutPolicy.trafficAnalysis.checkIntervalSeconds: missing", "e.g. 60"},
      {"        trafficAnalysis:\n          checkIntervalSeconds: 60\n          checkFailedTimes: 2\n          metrics:\n"
       "          - {name: request-success-rate, thresholdRange: {min: 99}}\n          webhooks:\n"
       "            command: [hey -z 1m http://podinfo-canary.test:9898/]\n",
       "", "app.yaml:17:9: " + p + "rolloutPolicy.trafficAnalysis: missing", "checkIntervalSeconds and checkFailedTimes"},
      // nginx without host.
      {"trafficRoutingProvider: istio", "trafficRoutingProvider: nginx",
       "app.yaml:18:11: " + p + "rolloutPolicy.trafficRouting.host: missing", "e.g. host: app.example.com"},
      // canaryStrategy together with analysisTimes; neither.
      {"stepWeight: 10}\n", "stepWeight: 10}\n          analysisTimes: 3\n",
       "app.yaml:19:26: " + p + "rolloutPolicy.trafficRouting.analysisTimes: set together with canaryStrategy", "remove one"},
      {"          canaryStrategy: {maxWeight: 50, stepWeight: 10}\n", "          timeoutSeconds: 30\n",
       "app.yaml:18:11: " + p + "rolloutPolicy.trafficRouting.canaryStrategy: missing", "analysisTimes for A/B testing"},
      {"{maxWeight: 50, stepWeight: 10}", "{maxWeight: 50}",
       "app.yaml:18:27: " + p + "rolloutPolicy.trafficRouting.canaryStrategy.stepWeight: missing", "stepWeights"},
      // Unknown provider; istio-only fields under another provider.
      {"trafficRoutingProvider: istio", "trafficRoutingProvider: linkerd",
       "app.yaml:12:31: " + p + "trafficRoutingProvider: \"linkerd\" is not a Kurator provider", "use istio, kuma or nginx"},
      {"trafficRoutingProvider: istio", "trafficRoutingProvider: kuma\n      rolloutPolicyy: 1",
       "app.yaml:13:7: " + p + "rolloutPolicyy: unknown field", "rolloutPolicy"},
      {"        trafficRouting:\n", "        trafficRouting:\n          gateways: [mesh]\n",
       "", ""},  // istio: accepted (see the next row for kuma)
      {"trafficRoutingProvider: istio", "trafficRoutingProvider: kuma",
       "", ""},  // kuma without istio fields: accepted, protocol defaults to http
      // Types and ranges.
      {"port: 9898", "port: 70000", "app.yaml:15:13: " + p + "port: must be between 1 and 65535", "70000"},
      {"port: 9898", "port: http", "app.yaml:15:13: " + p + "port: expected an integer", "string \"http\""},
      {"kind: Deployment, name", "kind: DaemonSet, name",
       "app.yaml:13:45: " + p + "workload.kind: \"DaemonSet\": only Deployment workloads are rendered", "use a Deployment"},
      // The public load tester needs the cluster's name.
      {"      testLoader: true\n", "",
       "app.yaml:24:22: " + p + "rolloutPolicy.trafficAnalysis.webhooks.command: without testLoader: true",
       "gitcanary.io/kurator-cluster"},
      // A built-in metric never reads a customMetric.
      {"{name: request-success-rate, thresholdRange: {min: 99}}",
       "{name: request-success-rate, customMetric: {query: up}}",
       "app.yaml:23:56: " + p + "rolloutPolicy.trafficAnalysis.metrics[0].customMetric: a built-in metric", "a name of its own"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.to);
    Status s = Check(Edited(row.from, row.to));
    if (row.want.empty()) {
      CHECK_MESSAGE(s.ok(), s.message());
      continue;
    }
    REQUIRE(!s.ok());
    CHECK(s.message().find(row.want) == 0);
    CHECK(s.message().find(row.fix) != std::string::npos);
    CHECK(s.message().find('\n') == std::string::npos);
  }
}

TEST_CASE("kurator: gateways under nginx are an error, since Kurator would drop them") {
  std::string text = Edited("        trafficRouting:\n", "        trafficRouting:\n          host: app.example.com\n          gateways: [mesh]\n");
  text.replace(text.find("Provider: istio"), 15, "Provider: nginx");
  Status s = Check(text);
  REQUIRE(!s.ok());
  CHECK(s.message().find("app.yaml:19:21: spec.syncPolicies[0].rollout.rolloutPolicy.trafficRouting.gateways: applies to "
                         "trafficRoutingProvider istio only, this rollout uses nginx: remove it") == 0);
}

}  // namespace
}  // namespace gitcanary::render::kurator
