// The facts a HelmRelease canary must hold once helm-controller has built its
// releases (tests/helm_release_build.h), as a list of problems, so a test can
// both require none and show that a broken render is caught.
//
// For canary X in namespace NS, over every object of the build (the releases'
// outputs and the plain objects):
// - exactly one Deployment X (the canary) and one X-primary, with distinct pod
//   label sets, neither selector picking the other's pods;
// - Services X, X-primary and X-canary exist, and each selects the pods of
//   exactly one Deployment: X-primary for X and X-primary, X for X-canary (a
//   Service selects a Deployment's pods when its selector is a non-empty subset
//   of the pod template's labels); every other Service of NS selects at most one
//   Deployment's pods;
// - the canary Deployment is at `replicas: 0` exactly while the canary is idle
//   (otherwise its replicas are absent, as under an HPA, or above 0);
// - no two objects share group, kind, namespace and name.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "tests/helm_release_build.h"

namespace gitcanary::testing {

struct HelmCanary {
  std::string ns;    // the Canary's namespace
  std::string name;  // X: the Canary's targetRef
  bool idle = false; // whether the canary Deployment should be scaled to zero
};

// The problems found, one line each; empty when every fact holds.
std::vector<std::string> HelmCanaryProblems(const HelmReleaseBuild& build, const HelmCanary& canary);

// The objects that share group, kind, namespace and name, one line each.
std::vector<std::string> CollisionProblems(const HelmReleaseBuild& build);

// For test assertions: the built object of `kind` and `name` (nullptr when
// absent), the scalar at `path` of one ("<no object>", "<absent>"), and
// problem lines joined one per line.
const render::Manifest* Object(const HelmReleaseBuild& build, const std::string& kind, const std::string& name);
std::string At(const render::Manifest* m, std::initializer_list<std::string_view> path);
std::string Lines(const std::vector<std::string>& lines);

}  // namespace gitcanary::testing
