#include "render/manifest.h"

namespace gitcanary::render {

namespace {
std::string ScalarAt(const yaml::Node& doc, std::initializer_list<std::string_view> path) {
  const yaml::Node* n = doc.Path(path);
  return (n != nullptr && n->IsScalar()) ? n->value : std::string();
}
}  // namespace

std::string Manifest::Group() const {
  auto slash = api_version.find('/');
  return slash == std::string::npos ? std::string() : api_version.substr(0, slash);
}

std::string Manifest::Describe() const {
  return kind + " " + (ns.empty() ? name : ns + "/" + name);
}

void Manifest::RefreshIdentity() {
  api_version = ScalarAt(doc, {"apiVersion"});
  kind = ScalarAt(doc, {"kind"});
  name = ScalarAt(doc, {"metadata", "name"});
  ns = ScalarAt(doc, {"metadata", "namespace"});
}

}  // namespace gitcanary::render
