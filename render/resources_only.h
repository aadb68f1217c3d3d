// A kustomization that only lists local resources builds to exactly those
// resources: no name, label, namespace, image or patch transformation applies.
// Such a kustomization (every corpus app and umbrella `kustomization.yaml`
// that only gathers files) is read directly, saving the 70 ms of a kustomize
// process per app, with the same objects kustomize would print.
//
// The rule is strict. The kustomization may hold `apiVersion`, `kind:
// Kustomization` and `resources:` and nothing else; every resource is a
// manifest file inside the repository, or a directory whose kustomization
// follows the same rule. Anything else (a remote, a missing path, a cycle,
// any other field) answers "no", and kustomize itself builds the app and
// reports what is wrong in its own words. Pure: reads through the FileSource.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"

namespace gitcanary::render {

struct GatheredFiles {
  std::vector<std::string> files;           // in kustomize's order
  std::vector<std::string> kustomizations;  // the kustomization files read, the app's first
};

// The files the kustomization at `dir` gathers, or nullopt when it does more
// than gather local files.
Result<std::optional<GatheredFiles>> ResourcesOnlyFiles(const FileSource& repo, const std::string& dir);

}  // namespace gitcanary::render
