#include "render/routing/refused_fields.h"

#include <string>

namespace gitcanary::render {

using yaml::Node;

bool AsksForSomething(const Node& n) {
  if (n.IsNull()) return false;
  if (n.IsScalar()) return n.AsBool() != std::optional<bool>(false);
  if (n.IsSequence()) return !n.items.empty();
  return !n.fields.empty();
}

Status RefuseFields(const RouteContext& c, const std::vector<RefusedField>& refused) {
  for (const RefusedField& r : refused) {
    const Node* section = c.spec.Find(r.section);
    if (section == nullptr || !section->IsMapping()) continue;
    const Node* field = section->Find(r.key);
    if (field == nullptr || !AsksForSomething(*field)) continue;
    const std::string path = "spec." + std::string(r.section) + "." + std::string(r.key);
    return c.f.Error(*field, path,
                     "not supported with provider " + std::string(ProviderName(c.in.provider)) + ": " +
                         std::string(r.reason));
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
