// Closed-loop end-to-end tests, part 4: a Flux HelmRelease app
// (tests/e2e/README.md). The app is a HelmRelease of
// examples/flux-helmrelease/chart and a Canary linked to it by the annotation
// gitcanary.io/helmrelease. The stand-in cluster applies each render as
// helm-controller would (tests/helm_release_build.h): `helm template` of each
// rendered HelmRelease, its kustomize post-renderers, then the pods and the
// routing as for any app. A release changes the chart version and the image:
// serve promotes a healthy one and rolls back a broken one.
#include <doctest/doctest.h>

#include <chrono>

#include "render/loader.h"
#include "tests/e2e/release_run.h"

namespace gitcanary {
namespace {

using e2e::AppVersion;
using e2e::ReleaseRun;
using e2e::Traffic;

// The HelmRelease podinfo-primary of the head's render: "chart version, image tag".
std::string PrimaryRelease(const ReleaseRun& run) {
  testing::RunResult r = testing::Gitcanary({"render", "--repo", run.repo.remote(), "apps/podinfo"});
  REQUIRE(r.exit_code == 0);
  auto objects = render::ParseManifests(r.out, "render");
  REQUIRE(objects.ok());
  for (const render::Manifest& m : *objects) {
    if (m.kind != "HelmRelease" || m.name != "podinfo-primary") continue;
    const yaml::Node* version = m.doc.Path({"spec", "chart", "spec", "version"});
    const yaml::Node* tag = m.doc.Path({"spec", "values", "image", "tag"});
    return (version == nullptr ? "?" : version->value) + ", " + (tag == nullptr ? "?" : tag->value);
  }
  return "no HelmRelease podinfo-primary";
}

TEST_CASE("e2e: a healthy chart upgrade of a HelmRelease canary is promoted through its two releases") {
  Traffic traffic;
  traffic.helm_release = true;
  ReleaseRun run(150, traffic);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  CHECK(PrimaryRelease(run) == "6.14.1, 1.0.0");
  const auto start = std::chrono::steady_clock::now();
  AppVersion upgrade{"2.0.0"};
  upgrade.chart_version = "6.15.0";
  run.Release(upgrade, "podinfo chart 6.15.0, image 2.0.0");
  const bool succeeded = run.WaitForPhase("Succeeded");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string logs = run.Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(succeeded);
  MESSAGE("HelmRelease release from the commit to Succeeded: " << seconds << " s");
  CHECK(run.StatusSteps() == e2e::kHealthyRelease);
  CHECK(run.HistoryShape() == e2e::kHealthyHistory);
  // The same routing as a Deployment's canary: the canary release is scaled
  // to zero when Finalising ends (Succeeded), as Flagger scales a canary down.
  CHECK(run.Routing() == e2e::kHealthyRouting);
  CHECK(run.cluster.HookStarts() == 3);
  CHECK(run.Answers(20) == "version=2.0.0 x20");
  // The primary release is pinned to the promoted chart and values.
  CHECK(PrimaryRelease(run) == "6.15.0, 2.0.0");
  CHECK(run.cluster.errors().empty());
}

TEST_CASE("e2e: a broken chart upgrade of a HelmRelease canary (HTTP 500s) is rolled back and the primary release is untouched") {
  Traffic traffic;
  traffic.helm_release = true;
  ReleaseRun run(150, traffic);
  SKIP_WITHOUT_TOOLS(run);
  run.Start();
  AppVersion broken{"2.0.0", 50};
  broken.chart_version = "6.15.0";
  run.Release(broken, "podinfo chart 6.15.0, image 2.0.0 (half its answers are 500)");
  const bool failed = run.WaitForPhase("Failed");
  const std::string logs = run.Logs();
  INFO(logs);
  REQUIRE(failed);
  CHECK(run.StatusSteps() == std::string("Initialized 0, ") + e2e::kRolledBack);
  CHECK(run.Routing() ==
        "100/0 primary=1.0.0 canary=1.0.0; 100/0 primary=1.0.0 canary=-; 100/0 primary=1.0.0 canary=2.0.0; "
        "80/20 primary=1.0.0 canary=2.0.0; 100/0 primary=1.0.0 canary=-");
  CHECK(run.Answers(20) == "version=1.0.0 x20");
  CHECK(PrimaryRelease(run) == "6.14.1, 1.0.0");
  CHECK(run.cluster.errors().empty());
}

}  // namespace
}  // namespace gitcanary
