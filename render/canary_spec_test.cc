// Tests for Canary normalisation (v1alpha3 -> v1beta1, Flagger defaults) and
// validation. Inputs are inline YAML parsed with the project's loader; expected
// values follow the rules in canary_spec.h, error places are counted by hand.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/output.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

constexpr const char* kFile = "canary.yaml";

// Lines 1-5; the spec body given to CanaryDoc starts on line 6.
std::string CanaryDoc(std::string_view spec, std::string_view api = "flagger.app/v1beta1") {
  return "apiVersion: " + std::string(api) + "\nkind: Canary\nmetadata:\n  name: web\nspec:\n" +
         std::string(spec);
}

// Lines 6-8 and 9-10 of a spec; the analysis then starts on line 11.
const std::string kRefs = "  targetRef:\n    kind: Deployment\n    name: web\n";
const std::string kService = "  service:\n    port: 80\n";

Manifest ParseOne(const std::string& text) {
  auto parsed = ParseManifests(text, kFile);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  return (*parsed)[0];
}

// Normalises `text` (one Canary); REQUIREs success.
Manifest Normalised(const std::string& text, CanaryInfo* info = nullptr) {
  Manifest m = ParseOne(text);
  auto r = NormaliseCanary(m);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  if (info != nullptr) *info = *r;
  return m;
}

const Node& At(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  REQUIRE(n != nullptr);
  return *n;
}

std::vector<std::string> Keys(const Node& map) {
  std::vector<std::string> out;
  for (const yaml::Field& f : map.fields) out.push_back(f.key);
  return out;
}

TEST_CASE("v1alpha3 Canary becomes v1beta1 with analysis in the place of canaryAnalysis") {
  Manifest m = Normalised(CanaryDoc(kRefs +
                                    "  canaryAnalysis:\n    stepWeight: 10\n"
                                    "  service:\n    port: 80\n",
                                    "flagger.app/v1alpha3"));
  CHECK(m.api_version == "flagger.app/v1beta1");
  CHECK(At(m, {"apiVersion"}).value == "flagger.app/v1beta1");
  const Node& spec = At(m, {"spec"});
  CHECK(spec.Find("canaryAnalysis") == nullptr);
  std::vector<std::string> keys = Keys(spec);
  REQUIRE(keys.size() >= 3);
  CHECK(keys[0] == "targetRef");
  CHECK(keys[1] == "analysis");
  CHECK(keys[2] == "service");
  CHECK(At(m, {"spec", "analysis", "stepWeight"}).AsInt() == 10);
}

TEST_CASE("metric threshold becomes thresholdRange min for success rate and max otherwise") {
  struct Row { const char* metric; const char* threshold; const char* bound; const char* other; };
  const Row rows[] = {
      {"request-success-rate", "99", "min", "max"},
      {"request-duration", "500", "max", "min"},
      {"error-rate", "5", "max", "min"},
      {"latency-p99", "0.5", "max", "min"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.metric);
    Manifest m = Normalised(CanaryDoc(kRefs + kService +
                                      "  analysis:\n    stepWeight: 10\n    metrics:\n"
                                      "      - name: " + row.metric + "\n"
                                      "        threshold: " + row.threshold + "\n"));
    const Node& metric = At(m, {"spec", "analysis", "metrics"}).items.at(0);
    CHECK(metric.Find("threshold") == nullptr);
    const Node* range = metric.Find("thresholdRange");
    REQUIRE(range != nullptr);
    REQUIRE(range->Find(row.bound) != nullptr);
    CHECK(range->Find(row.bound)->value == row.threshold);
    CHECK(range->Find(row.bound)->AsFloat().has_value());
    CHECK(range->Find(row.other) == nullptr);
  }
}

TEST_CASE("autoscalerRef apiVersion autoscaling/v2beta1 and v2beta2 become autoscaling/v2") {
  for (const char* api : {"autoscaling/v2beta1", "autoscaling/v2beta2", "autoscaling/v2"}) {
    CAPTURE(api);
    CanaryInfo info;
    Manifest m = Normalised(CanaryDoc(kRefs + "  autoscalerRef:\n    apiVersion: " + api +
                                          "\n    kind: HorizontalPodAutoscaler\n    name: web-hpa\n" +
                                          kService + "  analysis:\n    stepWeight: 10\n"),
                            &info);
    CHECK(At(m, {"spec", "autoscalerRef", "apiVersion"}).value == "autoscaling/v2");
    CHECK(info.autoscaler == "web-hpa");
  }
}

TEST_CASE("missing analysis, service and spec defaults are appended after the written fields") {
  Manifest m = Normalised(CanaryDoc(kRefs + kService +
                                    "  analysis:\n    stepWeight: 10\n    metrics:\n"
                                    "      - name: request-success-rate\n"
                                    "        thresholdRange:\n          min: 99\n"));
  const Node& analysis = At(m, {"spec", "analysis"});
  std::vector<std::string> keys = Keys(analysis);
  REQUIRE(keys.size() == 5);
  CHECK(keys[0] == "stepWeight");
  CHECK(keys[1] == "metrics");
  CHECK(At(m, {"spec", "analysis", "interval"}).value == "1m");
  CHECK(At(m, {"spec", "analysis", "threshold"}).AsInt() == 1);
  CHECK(At(m, {"spec", "analysis", "maxWeight"}).AsInt() == 100);
  CHECK(At(m, {"spec", "progressDeadlineSeconds"}).AsInt() == 600);
  CHECK(Keys(At(m, {"spec"})).back() == "progressDeadlineSeconds");
  const Node& metric = At(m, {"spec", "analysis", "metrics"}).items.at(0);
  REQUIRE(metric.Find("interval") != nullptr);
  CHECK(metric.Find("interval")->value == "1m");
  CHECK(Keys(metric).back() == "interval");
  const Node& gateways = At(m, {"spec", "service", "gateways"});
  REQUIRE(gateways.items.size() == 1);
  CHECK(gateways.items[0].value == "mesh");
}

TEST_CASE("written analysis values are kept and threshold 0 becomes 1") {
  Manifest m = Normalised(CanaryDoc(kRefs + "  progressDeadlineSeconds: 60\n" +
                                    "  service:\n    port: 80\n    gateways:\n      - my-gw\n" +
                                    "  analysis:\n    interval: 30s\n    threshold: 0\n"
                                    "    stepWeight: 20\n    maxWeight: 50\n"));
  CHECK(At(m, {"spec", "analysis", "interval"}).value == "30s");
  CHECK(At(m, {"spec", "analysis", "threshold"}).AsInt() == 1);
  CHECK(Keys(At(m, {"spec", "analysis"}))[1] == "threshold");  // replaced in place
  CHECK(At(m, {"spec", "analysis", "maxWeight"}).AsInt() == 50);
  CHECK(At(m, {"spec", "progressDeadlineSeconds"}).AsInt() == 60);
  const Node& gateways = At(m, {"spec", "service", "gateways"});
  REQUIRE(gateways.items.size() == 1);
  CHECK(gateways.items[0].value == "my-gw");
  Manifest kept = Normalised(CanaryDoc(kRefs + kService + "  analysis:\n    threshold: 5\n    stepWeight: 20\n"));
  CHECK(At(kept, {"spec", "analysis", "threshold"}).AsInt() == 5);
}

TEST_CASE("maxWeight default is added only when stepWeight is set") {
  for (const char* analysis : {"    iterations: 10\n", "    stepWeights: [10, 20, 40]\n"}) {
    CAPTURE(analysis);
    Manifest m = Normalised(CanaryDoc(kRefs + kService + "  analysis:\n" + analysis));
    CHECK(At(m, {"spec", "analysis"}).Find("maxWeight") == nullptr);
    CHECK(At(m, {"spec", "analysis", "interval"}).value == "1m");
  }
}

TEST_CASE("CanaryInfo carries target, autoscaler, gateways, hosts and ports") {
  CanaryInfo info;
  Normalised(CanaryDoc(kRefs + "  autoscalerRef:\n    name: web-hpa\n" +
                       "  service:\n    port: 9898\n    gateways:\n      - istio-system/public\n      - mesh\n"
                       "    hosts:\n      - a.example.com\n" +
                       "  analysis:\n    iterations: 3\n"),
             &info);
  CHECK(info.target == "web");
  CHECK(info.autoscaler == "web-hpa");
  CHECK(info.gateways == std::vector<std::string>{"istio-system/public", "mesh"});
  CHECK(info.hosts == std::vector<std::string>{"a.example.com"});
  CHECK(info.port == 9898);
  CHECK(info.target_port.AsInt() == 9898);  // defaults to port

  CanaryInfo named;
  Normalised(CanaryDoc(kRefs + "  service:\n    port: 80\n    targetPort: http\n" + "  analysis:\n    iterations: 3\n"),
             &named);
  CHECK(named.autoscaler.empty());
  CHECK(named.target_port.value == "http");
  CHECK(named.target_port.IsStringScalar());
  CHECK(named.gateways == std::vector<std::string>{"mesh"});
}

TEST_CASE("a normalised Canary normalises to itself") {
  const std::string inputs[] = {
      CanaryDoc(kRefs + kService + "  analysis:\n    stepWeight: 10\n"),
      CanaryDoc(kRefs + "  autoscalerRef:\n    apiVersion: autoscaling/v2beta2\n    name: web\n" +
                    "  service:\n    port: 80\n    targetPort: 8080\n    hosts:\n      - \"*\"\n" +
                    "  canaryAnalysis:\n    threshold: 0\n    stepWeight: 10\n    metrics:\n"
                    "      - name: request-success-rate\n        threshold: 99\n"
                    "      - name: request-duration\n        threshold: 500\n        interval: 30s\n"
                    "    webhooks:\n      - name: load\n        url: http://tester/\n        timeout: 5s\n",
                "flagger.app/v1alpha3"),
      CanaryDoc(kRefs + kService + "  analysis:\n    stepWeights: [5, 50]\n"),
      CanaryDoc(kRefs + kService + "  analysis:\n    iterations: 2\n    interval: 1.5m\n"),
  };
  for (const std::string& text : inputs) {
    CAPTURE(text);
    Manifest once = Normalised(text);
    const std::string first = ToYamlStream({once});
    Manifest twice = Normalised(first);
    CHECK(twice.doc == once.doc);
    CHECK(ToYamlStream({twice}) == first);
    Manifest thrice = once;
    REQUIRE(NormaliseCanary(thrice).ok());  // in memory, without a round trip
    CHECK(thrice.doc == once.doc);
  }
}

// Flagger's CRD takes analysis.interval, metrics[].interval and
// webhooks[].timeout only as `^[0-9]+(m|s)`: other Go durations are written in
// whole minutes or seconds, and a form that already matches is kept.
TEST_CASE("Go durations are accepted for intervals and timeouts, and written as Flagger's CRD takes them") {
  struct Row { const char* in; const char* out; };
  for (Row row : {Row{"30s", "30s"}, Row{"1m30s", "1m30s"}, Row{"1500ms", "1500ms"}, Row{"1h", "60m"},
                  Row{"2h45m", "165m"}, Row{"1.5m", "90s"}, Row{"90s", "90s"}, Row{"0.5h", "30m"}}) {
    CAPTURE(row.in);
    Manifest m = Normalised(CanaryDoc(kRefs + kService + "  analysis:\n    interval: " + row.in +
                                      "\n    stepWeight: 10\n    metrics:\n      - name: request-success-rate\n"
                                      "        interval: " + row.in + "\n    webhooks:\n      - name: t\n"
                                      "        url: http://x/\n        timeout: " + row.in + "\n"));
    CHECK(At(m, {"spec", "analysis", "interval"}).value == row.out);
    CHECK(m.doc.Path({"spec", "analysis", "metrics"})->items[0].Find("interval")->value == row.out);
    CHECK(m.doc.Path({"spec", "analysis", "webhooks"})->items[0].Find("timeout")->value == row.out);
  }
}

TEST_CASE("durations under a second, or not in whole seconds, are refused with the reason") {
  for (const char* d : {"500ms", "1.5s", "0s"}) {
    CAPTURE(d);
    Manifest m = ParseOne(CanaryDoc(kRefs + kService + "  analysis:\n    interval: " + std::string(d) + "\n    stepWeight: 10\n"));
    auto r = NormaliseCanary(m);
    REQUIRE(!r.ok());
    CHECK(r.status().message().find("canary.yaml:12:15: spec.analysis.interval: \"" + std::string(d)) == 0);
    CHECK(r.status().message().find("^[0-9]+(m|s)") != std::string::npos);
  }
}

TEST_CASE("iterations, stepWeight and stepWeights: Flagger's CRD takes exactly one") {
  struct Row { const char* analysis; const char* expected; };
  const Row rows[] = {
      {"    stepWeight: 10\n    stepWeights: [5, 50]\n", "canary.yaml:13:18: spec.analysis.stepWeights: both stepWeight and stepWeights are set"},
      {"    iterations: 5\n    stepWeight: 10\n", "canary.yaml:13:17: spec.analysis.stepWeight: both iterations and stepWeight are set"},
      {"    iterations: 5\n    stepWeights: [5, 50]\n", "canary.yaml:13:18: spec.analysis.stepWeights: both iterations and stepWeights are set"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.analysis);
    Manifest m = ParseOne(CanaryDoc(kRefs + kService + "  analysis:\n" + row.analysis));
    auto r = NormaliseCanary(m);
    REQUIRE(!r.ok());
    CHECK(r.status().message().find(row.expected) == 0);
  }
}

TEST_CASE("invalid Canaries are rejected with file, line:col and field path") {
  const std::string analysis = "  analysis:\n    stepWeight: 10\n";  // lines 11-12
  struct Row { const char* name; std::string spec; std::string expected; };
  const Row rows[] = {
      {"targetRef missing", kService + analysis, "canary.yaml:6:3: spec.targetRef: missing"},
      {"targetRef kind StatefulSet", "  targetRef:\n    kind: StatefulSet\n    name: web\n" + kService + analysis,
       "canary.yaml:7:11: spec.targetRef.kind: must be one of DaemonSet, Deployment, Service, got string \"StatefulSet\""},
      {"targetRef kind DaemonSet", "  targetRef:\n    kind: DaemonSet\n    name: web\n" + kService + analysis,
       "canary.yaml:7:11: spec.targetRef.kind: only Deployment targets are supported"},
      {"targetRef name missing", "  targetRef:\n    kind: Deployment\n" + kService + analysis,
       "canary.yaml:7:5: spec.targetRef.name: missing"},
      {"analysis without steps", kRefs + kService + "  analysis:\n    interval: 1m\n",
       "canary.yaml:12:5: spec.analysis: needs iterations"},
      {"analysis missing", kRefs + kService, "spec.analysis: missing"},
      {"stepWeight 0", kRefs + kService + "  analysis:\n    stepWeight: 0\n",
       "canary.yaml:12:17: spec.analysis.stepWeight: must be between 1 and 100, got 0"},
      {"stepWeight 101", kRefs + kService + "  analysis:\n    stepWeight: 101\n",
       "canary.yaml:12:17: spec.analysis.stepWeight: must be between 1 and 100, got 101"},
      {"maxWeight 0", kRefs + kService + "  analysis:\n    maxWeight: 0\n    stepWeight: 10\n",
       "canary.yaml:12:16: spec.analysis.maxWeight: must be between 1 and 100, got 0"},
      {"maxWeight 101", kRefs + kService + "  analysis:\n    maxWeight: 101\n    stepWeight: 10\n",
       "canary.yaml:12:16: spec.analysis.maxWeight: must be between 1 and 100, got 101"},
      {"iterations 0", kRefs + kService + "  analysis:\n    iterations: 0\n",
       "canary.yaml:12:17: spec.analysis.iterations: must be between 1"},
      {"stepWeights repeated", kRefs + kService + "  analysis:\n    stepWeights: [10, 10]\n",
       "canary.yaml:12:23: spec.analysis.stepWeights[1]: stepWeights must be strictly ascending"},
      {"stepWeights descending", kRefs + kService + "  analysis:\n    stepWeights: [20, 10]\n",
       "canary.yaml:12:23: spec.analysis.stepWeights[1]: stepWeights must be strictly ascending"},
      {"stepWeights below 1", kRefs + kService + "  analysis:\n    stepWeights: [0, 10]\n",
       "canary.yaml:12:19: spec.analysis.stepWeights[0]: must be between 1 and 100, got 0"},
      {"stepWeights above 100", kRefs + kService + "  analysis:\n    stepWeights: [50, 101]\n",
       "canary.yaml:12:23: spec.analysis.stepWeights[1]: must be between 1 and 100, got 101"},
      {"interval 1 minute", kRefs + kService + "  analysis:\n    interval: 1 minute\n    stepWeight: 10\n",
       "canary.yaml:12:15: spec.analysis.interval: not a duration: \"1 minute\""},
      {"metric interval 5x", kRefs + kService + analysis + "    metrics:\n      - name: request-success-rate\n"
       "        interval: 5x\n",
       "canary.yaml:15:19: spec.analysis.metrics[0].interval: not a duration: \"5x\""},
      {"webhook timeout 5x", kRefs + kService + analysis + "    webhooks:\n      - name: t\n        url: http://x/\n"
       "        timeout: 5x\n",
       "canary.yaml:16:18: spec.analysis.webhooks[0].timeout: not a duration"},
      {"unknown webhook type", kRefs + kService + analysis + "    webhooks:\n      - name: t\n        url: http://x/\n"
       "        type: deploy\n",
       "canary.yaml:16:15: spec.analysis.webhooks[0].type: must be one of \"\", confirm-rollout, pre-rollout, rollout, "
       "confirm-promotion, post-rollout, event, rollback, confirm-traffic-increase, got string \"deploy\""},
      {"webhook url missing", kRefs + kService + analysis + "    webhooks:\n      - name: t\n",
       "canary.yaml:14:9: spec.analysis.webhooks[0].url: missing"},
      {"service port 0", kRefs + "  service:\n    port: 0\n" + analysis,
       "canary.yaml:10:11: spec.service.port: must be between 1 and 65535, got 0"},
      {"service port 70000", kRefs + "  service:\n    port: 70000\n" + analysis,
       "canary.yaml:10:11: spec.service.port: must be between 1 and 65535, got 70000"},
      {"service port missing", kRefs + "  service:\n    targetPort: 8080\n" + analysis,
       "canary.yaml:10:5: spec.service.port: missing"},
      {"service missing", kRefs + analysis, "spec.service: missing"},
      {"targetPort 70000", kRefs + "  service:\n    port: 80\n    targetPort: 70000\n" + analysis,
       "canary.yaml:11:17: spec.service.targetPort: must be between 1 and 65535, got 70000"},
      {"stepWeight string", kRefs + kService + "  analysis:\n    stepWeight: \"ten\"\n",
       "canary.yaml:12:17: spec.analysis.stepWeight: expected a number, got string \"ten\""},
      {"threshold list", kRefs + kService + "  analysis:\n    threshold: [1]\n    stepWeight: 10\n",
       "canary.yaml:12:16: spec.analysis.threshold: expected a number, got list"},
      {"metric threshold list", kRefs + kService + analysis + "    metrics:\n      - name: request-duration\n"
       "        threshold: [1]\n",
       "canary.yaml:15:20: spec.analysis.metrics[0].threshold: expected a number, got list"},
      {"service string", kRefs + "  service: \"x\"\n" + analysis,
       "canary.yaml:9:12: spec.service: expected a mapping, got string \"x\""},
      {"gateways string", kRefs + "  service:\n    port: 80\n    gateways: mesh\n" + analysis,
       "canary.yaml:11:15: spec.service.gateways: expected a list, got string \"mesh\""},
      {"hosts item integer", kRefs + "  service:\n    port: 80\n    hosts: [1]\n" + analysis,
       "canary.yaml:11:13: spec.service.hosts[0]: expected a string, got integer 1"},
      {"both canaryAnalysis and analysis", kRefs + kService + "  canaryAnalysis:\n    stepWeight: 10\n" + analysis,
       "canary.yaml:14:5: spec.analysis: both canaryAnalysis and analysis are set"},
      {"both threshold and thresholdRange", kRefs + kService + analysis + "    metrics:\n"
       "      - name: request-success-rate\n        threshold: 99\n        thresholdRange:\n          min: 99\n",
       "canary.yaml:15:20: spec.analysis.metrics[0].threshold: both threshold and thresholdRange are set"},
      {"metric name missing", kRefs + kService + analysis + "    metrics:\n      - threshold: 99\n",
       "canary.yaml:14:9: spec.analysis.metrics[0].name: missing"},
      {"progressDeadlineSeconds 0", kRefs + kService + analysis + "  progressDeadlineSeconds: 0\n",
       "canary.yaml:13:28: spec.progressDeadlineSeconds: must be between 1"},
      {"autoscalerRef name missing", kRefs + "  autoscalerRef:\n    kind: HorizontalPodAutoscaler\n" + kService + analysis,
       "canary.yaml:10:5: spec.autoscalerRef.name: missing"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    Manifest m = ParseOne(CanaryDoc(row.spec));
    auto r = NormaliseCanary(m);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK_MESSAGE(r.status().message().find(row.expected) != std::string::npos,
                  "message: " << r.status().message() << "\nexpected: " << row.expected);
  }
}

TEST_CASE("Render rejects an unknown Canary apiVersion") {
  auto parsed = ParseManifests(CanaryDoc(kRefs + kService + "  analysis:\n    stepWeight: 10\n", "flagger.app/v2"), kFile);
  REQUIRE(parsed.ok());
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto r = Render(std::move(*parsed), AppConfig{}, options);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("canary.yaml:1:13: apiVersion: unknown Canary apiVersion \"flagger.app/v2\"") !=
        std::string::npos);
}

TEST_CASE("IsCanary matches kind Canary in the flagger.app group only") {
  CHECK(IsCanary(ParseOne(CanaryDoc("", "flagger.app/v1beta1"))));
  CHECK(IsCanary(ParseOne(CanaryDoc("", "flagger.app/v1alpha3"))));
  CHECK_FALSE(IsCanary(ParseOne(CanaryDoc("", "example.com/v1"))));
  CHECK_FALSE(IsCanary(ParseOne("apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: m\n")));
}

}  // namespace
}  // namespace gitcanary::render
