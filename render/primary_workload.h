// The workloads of a canary in git mode, as Flagger's deployment controller,
// config tracker and HPA reconciler make them for a Deployment target X.
//
// The selector label is the first of the configured selector labels (Flagger's
// -selector-labels: app, name, app.kubernetes.io/name) in X's
// spec.selector.matchLabels; its VALUE v gives the primary's `<label>: v-primary`.
// X-primary is rendered from the promoted snapshot in status (or, before the
// first status, from the target itself):
// - metadata: labels whose key starts with an include prefix (Flagger's
//   -include-label-prefix, none by default) plus `<label>: v-primary`;
//   annotations but those with "toolkit.fluxcd.io" in the key;
// - spec: X's spec but `paused`, with the selector `{<label>: v-primary}` only;
//   replicas as X's (0 becomes 1), none when an HPA scales it;
// - pod template: labels and annotations but toolkit ones, `<label>: v-primary`;
//   pod anti-affinity and topology-spread label selectors on a selector label
//   whose value is X (or v) get `-primary`; ConfigMaps of the snapshot are
//   referenced as `<name>-primary`.
// ConfigMaps `<name>-primary` carry the snapshot's data and binaryData. A
// ConfigMap annotated `flagger.app/config-tracking: disabled` is not tracked:
// shared by both, as Flagger shares it. Secrets are always shared (their data
// never enters status). The HPA `<hpa>-primary` scales X-primary, with
// autoscalerRef.primaryScalerReplicas overriding min and max replicas.
// The target Deployment X is the canary: `replicas: 0` while idle
// (Initialized, Succeeded, Failed but for a failed promotion), otherwise
// scaled as the input says (by its HPA when it has one).
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

// Flagger's default -selector-labels, in the order it looks for them.
extern const std::vector<std::string> kDefaultSelectorLabels;

// The target's selector label (the first of `labels` in its
// spec.selector.matchLabels) and that label's value.
struct TargetSelector {
  std::string label;
  std::string value;
};
Result<TargetSelector> SelectorOf(const Manifest& target, const std::vector<std::string>& labels);

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
  TargetSelector selector;
  const std::vector<std::string>* selector_labels = nullptr;  // all configured ones (affinity renames)
  const std::vector<std::string>* include_prefix = nullptr;   // label prefixes copied to -primary objects
  yaml::Node annotations;                    // status annotations for both Deployments
};

// What a promotion copies: the pod template and the data and binaryData of the
// tracked ConfigMaps it references that are among `config_maps` (the others
// are shared: not in git, or not tracked).
PromotedSnapshot SnapshotOf(const yaml::Node& pod_template, const std::map<std::string, const Manifest*>& config_maps);

// The primary Deployment, its ConfigMaps and its HPA (when the target has one).
Result<std::vector<yaml::Node>> MakePrimaryWorkload(const WorkloadInput& in);

}  // namespace gitcanary::render
