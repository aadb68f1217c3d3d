// The HelmRelease harness (tests/helm_release_build.h, helm_release_checks.h)
// on hand-written HelmReleases in the shape of the object model for a canary
// X of a HelmRelease H (reference: flagger-providers-and-flux.md §B5(i)):
// - HelmRelease H: the user's spec plus a kustomize post-renderer that labels
//   the pods of Deployment X `gitcanary.io/workload: X` (and sets
//   `replicas: 0` only while idle) and deletes the chart's Services X,
//   X-primary and X-canary, hooks excepted;
// - HelmRelease H-primary: releaseName `<release>-primary`, `fullnameOverride:
//   X-primary`, pods labelled `gitcanary.io/workload: X-primary`, colliding
//   Services, Ingresses and HTTPRoutes deleted;
// - Services X and X-primary selecting `gitcanary.io/workload: X-primary`, and
//   X-canary selecting `gitcanary.io/workload: X`.
// Built with real Helm and real kustomize, over the chart of
// examples/flux-helmrelease. The expected facts follow from that chart's
// templates and from how kustomize applies patches, not from a recorded
// output.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/helm_release_build.h"
#include "tests/helm_release_checks.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

const char* const kHelmEnvs[] = {"GITCANARY_TEST_HELM4", "GITCANARY_TEST_HELM3"};

std::map<std::string, std::string> Charts() {
  return {{"podinfo", SourceDir() + "/examples/flux-helmrelease/chart"}};
}

// A delete patch of `kind` (`group`/`version`) named `name`, hooks excepted.
std::string DeletePatch(const std::string& group, const std::string& version, const std::string& kind,
                        const std::string& name) {
  const std::string api = group.empty() ? version : group + "/" + version;
  return "      - target: {" + (group.empty() ? "" : "group: " + group + ", ") + "version: " + version +
         ", kind: " + kind + ", name: " + name + ", annotationSelector: \"!helm.sh/hook\"}\n"
         "        patch: |\n          $patch: delete\n          apiVersion: " + api + "\n          kind: " + kind +
         "\n          metadata:\n            name: " + name + "\n";
}

// The pod-label patch of Deployment `name`, with `replicas: 0` when `idle`.
std::string LabelPatch(const std::string& name, bool idle) {
  return "      - target: {group: apps, version: v1, kind: Deployment, name: " + name + "}\n"
         "        patch: |\n          apiVersion: apps/v1\n          kind: Deployment\n          metadata:\n"
         "            name: " + name + "\n          spec:\n" + (idle ? "            replicas: 0\n" : "") +
         "            template:\n              metadata:\n                labels:\n"
         "                  gitcanary.io/workload: " + name + "\n";
}

std::string Service(const std::string& name, const std::string& workload) {
  return "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " + name + "\n  namespace: prod\nspec:\n"
         "  selector:\n    gitcanary.io/workload: " + workload + "\n"
         "  ports:\n  - {name: http, port: 9898, targetPort: http}\n";
}

struct Shape {
  bool idle = true;
  std::string values = "    service:\n      enabled: false\n";  // the user's values, indented for spec.values
  bool label_canary = true;     // H labels X's pods
  bool label_primary = true;    // H-primary labels X-primary's pods
  bool delete_services = true;  // both releases delete the colliding Services
  bool fullname_override = true;
};

// The render of canary podinfo of HelmRelease podinfo in prod, as §B5(i) has it.
std::string Render(const Shape& shape) {
  const std::string chart =
      "  chart:\n    spec:\n      chart: podinfo\n      version: 6.14.1\n"
      "      sourceRef: {kind: HelmRepository, name: podinfo}\n";
  std::string canary_patches, primary_patches;
  if (shape.label_canary) canary_patches += LabelPatch("podinfo", shape.idle);
  if (shape.label_primary) primary_patches += LabelPatch("podinfo-primary", false);
  for (const char* name : {"podinfo", "podinfo-primary", "podinfo-canary"}) {
    if (!shape.delete_services) break;
    canary_patches += DeletePatch("", "v1", "Service", name);
    primary_patches += DeletePatch("", "v1", "Service", name);
    primary_patches += DeletePatch("networking.k8s.io", "v1", "Ingress", name);
    primary_patches += DeletePatch("gateway.networking.k8s.io", "v1", "HTTPRoute", name);
  }
  auto renderers = [](const std::string& patches) {
    return patches.empty() ? "" : "  postRenderers:\n  - kustomize:\n      patches:\n" + patches;
  };
  std::string out =
      "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: prod\n"
      "spec:\n  interval: 5m\n  releaseName: podinfo\n" + chart + "  values:\n" + shape.values +
      renderers(canary_patches);
  out += "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo-primary\n"
         "  namespace: prod\nspec:\n  interval: 5m\n  releaseName: podinfo-primary\n" + chart +
         "  install: {disableTakeOwnership: true}\n  upgrade: {disableTakeOwnership: true}\n"
         "  test: {enable: false}\n  values:\n" + shape.values +
         (shape.fullname_override ? "    fullnameOverride: podinfo-primary\n" : "") + renderers(primary_patches);
  return out + Service("podinfo", "podinfo-primary") + Service("podinfo-primary", "podinfo-primary") +
         Service("podinfo-canary", "podinfo");
}

}  // namespace

TEST_CASE("helm release build: the canary's two releases hold every fact idle and running with and without an HPA") {
  struct Row {
    bool idle;
    std::string values;
    const char* replicas;  // the canary Deployment's
  };
  const Row rows[] = {
      // replicaCount 1; while idle the patch sets 0.
      {true, "    service:\n      enabled: false\n", "0"},
      {false, "    service:\n      enabled: false\n", "1"},
      // With the HPA the chart writes no replicas; the strategic merge patch adds 0 while idle.
      {true, "    service:\n      enabled: false\n    hpa:\n      enabled: true\n", "0"},
      {false, "    service:\n      enabled: false\n    hpa:\n      enabled: true\n", "<absent>"},
      // The chart's own Service is on: the delete patches remove it from both releases.
      {true, "    replicaCount: 3\n", "0"},
      {false, "    replicaCount: 3\n", "3"},
  };
  for (const char* env : kHelmEnvs) {
    CAPTURE(env);
    const auto tools = FindHelmTools(env);
    if (!tools) continue;
    for (const Row& row : rows) {
      CAPTURE(row.idle);
      CAPTURE(row.values);
      Shape shape;
      shape.idle = row.idle;
      shape.values = row.values;
      const HelmReleaseBuild build = BuildHelmReleases(*tools, Render(shape), Charts());
      REQUIRE_MESSAGE(build.error.empty(), build.error);
      REQUIRE(build.releases.size() == 2);
      CHECK(build.releases[0].release_name == "podinfo");
      CHECK(build.releases[1].release_name == "podinfo-primary");
      CHECK(Lines(HelmCanaryProblems(build, {"prod", "podinfo", row.idle})) == "");
      CHECK(Lines(CollisionProblems(build)) == "");

      const auto* canary = Object(build, "Deployment", "podinfo");
      const auto* primary = Object(build, "Deployment", "podinfo-primary");
      CHECK(At(canary, {"spec", "replicas"}) == std::string(row.replicas));
      // The selectors are the chart's, untouched: one label, the fullname.
      CHECK(At(canary, {"spec", "selector", "matchLabels", "app.kubernetes.io/name"}) == "podinfo");
      CHECK(At(primary, {"spec", "selector", "matchLabels", "app.kubernetes.io/name"}) == "podinfo-primary");
      CHECK(At(primary, {"spec", "template", "metadata", "labels", "gitcanary.io/workload"}) == "podinfo-primary");
      // The primary is never scaled by the canary's patch.
      CHECK(At(primary, {"spec", "replicas"}) != "0");
      // helm-controller's origin labels are on metadata only.
      CHECK(At(canary, {"metadata", "labels", "helm.toolkit.fluxcd.io/name"}) == "podinfo");
      CHECK(At(primary, {"metadata", "labels", "helm.toolkit.fluxcd.io/name"}) == "podinfo-primary");
      CHECK(At(primary, {"metadata", "labels", "helm.toolkit.fluxcd.io/namespace"}) == "prod");
      CHECK(At(primary, {"spec", "template", "metadata", "labels", "helm.toolkit.fluxcd.io/name"}) == "<absent>");
      CHECK(At(primary, {"spec", "selector", "matchLabels", "helm.toolkit.fluxcd.io/name"}) == "<absent>");
      // Each release keeps its test hook: Pods are not among the deleted kinds.
      CHECK(Object(build, "Pod", "podinfo-test-get") != nullptr);
      CHECK(Object(build, "Pod", "podinfo-primary-test-get") != nullptr);
      if (row.values.find("hpa") != std::string::npos) {
        // Each release's HPA scales its own Deployment.
        CHECK(At(Object(build, "HorizontalPodAutoscaler", "podinfo"), {"spec", "scaleTargetRef", "name"}) == "podinfo");
        CHECK(At(Object(build, "HorizontalPodAutoscaler", "podinfo-primary"), {"spec", "scaleTargetRef", "name"}) ==
              "podinfo-primary");
      }
    }
  }
}

TEST_CASE("helm release build: the checks catch a render without the label patches or the Service deletes or the override") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  struct Row {
    const char* what;
    Shape shape;
    const char* canary_problems;
    const char* collisions;
  };
  Shape no_labels, no_primary_label, no_deletes, no_override;
  no_labels.label_canary = no_labels.label_primary = false;
  no_primary_label.label_primary = false;
  no_deletes.delete_services = false;
  no_deletes.values = "    replicaCount: 2\n";  // the chart's Service on
  no_deletes.idle = false;
  // Without the override the release podinfo-primary still contains the
  // chart name, so its fullname is podinfo-primary (§C): no problem at all.
  no_override.fullname_override = false;
  const Row rows[] = {
      {"no label patches",
       no_labels,
       // Without gitcanary's labels the pods carry only the chart's selector
       // label, which the Services do not use; and the idle canary is not scaled.
       "the idle canary Deployment podinfo has replicas 1, expected 0\n"
       "Service podinfo (selector {gitcanary.io/workload: podinfo-primary}) selects the pods of [ ], expected [ podinfo-primary ]\n"
       "Service podinfo-primary (selector {gitcanary.io/workload: podinfo-primary}) selects the pods of [ ], expected [ podinfo-primary ]\n"
       "Service podinfo-canary (selector {gitcanary.io/workload: podinfo}) selects the pods of [ ], expected [ podinfo ]\n",
       ""},
      {"no primary label",
       no_primary_label,
       "Service podinfo (selector {gitcanary.io/workload: podinfo-primary}) selects the pods of [ ], expected [ podinfo-primary ]\n"
       "Service podinfo-primary (selector {gitcanary.io/workload: podinfo-primary}) selects the pods of [ ], expected [ podinfo-primary ]\n",
       ""},
      // The chart's Services podinfo (release podinfo) and podinfo-primary
      // (release podinfo-primary) collide with the rendered ones; the chart's
      // podinfo selects the canary's pods by the chart's label.
      {"no Service deletes", no_deletes,
       "Service podinfo (selector {app.kubernetes.io/name: podinfo}) selects the pods of [ podinfo ], expected [ podinfo-primary ]\n",
       "2 objects are Service prod/podinfo\n2 objects are Service prod/podinfo-primary\n"},
      {"no fullnameOverride", no_override, "", ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const HelmReleaseBuild build = BuildHelmReleases(*tools, Render(row.shape), Charts());
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    CHECK(Lines(HelmCanaryProblems(build, {"prod", "podinfo", row.shape.idle})) == std::string(row.canary_problems));
    CHECK(Lines(CollisionProblems(build)) == std::string(row.collisions));
  }
}

TEST_CASE("helm release build: the release name and namespace follow helm-controller's defaults") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  struct Row {
    const char* spec;  // extra spec fields
    const char* release_name;
    const char* target_ns;
    const char* deployment;  // the chart's fullname for that release name
  };
  const Row rows[] = {
      {"", "web", "prod", "web-podinfo"},                       // the HelmRelease's name
      {"  targetNamespace: apps\n", "apps-web", "apps", "apps-web-podinfo"},  // <targetNamespace>-<name>
      {"  releaseName: my-podinfo\n", "my-podinfo", "prod", "my-podinfo"},    // contains the chart name
      {"  releaseName: x\n  values: {fullnameOverride: shop}\n", "x", "prod", "shop"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.spec);
    const std::string stream =
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: prod}\nspec:\n" +
        std::string(row.spec) + "  chart: {spec: {chart: podinfo, version: 6.14.1}}\n";
    const HelmReleaseBuild build = BuildHelmReleases(*tools, stream, Charts());
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    REQUIRE(build.releases.size() == 1);
    CHECK(build.releases[0].release_name == std::string(row.release_name));
    CHECK(build.releases[0].target_ns == std::string(row.target_ns));
    const auto* deployment = Object(build, "Deployment", row.deployment);
    REQUIRE(deployment != nullptr);
    CHECK(deployment->ns == row.target_ns);
    // The origin labels name the HelmRelease, not the release.
    CHECK(At(deployment, {"metadata", "labels", "helm.toolkit.fluxcd.io/name"}) == "web");
    CHECK(At(deployment, {"metadata", "labels", "helm.toolkit.fluxcd.io/namespace"}) == "prod");
  }
}

TEST_CASE("helm release build: an unpinned chart version or an unknown chart or a bad patch is an error naming the release") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  const std::string head = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: prod}\n";
  struct Row {
    std::string spec;
    const char* error;
  };
  const Row rows[] = {
      {"spec:\n  chart: {spec: {chart: podinfo, version: \">=6.0.0\"}}\n",
       "HelmRelease prod/web: spec.chart.spec.version \">=6.0.0\" is not the chart's version \"6.14.1\""},
      {"spec:\n  chart: {spec: {chart: nginx, version: 1.0.0}}\n",
       "HelmRelease prod/web: no local directory for chart \"nginx\""},
      // A JSON 6902 `test` that does not hold fails the build: with the HPA
      // the chart writes no replicas.
      {"spec:\n  chart: {spec: {chart: podinfo, version: 6.14.1}}\n  values: {hpa: {enabled: true}}\n"
       "  postRenderers:\n  - kustomize:\n      patches:\n"
       "      - target: {group: apps, version: v1, kind: Deployment, name: web-podinfo}\n"
       "        patch: '[{\"op\": \"test\", \"path\": \"/spec/replicas\", \"value\": 1}]'\n",
       "HelmRelease prod/web: postRenderers[0]: "},
  };
  for (const Row& row : rows) {
    CAPTURE(row.spec);
    const HelmReleaseBuild build = BuildHelmReleases(*tools, head + row.spec, Charts());
    CHECK(build.error.rfind(row.error, 0) == 0);
  }
}

TEST_CASE("helm release build: replicas 0 on a chart that writes none by strategic merge or by JSON 6902") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  const std::string head =
      "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\nspec:\n"
      "  chart: {spec: {chart: podinfo, version: 6.14.1}}\n  values: {hpa: {enabled: true}}\n"
      "  postRenderers:\n  - kustomize:\n      patches:\n"
      "      - target: {group: apps, version: v1, kind: Deployment, name: podinfo}\n";
  const std::string patches[] = {
      // A strategic merge patch whose own name differs: with a target, the
      // target picks the objects and the patch's name is not used.
      "        patch: |\n          apiVersion: apps/v1\n          kind: Deployment\n          metadata: {name: anything}\n"
      "          spec: {replicas: 0}\n",
      "        patch: '[{\"op\": \"add\", \"path\": \"/spec/replicas\", \"value\": 0}]'\n",
      // kustomize (5.5, in kubectl 1.32) applies a `replace` of a missing
      // path as an `add`; strict JSON Patch would refuse it, so the object
      // model uses the strategic merge patch above.
      "        patch: '[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 0}]'\n",
  };
  for (const std::string& patch : patches) {
    CAPTURE(patch);
    const HelmReleaseBuild build = BuildHelmReleases(*tools, head + patch, Charts());
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    const auto* deployment = Object(build, "Deployment", "podinfo");
    CHECK(At(deployment, {"spec", "replicas"}) == "0");
    // Nothing else of the Deployment changed: the chart's selector and pod labels.
    CHECK(At(deployment, {"spec", "template", "metadata", "labels", "app.kubernetes.io/name"}) == "podinfo");
    CHECK(At(deployment, {"metadata", "name"}) == "podinfo");
  }
}

TEST_CASE("helm release build: valuesFrom ConfigMaps come first and spec.values on top as helm-controller merges them") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  const std::string config_map =
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: podinfo-values, namespace: prod}\ndata:\n"
      "  values.yaml: |\n    replicaCount: 4\n    extraEnvs:\n    - {name: LEVEL, value: debug}\n"
      "  other.yaml: |\n    replicaCount: 5\n";
  struct Row {
    const char* values_from;
    const char* values;
    const char* replicas;  // or the error's start
  };
  const Row rows[] = {
      {"[{kind: ConfigMap, name: podinfo-values}]", "{}", "4"},
      {"[{kind: ConfigMap, name: podinfo-values}]", "{replicaCount: 2}", "2"},
      {"[{kind: ConfigMap, name: podinfo-values}, {kind: ConfigMap, name: podinfo-values, valuesKey: other.yaml}]", "{}", "5"},
      {"[{kind: ConfigMap, name: missing, optional: true}]", "{}", "1"},
      {"[{kind: ConfigMap, name: missing}]", "{}",
       "HelmRelease prod/podinfo: spec.valuesFrom[0]: no ConfigMap prod/missing with key values.yaml"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.values_from);
    const std::string stream =
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\nspec:\n"
        "  chart: {spec: {chart: podinfo, version: 6.14.1}}\n  valuesFrom: " + std::string(row.values_from) +
        "\n  values: " + row.values + "\n" + config_map;
    const HelmReleaseBuild build = BuildHelmReleases(*tools, stream, Charts());
    if (std::string(row.replicas).rfind("HelmRelease", 0) == 0) {
      CHECK(build.error == row.replicas);
      continue;
    }
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    const auto* deployment = Object(build, "Deployment", "podinfo");
    CHECK(At(deployment, {"spec", "replicas"}) == std::string(row.replicas));
    // The ConfigMap is a plain object of the stream, applied beside the release.
    CHECK(build.plain.size() == 1);
  }
}

TEST_CASE("helm release build: a cache builds a release again only when its spec or its ConfigMaps change") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  const std::string release = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n"
                              "  namespace: prod\n  annotations: {gitcanary.io/weight: \"WEIGHT\"}\nspec:\n"
                              "  chart: {spec: {chart: podinfo, version: 6.14.1}}\n  values: {replicaCount: REPLICAS}\n";
  auto stream = [&](const std::string& weight, const std::string& replicas, const std::string& config = "a") {
    std::string out = release;
    out.replace(out.find("WEIGHT"), 6, weight);
    out.replace(out.find("REPLICAS"), 8, replicas);
    return out + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: prod}\ndata: {k: " + config + "}\n";
  };
  HelmReleaseCache cache;
  struct Step {
    std::string stream;
    int built;
    const char* replicas;
  };
  const Step steps[] = {
      {stream("0", "2"), 1, "2"},
      {stream("20", "2"), 0, "2"},       // only an annotation changed: no Helm upgrade
      {stream("20", "3"), 1, "3"},       // the values changed
      {stream("40", "2"), 0, "2"},       // back to a spec built before
      {stream("40", "2", "b"), 1, "2"},  // a ConfigMap changed
  };
  for (const Step& step : steps) {
    CAPTURE(step.stream);
    const HelmReleaseBuild build = BuildHelmReleases(*tools, step.stream, Charts(), "default", &cache);
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    CHECK(build.built == step.built);
    CHECK(At(Object(build, "Deployment", "podinfo"), {"spec", "replicas"}) == std::string(step.replicas));
  }
}

TEST_CASE("helm release build: each chart version builds from its own directory") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  TempDir dir;
  const std::string chart = Charts().at("podinfo");
  const std::map<std::string, std::string> charts = {{"podinfo", chart},
                                                     {"podinfo@6.15.0", ChartAtVersion(chart, dir.path(), "6.15.0")}};
  for (const std::string version : {"6.14.1", "6.15.0"}) {
    CAPTURE(version);
    const HelmReleaseBuild build = BuildHelmReleases(
        *tools,
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\n"
        "spec:\n  chart: {spec: {chart: podinfo, version: '" + version + "'}}\n",
        charts);
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    const auto* deployment = Object(build, "Deployment", "podinfo");
    // The chart label and the default image tag (the appVersion) are the version's.
    CHECK(At(deployment, {"metadata", "labels", "helm.sh/chart"}) == "podinfo-" + version);
    const gitcanary::yaml::Node* containers = deployment->doc.Path({"spec", "template", "spec", "containers"});
    REQUIRE(containers != nullptr);
    CHECK(containers->items.at(0).Find("image")->value == "ghcr.io/stefanprodan/podinfo:" + version);
  }
}
