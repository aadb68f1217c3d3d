// Annotations that belong to the caller's bookkeeping, not to the object.
//
// Helm 4 marks every document with `postrenderer.helm.sh/postrender-filename`,
// and kustomize marks every KRM item with `config.kubernetes.io/*` and
// `internal.config.kubernetes.io/*` (its path, index and id). The caller uses
// them to put the output back together, so an object that comes out of a
// render must carry exactly the marks it came in with, and a generated object
// (the primary Deployment, the VirtualService, ...) must carry none: a copy of
// its source's id would make the caller take it for its source.
//
// Take() lifts the marks off the input before the render, keyed by the
// object's API group, kind, namespace and name (the group, not the version:
// render may move a Canary or HPA to a newer version); Restore() puts them
// back on the one output object with the same identity. Render itself never
// sees them.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "render/manifest.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

using IsCarriedKey = std::function<bool(std::string_view key)>;

class CarriedAnnotations {
 public:
  // Removes every annotation whose key `carried` accepts from `objects`
  // (dropping an annotations map left empty) and remembers them.
  static CarriedAnnotations Take(std::vector<Manifest>& objects, const IsCarriedKey& carried);

  // Adds the remembered annotations back to the first object with the same
  // group, kind, namespace and name, in their original order; each set of
  // marks goes to one object only.
  void Restore(std::vector<Manifest>& objects);

 private:
  using Identity = std::tuple<std::string, std::string, std::string, std::string>;  // group, kind, ns, name
  std::map<Identity, std::vector<yaml::Field>> by_object_;
};

// The marks of Helm 4 and of kustomize's KRM functions.
bool IsHelmMark(std::string_view key);
bool IsKrmMark(std::string_view key);

// Sets metadata.annotations[key] = value on every object.
void AnnotateAll(std::vector<Manifest>& objects, std::string_view key, const std::string& value);

}  // namespace gitcanary::render
