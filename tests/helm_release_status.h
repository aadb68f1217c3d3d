// The CanaryStatus of Canary prod/podinfo, the HelmRelease canary of
// examples/flux-helmrelease, as the golden tests write it for a phase: the
// promoted chart is `chart`, at version 6.14.0 when the promoted revision is
// the old one, and the promoted values are `values`. Header-only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace gitcanary::testing {

inline std::string PodinfoHelmReleaseStatus(const char* phase, int weight, int failed_checks, bool promoted_is_new,
                                            const YAML::Node& chart, const YAML::Node& values) {
  YAML::Node promoted_chart = YAML::Clone(chart);
  if (!promoted_is_new) promoted_chart["spec"]["version"] = "6.14.0";
  YAML::Node doc;
  doc["apiVersion"] = "gitcanary.io/v1alpha1";
  doc["kind"] = "CanaryStatus";
  doc["metadata"]["name"] = "podinfo";
  doc["metadata"]["namespace"] = "prod";
  YAML::Node status = doc["status"];
  status["phase"] = phase;
  status["canaryWeight"] = weight;
  status["failedChecks"] = failed_checks;
  status["iterations"] = 0;
  status["lastTransitionTime"] = "2026-11-22T10:00:00Z";
  status["promoted"]["helmRelease"]["chart"] = promoted_chart;
  status["promoted"]["helmRelease"]["values"] = values;
  YAML::Emitter out;
  out << doc;
  return std::string(out.c_str()) + "\n";
}

}  // namespace gitcanary::testing
