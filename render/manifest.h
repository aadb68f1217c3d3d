// Manifest: one Kubernetes object as loaded from an app directory.
//
// The loader turns every document into a Manifest that remembers where it came
// from (for `file:line:col` errors) and caches the identity fields that the
// rewrites and the output order key on. `ns` is the namespace as written ("" when
// absent); EffectiveNamespace() applies the app's namespace for lookups while
// the object itself stays namespace-less in the output.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "render/yaml_tree.h"

namespace gitcanary::render {

struct Manifest {
  yaml::Node doc;
  std::string file;  // display name of the source file
  std::string api_version;
  std::string kind;
  std::string name;
  std::string ns;  // as written; "" = the app's namespace

  const std::string& EffectiveNamespace(const std::string& app_namespace) const {
    return ns.empty() ? app_namespace : ns;
  }
  // The API group: "" for core "v1", "apps" for "apps/v1".
  std::string Group() const;
  // "Kind ns/name" (or "Kind name" when namespace-less) for messages.
  std::string Describe() const;
  // Reads identity fields from doc (after doc is replaced or edited).
  void RefreshIdentity();
};

// Moves to `dropped` the manifests whose index `drop` is true for, in order,
// and closes the gaps in place: the rest keep their order and, when nothing
// is dropped, are not moved at all.
template <typename Drop>
void MoveDropped(std::vector<Manifest>& manifests, Drop drop, std::vector<Manifest>* dropped) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    if (drop(i)) {
      dropped->push_back(std::move(manifests[i]));
      continue;
    }
    if (kept != i) manifests[kept] = std::move(manifests[i]);
    ++kept;
  }
  manifests.erase(manifests.begin() + static_cast<std::ptrdiff_t>(kept), manifests.end());
}

}  // namespace gitcanary::render
