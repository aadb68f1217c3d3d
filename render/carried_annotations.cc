#include "render/carried_annotations.h"

namespace gitcanary::render {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

yaml::Node* Annotations(Manifest& m) {
  yaml::Node* meta = m.doc.Find("metadata");
  return meta == nullptr ? nullptr : meta->Find("annotations");
}

}  // namespace

CarriedAnnotations CarriedAnnotations::Take(std::vector<Manifest>& objects, const IsCarriedKey& carried) {
  CarriedAnnotations out;
  for (Manifest& m : objects) {
    yaml::Node* annotations = Annotations(m);
    if (annotations == nullptr || !annotations->IsMapping()) continue;
    std::vector<yaml::Field> kept, taken;
    for (yaml::Field& f : annotations->fields) (carried(f.key) ? taken : kept).push_back(std::move(f));
    if (taken.empty()) {
      annotations->fields = std::move(kept);
      continue;
    }
    if (kept.empty()) {
      m.doc.Find("metadata")->Erase("annotations");
    } else {
      annotations->fields = std::move(kept);
    }
    out.by_object_[{m.Group(), m.kind, m.ns, m.name}] = std::move(taken);
  }
  return out;
}

void CarriedAnnotations::Restore(std::vector<Manifest>& objects) {
  for (Manifest& m : objects) {
    auto it = by_object_.find({m.Group(), m.kind, m.ns, m.name});
    if (it == by_object_.end()) continue;
    yaml::Node* meta = m.doc.Find("metadata");
    if (meta == nullptr || !meta->IsMapping()) continue;
    yaml::Node* annotations = meta->Find("annotations");
    if (annotations == nullptr || !annotations->IsMapping()) annotations = &meta->Set("annotations", yaml::Node::Mapping());
    for (const yaml::Field& f : it->second) annotations->Set(f.key, f.value);
    by_object_.erase(it);
  }
}

bool IsHelmMark(std::string_view key) { return key == "postrenderer.helm.sh/postrender-filename"; }

bool IsKrmMark(std::string_view key) {
  return StartsWith(key, "config.kubernetes.io/") || StartsWith(key, "internal.config.kubernetes.io/") ||
         StartsWith(key, "config.k8s.io/") || StartsWith(key, "kustomize.config.k8s.io/");
}

void AnnotateAll(std::vector<Manifest>& objects, std::string_view key, const std::string& value) {
  for (Manifest& m : objects) {
    yaml::Node* meta = m.doc.Find("metadata");
    if (meta == nullptr || !meta->IsMapping()) continue;
    yaml::Node* annotations = meta->Find("annotations");
    if (annotations == nullptr || !annotations->IsMapping()) annotations = &meta->Set("annotations", yaml::Node::Mapping());
    annotations->Set(key, yaml::Node::String(value));
  }
}

}  // namespace gitcanary::render
