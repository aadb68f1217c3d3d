// Kurator Applications in an app: each rollout policy becomes the Flagger
// objects Kurator's controller would generate (canary_from_rollout.h), added
// to the manifests before render normalises Canaries, so that they flow
// through the pipeline like hand-written ones.
//
// - The Application itself is kept with its source and kustomizations, but
//   every `rollout` is removed from it: Kurator's controller would otherwise
//   generate a second Canary for the same workload beside the rendered one.
// - git mode renders the workload, so its Deployment (rollout.workload) must be
//   in the input: the Application's kustomization path is this app's own
//   directory. Otherwise it is an error pointing to --mode flagger, as is
//   provider kuma, which git mode does not route.
// - flagger mode passes any provider through. A Canary whose workload is not
//   in the input is returned in `outside`: render normalises it but leaves
//   it out of the app rewrites, which need the Deployment. A rollout with
//   `testLoader: true` also gets its private load tester (load_tester.h).
// - One rollout per workload, and one nginx rollout per namespace (they would
//   share Kurator's Ingress `nginx` and Flagger's `nginx-canary`).
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"

namespace gitcanary::render::kurator {

struct Expansion {
  std::set<std::pair<std::string, std::string>> outside;  // (namespace, name) of Canaries whose workload is elsewhere
};

Result<Expansion> ExpandApplications(std::vector<Manifest>& manifests, Mode mode, const std::string& app_namespace,
                                     std::vector<std::string>* explain);

}  // namespace gitcanary::render::kurator
