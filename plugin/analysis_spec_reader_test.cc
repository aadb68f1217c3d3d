// What serve reads from a Canary for its analysis: here, the ready thresholds
// of the primary and the canary (Flagger's default is 100 for both) and a
// webhook's disableTLS.
#include <doctest/doctest.h>

#include <string>

#include "plugin/analysis_executor.h"
#include "plugin/analysis_spec_reader.h"
#include "render/loader.h"

namespace gitcanary::plugin {
namespace {

Result<policies::AnalysisSpec> Read(const std::string& analysis_extra) {
  const std::string text = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\n  namespace: test\n"
                           "spec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
                           "  service:\n    port: 80\n  analysis:\n    stepWeight: 10\n" + analysis_extra;
  auto parsed = render::ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return ReadAnalysisSpec((*parsed)[0], "test", TemplateIndex{});
}

}  // namespace

TEST_CASE("analysis spec: ready thresholds default to 100 and are read per Deployment") {
  auto plain = Read("");
  REQUIRE(plain.ok());
  CHECK(plain->canary_ready_threshold == 100);
  CHECK(plain->primary_ready_threshold == 100);
  auto set = Read("    canaryReadyThreshold: 50\n    primaryReadyThreshold: 75\n");
  REQUIRE(set.ok());
  CHECK(set->canary_ready_threshold == 50);
  CHECK(set->primary_ready_threshold == 75);
  auto over = Read("    primaryReadyThreshold: 101\n");
  REQUIRE(!over.ok());
  CHECK(over.status().message().find("spec.analysis.primaryReadyThreshold") != std::string::npos);
}

TEST_CASE("analysis spec: a webhook's disableTLS is read, off by default, and reaches the HTTP request") {
  auto spec = Read("    webhooks:\n      - name: plain\n        url: https://127.0.0.1:1/\n"
                   "      - name: insecure\n        url: https://127.0.0.1:1/\n        disableTLS: true\n");
  REQUIRE(spec.ok());
  REQUIRE(spec->webhooks.size() == 2);
  CHECK_FALSE(spec->webhooks[0].disable_tls);
  CHECK(spec->webhooks[1].disable_tls);
  // The executor asks the HTTP client to skip verification for that hook only.
  CHECK_FALSE(HookRequest(*spec, spec->webhooks[0], "Progressing", "abc", {}).skip_tls_verify);
  CHECK(HookRequest(*spec, spec->webhooks[1], "Progressing", "abc", {}).skip_tls_verify);
}

}  // namespace gitcanary::plugin
