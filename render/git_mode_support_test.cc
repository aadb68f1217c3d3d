// The fields git mode does not implement yet: each is refused in git mode
// with the message of git_mode_support.h, and the list stays sorted.
#include <doctest/doctest.h>

#include <string>

#include "render/canary_spec.h"
#include "render/flagger_fields.h"
#include "render/git_mode_support.h"
#include "render/loader.h"

namespace gitcanary::render {
namespace {

// A normalised Canary with `extra` appended under spec (lines from 14 on).
Result<Manifest> Canary(const std::string& extra) {
  const std::string text = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\nspec:\n"
                           "  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
                           "  service:\n    port: 80\n  analysis:\n    stepWeight: 10\n" + extra;
  auto parsed = ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  Manifest m = (*parsed)[0];
  auto r = NormaliseCanary(m);
  if (!r.ok()) return r.status();
  return m;
}

}  // namespace

TEST_CASE("git mode support: the list is sorted and names Canary fields of Flagger's CRD") {
  for (std::size_t i = 0; i < kGitModeGapCount; ++i) {
    CAPTURE(kGitModeGaps[i].path);
    if (i + 1 < kGitModeGapCount) CHECK(kGitModeGaps[i].path < kGitModeGaps[i + 1].path);
    CHECK(CanaryFields().Find(kGitModeGaps[i].path).has_value());
  }
}

TEST_CASE("git mode support: a field git mode does not implement is refused, saying what to do") {
  // Line 14 is `autoscalerRef:`, line 16 its kind, whose value starts at column 11.
  auto m = Canary("  autoscalerRef:\n    apiVersion: keda.sh/v1alpha1\n    kind: ScaledObject\n    name: web\n");
  REQUIRE(m.ok());
  Status s = CheckGitModeSupport(*m);
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:16:11: spec.autoscalerRef.kind: string \"ScaledObject\" is not supported in git "
                       "mode, which implements HorizontalPodAutoscaler only: use HorizontalPodAutoscaler or --mode flagger");
  m = Canary("  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: web\n");
  REQUIRE(m.ok());
  CHECK(CheckGitModeSupport(*m).ok());
  m = Canary("  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: web\n"
             "    primaryScalerQueries:\n      q: up\n");
  REQUIRE(m.ok());
  s = CheckGitModeSupport(*m);
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:19:7: spec.autoscalerRef.primaryScalerQueries is not supported in git mode: "
                       "remove it or use --mode flagger");
  // The same field set to null asks for nothing and passes.
  m = Canary("  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: web\n"
             "    primaryScalerQueries: null\n");
  REQUIRE(m.ok());
  CHECK(CheckGitModeSupport(*m).ok());
}

}  // namespace gitcanary::render
