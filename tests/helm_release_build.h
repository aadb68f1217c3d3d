// Builds Flux HelmReleases the way helm-controller does, with real Helm and
// real kustomize, so tests can check what a cluster would run from a render.
//
// For each `helm.toolkit.fluxcd.io/v2` HelmRelease of a YAML stream:
//   1. `helm template RELEASE CHART --namespace NS -f VALUES`, where RELEASE is
//      spec.releaseName (else `<targetNamespace>-<name>` with a
//      targetNamespace, else the name), NS is spec.targetNamespace (else the
//      HelmRelease's namespace), VALUES are the ConfigMaps of spec.valuesFrom
//      (found among the stream's objects) then spec.values, and CHART is the local
//      directory the caller maps spec.chart.spec.chart to; spec.chart.spec.version
//      must equal that chart's version (a release is pinned).
//   2. Every spec.postRenderers entry in order, each as helm-controller's
//      kustomize post-renderer runs it: a directory holding `helm-output.yaml`
//      (the stream so far) and a `kustomization.yaml` of
//      `{resources: [helm-output.yaml], patches: [...], images: [...]}`, built
//      by `kubectl kustomize DIR` (no plugins, as helm-controller disables them).
//   3. helm-controller's origin labels `helm.toolkit.fluxcd.io/name` and
//      `helm.toolkit.fluxcd.io/namespace` on metadata.labels only (a last
//      kustomize pass with `labels`, which leaves selectors and templates alone).
// Objects without a namespace get NS, as Helm applies them there.
//
// Every other document of the stream is a plain object, applied as it is.
// Helm runs with its cache, config and data in a private temporary directory;
// all working directories are removed when the build returns.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "render/manifest.h"

namespace gitcanary::testing {

// The binaries a build runs.
struct HelmTools {
  std::string helm;     // a Helm 3 or Helm 4 binary
  std::string kubectl;  // kubectl, whose `kustomize` is the build
};

// The Helm that environment variable `helm_env` names (GITCANARY_TEST_HELM4
// or GITCANARY_TEST_HELM3, set by `eval "$(bash scripts/install_helm.sh)"`),
// or "" after a MESSAGE "skipped: ..." saying why.
std::string FindTestHelm(const std::string& helm_env);

// kubectl on PATH, or "" after a MESSAGE "skipped: ...".
std::string FindKubectl();

// Both tools, or nullopt after a MESSAGE "skipped: ..." for the missing one.
std::optional<HelmTools> FindHelmTools(const std::string& helm_env = "GITCANARY_TEST_HELM4");

// The same without a MESSAGE: the tools in `tools` and "", or why they are missing.
std::string LocateHelmTools(const std::string& helm_env, HelmTools* tools);

// One HelmRelease as helm-controller would apply it.
struct BuiltRelease {
  std::string name;          // metadata.name of the HelmRelease
  std::string ns;            // its metadata.namespace
  std::string release_name;  // Helm's release name
  std::string target_ns;     // where its objects go
  std::string output;        // the post-rendered stream
  std::vector<render::Manifest> objects;  // that stream, each with its namespace filled in
};

struct HelmReleaseBuild {
  std::vector<BuiltRelease> releases;     // in stream order
  std::vector<render::Manifest> plain;    // every other object of the stream
  std::string error;                      // "" on success, else what failed (a command and its stderr)
  int built = 0;                          // releases built by Helm and kustomize (not taken from a cache)
};

// Builds of HelmReleases by what helm-controller reads (name, namespace,
// spec, and the valuesFrom ConfigMaps): a release whose spec did not change
// (a metadata annotation did) is not built again, as helm-controller does not
// upgrade it.
using HelmReleaseCache = std::map<std::string, BuiltRelease>;

// Builds every HelmRelease of `stream` (see above). `charts` maps a chart name
// (spec.chart.spec.chart), or "name@version" for one version of it, to its
// local directory; `default_ns` is the
// namespace of objects of the stream that name none; `cache`, when given,
// holds earlier builds.
HelmReleaseBuild BuildHelmReleases(const HelmTools& tools, const std::string& stream,
                                   const std::map<std::string, std::string>& charts,
                                   const std::string& default_ns = "default", HelmReleaseCache* cache = nullptr);

// A copy of the chart in `chart` at `dir`/<name>-<version>, its Chart.yaml
// version (and appVersion) set to `version`: another version of the same chart.
// Returns the copy's directory.
std::string ChartAtVersion(const std::string& chart, const std::string& dir, const std::string& version);

// Every object of a build: the releases' outputs, then the plain objects.
std::vector<const render::Manifest*> AllObjects(const HelmReleaseBuild& build);

}  // namespace gitcanary::testing
