// Flagger's controller tests (fluxcd/flagger pkg/canary: the Deployment
// controller, the config tracker, the HPA reconciler and the label utilities)
// re-expressed as rows of facts about what git mode renders.
//
// The fixture below is Flagger's test fixture written as manifests: Deployment
// podinfo selected by `name: podinfo`, ConfigMaps and Secrets referenced every
// way a pod can reference them (env, envFrom, volumes, projected volumes, init
// containers), two of each with `flagger.app/config-tracking` enabled and
// disabled, pod anti-affinity and topology spread on `app: podinfo` and on
// `app: arbitrary-app`, and the selector labels app and name with the label
// prefix app.kubernetes.io, as Flagger's fixture configures its controller.
//
// Every assertion call of those test files is either a row here (a fact that
// Flagger asserts, checked on git mode's output), or counted in kNotApplicable
// with the reason. A row that git mode deliberately does not follow says why
// in `differs`; it is checked to still differ, so a change that closes the gap
// shows up here. The README quotes the counts; a test keeps it honest.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "render/canary_status.h"
#include "render/loader.h"
#include "render/output.h"
#include "render/primary_workload.h"
#include "render/render.h"
#include "render/revision_checksum.h"
#include "render/yaml_emit.h"
#include "tests/test_util.h"

namespace gitcanary::render {
namespace {

// ---- the fixture ---------------------------------------------------------

std::string ConfigMap(const std::string& name, const std::string& data, const std::string& tracking = "") {
  std::string meta = "metadata:\n  name: " + name + "\n  namespace: default\n";
  if (!tracking.empty())
    meta += "  annotations:\n    unrelated-annotation-1: x\n    flagger.app/config-tracking: " + tracking +
            "\n    unrelated-annotation-2: y\n";
  return "apiVersion: v1\nkind: ConfigMap\n" + meta + "data: " + data + "\n";
}

std::string Secret(const std::string& name, const std::string& tracking = "") {
  std::string meta = "metadata:\n  name: " + name + "\n  namespace: default\n";
  if (!tracking.empty()) meta += "  annotations:\n    flagger.app/config-tracking: " + tracking + "\n";
  return "apiVersion: v1\nkind: Secret\n" + meta + "type: Opaque\ndata: {apiKey: dGVzdA==}\n";
}

// The pod spec of Flagger's fixture Deployment (v1).
const char kPodSpecV1[] = R"(      initContainers:
      - name: init
        image: busybox
        env:
        - {name: PODINFO_UI_COLOR, valueFrom: {configMapKeyRef: {name: podinfo-config-init-env, key: color}}}
        - {name: API_KEY, valueFrom: {secretKeyRef: {name: podinfo-secret-init-env, key: apiKey}}}
        envFrom:
        - configMapRef: {name: podinfo-config-init-all-env}
        - secretRef: {name: podinfo-secret-init-all-env}
      containers:
      - name: podinfo
        image: quay.io/stefanprodan/podinfo:1.2.0
        command: [./podinfo, --port=9898]
        resources: {requests: {cpu: "1000"}}
        ports:
        - {name: http, containerPort: 9898, protocol: TCP}
        env:
        - {name: PODINFO_UI_COLOR, valueFrom: {configMapKeyRef: {name: podinfo-config-env, key: color}}}
        - {name: API_KEY, valueFrom: {secretKeyRef: {name: podinfo-secret-env, key: apiKey}}}
        envFrom:
        - configMapRef: {name: podinfo-config-all-env}
        - secretRef: {name: podinfo-secret-all-env}
      volumes:
      - {name: config, configMap: {name: podinfo-config-vol, optional: false}}
      - {name: secret, secret: {secretName: podinfo-secret-vol, optional: false}}
      - name: projected
        projected:
          sources:
          - configMap: {name: podinfo-config-projected, items: [{key: color, path: my-group/my-color}]}
          - secret: {name: podinfo-secret-projected, items: [{key: apiKey, path: my-group/my-api-key}]}
      - {name: config-tracker-enabled, configMap: {name: podinfo-config-tracker-enabled}}
      - {name: config-tracker-disabled, configMap: {name: podinfo-config-tracker-disabled}}
      - {name: secret-tracker-enabled, secret: {secretName: podinfo-secret-tracker-enabled}}
      - {name: secret-tracker-disabled, secret: {secretName: podinfo-secret-tracker-disabled}}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - {weight: 1, podAffinityTerm: {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [podinfo]}]}}}
          - {weight: 1, podAffinityTerm: {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [arbitrary-app]}]}}}
          requiredDuringSchedulingIgnoredDuringExecution:
          - {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [podinfo]}]}}
          - {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [arbitrary-app]}]}}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchExpressions: [{key: app, operator: In, values: [podinfo]}]}}
      - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchExpressions: [{key: app, operator: In, values: [arbitrary-app]}]}}
)";

// Flagger's V2 Deployment: image 1.2.1, annotations and labels without the app.kubernetes.io ones.
const char kPodSpecV2[] = R"(      containers:
      - name: podinfo
        image: quay.io/stefanprodan/podinfo:1.2.1
        ports:
        - {name: http, containerPort: 9898, protocol: TCP}
        env:
        - {name: PODINFO_UI_COLOR, valueFrom: {configMapKeyRef: {name: podinfo-config-env, key: color}}}
        - {name: API_KEY, valueFrom: {secretKeyRef: {name: podinfo-secret-env, key: apiKey}}}
        envFrom:
        - configMapRef: {name: podinfo-config-all-env}
      volumes:
      - {name: config, configMap: {name: podinfo-config-vol}}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - {weight: 1, podAffinityTerm: {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [podinfo]}]}}}
          requiredDuringSchedulingIgnoredDuringExecution:
          - {topologyKey: zone, labelSelector: {matchExpressions: [{key: app, operator: In, values: [podinfo]}]}}
)";

std::string Deployment(const std::string& name, const std::string& label, const std::string& value,
                       const char* pod_spec = kPodSpecV1, const std::string& cpu = "1000") {
  std::string spec = pod_spec;
  if (const auto at = spec.find("cpu: \"1000\""); at != std::string::npos) spec.replace(at, 11, "cpu: \"" + cpu + "\"");
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: default\n  annotations:\n    kustomize.toolkit.fluxcd.io/checksum: 0a40893bfdc5\n"
         "    test-annotation-1: test-annotation-value-1\n  labels:\n    test-label-1: test-label-value-1\n"
         "spec:\n  selector:\n    matchLabels:\n      " + label + ": " + value +
         "\n  template:\n    metadata:\n      annotations:\n        test-annotation-1: test-annotation-value-1\n"
         "      labels:\n        " + label + ": " + value + "\n        test-label-1: test-label-value-1\n    spec:\n" +
         spec;
}

std::string Canary(const std::string& name, const std::string& target, const std::string& scaler_extra = "",
                   const std::string& hpa = "podinfo") {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: " + target +
         "}\n  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: " + hpa + "\n" +
         scaler_extra + "  service: {port: 9898}\n  analysis: {threshold: 10, stepWeight: 10, maxWeight: 50}\n";
}

std::string Hpa(const std::string& utilization = "99", const std::string& max = "") {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: podinfo, namespace: default}\n"
         "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n" +
         (max.empty() ? std::string() : "  maxReplicas: " + max + "\n") +
         "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: " +
         utilization + "}}\n";
}

// Flagger's ConfigMaps and Secrets; `color` is the data of podinfo-config-env (v1 red, v2 blue + output).
std::vector<std::string> Configs(const std::string& env_data = "{color: red}", const std::string& all = "") {
  std::vector<std::string> out;
  for (const char* name : {"podinfo-config-init-env", "podinfo-config-init-all-env", "podinfo-config-projected",
                           "podinfo-config-all-env", "podinfo-config-vol"})
    out.push_back(ConfigMap(name, "{color: red}", all));
  out.push_back(ConfigMap("podinfo-config-env", env_data, all));
  out.push_back(ConfigMap("podinfo-config-tracker-enabled", "{color: red}", all.empty() ? "enabled" : all));
  out.push_back(ConfigMap("podinfo-config-tracker-disabled", "{color: red}", "disabled"));
  for (const char* name : {"podinfo-secret-env", "podinfo-secret-all-env", "podinfo-secret-vol", "podinfo-secret-projected",
                           "podinfo-secret-init-env", "podinfo-secret-init-all-env"})
    out.push_back(Secret(name));
  out.push_back(Secret("podinfo-secret-tracker-enabled", "enabled"));
  out.push_back(Secret("podinfo-secret-tracker-disabled", "disabled"));
  return out;
}

// Flagger's fixture controller: selector labels app and name, label prefix app.kubernetes.io.
AppConfig FixtureConfig() {
  AppConfig c;
  c.labels.selector = {"app", "name"};
  c.labels.include_prefix = {"app.kubernetes.io"};
  return c;
}

std::vector<Manifest> Parse(const std::vector<std::string>& docs) {
  std::vector<Manifest> out;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto parsed = ParseManifests(docs[i], "doc" + std::to_string(i) + ".yaml");
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    for (Manifest& m : *parsed) out.push_back(std::move(m));
  }
  return out;
}

// A status document whose promoted snapshot is `promoted` (its target and ConfigMaps), as serve writes it.
std::string StatusFor(const std::string& canary, const std::string& phase, const std::vector<std::string>& promoted,
                      const std::string& target) {
  std::vector<Manifest> objects = Parse(promoted);
  std::map<std::string, const Manifest*> config_maps;
  const Manifest* deployment = nullptr;
  for (const Manifest& m : objects) {
    if (m.kind == "ConfigMap") config_maps[m.name] = &m;
    if (m.kind == "Deployment" && m.name == target) deployment = &m;
  }
  REQUIRE(deployment != nullptr);
  CanaryStatus status;
  status.phase = *ParsePhase(phase);
  status.promoted = SnapshotOf(*deployment->doc.Path({"spec", "template"}), config_maps);
  yaml::Node doc = yaml::Node::Mapping();
  doc.Set("apiVersion", yaml::Node::String(std::string(kStatusApiVersion)));
  doc.Set("kind", yaml::Node::String(std::string(kStatusKind)));
  yaml::Node meta = yaml::Node::Mapping();
  meta.Set("name", yaml::Node::String(canary));
  meta.Set("namespace", yaml::Node::String("default"));
  doc.Set("metadata", std::move(meta));
  doc.Set("status", StatusToNode(status));
  std::string text;
  EmitYaml(doc, &text);
  return text;
}

// Renders `docs` in git mode; the output as yaml-cpp documents.
std::vector<YAML::Node> RenderGit(const std::vector<std::string>& docs, const AppConfig& config = FixtureConfig()) {
  RenderOptions options;
  options.mode = Mode::kGit;
  options.app_namespace = "default";
  auto result = Render(Parse(docs), config, options);
  REQUIRE_MESSAGE(result.ok(), result.status().message());
  return YAML::LoadAll(ToYamlStream(result->objects));
}

YAML::Node Get(const std::vector<YAML::Node>& out, const std::string& kind, const std::string& name) {
  for (const YAML::Node& d : out)
    if (d["kind"].as<std::string>() == kind && d["metadata"]["name"].as<std::string>() == name) return d;
  return YAML::Node();
}

bool Exists(const std::vector<YAML::Node>& out, const std::string& kind, const std::string& name) {
  return Get(out, kind, name).IsDefined() && !Get(out, kind, name).IsNull();
}

std::string Str(const YAML::Node& n) { return n && n.IsScalar() ? n.as<std::string>() : std::string("<none>"); }

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- the rendered situations Flagger's tests look at -----------------------

struct World {
  std::vector<YAML::Node> init;           // initializeCanary: no status yet (bootstrap)
  std::vector<YAML::Node> inconsistent;   // Deployment podinfo-service selected by name: podinfo
  std::vector<YAML::Node> promoted;       // Promote of V2 with ConfigMap V2 (then Succeeded: canary at 0)
  std::vector<YAML::Node> untracked;      // every ConfigMap opts out of tracking (Flagger's NopTracker)
  std::vector<YAML::Node> two_canaries;   // podinfo and podinfo2 share the ConfigMaps
  std::vector<YAML::Node> hpa_99, hpa_50, hpa_override;
  std::vector<YAML::Node> prefixes_foo_lor, prefixes_star, prefixes_none, primary_labels;
};

std::vector<std::string> V1() { return Concat({Deployment("podinfo", "name", "podinfo"), Canary("podinfo", "podinfo"), Hpa()}, Configs()); }

std::string LabelledDeployment(const std::string& meta_labels, const std::string& selector, const std::string& pod_labels) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: default\n  labels: " +
         meta_labels + "\nspec:\n  selector:\n    matchLabels: " + selector + "\n  template:\n    metadata:\n      labels: " +
         pod_labels + "\n    spec:\n      containers:\n      - {name: podinfo, image: podinfo:1}\n";
}

const World& TheWorld() {
  static const World w = [] {
    World w;
    w.init = RenderGit(V1());
    w.inconsistent = RenderGit(Concat({Deployment("podinfo-service", "name", "podinfo"), Canary("podinfo", "podinfo-service"),
                                       Hpa()}, Configs()));
    const std::vector<std::string> v2 = Concat({Deployment("podinfo", "name", "podinfo", kPodSpecV2), Canary("podinfo", "podinfo"), Hpa()},
                                               Configs("{color: blue, output: console}"));
    w.promoted = RenderGit(Concat(v2, {StatusFor("podinfo", "Succeeded", v2, "podinfo")}));
    w.untracked = RenderGit(Concat({Deployment("podinfo", "name", "podinfo"), Canary("podinfo", "podinfo"), Hpa()},
                                   Configs("{color: red}", "disabled")));
    w.two_canaries = RenderGit(Concat(V1(), {Deployment("podinfo2", "name", "podinfo2"), Canary("podinfo2", "podinfo2", "", "podinfo2")}));
    w.hpa_99 = RenderGit(V1());
    w.hpa_50 = RenderGit(Concat({Deployment("podinfo", "name", "podinfo"), Canary("podinfo", "podinfo"), Hpa("50", "10")}, Configs()));
    w.hpa_override = RenderGit(Concat({Deployment("podinfo", "name", "podinfo"),
                                       Canary("podinfo", "podinfo", "    primaryScalerReplicas: {minReplicas: 2, maxReplicas: 15}\n"),
                                       Hpa("50", "10")}, Configs()));
    const std::string labelled = LabelledDeployment("{foo: foo-value, bar: bar-value, lorem: ipsum}", "{app: podinfo}",
                                                    "{app: podinfo}");
    auto with_prefixes = [&](std::vector<std::string> prefixes) {
      AppConfig c;
      c.labels.include_prefix = std::move(prefixes);
      return RenderGit({labelled, Canary("podinfo", "podinfo")}, c);
    };
    w.prefixes_foo_lor = with_prefixes({"foo", "lor"});
    w.prefixes_star = with_prefixes({"*"});
    w.prefixes_none = with_prefixes({""});
    AppConfig foo;
    foo.labels.selector = {"foo"};
    w.primary_labels = RenderGit({LabelledDeployment("{}", "{foo: old-bar}", "{lorem: ipsum, foo: old-bar}"),
                                  Canary("podinfo", "podinfo")}, foo);
    return w;
  }();
  return w;
}

// ---- rows -----------------------------------------------------------------

struct Row {
  const char* flagger;  // test file:line and test name
  const char* fact;
  std::function<bool(const World&)> holds;
  const char* differs = nullptr;  // why git mode deliberately renders otherwise
};

YAML::Node PrimaryPodSpec(const std::vector<YAML::Node>& out) { return Get(out, "Deployment", "podinfo-primary")["spec"]["template"]["spec"]; }
YAML::Node Primary(const std::vector<YAML::Node>& out) { return Get(out, "Deployment", "podinfo-primary"); }

std::string VolumeRef(const std::vector<YAML::Node>& out, std::size_t i, const char* kind, const char* key) {
  return Str(PrimaryPodSpec(out)["volumes"][i][kind][key]);
}

bool VolumeNamed(const std::vector<YAML::Node>& out, const char* kind, const char* key, const std::string& name) {
  for (const YAML::Node& v : PrimaryPodSpec(out)["volumes"])
    if (v[kind] && Str(v[kind][key]) == name) return true;
  return false;
}

std::string Color(const std::vector<YAML::Node>& out, const std::string& config_map) {
  return Str(Get(out, "ConfigMap", config_map)["data"]["color"]);
}

std::string AffinityValue(const std::vector<YAML::Node>& out, const char* which, std::size_t i) {
  const YAML::Node spec = PrimaryPodSpec(out);
  YAML::Node selector;
  if (std::string(which) == "preferred")
    selector = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][i]["podAffinityTerm"]["labelSelector"];
  else if (std::string(which) == "required")
    selector = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][i]["labelSelector"];
  else
    selector = spec["topologySpreadConstraints"][i]["labelSelector"];
  return Str(selector["matchExpressions"][0]["values"][0]);
}

bool EndsPrimary(const std::string& s) { return s.size() >= 8 && s.compare(s.size() - 8, 8, "-primary") == 0; }

std::vector<std::string> LabelKeys(const YAML::Node& labels, const std::string& but = "") {
  std::vector<std::string> keys;
  for (const auto& kv : labels)
    if (kv.first.as<std::string>() != but) keys.push_back(kv.first.as<std::string>());
  std::sort(keys.begin(), keys.end());
  return keys;
}

// The revision of a pod template and ConfigMaps, as git mode computes it.
std::string Revision(const std::string& cpu) {
  std::vector<Manifest> objects = Parse(Concat({Deployment("podinfo", "name", "podinfo", kPodSpecV1, cpu)}, Configs()));
  std::map<std::string, const yaml::Node*> cms, secrets;
  const yaml::Node* tmpl = nullptr;
  for (const Manifest& m : objects) {
    if (m.kind == "ConfigMap") cms[m.name] = &m.doc;
    if (m.kind == "Secret") secrets[m.name] = &m.doc;
    if (m.kind == "Deployment") tmpl = m.doc.Path({"spec", "template"});
  }
  return RevisionChecksum(*tmpl, cms, secrets);
}

// The revision of the promoted snapshot (bare ConfigMap data, as status holds it) of the same objects.
std::string PromotedRevision(const std::string& cpu) {
  std::vector<Manifest> objects = Parse(Concat({Deployment("podinfo", "name", "podinfo", kPodSpecV1, cpu)}, Configs()));
  std::map<std::string, const Manifest*> cms;
  std::map<std::string, const yaml::Node*> secrets;
  const yaml::Node* tmpl = nullptr;
  for (const Manifest& m : objects) {
    if (m.kind == "ConfigMap") cms[m.name] = &m;
    if (m.kind == "Secret") secrets[m.name] = &m.doc;
    if (m.kind == "Deployment") tmpl = m.doc.Path({"spec", "template"});
  }
  PromotedSnapshot snap = SnapshotOf(*tmpl, cms);
  std::map<std::string, const yaml::Node*> data;
  for (const auto& [name, d] : snap.config_maps) data[name] = &d;
  return RevisionChecksum(snap.template_, data, secrets);
}

const char kSecretsShared[] =
    "Secrets are shared by primary and canary in git mode: their data never enters the status in git, so a "
    "promoted copy could not be rendered from one revision";

const std::vector<Row>& Rows() {
  using W = const World&;
  static const std::vector<Row> rows = {
      // deployment_controller_test.go
      {"deployment_controller_test.go:41 Sync_ConsistentNaming", "Deployment podinfo-primary is created",
       [](W w) { return Exists(w.init, "Deployment", "podinfo-primary"); }},
      {"deployment_controller_test.go:46 Sync_ConsistentNaming", "the primary runs the target's image",
       [](W w) { return Str(PrimaryPodSpec(w.init)["containers"][0]["image"]) == "quay.io/stefanprodan/podinfo:1.2.0"; }},
      {"deployment_controller_test.go:49 Sync_ConsistentNaming", "the primary selects name: podinfo-primary",
       [](W w) { return Str(Primary(w.init)["spec"]["selector"]["matchLabels"]["name"]) == "podinfo-primary"; }},
      {"deployment_controller_test.go:52 Sync_ConsistentNaming", "the kustomize.toolkit.fluxcd.io annotation is not copied",
       [](W w) { return !Primary(w.init)["metadata"]["annotations"]["kustomize.toolkit.fluxcd.io/checksum"]; }},
      {"deployment_controller_test.go:61 Sync_InconsistentNaming", "Deployment podinfo-service-primary is created",
       [](W w) { return Exists(w.inconsistent, "Deployment", "podinfo-service-primary"); }},
      {"deployment_controller_test.go:66 Sync_InconsistentNaming", "its primary runs the target's image",
       [](W w) {
         return Str(Get(w.inconsistent, "Deployment", "podinfo-service-primary")["spec"]["template"]["spec"]["containers"][0]["image"]) ==
                "quay.io/stefanprodan/podinfo:1.2.0";
       }},
      {"deployment_controller_test.go:69 Sync_InconsistentNaming", "the primary's selector is the label VALUE plus -primary",
       [](W w) {
         return Str(Get(w.inconsistent, "Deployment", "podinfo-service-primary")["spec"]["selector"]["matchLabels"]["name"]) ==
                "podinfo-primary";
       }},
      {"deployment_controller_test.go:89 Promote", "the primary exists after promotion",
       [](W w) { return Exists(w.promoted, "Deployment", "podinfo-primary"); }},
      {"deployment_controller_test.go:93 Promote", "the primary runs the promoted image 1.2.1",
       [](W w) { return Str(PrimaryPodSpec(w.promoted)["containers"][0]["image"]) == "quay.io/stefanprodan/podinfo:1.2.1"; }},
      {"deployment_controller_test.go:97 Promote", "label app.kubernetes.io/test-label-1 is as on the source (absent)",
       [](W w) { return !Primary(w.promoted)["metadata"]["labels"]["app.kubernetes.io/test-label-1"]; }},
      {"deployment_controller_test.go:98 Promote", "the primary's label name is podinfo-primary",
       [](W w) { return Str(Primary(w.promoted)["metadata"]["labels"]["name"]) == "podinfo-primary"; }},
      {"deployment_controller_test.go:102 Promote", "annotation app.kubernetes.io/test-annotation-1 is as on the source (absent)",
       [](W w) { return !Primary(w.promoted)["metadata"]["annotations"]["app.kubernetes.io/test-annotation-1"]; }},
      {"deployment_controller_test.go:105 Promote", "ConfigMap podinfo-config-env-primary exists",
       [](W w) { return Exists(w.promoted, "ConfigMap", "podinfo-config-env-primary"); }},
      {"deployment_controller_test.go:106 Promote", "it carries the promoted color blue",
       [](W w) { return Color(w.promoted, "podinfo-config-env-primary") == "blue"; }},
      {"deployment_controller_test.go:109 Promote", "preferred anti-affinity on app: podinfo becomes podinfo-primary",
       [](W w) { return AffinityValue(w.promoted, "preferred", 0) == "podinfo-primary"; }},
      {"deployment_controller_test.go:112 Promote", "required anti-affinity on app: podinfo becomes podinfo-primary",
       [](W w) { return AffinityValue(w.promoted, "required", 0) == "podinfo-primary"; }},
      {"deployment_controller_test.go:124 ScaleToZero", "the target Deployment podinfo is still rendered",
       [](W w) { return Exists(w.promoted, "Deployment", "podinfo"); }},
      {"deployment_controller_test.go:125 ScaleToZero", "the idle canary has replicas 0",
       [](W w) { return Get(w.promoted, "Deployment", "podinfo")["spec"]["replicas"].as<int>(-1) == 0; }},
      {"deployment_controller_test.go:135 NoConfigTracking", "the primary is created without config tracking",
       [](W w) { return Exists(w.untracked, "Deployment", "podinfo-primary"); }},
      {"deployment_controller_test.go:138 NoConfigTracking", "no podinfo-config-env-primary without tracking",
       [](W w) { return !Exists(w.untracked, "ConfigMap", "podinfo-config-env-primary"); }},
      {"deployment_controller_test.go:141 NoConfigTracking", "volume 0 keeps podinfo-config-vol",
       [](W w) { return VolumeRef(w.untracked, 0, "configMap", "name") == "podinfo-config-vol"; }},
      {"deployment_controller_test.go:183 HasTargetChanged", "a changed pod spec (cpu 100) is a new revision",
       [](W) { return Revision("100") != Revision("1000"); }},
      {"deployment_controller_test.go:209 HasTargetChanged", "going back to the promoted spec gives the promoted revision",
       [](W) { return Revision("1000") == PromotedRevision("1000"); }},
      {"deployment_controller_test.go:228 HasTargetChanged", "a third spec (cpu 600) differs from both",
       [](W) { return Revision("600") != PromotedRevision("1000") && Revision("600") != Revision("100"); }},
      {"deployment_controller_test.go:265 AntiAffinityAndTopologySpreadConstraints", "the primary exists",
       [](W w) { return Exists(w.init, "Deployment", "podinfo-primary"); }},
      {"deployment_controller_test.go:271 AntiAffinityAndTopologySpreadConstraints", "preferred[0] app: podinfo -> podinfo-primary",
       [](W w) { return AffinityValue(w.init, "preferred", 0) == "podinfo-primary"; }},
      {"deployment_controller_test.go:273 AntiAffinityAndTopologySpreadConstraints", "preferred[1] arbitrary-app unchanged",
       [](W w) { return !EndsPrimary(AffinityValue(w.init, "preferred", 1)); }},
      {"deployment_controller_test.go:277 AntiAffinityAndTopologySpreadConstraints", "required[0] app: podinfo -> podinfo-primary",
       [](W w) { return AffinityValue(w.init, "required", 0) == "podinfo-primary"; }},
      {"deployment_controller_test.go:279 AntiAffinityAndTopologySpreadConstraints", "required[1] arbitrary-app unchanged",
       [](W w) { return !EndsPrimary(AffinityValue(w.init, "required", 1)); }},
      {"deployment_controller_test.go:283 AntiAffinityAndTopologySpreadConstraints", "topology spread [0] -> podinfo-primary",
       [](W w) { return AffinityValue(w.init, "spread", 0) == "podinfo-primary"; }},
      {"deployment_controller_test.go:285 AntiAffinityAndTopologySpreadConstraints", "topology spread [1] unchanged",
       [](W w) { return !EndsPrimary(AffinityValue(w.init, "spread", 1)); }},

      // config_tracker_test.go
      {"config_tracker_test.go:41 ConfigIsDisabled", "tracking is off for a value starting disable, only under flagger.app/config-tracking",
       [](W) {
         auto cm = [](const std::string& annotations) {
           return Parse({"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations: " + annotations + "\n"})[0].doc;
         };
         return !TrackedConfig(cm("{flagger.app/config-tracking: disable}")) && TrackedConfig(cm("{app: disable}")) &&
                TrackedConfig(cm("{}"));
       }},
      {"config_tracker_test.go:55 ConfigMaps", "the primary exists", [](W w) { return Exists(w.init, "Deployment", "podinfo-primary"); }},
      {"config_tracker_test.go:58 ConfigMaps", "volume 0 refers to podinfo-config-vol-primary",
       [](W w) { return VolumeRef(w.init, 0, "configMap", "name") == "podinfo-config-vol-primary"; }},
      {"config_tracker_test.go:61 ConfigMaps", "podinfo-config-init-env-primary exists",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-init-env-primary"); }},
      {"config_tracker_test.go:62 ConfigMaps", "with color red", [](W w) { return Color(w.init, "podinfo-config-init-env-primary") == "red"; }},
      {"config_tracker_test.go:66 ConfigMaps", "podinfo-config-init-all-env-primary exists",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-init-all-env-primary"); }},
      {"config_tracker_test.go:67 ConfigMaps", "with color red", [](W w) { return Color(w.init, "podinfo-config-init-all-env-primary") == "red"; }},
      {"config_tracker_test.go:71 ConfigMaps", "podinfo-config-env-primary exists",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-env-primary"); }},
      {"config_tracker_test.go:72 ConfigMaps", "with color red", [](W w) { return Color(w.init, "podinfo-config-env-primary") == "red"; }},
      {"config_tracker_test.go:76 ConfigMaps", "podinfo-config-all-env-primary exists",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-all-env-primary"); }},
      {"config_tracker_test.go:77 ConfigMaps", "with color red", [](W w) { return Color(w.init, "podinfo-config-all-env-primary") == "red"; }},
      {"config_tracker_test.go:81 ConfigMaps", "podinfo-config-vol-primary exists",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-vol-primary"); }},
      {"config_tracker_test.go:82 ConfigMaps", "with color red", [](W w) { return Color(w.init, "podinfo-config-vol-primary") == "red"; }},
      {"config_tracker_test.go:86 ConfigMaps", "the projected ConfigMap source refers to podinfo-config-projected-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["volumes"][2]["projected"]["sources"][0]["configMap"]["name"]) == "podinfo-config-projected-primary"; }},
      {"config_tracker_test.go:89 ConfigMaps", "podinfo-config-vol-primary exists (Flagger reads it again here)",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-vol-primary"); }},
      {"config_tracker_test.go:90 ConfigMaps", "with the projected ConfigMap's color red",
       [](W w) { return Color(w.init, "podinfo-config-vol-primary") == "red" && Color(w.init, "podinfo-config-projected-primary") == "red"; }},
      {"config_tracker_test.go:93 ConfigMaps", "the init container's configMapKeyRef is podinfo-config-init-env-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["initContainers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"]) == "podinfo-config-init-env-primary"; }},
      {"config_tracker_test.go:95 ConfigMaps", "the init container's configMapRef is podinfo-config-init-all-env-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["initContainers"][0]["envFrom"][0]["configMapRef"]["name"]) == "podinfo-config-init-all-env-primary"; }},
      {"config_tracker_test.go:99 ConfigMaps", "ConfigMap podinfo-config-tracker-enabled is rendered",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-tracker-enabled"); }},
      {"config_tracker_test.go:101 ConfigMaps", "and so is podinfo-config-tracker-enabled-primary",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-tracker-enabled-primary"); }},
      {"config_tracker_test.go:103 ConfigMaps", "ConfigMap podinfo-config-tracker-disabled is rendered",
       [](W w) { return Exists(w.init, "ConfigMap", "podinfo-config-tracker-disabled"); }},
      {"config_tracker_test.go:105 ConfigMaps", "but no podinfo-config-tracker-disabled-primary",
       [](W w) { return !Exists(w.init, "ConfigMap", "podinfo-config-tracker-disabled-primary"); }},
      {"config_tracker_test.go:112 ConfigMaps", "no primary volume refers to the tracked podinfo-config-tracker-enabled",
       [](W w) { return !VolumeNamed(w.init, "configMap", "name", "podinfo-config-tracker-enabled"); }},
      {"config_tracker_test.go:118 ConfigMaps", "no primary volume refers to podinfo-config-tracker-disabled-primary",
       [](W w) { return !VolumeNamed(w.init, "configMap", "name", "podinfo-config-tracker-disabled-primary"); }},
      {"config_tracker_test.go:122 ConfigMaps", "a primary volume refers to podinfo-config-tracker-enabled-primary",
       [](W w) { return VolumeNamed(w.init, "configMap", "name", "podinfo-config-tracker-enabled-primary"); }},
      {"config_tracker_test.go:123 ConfigMaps", "a primary volume refers to the untracked podinfo-config-tracker-disabled",
       [](W w) { return VolumeNamed(w.init, "configMap", "name", "podinfo-config-tracker-disabled"); }},
      {"config_tracker_test.go:218 Secrets", "the primary exists", [](W w) { return Exists(w.init, "Deployment", "podinfo-primary"); }},
      {"config_tracker_test.go:219 Secrets", "volume 1 refers to podinfo-secret-vol-primary",
       [](W w) { return VolumeRef(w.init, 1, "secret", "secretName") == "podinfo-secret-vol-primary"; }, kSecretsShared},
      {"config_tracker_test.go:224 Secrets", "Secret podinfo-secret-init-env-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-init-env-primary"); }, kSecretsShared},
      {"config_tracker_test.go:225 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-init-env-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:229 Secrets", "Secret podinfo-secret-init-all-env-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-init-all-env-primary"); }, kSecretsShared},
      {"config_tracker_test.go:230 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-init-all-env-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:234 Secrets", "Secret podinfo-secret-env-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-env-primary"); }, kSecretsShared},
      {"config_tracker_test.go:235 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-env-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:239 Secrets", "Secret podinfo-secret-all-env-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-all-env-primary"); }, kSecretsShared},
      {"config_tracker_test.go:240 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-all-env-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:244 Secrets", "Secret podinfo-secret-vol-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-vol-primary"); }, kSecretsShared},
      {"config_tracker_test.go:245 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-vol-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:249 Secrets", "the projected Secret source refers to podinfo-secret-projected-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["volumes"][2]["projected"]["sources"][1]["secret"]["name"]) == "podinfo-secret-projected-primary"; },
       kSecretsShared},
      {"config_tracker_test.go:252 Secrets", "Secret podinfo-secret-projected-primary exists",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-projected-primary"); }, kSecretsShared},
      {"config_tracker_test.go:253 Secrets", "with the source's apiKey",
       [](W w) { return Str(Get(w.init, "Secret", "podinfo-secret-projected-primary")["data"]["apiKey"]) == "dGVzdA=="; }, kSecretsShared},
      {"config_tracker_test.go:256 Secrets", "the init container's secretKeyRef is podinfo-secret-init-env-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["initContainers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["name"]) == "podinfo-secret-init-env-primary"; },
       kSecretsShared},
      {"config_tracker_test.go:258 Secrets", "the init container's secretRef is podinfo-secret-init-all-env-primary",
       [](W w) { return Str(PrimaryPodSpec(w.init)["initContainers"][0]["envFrom"][1]["secretRef"]["name"]) == "podinfo-secret-init-all-env-primary"; },
       kSecretsShared},
      {"config_tracker_test.go:262 Secrets", "Secret podinfo-secret-tracker-enabled is rendered",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-tracker-enabled"); }},
      {"config_tracker_test.go:264 Secrets", "and so is podinfo-secret-tracker-enabled-primary",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-tracker-enabled-primary"); }, kSecretsShared},
      {"config_tracker_test.go:266 Secrets", "Secret podinfo-secret-tracker-disabled is rendered",
       [](W w) { return Exists(w.init, "Secret", "podinfo-secret-tracker-disabled"); }},
      {"config_tracker_test.go:268 Secrets", "but no podinfo-secret-tracker-disabled-primary",
       [](W w) { return !Exists(w.init, "Secret", "podinfo-secret-tracker-disabled-primary"); }},
      {"config_tracker_test.go:275 Secrets", "no primary volume refers to the tracked podinfo-secret-tracker-enabled",
       [](W w) { return !VolumeNamed(w.init, "secret", "secretName", "podinfo-secret-tracker-enabled"); }, kSecretsShared},
      {"config_tracker_test.go:281 Secrets", "no primary volume refers to podinfo-secret-tracker-disabled-primary",
       [](W w) { return !VolumeNamed(w.init, "secret", "secretName", "podinfo-secret-tracker-disabled-primary"); }},
      {"config_tracker_test.go:285 Secrets", "a primary volume refers to podinfo-secret-tracker-enabled-primary",
       [](W w) { return VolumeNamed(w.init, "secret", "secretName", "podinfo-secret-tracker-enabled-primary"); }, kSecretsShared},
      {"config_tracker_test.go:286 Secrets", "a primary volume refers to the untracked podinfo-secret-tracker-disabled",
       [](W w) { return VolumeNamed(w.init, "secret", "secretName", "podinfo-secret-tracker-disabled"); }},
      {"config_tracker_test.go:438 ConfigOwnerMultiDeployment", "two canaries sharing a ConfigMap render podinfo-config-env-primary",
       [](W w) { return Exists(w.two_canaries, "ConfigMap", "podinfo-config-env-primary"); }},
      {"config_tracker_test.go:442 ConfigOwnerMultiDeployment", "and podinfo-secret-env-primary",
       [](W w) { return Exists(w.two_canaries, "Secret", "podinfo-secret-env-primary"); }, kSecretsShared},

      // hpa_reconciler_test.go
      {"hpa_reconciler_test.go:51 reconcilePrimaryHpaV2", "the primary HPA copies averageUtilization 99",
       [](W w) {
         return Get(w.hpa_99, "HorizontalPodAutoscaler", "podinfo-primary")["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as<int>(-1) == 99;
       }},
      {"hpa_reconciler_test.go:63 reconcilePrimaryHpaV2", "a changed HPA (50) changes the primary HPA",
       [](W w) {
         return Get(w.hpa_50, "HorizontalPodAutoscaler", "podinfo-primary")["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as<int>(-1) == 50;
       }},
      {"hpa_reconciler_test.go:64 reconcilePrimaryHpaV2", "and its maxReplicas 10",
       [](W w) { return Get(w.hpa_50, "HorizontalPodAutoscaler", "podinfo-primary")["spec"]["maxReplicas"].as<int>(-1) == 10; }},
      {"hpa_reconciler_test.go:76 reconcilePrimaryHpaV2", "primaryScalerReplicas.minReplicas 2 sets the primary HPA's minReplicas",
       [](W w) { return Get(w.hpa_override, "HorizontalPodAutoscaler", "podinfo-primary")["spec"]["minReplicas"].as<int>(-1) == 2; }},
      {"hpa_reconciler_test.go:77 reconcilePrimaryHpaV2", "primaryScalerReplicas.maxReplicas 15 sets its maxReplicas",
       [](W w) { return Get(w.hpa_override, "HorizontalPodAutoscaler", "podinfo-primary")["spec"]["maxReplicas"].as<int>(-1) == 15; }},

      // util_test.go
      {"util_test.go:30 IncludeLabelsByPrefix", "prefixes foo and lor keep foo and lorem, not bar",
       [](W w) {
         return LabelKeys(Primary(w.prefixes_foo_lor)["metadata"]["labels"], "app") == std::vector<std::string>{"foo", "lorem"};
       }},
      {"util_test.go:47 IncludeLabelsByPrefixWithWildcard", "prefix * keeps every label",
       [](W w) {
         return LabelKeys(Primary(w.prefixes_star)["metadata"]["labels"], "app") == std::vector<std::string>{"bar", "foo", "lorem"};
       }},
      {"util_test.go:65 IncludeLabelsNoIncludes", "an empty prefix keeps none",
       [](W w) { return LabelKeys(Primary(w.prefixes_none)["metadata"]["labels"], "app").empty(); }},
      {"util_test.go:77 MakePrimaryLabels", "pod labels keep lorem and get foo: <value>-primary for selector label foo",
       [](W w) {
         const YAML::Node labels = Primary(w.primary_labels)["spec"]["template"]["metadata"]["labels"];
         return labels.size() == 2 && Str(labels["lorem"]) == "ipsum" && Str(labels["foo"]) == "old-bar-primary";
       }},
  };
  return rows;
}

// Assertion calls of the same files that are not about objects git mode renders.
struct NotApplicable {
  const char* flagger;
  int calls;
  const char* reason;
};

const std::vector<NotApplicable> kNotApplicable = {
    {"deployment_controller_test.go:79,83,86 Promote", 3, "client updates and the Promote call succeed: API client semantics"},
    {"deployment_controller_test.go:121 ScaleToZero", 1, "the ScaleToZero call succeeds: API client semantics"},
    {"deployment_controller_test.go:151-227 HasTargetChanged", 16, "status writes and Get calls succeed: API client semantics"},
    {"deployment_controller_test.go:250,253,254 Finalize", 3,
     "Finalize reverts the target on Canary deletion; in git mode deleting the Canary renders the target as written"},
    {"config_tracker_test.go:126-204 ConfigMaps/daemonset", 26, "DaemonSet targets: git mode supports Deployments only"},
    {"config_tracker_test.go:289-366 Secrets/daemonset", 25, "DaemonSet targets: git mode supports Deployments only"},
    {"config_tracker_test.go:380,392 HasConfigChanged API server down", 2,
     "API server errors: git mode reads git, a config missing from git is shared, never fetched"},
    {"config_tracker_test.go:419 fieldIsMandatory", 1,
     "optional references decide whether a config missing from the cluster is an error; git mode never looks it up"},
    {"config_tracker_test.go:439,443 ConfigOwnerMultiDeployment", 2,
     "ownerReferences: git mode emits none, Argo CD or Flux owns the rendered objects"},
    {"hpa_reconciler_test.go:22,44,47,50,56,59,62,72,75", 9, "reconcile and Get calls succeed: API client semantics"},
    {"hpa_reconciler_test.go:33", 1,
     "a missing HPA is an error in Flagger; render generates it from gitcanary.yaml defaults.hpa instead"},
};

// Flagger's assertion calls in deployment_controller_test.go (54), config_tracker_test.go (109),
// hpa_reconciler_test.go (15) and util_test.go (4).
constexpr int kFlaggerCalls = 54 + 109 + 15 + 4;

TEST_CASE("Flagger controller parity: every re-expressed assertion holds, or differs for its stated reason") {
  const World& w = TheWorld();
  for (const Row& row : Rows()) {
    const std::string what = std::string(row.flagger) + ": " + row.fact;
    INFO(what);
    const bool holds = row.holds(w);
    if (row.differs == nullptr) {
      CHECK(holds);
    } else {
      const std::string why = std::string("now holds: drop the difference (") + row.differs + ")";
      CHECK_MESSAGE(!holds, why);
    }
  }
}

TEST_CASE("Flagger controller parity: rows and not-applicable calls add up to Flagger's assertion calls") {
  int not_applicable = 0;
  for (const NotApplicable& n : kNotApplicable) not_applicable += n.calls;
  // config_tracker_test.go:41 is one call over three cases, re-expressed as one row.
  CHECK(static_cast<int>(Rows().size()) + not_applicable == kFlaggerCalls);
}

TEST_CASE("Flagger controller parity: the README states the counts") {
  int pass = 0;
  for (const Row& row : Rows()) pass += row.differs == nullptr ? 1 : 0;
  const std::string claim = std::to_string(Rows().size()) + " of " + std::to_string(kFlaggerCalls) +
                            " controller assertions re-expressed, " + std::to_string(pass) + " pass";
  const std::string readme = testing::ReadFile(testing::SourceDir() + "/README.md");
  CHECK_MESSAGE(readme.find(claim) != std::string::npos, "README should say: " << claim);
}

}  // namespace
}  // namespace gitcanary::render
