// Strict input: the field checks of strict_fields.h on Canary, MetricTemplate
// and AlertProvider documents. Expected messages follow Flagger's CRD and
// Istio's (flagger_fields.h); line:col places are counted by hand.
#include <doctest/doctest.h>

#include <string>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/strict_fields.h"

namespace gitcanary::render {
namespace {

constexpr const char* kFile = "canary.yaml";

// Lines 1-4; `spec` starts on line 5 (indented by 2).
std::string Doc(const std::string& spec, const std::string& kind = "Canary",
                const std::string& api = "flagger.app/v1beta1") {
  return "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: web\n" + spec;
}

// A valid Canary spec body: lines 5-14.
const std::string kSpec =
    "spec:\n"                         // 5
    "  targetRef:\n"                  // 6
    "    apiVersion: apps/v1\n"       // 7
    "    kind: Deployment\n"          // 8
    "    name: web\n"                 // 9
    "  service:\n"                    // 10
    "    port: 80\n"                  // 11
    "  analysis:\n"                   // 12
    "    stepWeight: 10\n"            // 13
    "    metrics:\n";                 // 14

Status Check(const std::string& text) {
  auto parsed = ParseManifests(text, kFile);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  return CheckFlaggerObject((*parsed)[0]);
}

void ExpectError(const std::string& text, const std::string& expected) {
  CAPTURE(text);
  Status s = Check(text);
  REQUIRE(!s.ok());
  CHECK(s.message() == expected);
}

}  // namespace

TEST_CASE("strict: a typo at any depth is an unknown field, with the closest name as a hint") {
  ExpectError(Doc(kSpec + "    - name: request-success-rate\n      thresholdRnage:\n        min: 99\n"),
              "canary.yaml:16:7: spec.analysis.metrics[0].thresholdRnage: unknown field (did you mean thresholdRange?)");
  ExpectError(Doc(kSpec + "  portDiscvery: true\n"),
              "canary.yaml:15:3: spec.portDiscvery: unknown field");  // portDiscovery lives under service
  ExpectError(Doc("spec:\n  service:\n    port: 80\n    portDiscvery: true\n"),
              "canary.yaml:8:5: spec.service.portDiscvery: unknown field (did you mean portDiscovery?)");
  ExpectError(Doc("spec:\n  analysis:\n    stepweight: 10\n"),
              "canary.yaml:7:5: spec.analysis.stepweight: unknown field (did you mean stepWeight?)");
  ExpectError(Doc("spec:\n  analysis:\n    frobnicate: 10\n"), "canary.yaml:7:5: spec.analysis.frobnicate: unknown field");
  ExpectError(Doc("spec: {}\nstatuz: {}\n"), "canary.yaml:6:1: statuz: unknown field (did you mean status?)");
  // A key holding a path character never reaches a nested entry.
  ExpectError(Doc("spec:\n  analysis.interval: 1m\n"), "canary.yaml:6:3: spec.analysis.interval: unknown field");
}

TEST_CASE("strict: wrong types and values outside an enum name the field and what it takes") {
  ExpectError(Doc("spec:\n  service:\n    portDiscovery: \"yes\"\n"),
              "canary.yaml:7:20: spec.service.portDiscovery: expected true or false, got string \"yes\"");
  ExpectError(Doc("spec:\n  service:\n    hosts: app.example.com\n"),
              "canary.yaml:7:12: spec.service.hosts: expected a list, got string \"app.example.com\"");
  ExpectError(Doc("spec:\n  provider: istoi\n"),
              "canary.yaml:6:13: spec.provider: must be one of apisix, appmesh, appmesh:v1beta2, contour, gatewayapi:v1, "
              "gatewayapi:v1beta1, gloo, istio, knative, kubernetes, kuma, linkerd, nginx, osm, skipper, smi:v1alpha1, "
              "smi:v1alpha2, smi:v1alpha3, traefik, got string \"istoi\" (did you mean istio?)");
  ExpectError(Doc("spec:\n  analysis:\n    alerts:\n      - name: a\n        severity: warning\n"),
              "canary.yaml:9:19: spec.analysis.alerts[0].severity: must be one of \"\", info, warn, error, got string "
              "\"warning\"");
  ExpectError(Doc("spec:\n  analysis:\n    metrics:\n      - name: m\n        templateVariables:\n          a: [1]\n"),
              "canary.yaml:10:14: spec.analysis.metrics[0].templateVariables.a: expected a string, got list");
}

TEST_CASE("strict: metadata is ObjectMeta, and label and annotation keys are free") {
  CHECK(Check(Doc(kSpec + "    - name: request-success-rate\n",
                  "Canary") + "").ok());
  CHECK(Check("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  labels:\n    any/key: v\n"
              "  annotations:\n    flagger.app/whatever: \"1\"\n    x: y\nspec: {}\n").ok());
  ExpectError("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  nmae: x\n",
              "canary.yaml:5:3: metadata.nmae: unknown field (did you mean name?)");
  ExpectError("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  labels:\n    v: 1\n",
              "canary.yaml:6:8: metadata.labels.v: expected a string, got integer 1");
}

TEST_CASE("strict: kinds and apiVersions of the flagger.app group") {
  ExpectError(Doc("spec: {}\n", "Canry"),
              "canary.yaml:2:7: kind: unknown kind \"Canry\" in the flagger.app group (did you mean Canary?); "
              "Flagger's kinds are Canary, MetricTemplate, AlertProvider");
  ExpectError(Doc("spec: {}\n", "MetricTemplate", "flagger.app/v1alpha1"),
              "canary.yaml:1:13: apiVersion: unknown MetricTemplate apiVersion \"flagger.app/v1alpha1\"; supported: "
              "flagger.app/v1beta1");
  CHECK(Check(Doc("spec:\n  canaryAnalysis:\n    stepWeight: 5\n", "Canary", "flagger.app/v1alpha3")).ok());
}

TEST_CASE("strict: the legacy canaryAnalysis is checked as analysis, and shown as written") {
  ExpectError(Doc("spec:\n  canaryAnalysis:\n    stepWeigth: 5\n", "Canary", "flagger.app/v1alpha3"),
              "canary.yaml:7:5: spec.canaryAnalysis.stepWeigth: unknown field (did you mean stepWeight?)");
  // v1alpha3's metric threshold is in v1beta1's CRD too.
  CHECK(Check(Doc("spec:\n  canaryAnalysis:\n    metrics:\n      - name: request-success-rate\n        threshold: 99\n",
                  "Canary", "flagger.app/v1alpha3")).ok());
}

TEST_CASE("strict: MetricTemplate and AlertProvider fields") {
  CHECK(Check(Doc("spec:\n  provider:\n    type: prometheus\n    address: http://prom:9090\n    headers:\n"
                  "      X-Scope-OrgID: [a]\n  query: up\n", "MetricTemplate")).ok());
  ExpectError(Doc("spec:\n  provider:\n    tpye: prometheus\n", "MetricTemplate"),
              "canary.yaml:7:5: spec.provider.tpye: unknown field (did you mean type?)");
  ExpectError(Doc("spec:\n  type: slak\n", "AlertProvider"),
              "canary.yaml:6:9: spec.type: must be one of slack, msteams, discord, rocket, gchat, got string \"slak\" "
              "(did you mean slack?)");
  ExpectError(Doc("spec:\n  type: slack\n  chanel: general\n", "AlertProvider"),
              "canary.yaml:7:3: spec.chanel: unknown field (did you mean channel?)");
}

TEST_CASE("strict: the generic AlertProvider is gitcanary's own: accepted, and refused for Flagger") {
  const std::string text = Doc("spec:\n  type: generic\n  address: https://hooks.example.com/x\n", "AlertProvider");
  CHECK(Check(text).ok());
  auto parsed = ParseManifests(text, kFile);
  REQUIRE(parsed.ok());
  Status s = RefusedByFlagger((*parsed)[0]);
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:6:9: spec.type: \"generic\" is gitcanary's own AlertProvider type, which Flagger's "
                       "CRD refuses: use one of slack, msteams, discord, rocket, gchat, or git mode");
  ExpectError(Doc("spec:\n  type: generic\n", "MetricTemplate"), "canary.yaml:6:3: spec.type: unknown field");
}

TEST_CASE("strict: oneOf objects take at most or exactly one property, as the CRD says") {
  ExpectError(Doc("spec:\n  service:\n    match:\n      - uri:\n          exact: /a\n          prefix: /b\n"),
              "canary.yaml:9:11: spec.service.match[0].uri: set at most one of exact, prefix, regex");
  ExpectError(Doc("spec:\n  analysis:\n    match:\n      - headers:\n          x-canary: {}\n"),
              "canary.yaml:9:21: spec.analysis.match[0].headers.x-canary: set exactly one of exact, prefix, regex, suffix");
}

TEST_CASE("strict: fields copied into Istio objects are checked against Istio's schema too") {
  const std::string svc = "spec:\n  service:\n    port: 80\n";  // lines 5-7
  ExpectError(Doc(svc + "    timeout: 10\n"), "canary.yaml:8:14: spec.service.timeout: expected a string, got integer 10");
  ExpectError(Doc(svc + "    timeout: soon\n"),
              "canary.yaml:8:14: spec.service.timeout: not a duration: \"soon\" (use forms like 500ms, 10s, 1m30s) "
              "(the Istio router copies it into VirtualService spec.http[].timeout)");
  ExpectError(Doc(svc + "    retries:\n      attempts: 3\n      perTryTimeout: 0.1ms\n"),
              "canary.yaml:10:22: spec.service.retries.perTryTimeout: must be a duration of at least 1ms, got \"0.1ms\" "
              "(the Istio router copies it into VirtualService spec.http[].retries)");
  ExpectError(Doc(svc + "    trafficPolicy:\n      connectionPool:\n        http:\n          idleTimeout: 1 minute\n"),
              "canary.yaml:11:24: spec.service.trafficPolicy.connectionPool.http.idleTimeout: not a duration: \"1 minute\" "
              "(use forms like 500ms, 10s, 1m30s) (the Istio router copies it into DestinationRule spec.trafficPolicy)");
  ExpectError(Doc("spec:\n  analysis:\n    match:\n      - headers:\n          user-agent:\n            suffix: Firefox\n"),
              "canary.yaml:10:13: spec.analysis.match[0].headers.user-agent.suffix: unknown field (the Istio router "
              "copies it into VirtualService spec.http[].match)");
  // Flagger's rewrite.type (Gateway API) is valid input and is not copied into the VirtualService.
  CHECK(Check(Doc(svc + "    rewrite:\n      uri: /\n      type: ReplacePrefixMatch\n")).ok());
  CHECK(Check(Doc(svc + "    timeout: 1.5s\n    retries:\n      attempts: 3\n      perTryTimeout: 500ms\n"
                  "      retryOn: gateway-error,connect-failure\n")).ok());
  // Another provider: Istio's schema does not apply.
  CHECK(Check(Doc("spec:\n  provider: linkerd\n  service:\n    port: 80\n    timeout: soon\n")).ok());
}

TEST_CASE("strict: the hint takes the closest name within a few edits, or a different case") {
  CHECK(DidYouMean("thresholdRnage", {"name", "threshold", "thresholdRange"}) == "thresholdRange");
  CHECK(DidYouMean("STEPWEIGHT", {"stepWeight", "stepWeights"}) == "stepWeight");
  CHECK(DidYouMean("xyz", {"name", "port"}).empty());
  CHECK(DidYouMean("", {"name"}).empty());
}

TEST_CASE("strict: NormaliseCanary runs the checks before normalising") {
  auto parsed = ParseManifests(Doc(kSpec + "    - name: request-success-rate\n      thresholdRnage: {min: 99}\n"), kFile);
  REQUIRE(parsed.ok());
  auto r = NormaliseCanary((*parsed)[0]);
  REQUIRE(!r.ok());
  CHECK(r.status().message().find("thresholdRnage: unknown field (did you mean thresholdRange?)") != std::string::npos);
}

}  // namespace gitcanary::render
