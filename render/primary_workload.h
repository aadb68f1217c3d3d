// The workloads of a canary in git mode, as Flagger makes them for Istio.
//
// X-primary is rendered from the promoted snapshot in status (or, before the
// first status, from the target itself): its selector and pod labels carry
// `<label>: X-primary`, the other selector keys are kept, and ConfigMaps of the
// snapshot are referenced as `<name>-primary` and rendered from the snapshot's
// data. The HPA `<hpa>-primary` scales it. The target Deployment X is the
// canary: `replicas: 0` while idle (Initialized, Finalising, Succeeded,
// Failed), otherwise scaled as the input says (by its HPA when it has one).
//
// Scale never fights the HPA: the Kubernetes HPA does not act on a target
// whose spec.replicas is 0, and while running the canary carries no replicas
// field at all, so the HPA owns it and Argo CD has nothing to compare. The
// primary never carries replicas when an HPA scales it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/canary_spec.h"
#include "render/canary_status.h"
#include "render/manifest.h"

namespace gitcanary::render {

// The target's selector label Flagger rewrites: app, name or app.kubernetes.io/name.
Result<std::string> SelectorLabel(const Manifest& target);

// Whether the canary Deployment is scaled to zero in this phase. Finalising
// keeps it, as Flagger scales it down only when Finalising ends: the primary
// may still fail, and then all traffic goes back to the canary.
bool CanaryIdle(Phase phase);

// Whether git mode renders the canary Deployment with 0 replicas for this
// status: CanaryIdle, except a Failed status with canaryWeight > 0, where all
// traffic is on the canary and it keeps running.
bool CanaryScaledToZero(const CanaryStatus* status);

struct WorkloadInput {
  const Manifest* canary = nullptr;
  Manifest* target = nullptr;                // edited in place: replicas, annotations
  const Manifest* hpa = nullptr;             // the HPA scaling the target, or nullptr
  CanaryStatus* status = nullptr;            // nullptr before the first status (bootstrap);
                                             // its promoted snapshot is moved into the primary
  const std::map<std::string, const Manifest*>* config_maps = nullptr;  // ConfigMaps of the canary's namespace, by name
  std::string selector_label;
  yaml::Node annotations;                    // status annotations for both Deployments
};

// What a promotion copies: the pod template and the data of the ConfigMaps it
// references that are among `config_maps` (the others are shared, not in git).
PromotedSnapshot SnapshotOf(const yaml::Node& pod_template, const std::map<std::string, const Manifest*>& config_maps);

// The primary Deployment, its ConfigMaps and its HPA (when the target has one).
Result<std::vector<yaml::Node>> MakePrimaryWorkload(const WorkloadInput& in);

}  // namespace gitcanary::render
