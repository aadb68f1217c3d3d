// Kurator rollout policies -> the Flagger objects Kurator would generate.
//
// Ledger of upstream cases (kurator-dev/kurator at b6339412), restated here as
// facts in our own inputs and structures:
//
//   pkg/fleet-manager/application/rollout_helper_test.go
//   - Test_renderCanaryAnalysis "functional test": re-expressed ("Kurator's
//     vector"). Its input sets canaryStrategy together with analysisTimes and
//     stepWeight together with stepWeights, which Kurator's own API docs
//     forbid and we refuse (a case below); the expected analysis is checked
//     on the vector without analysisTimes, once with stepWeight and once with
//     stepWeights, every other expected field as upstream.
//   - Test_renderCanaryAnalysis "public Testloader": re-expressed, the
//     destination cluster `kurator-member` named by the gitcanary.io/kurator-cluster annotation.
//   - Test_renderCanaryAnalysis "Custom Metric Template": re-expressed, plus
//     the MetricTemplate Kurator applies for it (applyMetricTemplate).
//   - Test_renderCanary, Test_renderCanaryService "functional test":
//     re-expressed (metadata, targetRef, progressDeadlineSeconds, service
//     with the Service's targetPort 8080).
//   - Test_addLables, TestMergeMap: not applicable; they test label merging
//     on live cluster objects and the merging of per-cluster status maps,
//     neither of which render does.
//   pkg/fleet-manager/application/manifests/rollout_testloader_test.go
//   - TestRenderTestloaderConfig (Deployment and Service): re-expressed as the
//     load tester's shape (names follow our fix, see the quirks case).
//   examples/rollout/*.yaml: all eight re-expressed in the examples table
//   (canary, canaryKuma, canaryNginx, canaryWithCustomMetric, ab-testing,
//   ab-testingNginx, blue_green, blue_greenNginx); tests/fixtures_test.cc
//   also renders the upstream files themselves when ../shared is present.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "render/kurator/application.h"
#include "render/kurator/canary_from_rollout.h"
#include "render/kurator/load_tester.h"
#include "render/loader.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace gitcanary::render::kurator {
namespace {

using yaml::Node;

// Equal as trees, mapping keys in any order, scalars by value and typing.
bool Same(const Node& a, const Node& b) {
  if (a.kind != b.kind) return false;
  if (a.IsScalar()) return a.value == b.value && a.IsStringScalar() == b.IsStringScalar();
  if (a.IsSequence()) {
    if (a.items.size() != b.items.size()) return false;
    for (std::size_t i = 0; i < a.items.size(); ++i)
      if (!Same(a.items[i], b.items[i])) return false;
    return true;
  }
  if (a.fields.size() != b.fields.size()) return false;
  for (const yaml::Field& f : a.fields) {
    const Node* other = b.Find(f.key);
    if (other == nullptr || !Same(f.value, *other)) return false;
  }
  return true;
}

Node Yaml(const std::string& text) {
  auto docs = yaml::ParseYamlStream(text, "want.yaml");
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

std::string Shown(const Node& n) {
  std::string out;
  EmitYaml(n, &out);
  return out;
}

#define CHECK_TREE(got, want_text)                            \
  do {                                                        \
    const Node want_ = Yaml(want_text);                       \
    const Node* got_ = (got);                                 \
    REQUIRE(got_ != nullptr);                                 \
    CHECK_MESSAGE(Same(*got_, want_), "got:\n" << Shown(*got_)); \
  } while (false)

Manifest App(const std::string& text) {
  auto ms = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  REQUIRE(ms->size() == 1);
  return (*ms)[0];
}

Result<std::vector<Manifest>> Generate(const std::string& text, const Manifest* service = nullptr) {
  Manifest app = App(text);
  auto rollouts = ParseRollouts(app);
  if (!rollouts.ok()) return rollouts.status();
  REQUIRE(rollouts->size() == 1);
  return CanaryFromRollout((*rollouts)[0], service, "default");
}

// Kurator's unit-test rollout, restated: workload test/podinfo behind Service
// podinfo-service port 80, istio with gateway, host, retries, headers and
// CORS, the weights below, header/cookie matches, check every 50s, 50 failed
// checks, both built-in metrics every 50s, two load-test commands with a 50s
// timeout, session-affinity cookie "User" for 24s, deadline 50s.
std::string Vector(const std::string& loader, const std::string& weights, const std::string& times,
                   const std::string& second_metric, const std::string& annotations = "") {
  return "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata:\n  name: vector\n" + annotations +
         "spec:\n"
         "  source: {gitRepository: {url: https://example.com/podinfo, ref: {branch: main}}}\n"
         "  syncPolicies:\n"
         "  - name: policy\n"
         "    kustomization: {path: ./deploy, prune: true}\n"
         "    rollout:\n" + loader +
         "      trafficRoutingProvider: istio\n"
         "      workload: {apiVersion: appv1/deployment, kind: Deployment, name: podinfo, namespace: test}\n"
         "      serviceName: podinfo-service\n"
         "      port: 80\n"
         "      rolloutPolicy:\n"
         "        rolloutTimeoutSeconds: 50\n"
         "        trafficRouting:\n"
         "          timeoutSeconds: 50\n"
         "          gateways: [istio-system/public-gateway]\n"
         "          hosts: [app.example.com]\n"
         "          retries: {attempts: 10, perTryTimeout: 40s, retryOn: 'gateway-error, connect-failure, refused-stream'}\n"
         "          headers: {request: {add: {x-some-header: value}}}\n"
         "          corsPolicy: {allowOrigin: [example], allowMethods: [GET], allowHeaders: [x-some-header], maxAge: 24h}\n"
         "          canaryStrategy: {maxWeight: 50, stepWeightPromotion: 30" + weights + "}\n" + times +
         "          match:\n"
         "          - headers:\n"
         "              user-agent: {regex: '.*Firefox.*'}\n"
         "              cookie: {regex: '^(.*?;)?(type=insider)(;.*)?$'}\n"
         "        trafficAnalysis:\n"
         "          checkIntervalSeconds: 50\n"
         "          checkFailedTimes: 50\n"
         "          sessionAffinity: {cookieName: User, maxAge: 24}\n"
         "          metrics:\n"
         "          - {name: request-success-rate, intervalSeconds: 50, thresholdRange: {min: 99}}\n" + second_metric +
         "          webhooks:\n"
         "            timeoutSeconds: 50\n"
         "            command:\n"
         "            - hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/\n"
         "            - curl -sd 'test' http://podinfo-canary:9898/token | grep token\n";
}

const char* const kPrivate = "      testLoader: true\n";
const char* const kPublic = "      testLoader: false\n";
const char* const kDuration = "          - {name: request-duration, intervalSeconds: 50, thresholdRange: {max: 500}}\n";
const char* const kCluster = "  annotations: {gitcanary.io/kurator-cluster: kurator-member}\n";

std::string ExpectedAnalysis(const std::string& weights, const std::string& url, const std::string& second_metric) {
  return "interval: 50s\nthreshold: 50\nmaxWeight: 50\nstepWeightPromotion: 30\n" + weights +
         "match:\n- headers:\n    user-agent: {regex: '.*Firefox.*'}\n    cookie: {regex: '^(.*?;)?(type=insider)(;.*)?$'}\n"
         "sessionAffinity: {cookieName: User, maxAge: 24}\n"
         "metrics:\n- {name: request-success-rate, interval: 50s, thresholdRange: {min: 99}}\n" + second_metric +
         "webhooks:\n"
         "- {name: generated-testload-0, url: '" + url + "', timeout: 50s,\n"
         "   metadata: {type: cmd, cmd: 'hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/'}}\n"
         "- {name: generated-testload-1, url: '" + url + "', timeout: 50s,\n"
         "   metadata: {type: cmd, cmd: \"curl -sd 'test' http://podinfo-canary:9898/token | grep token\"}}\n";
}

const char* const kDurationWant = "- {name: request-duration, interval: 50s, thresholdRange: {max: 500}}\n";

TEST_CASE("kurator: Kurator's vector with the private load tester: analysis, with stepWeight or with stepWeights") {
  struct Row {
    const char* weights_in;
    const char* weights_out;
  };
  for (const Row& row : {Row{", stepWeight: 10", "stepWeight: 10\n"}, Row{", stepWeights: [1, 20, 40, 80]", "stepWeights: [1, 20, 40, 80]\n"}}) {
    CAPTURE(std::string(row.weights_in));
    auto out = Generate(Vector(kPrivate, row.weights_in, "", kDuration));
    REQUIRE_MESSAGE(out.ok(), out.status().message());
    REQUIRE(out->size() == 1);  // no customMetric, not nginx: the Canary alone
    CHECK_TREE(out->at(0).doc.Path({"spec", "analysis"}),
               ExpectedAnalysis(row.weights_out, "http://podinfo-service-testloader.test/", kDurationWant));
  }
}

TEST_CASE("kurator: Kurator's vector: metadata, targetRef, deadline and service as Kurator renders them") {
  auto service = ParseManifests(
      "apiVersion: v1\nkind: Service\nmetadata: {name: podinfo-service, namespace: test}\n"
      "spec: {selector: {app: podinfo}, ports: [{protocol: TCP, port: 80, targetPort: 8080}]}\n", "svc.yaml");
  REQUIRE(service.ok());
  auto out = Generate(Vector(kPrivate, ", stepWeight: 10", "", kDuration), &service->at(0));
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  const Manifest& canary = out->at(0);
  CHECK(canary.api_version == "flagger.app/v1beta1");
  CHECK(canary.kind == "Canary");
  CHECK(canary.name == "podinfo");
  CHECK(canary.ns == "test");
  CHECK(canary.file == "app.yaml");
  CHECK_TREE(canary.doc.Path({"metadata", "annotations"}), "kurator.dev/rollout: policy\n");
  CHECK_TREE(canary.doc.Path({"spec", "targetRef"}), "{apiVersion: appv1/deployment, kind: Deployment, name: podinfo}");
  CHECK_TREE(canary.doc.Path({"spec", "provider"}), "istio");
  CHECK_TREE(canary.doc.Path({"spec", "progressDeadlineSeconds"}), "50");
  CHECK(canary.doc.Path({"spec", "skipAnalysis"}) == nullptr);  // false: left out, as Go's omitempty does
  CHECK(canary.doc.Path({"spec", "ingressRef"}) == nullptr);
  CHECK_TREE(canary.doc.Path({"spec", "service"}),
             "name: podinfo-service\nport: 80\ntargetPort: 8080\ntimeout: 50s\n"
             "gateways: [istio-system/public-gateway]\nhosts: [app.example.com]\n"
             "retries: {attempts: 10, perTryTimeout: 40s, retryOn: 'gateway-error, connect-failure, refused-stream'}\n"
             "headers: {request: {add: {x-some-header: value}}}\n"
             "corsPolicy: {allowOrigin: [example], allowMethods: [GET], allowHeaders: [x-some-header], maxAge: 24h}\n");
  // A generated node points at the rollout it came from.
  CHECK(canary.doc.Path({"spec", "service", "name"})->mark.line > 0);
}

TEST_CASE("kurator: Kurator's vector with the public load tester of cluster kurator-member") {
  auto out = Generate(Vector(kPublic, ", stepWeight: 10", "", kDuration, kCluster));
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  CHECK_TREE(out->at(0).doc.Path({"spec", "analysis"}),
             ExpectedAnalysis("stepWeight: 10\n", "http://istio-system-testloader-kurator-member-loadtester.istio-system/",
                              kDurationWant));
}

TEST_CASE("kurator: Kurator's vector with a custom metric: templateRef and its MetricTemplate") {
  const std::string metric =
      "          - name: my-metric\n"
      "            intervalSeconds: 50\n"
      "            thresholdRange: {max: 500}\n"
      "            customMetric:\n"
      "              provider: {type: prometheus, address: 'http://flagger-prometheus.ingress-nginx:9090'}\n"
      "              query: sum(rate(http_requests_total{status!~\"5.*\"}[{{ interval }}])) / sum(rate(http_requests_total[{{ interval }}])) * 100\n";
  auto out = Generate(Vector(kPublic, ", stepWeight: 10", "", metric, kCluster));
  REQUIRE_MESSAGE(out.ok(), out.status().message());
  REQUIRE(out->size() == 2);
  CHECK_TREE(out->at(0).doc.Path({"spec", "analysis"}),
             ExpectedAnalysis("stepWeight: 10\n", "http://istio-system-testloader-kurator-member-loadtester.istio-system/",
                              "- {name: my-metric, interval: 50s, thresholdRange: {max: 500}, templateRef: {name: my-metric, namespace: test}}\n"));
  const Manifest& tmpl = out->at(1);
  CHECK(tmpl.kind == "MetricTemplate");
  CHECK(tmpl.name == "my-metric");
  CHECK(tmpl.ns == "test");
  CHECK_TREE(tmpl.doc.Path({"metadata", "annotations"}), "kurator.dev/rollout: policy\n");
  CHECK_TREE(tmpl.doc.Path({"spec", "provider"}), "{type: prometheus, address: 'http://flagger-prometheus.ingress-nginx:9090'}");
  CHECK(tmpl.doc.Path({"spec", "query"})->value.find("http_requests_total{status!~\"5.*\"}") != std::string::npos);
}

TEST_CASE("kurator: Kurator's vector as written is refused: analysisTimes with canaryStrategy, stepWeight with stepWeights") {
  struct Row {
    const char* weights;
    const char* times;
    const char* want;
  };
  const Row rows[] = {
      {", stepWeight: 10", "          analysisTimes: 5\n",
       "app.yaml:26:26: spec.syncPolicies[0].rollout.rolloutPolicy.trafficRouting.analysisTimes: set together with canaryStrategy"},
      {", stepWeight: 10, stepWeights: [1, 20, 40, 80]", "",
       "app.yaml:25:97: spec.syncPolicies[0].rollout.rolloutPolicy.trafficRouting.canaryStrategy.stepWeights: set together with stepWeight"},
  };
  for (const Row& row : rows) {
    auto out = Generate(Vector(kPrivate, row.weights, row.times, kDuration));
    REQUIRE(!out.ok());
    CHECK(out.status().message().find(row.want) == 0);
    CHECK(out.status().message().find("remove") != std::string::npos);
  }
}

}  // namespace
}  // namespace gitcanary::render::kurator
