// The real `gitcanary render --mode git` of examples/flux-helmrelease/app,
// phase by phase (a CanaryStatus written into a temporary copy), built the way
// helm-controller builds HelmReleases (tests/helm_release_build.h: real
// `helm template` of examples/flux-helmrelease/chart and real `kubectl
// kustomize` of the post-renderers), then checked as a cluster would run it
// (tests/helm_release_checks.h): two Deployments with distinct pods, each
// Service selecting exactly the intended ones, the idle canary at zero, no
// collisions.
//
// Expected facts, reasoned from the README's git mode and the object model:
// the canary release always runs the chart in git (6.14.1, replicaCount 2) and
// is scaled to zero while idle (Initialized, Succeeded, Failed at weight 0);
// the primary release runs the promoted chart and values, which this test
// sets to 6.14.0 where the promoted revision is the old one.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/helm_release_build.h"
#include "tests/helm_release_checks.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

const std::string kApp = "/examples/flux-helmrelease/app";

// The CanaryStatus of Canary prod/podinfo at `phase` and `weight`; its
// promoted snapshot is the HelmRelease's chart at `promoted_version` with the
// example's values.
std::string Status(const std::string& phase, int weight, const std::string& promoted_version) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\n  namespace: prod\n"
         "status:\n  phase: " + phase + "\n  canaryWeight: " + std::to_string(weight) +
         "\n  failedChecks: " + (phase == "Failed" ? "5" : "0") +
         "\n  iterations: 0\n  lastTransitionTime: \"2026-12-01T10:00:00Z\"\n"
         "  promoted:\n    helmRelease:\n      chart:\n        spec:\n          chart: podinfo\n"
         "          version: " + promoted_version + "\n"
         "          sourceRef: {kind: HelmRepository, name: podinfo}\n          interval: 1h\n"
         "      values:\n        replicaCount: 2\n        service:\n          enabled: false\n";
}

}  // namespace

TEST_CASE("helm release render: the Flux HelmRelease example built as helm-controller builds it runs the intended pods in every phase") {
  const auto tools = FindHelmTools();
  if (!tools) return;
  TempDir charts_dir;
  const std::string chart = SourceDir() + "/examples/flux-helmrelease/chart";
  const std::map<std::string, std::string> charts = {
      {"podinfo@6.14.1", chart}, {"podinfo@6.14.0", ChartAtVersion(chart, charts_dir.path(), "6.14.0")}};
  struct Row {
    const char* phase;  // "" = no status yet (the bootstrap render)
    int weight;
    bool promoted_is_new;
    bool idle;
  };
  const Row rows[] = {
      {"", 0, true, false},                  // Initializing: both releases run the chart in git
      {"Initialized", 0, true, true},
      {"Progressing", 10, false, false},
      {"Progressing", 40, false, false},
      {"Promoting", 40, true, false},
      {"Finalising", 0, true, false},        // scaled down when Finalising ends, as for a Deployment
      {"Succeeded", 0, true, true},
      {"Failed", 0, false, true},
      {"Failed", 100, true, false},          // a failed promotion: the canary still serves
  };
  for (const Row& row : rows) {
    CAPTURE(row.phase);
    CAPTURE(row.weight);
    TempDir dir;
    std::filesystem::copy(SourceDir() + kApp, dir / "app", std::filesystem::copy_options::recursive);
    const std::string promoted = row.promoted_is_new ? "6.14.1" : "6.14.0";
    if (*row.phase != '\0') WriteFile(dir / "app/podinfo.gitcanary-status.yaml", Status(row.phase, row.weight, promoted));
    RunResult rendered = Gitcanary({"render", "--mode", "git", dir / "app"});
    INFO(rendered.err);
    REQUIRE(rendered.exit_code == 0);

    const HelmReleaseBuild build = BuildHelmReleases(*tools, rendered.out, charts, "prod");
    REQUIRE_MESSAGE(build.error.empty(), build.error);
    REQUIRE(build.releases.size() == 2);
    CHECK(build.releases[0].release_name == "podinfo");
    CHECK(build.releases[1].release_name == "podinfo-primary");
    CHECK(Lines(HelmCanaryProblems(build, {"prod", "podinfo", row.idle})) == "");
    CHECK(Lines(CollisionProblems(build)) == "");

    // The canary release runs the chart in git, the primary the promoted one.
    const auto* canary = Object(build, "Deployment", "podinfo");
    const auto* primary = Object(build, "Deployment", "podinfo-primary");
    CHECK(At(canary, {"metadata", "labels", "helm.sh/chart"}) == "podinfo-6.14.1");
    CHECK(At(primary, {"metadata", "labels", "helm.sh/chart"}) == "podinfo-" + promoted);
    CHECK(At(canary, {"spec", "replicas"}) == (row.idle ? "0" : "2"));
    CHECK(At(primary, {"spec", "replicas"}) == "2");
    // The primary's selector is its own fullname's (fullnameOverride), untouched.
    CHECK(At(primary, {"spec", "selector", "matchLabels", "app.kubernetes.io/name"}) == "podinfo-primary");
    // The chart's Service is off; the rendered Services are the only ones.
    int services = 0;
    for (const gitcanary::render::Manifest* m : AllObjects(build)) services += m->kind == "Service";
    CHECK(services == 3);
    // Linkerd's TrafficSplit sends the status's weight to the canary Service.
    const auto* split = Object(build, "TrafficSplit", "podinfo");
    REQUIRE(split != nullptr);
    const gitcanary::yaml::Node* backends = split->doc.Path({"spec", "backends"});
    REQUIRE(backends != nullptr);
    std::map<std::string, std::string> weights;
    for (const gitcanary::yaml::Node& b : backends->items) weights[b.Find("service")->value] = b.Find("weight")->value;
    CHECK(weights == std::map<std::string, std::string>{{"podinfo-canary", std::to_string(row.weight)},
                                                        {"podinfo-primary", std::to_string(100 - row.weight)}});
  }
}
