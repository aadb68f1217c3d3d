// The Flagger objects Kurator's controller generates from one rollout policy:
// the Canary, a MetricTemplate per `customMetric`, and for nginx the Ingress
// the Canary's ingressRef names.
//
// Field by field as Kurator maps them (README, "Kurator Applications"):
// workload -> metadata and targetRef, serviceName/port -> service,
// trafficRouting -> service (istio's gateways, hosts, retries, headers,
// corsPolicy) and analysis (canaryStrategy's weights, analysisTimes as
// iterations, match), trafficAnalysis -> analysis (checkIntervalSeconds as
// interval, checkFailedTimes as threshold, metrics, sessionAffinity), and each
// webhooks.command -> a `generated-testload-<i>` rollout webhook of type cmd
// on the load tester. Kurator's quirks that are bugs are not copied; where we
// differ is listed in that README section. Pure: the input's Service (for
// targetPort) is passed in.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/kurator/application.h"
#include "render/manifest.h"

namespace gitcanary::render::kurator {

inline constexpr std::string_view kNginxIngressName = "nginx";

// The name of the private load tester of `r` (Deployment and Service).
std::string LoadTesterName(const Rollout& r);

// The load tester URL the webhooks call: the private one when testLoader is
// true, else Kurator's public one in the provider's namespace, which names the
// destination cluster (the Application's gitcanary.io/kurator-cluster).
Result<std::string> LoadTesterUrl(const Rollout& r, const std::string& app_namespace);

// [Canary, MetricTemplates..., Ingress (nginx)]. `service` is the input's
// Service named serviceName in the workload's namespace, or nullptr.
Result<std::vector<Manifest>> CanaryFromRollout(const Rollout& r, const Manifest* service, const std::string& app_namespace);

}  // namespace gitcanary::render::kurator
