// Table tests for LintApp: for each rule a small app that triggers it, with the
// rule, severity and the line of the offending field in the YAML literal; clean
// apps that trigger nothing; and credentials that never reach a message.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "policies/lint.h"
#include "render/loader.h"

namespace gitcanary::policies {
namespace {

// Lines 1-15: the Deployment every app below canaries.
constexpr const char* kDeployment =
    "apiVersion: apps/v1\n"                    // 1
    "kind: Deployment\n"                       // 2
    "metadata:\n"                              // 3
    "  name: web\n"                            // 4
    "  namespace: shop\n"                      // 5
    "spec:\n"                                  // 6
    "  selector:\n"                            // 7
    "    matchLabels: {app: web}\n"            // 8
    "  template:\n"                            // 9
    "    metadata:\n"                          // 10
    "      labels: {app: web}\n"               // 11
    "    spec:\n"                              // 12
    "      containers:\n"                      // 13
    "      - {name: web, image: 'web:1', ports: [{name: http, containerPort: 8080}]}\n"  // 14
    "---\n";                                   // 15

// Lines 16-24; the analysis body that follows starts on line 25.
std::string App(const std::string& analysis, const std::string& api = "v1beta1",
                const std::string& key = "analysis") {
  return std::string(kDeployment) +
         "apiVersion: flagger.app/" + api + "\n"                              // 16
         "kind: Canary\n"                                                       // 17
         "metadata:\n"                                                          // 18
         "  name: web\n"                                                        // 19
         "  namespace: shop\n"                                                  // 20
         "spec:\n"                                                              // 21
         "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"    // 22
         "  service: {port: 80, targetPort: 8080}\n"                            // 23
         "  " + key + ":\n" +                                                   // 24
         analysis;
}

// A clean analysis body: lines 25-29.
constexpr const char* kCleanAnalysis =
    "    interval: 1m\n"                                                        // 25
    "    maxWeight: 50\n"                                                       // 26
    "    stepWeight: 10\n"                                                      // 27
    "    metrics:\n"                                                            // 28
    "    - {name: request-success-rate, thresholdRange: {min: 99}}\n";          // 29

// Objects after the clean app start on line 31 ("---" is line 30).
std::string CleanAppWith(const std::string& more) { return App(kCleanAnalysis) + "---\n" + more; }

std::vector<Finding> Lint(const std::string& yaml, const render::AppConfig& config = {}) {
  auto manifests = render::ParseManifests(yaml, "app.yaml");
  REQUIRE_MESSAGE(manifests.ok(), manifests.status().message());
  return LintApp(*manifests, config, "default");
}

std::string Shown(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings)
    out += f.file + ":" + std::to_string(f.line) + ": " + std::string(SeverityName(f.severity)) + ": " + f.message + " [" + f.rule + "]\n";
  return out;
}

struct Case {
  const char* name;
  std::string yaml;
  const char* rule;
  Severity severity;
  int line;
};

std::vector<Case> Cases() {
  const Severity W = Severity::kWarning, E = Severity::kError;
  const std::string metrics = "    metrics:\n    - {name: request-success-rate, thresholdRange: {min: 99}}\n";
  return {
      {"maxWeight 100 without a confirm-promotion webhook",
       App("    maxWeight: 100\n    stepWeight: 10\n" + metrics), "max-weight-without-gate", W, 25},
      {"stepWeight alone defaults maxWeight to 100 and points at stepWeight",
       App("    stepWeight: 25\n" + metrics), "max-weight-without-gate", W, 25},
      {"stepWeights ending at 100 points at the last entry",
       App("    stepWeights:\n    - 20\n    - 100\n" + metrics), "max-weight-without-gate", W, 27},
      {"an analysis without metrics", App("    maxWeight: 50\n    stepWeight: 10\n"), "no-metrics", W, 24},
      {"a v1alpha3 canaryAnalysis with an empty metrics list",
       App("    maxWeight: 50\n    stepWeight: 10\n    metrics: []\n", "v1alpha3", "canaryAnalysis"), "no-metrics", W, 27},
      {"stepWeight above maxWeight", App("    maxWeight: 30\n    stepWeight: 40\n" + metrics), "step-over-max", E, 26},
      {"an HPA with minReplicas above maxReplicas",
       CleanAppWith("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\n"
                    "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                    "  minReplicas: 5\n  maxReplicas: 3\n"),
       "hpa-min-over-max", E, 36},
      {"a kept Service selecting the primary pods",
       CleanAppWith("apiVersion: v1\nkind: Service\nmetadata: {name: web-direct, namespace: shop}\nspec:\n"
                    "  selector: {app: web-primary}\n  ports: [{port: 80, targetPort: 8080}]\n"),
       "routing-bypass", W, 35},
      {"a kept Ingress routing to the canary Service",
       CleanAppWith("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: preview, namespace: shop}\n"
                    "spec:\n  defaultBackend:\n    service:\n      name: web-canary\n      port: {number: 80}\n"),
       "routing-bypass", W, 37},
      {"an analysis interval under 10s", App("    interval: 5s\n    maxWeight: 50\n    stepWeight: 10\n" + metrics),
       "interval-too-short", W, 25},
      {"a webhook URL with user:password",
       App("    maxWeight: 50\n    stepWeight: 10\n" + metrics +
           "    webhooks:\n    - name: smoke\n      url: https://bob:hunter2@hooks.example.com/run\n"),
       "webhook-credentials", E, 31},
      {"a MetricTemplate address with an api_key parameter",
       CleanAppWith("apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata: {name: errors, namespace: shop}\n"
                    "spec:\n  provider:\n    type: prometheus\n    address: http://prom.example.com/?api_key=s3cr3t\n"
                    "  query: up\n"),
       "webhook-credentials", E, 37},
  };
}

TEST_CASE("lint table: each rule fires once at the offending line") {
  for (const Case& c : Cases()) {
    CAPTURE(c.name);
    std::vector<Finding> findings = Lint(c.yaml);
    REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
    CHECK(findings[0].rule == c.rule);
    CHECK(findings[0].severity == c.severity);
    CHECK(findings[0].line == c.line);
    CHECK(findings[0].file == "app.yaml");
    CHECK_MESSAGE(findings[0].message.find("shop/") != std::string::npos, findings[0].message);
  }
}

TEST_CASE("lint warns at the first stepWeights entry above maxWeight, which Flagger then ignores") {
  std::string yaml = App("    maxWeight: 30\n    stepWeights:\n    - 10\n    - 40\n    - 50\n"
                         "    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]\n");
  std::vector<Finding> findings = Lint(yaml);
  REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
  CHECK(findings[0].rule == "step-over-max");
  CHECK(findings[0].severity == Severity::kWarning);  // Flagger steps 10, 40, 50 regardless
  CHECK(findings[0].line == 28);
  CHECK(findings[0].message.find("canary shop/web: analysis.stepWeights[1] 40 is above maxWeight 30, which is ignored") == 0);
}

TEST_CASE("lint finds nothing in clean apps") {
  const std::string gated = App("    stepWeight: 20\n    metrics: [{name: request-duration, thresholdRange: {max: 500}}]\n"
                                "    webhooks: [{name: gate, type: confirm-promotion, url: 'http://gate.test/'}]\n");
  const std::string blue_green = App("    iterations: 5\n    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]\n");
  // The Service that selects the target's pods and its Ingress are what render drops: nothing stays to bypass.
  const std::string replaced = CleanAppWith(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
      "spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n---\n"
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\n"
      "spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}\n---\n"
      "apiVersion: v1\nkind: Service\nmetadata: {name: other, namespace: shop}\n"
      "spec: {selector: {app: other}, ports: [{port: 80}]}\n");
  for (const std::string& yaml : {App(kCleanAnalysis), gated, blue_green, replaced}) {
    std::vector<Finding> findings = Lint(yaml);
    CHECK_MESSAGE(findings.empty(), Shown(findings));
  }
}

TEST_CASE("lint judges Canaries from gitcanary.yaml templates at the template's lines") {
  auto config = render::ParseAppConfig(
      "apiVersion: gitcanary.io/v1alpha1\n"                         // 1
      "kind: Config\n"                                              // 2
      "templates:\n"                                                // 3
      "  web:\n"                                                    // 4
      "    spec:\n"                                                 // 5
      "      service: {port: 80}\n"                                 // 6
      "      analysis:\n"                                           // 7
      "        interval: 2s\n"                                      // 8
      "        stepWeight: 10\n"                                    // 9
      "        maxWeight: 50\n"                                     // 10
      "        metrics: [{name: request-success-rate}]\n",          // 11
      "repo/gitcanary.yaml");
  REQUIRE_MESSAGE(config.ok(), config.status().message());
  std::string yaml = kDeployment;
  yaml.replace(yaml.find("  namespace: shop\n"), 0, "  annotations: {gitcanary.io/canary-template: web}\n");
  std::vector<Finding> findings = Lint(yaml, *config);
  REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
  CHECK(findings[0].rule == "interval-too-short");
  CHECK(findings[0].file == "repo/gitcanary.yaml");
  CHECK(findings[0].line == 8);
  CHECK(findings[0].message.find("canary shop/web: analysis.interval 2s") == 0);
}

TEST_CASE("lint checks the HPA defaults of gitcanary.yaml") {
  render::AppConfig config;
  config.file = "repo/gitcanary.yaml";
  config.hpa.min_replicas = 6;
  config.hpa.max_replicas = 3;
  std::vector<Finding> findings = Lint(App(kCleanAnalysis), config);
  REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
  CHECK(findings[0].rule == "hpa-min-over-max");
  CHECK(findings[0].severity == Severity::kError);
  CHECK(findings[0].file == "repo/gitcanary.yaml");
  CHECK(findings[0].line == 0);
}

TEST_CASE("lint routing-bypass finds a Service through any pod label, whichever its selector names first") {
  std::string app = CleanAppWith(
      "apiVersion: v1\nkind: Service\nmetadata: {name: tier-first, namespace: shop}\n"      // 31-33
      "spec: {selector: {tier: front, app: web-primary}, ports: [{port: 80}]}\n---\n"       // 34-35
      "apiVersion: v1\nkind: Service\nmetadata: {name: app-first, namespace: shop}\n"       // 36-38
      "spec: {selector: {app: web-primary, tier: front}, ports: [{port: 80}]}\n---\n"       // 39-40
      "apiVersion: v1\nkind: Service\nmetadata: {name: other-tier, namespace: shop}\n"      // 41-43
      "spec: {selector: {app: web-primary, tier: back}, ports: [{port: 80}]}\n---\n"        // 44-45
      "apiVersion: v1\nkind: Service\nmetadata: {name: elsewhere, namespace: other}\n"      // 46-48
      "spec: {selector: {app: web-primary}, ports: [{port: 80}]}\n");                      // 49
  const std::string pod_labels = "      labels: {app: web}\n";
  REQUIRE(app.find(pod_labels) != std::string::npos);
  app.replace(app.find(pod_labels), pod_labels.size(), "      labels: {app: web, tier: front}\n");
  std::vector<Finding> findings = Lint(app);
  // The pods' own labels reach tier-first (its first label is tier: front);
  // only the primary's reach app-first. other-tier selects no pod, and
  // elsewhere is in another namespace.
  REQUIRE_MESSAGE(findings.size() == 2, Shown(findings));
  CHECK(findings[0].line == 34);
  CHECK(findings[0].message.find("Service tier-first selects the primary pods") != std::string::npos);
  CHECK(findings[1].line == 39);
  CHECK(findings[1].message.find("Service app-first selects the primary pods") != std::string::npos);
}

TEST_CASE("lint routing-bypass flags a kept Service and the Ingress backed by it") {
  std::vector<Finding> findings = Lint(CleanAppWith(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web-direct, namespace: shop}\n"   // 31-33
      "spec: {selector: {app: web-primary}, ports: [{port: 80}]}\n---\n"                 // 34-35
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: direct, namespace: shop}\n"  // 36-38
      "spec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n"         // 39-44
      "        backend: {service: {name: web-direct, port: {number: 80}}}\n"));                   // 45
  REQUIRE_MESSAGE(findings.size() == 2, Shown(findings));
  CHECK(findings[0].line == 34);
  CHECK(findings[0].message.find("canary shop/web: Service web-direct selects the primary pods (app: web-primary)") == 0);
  CHECK(findings[1].line == 45);
  CHECK(findings[1].message.find("Ingress direct routes to Service web-direct") != std::string::npos);
}

TEST_CASE("lint gateway-refs-missing: a gatewayapi provider without gatewayRefs, from the Canary or the defaults") {
  // App() writes `service:` on line 23; provider lines are inserted after line 21 (`spec:`), shifting it to 24.
  auto with_provider = [](const std::string& provider, const std::string& service) {
    std::string yaml = App(kCleanAnalysis);
    yaml.replace(yaml.find("  service: {port: 80, targetPort: 8080}\n"),
                 std::string("  service: {port: 80, targetPort: 8080}\n").size(), service);
    if (!provider.empty()) yaml.replace(yaml.find("  targetRef:"), 0, "  provider: " + provider + "\n");
    return yaml;
  };
  struct Row {
    const char* name;
    std::string yaml;
    std::string default_provider;
    int line;  // 0: no finding
  } rows[] = {
      {"gatewayapi:v1 without gatewayRefs", with_provider("gatewayapi:v1", "  service: {port: 80}\n"), "", 24},
      {"gatewayapi:v1beta1 with an empty list",
       with_provider("gatewayapi:v1beta1", "  service:\n    port: 80\n    gatewayRefs: []\n"), "", 26},
      {"defaults.provider gatewayapi:v1", with_provider("", "  service: {port: 80}\n"), "gatewayapi:v1", 23},
      {"with gatewayRefs", with_provider("gatewayapi:v1", "  service: {port: 80, gatewayRefs: [{name: gw}]}\n"), "", 0},
      {"istio needs none", with_provider("istio", "  service: {port: 80}\n"), "", 0},
      {"spec.provider istio wins over defaults.provider", with_provider("istio", "  service: {port: 80}\n"),
       "gatewayapi:v1", 0},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    render::AppConfig config;
    config.default_provider = row.default_provider;
    std::vector<Finding> findings = Lint(row.yaml, config);
    if (row.line == 0) {
      CHECK_MESSAGE(findings.empty(), Shown(findings));
      continue;
    }
    REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
    CHECK(findings[0].rule == "gateway-refs-missing");
    CHECK(findings[0].severity == Severity::kError);
    CHECK(findings[0].line == row.line);
    CHECK(findings[0].message.find("canary shop/web: provider gatewayapi:") == 0);
    CHECK(findings[0].message.find("HTTPRoute web") != std::string::npos);
    CHECK(findings[0].message.find("add spec.service.gatewayRefs") != std::string::npos);
  }
}

// An nginx Canary (lines 16-24) and, from line 26, `more`.
std::string NginxApp(const std::string& ref, const std::string& more) {
  return std::string(kDeployment) +
         "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web, namespace: shop}\n"  // 16-18
         "spec:\n  provider: nginx\n"                                                                // 19-20
         "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"                         // 21
         "  service: {port: 80, targetPort: 8080}\n" + ref +                                        // 22, 23
         "  analysis: {interval: 1m, maxWeight: 50, stepWeight: 10, metrics: [{name: request-success-rate}]}\n"  // 24
         "---\n" + more;                                                                               // 25
}

std::string IngressTo(const std::string& name, const std::string& service) {
  return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n"
         "  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n"
         "        backend: {service: {name: " + service + ", port: {number: 80}}}\n";
}

TEST_CASE("lint nginx-ingress-ref: the ingressRef must name an Ingress of the app with a path to the apex") {
  const std::string ref = "  ingressRef: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: web}\n";  // line 23
  struct Row {
    const char* name;
    std::string yaml;
    Severity severity;  // of the one finding; kWarning with line 0 = none expected
    int line;
    const char* says;
  };
  const Row rows[] = {
      {"a path to the apex", NginxApp(ref, IngressTo("web", "web")), Severity::kWarning, 0, ""},
      {"no ingressRef", NginxApp("", IngressTo("web", "web")), Severity::kError, 19, "without spec.ingressRef"},
      {"a path to another Service only", NginxApp(ref, IngressTo("web", "website")), Severity::kError, 23,
       "has no rule path whose backend is Service web"},
      {"the Ingress elsewhere", NginxApp(ref, IngressTo("front", "web")), Severity::kWarning, 23, "is not in this app"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    std::vector<Finding> findings = Lint(row.yaml);
    if (row.line == 0) {
      CHECK_MESSAGE(findings.empty(), Shown(findings));
      continue;
    }
    REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
    CHECK(findings[0].rule == "nginx-ingress-ref");
    CHECK(findings[0].severity == row.severity);
    CHECK(findings[0].line == row.line);
    CHECK_MESSAGE(findings[0].message.find("canary shop/web: ") == 0, findings[0].message);
    CHECK_MESSAGE(findings[0].message.find(row.says) != std::string::npos, findings[0].message);
  }
  // Another provider never reads ingressRef.
  std::string istio = NginxApp("", IngressTo("web", "website"));
  istio.replace(istio.find("  provider: nginx\n"), 18, "  provider: istio\n");
  for (const Finding& f : Lint(istio)) CHECK(f.rule != "nginx-ingress-ref");
}

TEST_CASE("lint never prints credentials, in webhooks or in provider addresses") {
  std::vector<Finding> findings = Lint(CleanAppWith(
      "apiVersion: flagger.app/v1beta1\nkind: AlertProvider\nmetadata: {name: chat, namespace: shop}\n"
      "spec: {type: generic, address: 'https://alice:pa55@chat.example.com/hook?sig=abc123&room=ops'}\n"));
  REQUIRE_MESSAGE(findings.size() == 1, Shown(findings));
  const std::string& m = findings[0].message;
  CHECK(findings[0].rule == "webhook-credentials");
  for (const char* secret : {"alice", "pa55", "abc123"}) CHECK_MESSAGE(m.find(secret) == std::string::npos, m);
  CHECK_MESSAGE(m.find("https://***@chat.example.com/hook?sig=***&room=ops") != std::string::npos, m);
  for (const Case& c : Cases()) {
    if (std::string(c.rule) != "webhook-credentials") continue;
    for (const Finding& f : Lint(c.yaml))
      for (const char* secret : {"bob", "hunter2", "s3cr3t"}) CHECK_MESSAGE(f.message.find(secret) == std::string::npos, f.message);
  }
}


}  // namespace
}  // namespace gitcanary::policies
