// The private load tester Kurator installs for a rollout with
// `testLoader: true`: a Deployment running Flagger's load tester image and a
// ClusterIP Service on port 80, in the workload's namespace, both labelled
// `app: <name>` and annotated `kurator.dev/rollout: <policy>`.
//
// Named `<serviceName>-testloader`, the host the Canary's webhooks call
// (LoadTesterUrl); Kurator installs it as `<workload>-testloader` while its
// webhooks call `<serviceName>-testloader`, which differ whenever the two
// names do. Rendered in flagger mode only (render/kurator/expand.h).
#pragma once

#include <vector>

#include "render/kurator/application.h"
#include "render/manifest.h"

namespace gitcanary::render::kurator {

inline constexpr std::string_view kLoadTesterImage = "ghcr.io/fluxcd/flagger-loadtester:0.29.0";

// [Deployment, Service].
std::vector<Manifest> LoadTester(const Rollout& r);

}  // namespace gitcanary::render::kurator
