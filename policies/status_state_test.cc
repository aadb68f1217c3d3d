#include "policies/status_state.h"

#include <doctest/doctest.h>

namespace gitcanary::policies {

TEST_CASE("RFC 3339 times round-trip through Unix milliseconds") {
  // 2026-11-22T04:16:49Z: 20779 days after the epoch (2026-11-22 is day 20779),
  // plus 4h16m49s = 15409 s.
  const long long t = (20779LL * 86400 + 15409) * 1000;
  CHECK(FormatRfc3339(t) == "2026-11-22T04:16:49Z");
  CHECK(FormatRfc3339(t + 250) == "2026-11-22T04:16:49.250Z");
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(*ParseRfc3339("2026-11-22T04:16:49Z") == t);
  CHECK(*ParseRfc3339("2026-11-22T04:16:49.25Z") == t + 250);
  CHECK(*ParseRfc3339("2026-11-22T05:16:49+01:00") == t);
  CHECK(*ParseRfc3339("2026-11-21T23:16:49-05:00") == t);
  CHECK(*ParseRfc3339("2000-02-29T00:00:00Z") == 951782400000LL);  // a leap day, as `date -d` says
  for (const char* bad : {"", "2026-11-22", "2026-11-22T04:16:49", "2026-13-01T00:00:00Z", "2026-11-22T04:16:49Zx",
                          "2026-11-22T04:16:49.Z", "yesterday"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
}

TEST_CASE("StateOf and WithState convert between the status of record and the engine's state") {
  CHECK(*StateOf(std::nullopt, "test/podinfo") == policies::AnalysisState{});
  render::CanaryStatus s;
  s.phase = Phase::kProgressing;
  s.canary_weight = 30;
  s.failed_checks = 1;
  s.iterations = 2;
  s.last_applied_spec = "abc";
  s.last_promoted_spec = "def";
  s.last_transition_time = "1970-01-01T00:00:10Z";
  s.tracked_configs = {{"configmap/x", "123"}};
  auto state = StateOf(s, "test/podinfo");
  REQUIRE(state.ok());
  CHECK(state->phase == Phase::kProgressing);
  CHECK(state->canary_weight == 30);
  CHECK(state->failed_checks == 1);
  CHECK(state->iterations == 2);
  CHECK(state->last_transition_ms == 10000);
  policies::AnalysisState next = *state;
  next.canary_weight = 40;
  next.last_transition_ms = 20500;
  render::CanaryStatus written = WithState(s, next);
  CHECK(written.canary_weight == 40);
  CHECK(written.last_transition_time == "1970-01-01T00:00:20.500Z");
  CHECK(written.tracked_configs == s.tracked_configs);  // kept: only promotion changes them

  s.last_transition_time = "soon";
  auto bad = StateOf(s, "test/podinfo");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("canary test/podinfo: status.lastTransitionTime") == 0);
}

}  // namespace gitcanary::policies
