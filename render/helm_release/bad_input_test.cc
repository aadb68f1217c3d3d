// Bad input of HelmRelease canaries in git mode: each is one error with the
// file, line, column, field and the fix; and the pinned sources that are
// accepted.
#include <doctest/doctest.h>

#include "render/helm_release/test_app.h"

namespace gitcanary::render {
namespace {

using namespace helm_test;

// Release() puts spec.chart at line 6, its version at 9:16, values at 11 and `extra` from line 13.
const std::string kPatchHead = "  postRenderers:\n  - kustomize:\n      patches:\n";

std::string Oci(const std::string& ref) {
  return "apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata: {name: podinfo, namespace: prod}\n"
         "spec:\n  url: oci://ghcr.io/stefanprodan/charts/podinfo\n  ref: " + ref + "\n";
}

std::string Git(const std::string& ref) {
  return "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: podinfo, namespace: prod}\n"
         "spec:\n  url: https://github.com/stefanprodan/podinfo\n  ref: " + ref + "\n";
}

std::string RefRelease(const std::string& chart) {
  return "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: prod}\n"
         "spec:\n  interval: 5m\n" + chart + "  values: {service: {enabled: false}}\n";
}

const std::string kGitChart =
    "  chart:\n    spec:\n      chart: charts/podinfo\n      sourceRef: {kind: GitRepository, name: podinfo}\n";
const std::string kOciRef = "  chartRef: {kind: OCIRepository, name: podinfo}\n";

TEST_CASE("HelmRelease canary bad input is one error with file and line and the fix") {
  struct Row {
    const char* name;
    std::vector<std::string> docs;
    const char* error;  // a prefix of the message
  } rows[] = {
      {"a version range", {kRepository, Release("podinfo", "6.x"), Canary()},
       "f1.yaml:9:16: spec.chart.spec.version: \"6.x\" is a range, not one version; set one exact version (e.g. "
       "6.14.1) so that the primary keeps the promoted chart"},
      {"a comparison", {kRepository, Release("podinfo", ">=6.0.0"), Canary()},
       "f1.yaml:9:16: spec.chart.spec.version: \">=6.0.0\" is a range"},
      {"no version", {kRepository, Release("podinfo", ""), Canary()},
       "f1.yaml:7:5: spec.chart.spec.version: no version means the latest chart; set one exact version"},
      {"the fullname set to another name",
       {kRepository, Release("podinfo", "6.14.1", "    fullnameOverride: web\n"), Canary()},
       "f1.yaml:13:23: spec.values.fullnameOverride: the chart's fullname is \"web\", but the Canary targets "
       "Deployment podinfo; set it to podinfo or remove it (the primary release sets it to podinfo-primary)"},
      {"the configured fullname path set to another name",
       {kRepository, Release("podinfo", "6.14.1", "    app: {fullname: web}\n"),
        Canary("podinfo", "gitcanary.io/fullname-value: app.fullname")},
       "f1.yaml:13:21: spec.values.app.fullname: the chart's fullname is \"web\""},
      {"a user JSON6902 patch of the canary's replicas",
       {kRepository,
        Release("podinfo", "6.14.1",
                kPatchHead + "      - target: {kind: Deployment, name: podinfo}\n        patch: |\n"
                             "          - op: replace\n            path: /spec/replicas\n            value: 3\n"),
        Canary()},
       "f1.yaml:16:9: spec.postRenderers[0].kustomize.patches[0]: sets spec.replicas or the pod label "
       "gitcanary.io/workload of Deployment podinfo, which gitcanary's post-renderer of this canary sets; remove that "
       "part of the patch"},
      {"a user strategic merge patch of the workload label without a target",
       {kRepository,
        Release("podinfo", "6.14.1",
                kPatchHead + "      - patch: |\n          apiVersion: apps/v1\n          kind: Deployment\n"
                             "          metadata: {name: podinfo}\n"
                             "          spec: {template: {metadata: {labels: {gitcanary.io/workload: x}}}}\n"),
        Canary()},
       "f1.yaml:16:9: spec.postRenderers[0].kustomize.patches[0]: sets spec.replicas or the pod label"},
      {"a user patch of Service X-canary",
       {kRepository,
        Release("podinfo", "6.14.1",
                kPatchHead + "      - target: {kind: Service, name: podinfo-canary}\n        patch: |\n"
                             "          - {op: add, path: /metadata/labels/a, value: b}\n"),
        Canary()},
       "f1.yaml:16:9: spec.postRenderers[0].kustomize.patches[0]: patches Service podinfo-canary, which gitcanary "
       "deletes from the chart and renders itself"},
      {"portDiscovery", {kRepository, Release(), Canary("podinfo", "", "linkerd", "    portDiscovery: true\n")},
       "f2.yaml:11:20: spec.service.portDiscovery: the pods of HelmRelease podinfo are not in git, so their container "
       "ports cannot be discovered; remove portDiscovery and list the port in spec.service.port"},
      {"another targetNamespace", {kRepository, Release("podinfo", "6.14.1", "  targetNamespace: dev\n"), Canary()},
       "f1.yaml:13:20: spec.targetNamespace: the chart's pods would run in namespace dev, but the Canary's Services "
       "are rendered in prod; remove targetNamespace or put the Canary in that namespace"},
      {"a pod template snapshot",
       {kRepository, Release(), Canary(),
        Status("  phase: Progressing\n  promoted:\n    template:\n      spec: {containers: [{name: c, image: x}]}\n")},
       "f2.yaml: status of Canary prod/podinfo: promoted.template is a pod template, but the Canary's target comes "
       "from HelmRelease podinfo; remove the status to bootstrap again from the HelmRelease"},
      {"an OCIRepository not in the app", {RefRelease(kOciRef), Canary()},
       "f0.yaml:6:13: spec.chartRef: OCIRepository podinfo is not in the app, so gitcanary cannot see that it is "
       "pinned; add it to the app so that the primary keeps the promoted chart"},
      {"an OCIRepository on a semver range", {Oci("{semver: '>=6.0.0'}"), RefRelease(kOciRef), Canary()},
       "f0.yaml:6:8: spec.ref: OCIRepository podinfo is not pinned; set spec.ref.digest (or spec.ref.tag without "
       "semver) so that the primary keeps the promoted chart"},
      {"a GitRepository on a branch", {Git("{branch: master}"), RefRelease(kGitChart), Canary()},
       "f0.yaml:6:8: spec.ref: GitRepository podinfo follows a branch or a semver range; set spec.ref.tag or "
       "spec.ref.commit so that the primary keeps the promoted chart"},
      {"a Bucket",
       {RefRelease("  chart:\n    spec:\n      chart: podinfo\n      sourceRef: {kind: Bucket, name: charts}\n"),
        Canary()},
       "f0.yaml:9:18: spec.chart.spec.sourceRef: a Bucket source cannot be pinned by gitcanary; publish the chart to a "
       "HelmRepository or an OCIRepository so that the primary keeps the promoted chart"},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.name);
    auto r = RenderDocs(row.docs, Mode::kGit);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().rfind(row.error, 0) == 0, r.status().message());
    CHECK(r.status().message().find('\n') == std::string::npos);
  }
}

TEST_CASE("pinned HelmRelease sources and harmless user post-renderers are accepted") {
  struct Row {
    const char* name;
    std::vector<std::string> docs;
  } rows[] = {
      {"OCIRepository by digest", {Oci("{digest: 'sha256:0123'}"), RefRelease(kOciRef), Canary()}},
      {"OCIRepository by tag", {Oci("{tag: 6.14.1}"), RefRelease(kOciRef), Canary()}},
      {"GitRepository by tag", {Git("{tag: 6.14.1}"), RefRelease(kGitChart), Canary()}},
      {"GitRepository by commit", {Git("{commit: abc123}"), RefRelease(kGitChart), Canary()}},
      {"a v-prefixed exact version", {kRepository, Release("podinfo", "v6.14.1-rc.1+build.5"), Canary()}},
      {"the fullname set to X", {kRepository, Release("podinfo", "6.14.1", "    fullnameOverride: podinfo\n"), Canary()}},
      {"a user patch adding an annotation to Deployment X",
       {kRepository,
        Release("podinfo", "6.14.1",
                kPatchHead + "      - target: {kind: Deployment, name: podinfo}\n        patch: |\n"
                             "          - {op: add, path: /metadata/annotations/a, value: b}\n"),
        Canary()}},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.name);
    auto r = RenderDocs(row.docs, Mode::kGit);
    CHECK_MESSAGE(r.ok(), r.status().message());
  }
}

TEST_CASE("the fullname value path is the Canary's gitcanary.io/fullname-value annotation") {
  auto r = RenderDocs({kRepository, Release(), Canary("podinfo", "gitcanary.io/fullname-value: app.fullname")},
                      Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Manifest* primary = FindObject(*r, "HelmRelease", "podinfo-primary");
  REQUIRE(primary != nullptr);
  const yaml::Node* set = primary->doc.Path({"spec", "values", "app", "fullname"});
  REQUIRE(set != nullptr);
  CHECK(set->value == "podinfo-primary");
  CHECK(primary->doc.Path({"spec", "values", "fullnameOverride"}) == nullptr);
}

}  // namespace
}  // namespace gitcanary::render
