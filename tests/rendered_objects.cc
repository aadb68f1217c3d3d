#include "tests/rendered_objects.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "render/loader.h"

namespace gitcanary::testing {

namespace {

// Mapping keys in byte order, recursively: kustomize prints keys sorted.
void SortKeys(yaml::Node& n) {
  for (yaml::Node& item : n.items) SortKeys(item);
  for (yaml::Field& f : n.fields) SortKeys(f.value);
  std::sort(n.fields.begin(), n.fields.end(), [](const yaml::Field& a, const yaml::Field& b) { return a.key < b.key; });
}

}  // namespace

ObjectsByKey ParseObjects(const std::string& text) {
  auto manifests = render::ParseManifests(text, "output");
  REQUIRE_MESSAGE(manifests.ok(), manifests.status().message());
  ObjectsByKey out;
  for (render::Manifest& m : *manifests) {
    std::string key = m.api_version + " " + m.kind + " " + m.ns + "/" + m.name;
    INFO(key);
    SortKeys(m.doc);
    CHECK(out.emplace(key, std::move(m.doc)).second);
  }
  return out;
}

int RemoveAnnotation(ObjectsByKey& objects, std::string_view key, std::string_view value) {
  int matched = 0;
  for (auto& [name, doc] : objects) {
    yaml::Node* meta = doc.Find("metadata");
    yaml::Node* annotations = meta == nullptr ? nullptr : meta->Find("annotations");
    if (annotations == nullptr) continue;
    const yaml::Node* found = annotations->Find(key);
    if (found != nullptr && found->value == value) ++matched;
    annotations->Erase(key);
    if (annotations->fields.empty()) meta->Erase("annotations");
  }
  return matched;
}

}  // namespace gitcanary::testing
