// Kurator Applications through the whole render: Kurator's eight rollout
// examples (examples/rollout/*.yaml upstream, restated as a table of facts),
// the quirks of Kurator's controller we do not copy, the load tester's shape,
// the rendered Application, and the mode rules (git mode needs the workload in
// the input and refuses kuma; one rollout per workload; one nginx rollout per
// namespace). The upstream ledger is in canary_from_rollout_test.cc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/kurator/canary_from_rollout.h"
#include "render/kurator/load_tester.h"
#include "render/loader.h"
#include "render/render.h"

namespace gitcanary::render::kurator {
namespace {

using yaml::Node;

// An Application like Kurator's examples: podinfo's repository, workload
// webapp/backend behind Service backend:9898, the private load tester, a
// 600 s deadline, a check every 90 s and rollback after 2 failures.
std::string Application(const std::string& provider, const std::string& routing, const std::string& metrics,
                        const std::string& command, const std::string& name = "demo") {
  return "apiVersion: apps.kurator.dev/v1alpha1\nkind: Application\nmetadata: {name: " + name + ", namespace: default}\n"
         "spec:\n"
         "  source: {gitRepository: {url: https://github.com/stefanprodan/podinfo, ref: {branch: master}}}\n"
         "  syncPolicies:\n"
         "  - destination: {fleet: quickstart}\n"
         "    kustomization: {path: ./deploy/webapp, interval: 0s, prune: true}\n"
         "    rollout:\n"
         "      testLoader: true\n"
         "      trafficRoutingProvider: " + provider + "\n"
         "      workload: {apiVersion: apps/v1, kind: Deployment, name: backend, namespace: webapp}\n"
         "      serviceName: backend\n"
         "      port: 9898\n"
         "      rolloutPolicy:\n"
         "        rolloutTimeoutSeconds: 600\n"
         "        trafficRouting:\n" + routing +
         "        trafficAnalysis:\n"
         "          checkIntervalSeconds: 90\n"
         "          checkFailedTimes: 2\n"
         "          metrics:\n" + metrics +
         "          webhooks: {timeoutSeconds: 60, command: ['" + command + "']}\n"
         "  - destination: {fleet: quickstart}\n"
         "    kustomization: {targetNamespace: default, path: ./kustomize, prune: true}\n";
}

Result<RenderResult> RenderText(const std::string& text, Mode mode) {
  auto ms = ParseManifests(text, "app.yaml");
  REQUIRE_MESSAGE(ms.ok(), ms.status().message());
  RenderOptions options;
  options.mode = mode;
  return Render(std::move(*ms), AppConfig{}, options);
}

const Manifest* Find(const RenderResult& r, const std::string& kind, const std::string& name) {
  for (const Manifest& m : r.objects)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

std::string At(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  return n == nullptr ? "<absent>" : n->IsScalar() ? n->value : "<" + std::string(yaml::TypeName(*n)) + ">";
}

const char* const kIstioHosts = "          timeoutSeconds: 60\n          gateways: [istio-system/public-gateway]\n          hosts: [backend.webapp]\n";
const char* const kNginxHost = "          timeoutSeconds: 60\n          host: app.example.com\n";
const char* const kCanary = "          canaryStrategy: {maxWeight: 50, stepWeight: 10}\n";
const char* const kThree = "          analysisTimes: 3\n";
const char* const kBuiltIns =
    "          - {name: request-success-rate, intervalSeconds: 90, thresholdRange: {min: 99}}\n"
    "          - {name: request-duration, intervalSeconds: 90, thresholdRange: {max: 500}}\n";

std::string Custom(const std::string& name, const std::string& range, const std::string& address) {
  return "          - name: " + name + "\n            intervalSeconds: 90\n            thresholdRange: " + range +
         "\n            customMetric:\n              provider: {type: prometheus, address: '" + address +
         "'}\n              query: sum(rate(http_requests_total{status!~\"5.*\"}[{{ interval }}])) / "
         "sum(rate(http_requests_total[{{ interval }}])) * 100\n";
}

const std::string kNginxProm = "http://ingress-nginx-flagger-kurator-member-prometheus.ingress-nginx:9090";

TEST_CASE("kurator: Kurator's rollout examples render in flagger mode to the Canary Kurator would create") {
  struct Row {
    std::string example, provider, routing, metrics, command;
    // expected
    std::string iterations, max_weight, step_weight;
    std::size_t matches;
    std::string template_name, template_address;  // "" when every metric is built in
  };
  const std::string firefox =
      "          match:\n          - headers: {user-agent: {regex: '.*Firefox.*'}}\n"
      "          - headers: {cookie: {regex: '^(.*?;)?(type=insider)(;.*)?$'}}\n";
  const std::string insider =
      "          match:\n          - headers: {x-canary: {exact: insider}}\n          - headers: {cookie: {exact: canary}}\n";
  const std::string to_canary = "hey -z 1m -q 10 -c 2 http://backend-canary.webapp:9898/";
  const std::string to_host = "hey -z 1m -q 10 -c 2 http://app.example.com/";
  const Row rows[] = {
      {"canary", "istio", kIstioHosts + std::string(kCanary), kBuiltIns, to_canary, "<absent>", "50", "10", 0, "", ""},
      {"canaryWithCustomMetric", "istio", kIstioHosts + std::string(kCanary),
       "          - {name: request-success-rate, intervalSeconds: 90, thresholdRange: {min: 99}}\n" +
           Custom("istio-request-success-rate", "{max: 99}", "http://prometheus.istio-system:9090"),
       to_canary, "<absent>", "50", "10", 0, "istio-request-success-rate", "http://prometheus.istio-system:9090"},
      {"canaryKuma", "kuma", "          timeoutSeconds: 60\n" + std::string(kCanary),
       Custom("kuma-request-success-rate", "{min: 99}", "http://prometheus-server.mesh-observability:80"),
       "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/", "<absent>", "50", "10", 0, "kuma-request-success-rate",
       "http://prometheus-server.mesh-observability:80"},
      {"canaryNginx", "nginx", kNginxHost + std::string(kCanary), Custom("nginx-request-success-rate", "{min: 99}", kNginxProm),
       to_host, "<absent>", "50", "10", 0, "nginx-request-success-rate", kNginxProm},
      {"ab-testing", "istio", kIstioHosts + std::string(kThree) + firefox, kBuiltIns, to_canary, "3", "<absent>", "<absent>", 2,
       "", ""},
      {"ab-testingNginx", "nginx", kNginxHost + std::string(kThree) + insider,
       Custom("nginx-request-success-rate", "{min: 99}", kNginxProm), to_host, "3", "<absent>", "<absent>", 2,
       "nginx-request-success-rate", kNginxProm},
      {"blue_green", "istio", kIstioHosts + std::string(kThree), kBuiltIns, to_canary, "3", "<absent>", "<absent>", 0, "", ""},
      {"blue_greenNginx", "nginx", kNginxHost + std::string(kThree),
       Custom("nginx-request-success-rate", "{min: 99}", kNginxProm), to_host, "3", "<absent>", "<absent>", 0,
       "nginx-request-success-rate", kNginxProm},
  };
  for (const Row& row : rows) {
    CAPTURE(row.example);
    auto r = RenderText(Application(row.provider, row.routing, row.metrics, row.command), Mode::kFlagger);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* canary = Find(*r, "Canary", "backend");
    REQUIRE(canary != nullptr);
    CHECK(canary->ns == "webapp");
    CHECK(At(*canary, {"spec", "provider"}) == row.provider);
    CHECK(At(*canary, {"spec", "targetRef", "name"}) == "backend");
    CHECK(At(*canary, {"spec", "progressDeadlineSeconds"}) == "600");
    CHECK(At(*canary, {"spec", "service", "name"}) == "backend");
    CHECK(At(*canary, {"spec", "service", "port"}) == "9898");
    CHECK(At(*canary, {"spec", "service", "timeout"}) == "60s");
    CHECK(At(*canary, {"spec", "analysis", "interval"}) == "90s");
    CHECK(At(*canary, {"spec", "analysis", "threshold"}) == "2");
    CHECK(At(*canary, {"spec", "analysis", "iterations"}) == row.iterations);
    CHECK(At(*canary, {"spec", "analysis", "maxWeight"}) == row.max_weight);
    CHECK(At(*canary, {"spec", "analysis", "stepWeight"}) == row.step_weight);
    const Node* match = canary->doc.Path({"spec", "analysis", "match"});
    CHECK((match == nullptr ? 0 : match->items.size()) == row.matches);
    const Node* hook = &canary->doc.Path({"spec", "analysis", "webhooks"})->items.at(0);
    CHECK(hook->Find("name")->value == "generated-testload-0");
    CHECK(hook->Find("url")->value == "http://backend-testloader.webapp/");
    CHECK(hook->Find("timeout")->value == "60s");
    CHECK(hook->Path({"metadata", "cmd"})->value == row.command);
    CHECK(hook->Path({"metadata", "type"})->value == "cmd");
    // The istio routing fields, under istio only.
    CHECK(At(*canary, {"spec", "service", "gateways"}) == std::string(row.provider == "istio" ? "<list>" : "<absent>"));
    // The custom metric: a templateRef in the Canary and its MetricTemplate.
    const Node* metrics = canary->doc.Path({"spec", "analysis", "metrics"});
    REQUIRE(metrics != nullptr);
    std::string ref;
    for (const Node& m : metrics->items)
      if (const Node* n = m.Path({"templateRef", "name"})) ref = n->value;
    CHECK(ref == row.template_name);
    if (!row.template_name.empty()) {
      const Manifest* tmpl = Find(*r, "MetricTemplate", row.template_name);
      REQUIRE(tmpl != nullptr);
      CHECK(tmpl->ns == "webapp");
      CHECK(At(*tmpl, {"spec", "provider", "address"}) == row.template_address);
      CHECK(At(*tmpl, {"spec", "provider", "type"}) == "prometheus");
    }
    // nginx: the Ingress Kurator creates, and the Canary's ingressRef to it.
    const Manifest* ingress = Find(*r, "Ingress", "nginx");
    CHECK((ingress != nullptr) == (row.provider == "nginx"));
    if (ingress != nullptr) {
      CHECK(At(*canary, {"spec", "ingressRef", "name"}) == "nginx");
      CHECK(At(*ingress, {"metadata", "annotations", "kubernetes.io/ingress.class"}) == "nginx");
      const Node& rule = ingress->doc.Path({"spec", "rules"})->items.at(0);
      CHECK(rule.Find("host")->value == "app.example.com");
      const Node& path = rule.Path({"http", "paths"})->items.at(0);
      CHECK(path.Find("path")->value == "/");
      CHECK(path.Find("pathType")->value == "Prefix");
      CHECK(path.Path({"backend", "service", "name"})->value == "backend");
      CHECK(path.Path({"backend", "service", "port", "number"})->value == "9898");
    }
    // kuma: the mesh annotation and the protocol (defaulted to http) on each Service.
    if (row.provider == "kuma") {
      CHECK(At(*canary, {"metadata", "annotations", "kuma.io/mesh"}) == "default");
      for (const char* svc : {"apex", "primary", "canary"})
        CHECK(At(*canary, {"spec", "service", svc, "annotations", "9898.service.kuma.io/protocol"}) == "http");
    }
    CHECK(At(*canary, {"metadata", "annotations", "kurator.dev/rollout"}) == "demo-0");
    CHECK(Find(*r, "Deployment", "backend-testloader") != nullptr);
    CHECK(Find(*r, "Service", "backend-testloader") != nullptr);
    // The Application stays, without rollout, with both kustomizations.
    const Manifest* app = Find(*r, "Application", "demo");
    REQUIRE(app != nullptr);
    const Node* policies = app->doc.Path({"spec", "syncPolicies"});
    REQUIRE(policies->items.size() == 2);
    CHECK(policies->items[0].Find("rollout") == nullptr);
    CHECK(policies->items[0].Path({"kustomization", "path"})->value == "./deploy/webapp");
    CHECK(policies->items[1].Path({"kustomization", "path"})->value == "./kustomize");
  }
}

TEST_CASE("kurator: Kurator's quirks that are bugs are not copied") {
  auto canary_of = [](const std::string& text) {
    auto r = RenderText(text, Mode::kFlagger);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* c = Find(*r, "Canary", "backend");
    REQUIRE(c != nullptr);
    return *c;
  };
  SUBCASE("metric intervalSeconds and webhooks timeoutSeconds omitted: the documented 60, where Kurator dereferences nil") {
    std::string text = Application("istio", kCanary, "          - {name: request-success-rate, thresholdRange: {min: 99}}\n", "hey");
    text.replace(text.find("{timeoutSeconds: 60, "), 21, "{");
    const Manifest c = canary_of(text);
    CHECK(c.doc.Path({"spec", "analysis", "metrics"})->items.at(0).Find("interval")->value == "60s");
    CHECK(c.doc.Path({"spec", "analysis", "webhooks"})->items.at(0).Find("timeout")->value == "60s");
  }
  SUBCASE("primary and preview metadata reach the primary and canary Services, which Kurator leaves unused") {
    std::string text = Application("istio", kCanary, kBuiltIns, "hey");
    text.replace(text.find("      rolloutPolicy:"), 0,
                 "      primary: {labels: {tier: stable}, annotations: {note: primary}}\n"
                 "      preview: {annotations: {note: preview}}\n");
    const Manifest c = canary_of(text);
    CHECK(At(c, {"spec", "service", "primary", "labels", "tier"}) == "stable");
    CHECK(At(c, {"spec", "service", "primary", "annotations", "note"}) == "primary");
    CHECK(At(c, {"spec", "service", "canary", "annotations", "note"}) == "preview");
    CHECK(At(c, {"spec", "service", "apex"}) == "<absent>");
  }
  SUBCASE("kuma: the protocol annotation names the rollout's port, not a fixed 9898, and kuma.io/mesh is kept") {
    std::string text = Application("kuma", "          protocol: grpc\n" + std::string(kCanary), kBuiltIns, "hey");
    text.replace(text.find("port: 9898"), 10, "port: 8080");
    const Manifest c = canary_of(text);
    CHECK(At(c, {"spec", "service", "apex", "annotations", "8080.service.kuma.io/protocol"}) == "grpc");
    CHECK(At(c, {"spec", "service", "apex", "annotations", "9898.service.kuma.io/protocol"}) == "<absent>");
    CHECK(At(c, {"metadata", "annotations", "kuma.io/mesh"}) == "default");
    CHECK(At(c, {"metadata", "annotations", "kurator.dev/rollout"}) == "demo-0");
  }
  SUBCASE("the private load tester is named after the Service its webhooks call, also when the workload is named otherwise") {
    std::string text = Application("istio", kCanary, kBuiltIns, "hey");
    text.replace(text.find("serviceName: backend"), 20, "serviceName: api");
    auto r = RenderText(text, Mode::kFlagger);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* c = Find(*r, "Canary", "backend");  // named after the workload, as Kurator names it
    REQUIRE(c != nullptr);
    CHECK(c->doc.Path({"spec", "analysis", "webhooks"})->items.at(0).Find("url")->value == "http://api-testloader.webapp/");
    CHECK(Find(*r, "Deployment", "api-testloader") != nullptr);
    CHECK(Find(*r, "Service", "api-testloader") != nullptr);
    CHECK(Find(*r, "Deployment", "backend-testloader") == nullptr);
  }
  SUBCASE("trafficRouting.timeoutSeconds unset: no timeout, where Kurator writes \"0s\"") {
    const Manifest c = canary_of(Application("istio", kCanary, kBuiltIns, "hey"));
    CHECK(At(c, {"spec", "service", "timeout"}) == "<absent>");
  }
  SUBCASE("workload without apiVersion and kind: apps/v1 Deployment, where Kurator writes an empty targetRef kind") {
    std::string text = Application("istio", kCanary, kBuiltIns, "hey");
    text.replace(text.find("{apiVersion: apps/v1, kind: Deployment, name: backend"), 53, "{name: backend");
    const Manifest c = canary_of(text);
    CHECK(At(c, {"spec", "targetRef", "apiVersion"}) == "apps/v1");
    CHECK(At(c, {"spec", "targetRef", "kind"}) == "Deployment");
  }
}

TEST_CASE("kurator: the private load tester has the shape Kurator installs") {
  auto r = RenderText(Application("istio", kCanary, kBuiltIns, "hey"), Mode::kFlagger);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Manifest* d = Find(*r, "Deployment", "backend-testloader");
  const Manifest* s = Find(*r, "Service", "backend-testloader");
  REQUIRE(d != nullptr);
  REQUIRE(s != nullptr);
  for (const Manifest* m : {d, s}) {
    CHECK(m->ns == "webapp");
    CHECK(At(*m, {"metadata", "labels", "app"}) == "backend-testloader");
    CHECK(At(*m, {"metadata", "annotations", "kurator.dev/rollout"}) == "demo-0");
  }
  CHECK(At(*d, {"spec", "selector", "matchLabels", "app"}) == "backend-testloader");
  CHECK(At(*d, {"spec", "template", "metadata", "labels", "app"}) == "backend-testloader");
  CHECK(At(*d, {"spec", "template", "metadata", "annotations", "prometheus.io/port"}) == "8080");
  const Node& c = d->doc.Path({"spec", "template", "spec", "containers"})->items.at(0);
  CHECK(c.Find("image")->value == "ghcr.io/fluxcd/flagger-loadtester:0.29.0");
  CHECK(c.Find("ports")->items.at(0).Find("containerPort")->value == "8080");
  CHECK(c.Find("command")->items.size() == 4);
  CHECK(c.Path({"securityContext", "runAsUser"})->value == "10001");
  CHECK(c.Path({"resources", "limits", "memory"})->value == "512Mi");
  CHECK(At(*s, {"spec", "type"}) == "ClusterIP");
  CHECK(At(*s, {"spec", "selector", "app"}) == "backend-testloader");
  const Node& port = s->doc.Path({"spec", "ports"})->items.at(0);
  CHECK(port.Find("port")->value == "80");
  CHECK(port.Find("targetPort")->value == "http");
  // git mode renders no load tester; without testLoader, neither mode does.
  std::string workload =
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend, namespace: webapp}\n"
      "spec:\n  selector: {matchLabels: {app: backend}}\n  template:\n    metadata: {labels: {app: backend}}\n"
      "    spec: {containers: [{name: app, image: example/backend:1}]}\n";
  auto git = RenderText(Application("istio", kCanary, kBuiltIns, "hey") + workload, Mode::kGit);
  REQUIRE_MESSAGE(git.ok(), git.status().message());
  CHECK(Find(*git, "Deployment", "backend-testloader") == nullptr);
  CHECK(Find(*git, "Deployment", "backend-primary") != nullptr);
}

TEST_CASE("kurator: mode rules and conflicts are errors that say what to do") {
  const std::string workload =
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend, namespace: webapp}\n"
      "spec:\n  selector: {matchLabels: {app: backend}}\n  template:\n    metadata: {labels: {app: backend}}\n"
      "    spec: {containers: [{name: app, image: example/backend:1}]}\n";
  struct Row {
    std::string name, text;
    Mode mode;
    std::string want;  // "" = renders
  };
  const Row rows[] = {
      {"git mode without the workload", Application("istio", kCanary, kBuiltIns, "hey"), Mode::kGit,
       "app.yaml:12:17: spec.syncPolicies[0].rollout.workload: Deployment webapp/backend is not in the rendered input"},
      {"git mode with the workload", Application("istio", kCanary, kBuiltIns, "hey") + workload, Mode::kGit, ""},
      {"flagger mode without the workload", Application("istio", kCanary, kBuiltIns, "hey"), Mode::kFlagger, ""},
      {"flagger mode with the workload", Application("istio", kCanary, kBuiltIns, "hey") + workload, Mode::kFlagger, ""},
      {"kuma in git mode", Application("kuma", kCanary, kBuiltIns, "hey") + workload, Mode::kGit,
       "app.yaml:11:31: spec.syncPolicies[0].rollout.trafficRoutingProvider: kuma is not routed in git mode"},
      {"kuma in flagger mode", Application("kuma", kCanary, kBuiltIns, "hey") + workload, Mode::kFlagger, ""},
      {"nginx in git mode", Application("nginx", kNginxHost + std::string(kCanary), kBuiltIns, "hey") + workload, Mode::kGit, ""},
      {"two rollouts for one workload",
       Application("istio", kCanary, kBuiltIns, "hey") + "---\n" + Application("istio", kThree, kBuiltIns, "hey", "other"),
       Mode::kFlagger, "app.yaml:40:17: spec.syncPolicies[0].rollout.workload: Deployment webapp/backend already has a rollout at app.yaml:12"},
      {"two nginx rollouts in one namespace",
       Application("nginx", kNginxHost + std::string(kCanary), kBuiltIns, "hey") + "---\n" +
           [&] {
             std::string t = Application("nginx", kNginxHost + std::string(kCanary), kBuiltIns, "hey", "other");
             t.replace(t.find("name: backend, namespace"), 13, "name: frontend");
             return t;
           }(),
       Mode::kFlagger, "app.yaml:41:31: spec.syncPolicies[0].rollout.trafficRoutingProvider: a second nginx rollout in namespace webapp"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    auto r = RenderText(row.text, row.mode);
    if (row.want.empty()) {
      CHECK_MESSAGE(r.ok(), r.status().message());
      continue;
    }
    REQUIRE(!r.ok());
    CHECK(r.status().message().find(row.want) == 0);
    const bool points_to_flagger = row.mode == Mode::kGit;
    CHECK((r.status().message().find("--mode flagger") != std::string::npos) == points_to_flagger);
  }
}

}  // namespace
}  // namespace gitcanary::render::kurator
