// Git mode's objects for a HelmRelease canary: the canary release H (edited
// in place), the primary release H-primary and the -primary copies of its
// valuesFrom ConfigMaps. Services and routing come from render/routing/ as
// for any canary, selecting the pod label `gitcanary.io/workload`.
//
//   H          the user's HelmRelease, status annotations added to its
//              metadata (never its spec, so a weight step is no Helm
//              upgrade) and gitcanary's post-renderer appended after the
//              user's own (post_renderers.h).
//   H-primary  releaseName <release>-primary (release = spec.releaseName,
//              else <targetNamespace>-<name> with a targetNamespace, else the
//              name, as helm-controller names releases); the promoted chart
//              and values, the value at the fullname path (Canary annotation
//              `gitcanary.io/fullname-value`, default `fullnameOverride`)
//              set to X-primary; valuesFrom with each promoted ConfigMap
//              renamed <name>-primary; install/upgrade.disableTakeOwnership,
//              test.enable false; the user's other non-source fields
//              (interval, timeout, install, upgrade, rollback, uninstall,
//              driftDetection, serviceAccountName, targetNamespace,
//              storageNamespace, dependsOn, kubeConfig, maxHistory, ...)
//              copied; gitcanary's primary post-renderer only.
//   H-primary-source
//              when the promoted chart reads a GitRepository or an
//              OCIRepository: a copy of that source (same apiVersion, kind
//              and namespace, the promoted spec, so the promoted ref, tag,
//              commit or digest), which H-primary's chart reads instead of
//              the user's. A change of the user's pin thus reaches the canary
//              release only, until a promotion copies it. A status written
//              before the source was recorded has none: the primary then
//              reads the user's source (SharedChartSource).
// Bad input, each an error at its field: a chart that is not pinned
// (snapshot.h), a user value at the fullname path other than X, a
// spec.targetNamespace other than the Canary's namespace (the Services would
// not reach the pods), portDiscovery (the pods are not in git), a user
// post-renderer that fights gitcanary's, a status whose promoted snapshot is
// a pod template.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/canary_status.h"
#include "render/helm_release/post_renderers.h"
#include "render/helm_release/snapshot.h"
#include "render/manifest.h"

namespace gitcanary::render {

inline constexpr std::string_view kFullnameValueAnnotation = "gitcanary.io/fullname-value";
inline constexpr std::string_view kDefaultFullnameValue = "fullnameOverride";

struct HelmReleaseWorkloadInput {
  const Manifest* canary = nullptr;   // the normalised Canary
  std::string target;                 // X: spec.targetRef.name, the Deployment the chart renders
  std::string apex;                   // the apex Service name
  Manifest* release = nullptr;        // H, edited in place
  const CanaryStatus* status = nullptr;  // nullptr before the first status (bootstrap)
  const ReleaseInputs* inputs = nullptr;
  yaml::Node annotations;             // status annotations for both releases
  std::vector<RenderedObjectRef> routes;  // the routing objects rendered beside them (not the Services)
};

// Checks what only the canary and the release can break (the list above,
// but the status's); run before rendering.
Status CheckHelmReleaseCanary(const HelmReleaseWorkloadInput& in);

// H-primary, its chart source copy and its ConfigMaps; edits H.
Result<std::vector<yaml::Node>> MakeHelmReleaseWorkload(const HelmReleaseWorkloadInput& in);

// The name of H's primary copy of its chart source: <H>-primary-source.
std::string PrimarySourceName(const std::string& release_name);

// "Kind name" of the Git or OCI source that the primary shares with the
// canary release because the status's snapshot has no `source`, else "".
std::string SharedChartSource(const CanaryStatus* status);

// helm-controller's release name of a HelmRelease.
std::string ReleaseName(const yaml::Node& release_doc);

}  // namespace gitcanary::render
