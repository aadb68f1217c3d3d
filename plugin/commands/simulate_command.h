// `gitcanary simulate DIR`: runs the analysis state machine offline on the
// canaries of an app directory with scripted observations, and prints each
// canary's timeline (tick, time offset, phase, weight, failed checks, reason)
// and how long it takes to promote or roll back.
//
// It loads DIR as render does (canary templates from gitcanary.yaml applied,
// Canaries normalised and validated, MetricTemplates resolved) but needs no
// Deployment, cluster, Prometheus or webhook: the scenario answers every
// observation (policies/scenario.h).
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kSimulateHelp[];

int RunSimulate(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
