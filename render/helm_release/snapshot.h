// What identifies, and what a promotion copies of, a HelmRelease canary.
//
// The revision of a HelmRelease canary is its chart (spec.chart or
// spec.chartRef, as written, version included), its inline `values`, its
// `valuesFrom` list, the data of the valuesFrom ConfigMaps found in git, a
// digest of the valuesFrom Secrets found in git (by name when not in git), and
// the pinned ref of a GitRepository, OCIRepository or HelmChart source. The
// HelmRelease's metadata (gitcanary's annotations included) never enters it.
//
// A promotion copies chart + values (HelmReleaseSnapshot), the spec of the
// chart's GitRepository or OCIRepository source (so that the primary keeps
// reading the promoted pin from a copy of the source, release_objects.h) and
// the data of the valuesFrom ConfigMaps in git; Secrets are never copied.
//
// Git mode needs a chart that cannot move under the primary. Pinned is:
//   - spec.chart with a HelmRepository source and an exact version (x.y.z);
//   - spec.chart with a GitRepository source in the input whose spec.ref has
//     a commit or a tag;
//   - spec.chartRef to an OCIRepository in the input with spec.ref.digest, or
//     spec.ref.tag and no semver; to a HelmChart in the input with an exact
//     spec.version.
// Anything else (a range, no version, a branch, a Bucket) is an error saying
// how to pin it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/canary_status.h"
#include "render/manifest.h"

namespace gitcanary::render {

// The objects of an app that a HelmRelease reads, by effective namespace.
struct ReleaseInputs {
  std::string app_namespace = "default";
  std::map<std::string, std::map<std::string, const yaml::Node*>> config_maps;  // ns -> name -> object
  std::map<std::string, std::map<std::string, const yaml::Node*>> secrets;      // ns -> name -> object
  std::map<std::string, const Manifest*> sources;  // "ns/Kind/name" of GitRepository, OCIRepository, HelmChart
};

// The Flux source object in the input that the release's chart reads, or null.
const Manifest* ChartSource(const Manifest& release, const ReleaseInputs& inputs);

// Indexes the ConfigMaps, Secrets and Flux sources of `manifests`.
ReleaseInputs IndexReleaseInputs(const std::vector<Manifest>& manifests, const std::string& app_namespace);

// Whether `s` is an exact semantic version (optionally "v"-prefixed), not a range.
bool ExactVersion(const std::string& s);

// Ok when the release's chart is pinned (see above), else the error.
Status CheckPinnedChart(const Manifest& release, const ReleaseInputs& inputs);

// The revision checksum of the release (16 hex chars).
std::string HelmReleaseRevision(const Manifest& release, const ReleaseInputs& inputs);

// What a promotion of the release as it is now copies.
PromotedSnapshot CurrentHelmReleaseSnapshot(const Manifest& release, const ReleaseInputs& inputs);

// The release's valuesFrom entries that are not in git, as "Kind name": the
// revision covers their names only, and the primary reads them live.
std::vector<std::string> ValuesFromOutsideGit(const Manifest& release, const ReleaseInputs& inputs);

// trackedConfigs of the release: "configmap/NAME" and "secret/NAME" of its
// valuesFrom found in git -> a digest of their data.
std::map<std::string, std::string> HelmReleaseTrackedConfigs(const Manifest& release, const ReleaseInputs& inputs);

}  // namespace gitcanary::render
