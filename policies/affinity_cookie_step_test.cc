// Session affinity cookies in the decisions: Step keeps them in the state as
// Flagger's Istio router keeps them in the Canary status when it sets the
// weights (pkg/router/istio.go, getSessionAffinityRouteRules): a canary with
// weight gets "<cookieName>=<value>" when it has none, and keeps it while the
// run goes on; back at weight 0 the cookie moves to the previous cookie.
#include <doctest/doctest.h>

#include <string>

#include "core/affinity_cookie.h"
#include "policies/step.h"

namespace gitcanary::policies {
namespace {

constexpr long long kT0 = 1'700'000'000'000;
constexpr long long kNow = kT0 + 60'000;

AnalysisSpec Spec(const char* cookie, const char* primary = "") {
  AnalysisSpec s;
  s.name = "podinfo";
  s.target = "podinfo";
  s.threshold = 2;
  s.max_weight = 50;
  s.step_weight = 10;
  s.affinity_cookie = cookie;
  s.affinity_primary_cookie = primary;
  return s;
}

AnalysisState At(Phase phase, int weight) {
  AnalysisState st;
  st.phase = phase;
  st.canary_weight = weight;
  st.last_applied_spec = "rev-b";
  st.last_promoted_spec = "rev-a";
  st.last_transition_ms = kT0;
  return st;
}

Observations Ready() {
  Observations o;
  o.revision = "rev-b";
  o.primary = Readiness{true, ""};
  o.canary = Readiness{true, ""};
  return o;
}

TEST_CASE("session affinity: the first step with weight stores a cookie named cookieName") {
  Decision d = Step(Spec("flagger-cookie"), At(Phase::kProgressing, 0), Ready(), kNow);
  REQUIRE(!d.need);
  REQUIRE(d.next.canary_weight == 10);
  CHECK(d.next.affinity_cookie.rfind("flagger-cookie=", 0) == 0);
  CHECK(d.next.affinity_cookie.size() == std::string("flagger-cookie=").size() + 10);
  CHECK(d.next.affinity_cookie == AffinityCookie("flagger-cookie", "rev-b"));  // deterministic
  CHECK(d.next.affinity_primary_cookie.empty());
  CHECK(d.Changed(At(Phase::kProgressing, 0)));
}

TEST_CASE("session affinity: a primaryCookieName gets a primary cookie too, different from the canary's") {
  Decision d = Step(Spec("canary-cookie", "primary-cookie"), At(Phase::kProgressing, 0), Ready(), kNow);
  REQUIRE(!d.need);
  CHECK(d.next.affinity_cookie.rfind("canary-cookie=", 0) == 0);
  CHECK(d.next.affinity_primary_cookie.rfind("primary-cookie=", 0) == 0);
}

TEST_CASE("session affinity: the cookie is kept while the weight grows") {
  AnalysisState st = At(Phase::kProgressing, 10);
  st.affinity_cookie = "flagger-cookie=kept";
  Decision d = Step(Spec("flagger-cookie"), st, Ready(), kNow);
  REQUIRE(!d.need);
  REQUIRE(d.next.canary_weight == 20);
  CHECK(d.next.affinity_cookie == "flagger-cookie=kept");
}

TEST_CASE("session affinity: at weight 0 the cookie becomes the previous cookie") {
  AnalysisState st = At(Phase::kPromoting, 50);
  st.affinity_cookie = "flagger-cookie=abc";
  Decision d = Step(Spec("flagger-cookie"), st, Ready(), kNow);
  REQUIRE(!d.need);
  // Promoting moves to Finalising with the canary at 0.
  REQUIRE(d.next.canary_weight == 0);
  CHECK(d.next.affinity_cookie.empty());
  CHECK(d.next.affinity_previous_cookie == "flagger-cookie=abc");
}

TEST_CASE("session affinity: without sessionAffinity no cookie is stored") {
  Decision d = Step(Spec(""), At(Phase::kProgressing, 0), Ready(), kNow);
  REQUIRE(!d.need);
  CHECK(d.next.affinity_cookie.empty());
  CHECK(d.next.affinity_previous_cookie.empty());
}

TEST_CASE("affinity cookie: ten letters, depending on the revision and the name") {
  const std::string a = AffinityCookie("c", "rev-1");
  CHECK(a.size() == 12);
  CHECK(a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 2) == std::string::npos);
  CHECK(a != AffinityCookie("c", "rev-2"));
  CHECK(a.substr(2) != AffinityCookie("d", "rev-1").substr(2));
}

}  // namespace
}  // namespace gitcanary::policies
