#include "render/primary_workload.h"

#include "render/fields.h"
#include "render/revision_checksum.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

void AddAnnotations(Node& doc, const Node& annotations) {
  if (annotations.fields.empty()) return;
  Node& meta = *doc.Find("metadata");
  Node* existing = meta.Find("annotations");
  if (existing == nullptr || !existing->IsMapping()) existing = &meta.Set("annotations", Node::Mapping(0));
  existing->fields.reserve(existing->fields.size() + annotations.fields.size());
  for (const yaml::Field& f : annotations.fields) existing->Set(f.key, f.value);
}

Node Metadata(const std::string& name, const std::string& ns) {
  Node meta = Node::Mapping(ns.empty() ? 1 : 2);
  meta.Set("name", Node::String(name));
  if (!ns.empty()) meta.Set("namespace", Node::String(ns));
  return meta;
}

// Renames ConfigMap references in a pod template to `<name>-primary` for the names in `renamed`.
void RenameConfigMaps(Node& n, const std::map<std::string, Node>& renamed) {
  auto rename = [&renamed](Node* ref, std::string_view key) {
    Node* name = ref == nullptr ? nullptr : ref->Find(key);
    if (name != nullptr && name->IsScalar() && renamed.count(name->value) != 0) name->value += "-primary";
  };
  if (n.IsMapping()) {
    rename(n.Find("configMapKeyRef"), "name");
    rename(n.Find("configMapRef"), "name");
    rename(n.Find("configMap"), "name");
    for (yaml::Field& f : n.fields) RenameConfigMaps(f.value, renamed);
  } else if (n.IsSequence()) {
    for (Node& item : n.items) RenameConfigMaps(item, renamed);
  }
}

}  // namespace

PromotedSnapshot SnapshotOf(const Node& pod_template, const std::map<std::string, const Manifest*>& config_maps) {
  PromotedSnapshot s;
  s.template_ = pod_template;
  for (const std::string& name : ReferencedConfigs(s.template_).config_maps) {
    auto it = config_maps.find(name);
    if (it == config_maps.end()) continue;  // not in git: the primary shares it
    const Node* data = it->second->doc.Find("data");
    s.config_maps[name] = data != nullptr ? *data : Node::Mapping();
  }
  return s;
}

namespace {

// The snapshot the primary comes from: the status's, or (bootstrap) the target's own.
PromotedSnapshot TakeSnapshot(const WorkloadInput& in) {
  if (in.status != nullptr && in.status->promoted) return std::move(*in.status->promoted);
  return SnapshotOf(*in.target->doc.Path({"spec", "template"}), *in.config_maps);
}

// The target Deployment without its pod template (which the snapshot replaces).
Node CopyWithoutTemplate(const Node& deployment) {
  Node doc = Node::Mapping(deployment.fields.size());
  for (const yaml::Field& f : deployment.fields) {
    if (f.key != "spec") {
      doc.fields.push_back(f);
      continue;
    }
    Node& spec = doc.Set("spec", Node::Mapping(f.value.fields.size()));
    for (const yaml::Field& g : f.value.fields)
      spec.fields.push_back(g.key == "template" ? yaml::Field{g.key, g.key_mark, Node::Mapping()} : g);
  }
  return doc;
}

// A ConfigMap of the primary from snapshot data (which may also hold binaryData).
Node PrimaryConfigMap(const std::string& name, const std::string& ns, Node data) {
  // ConfigMap data holds strings only: a snapshot written by hand may have lost quotes.
  for (yaml::Field& f : data.fields)
    if (f.value.IsScalar()) f.value.style = yaml::Style::kQuoted;
  Node map = Node::Mapping(5);
  map.Set("apiVersion", Node::String("v1"));
  map.Set("kind", Node::String("ConfigMap"));
  map.Set("metadata", Metadata(name, ns));
  Node* binary = data.Find("binaryData");
  if (binary == nullptr) {
    map.Set("data", std::move(data));
    return map;
  }
  Node binary_data = std::move(*binary);
  data.Erase("binaryData");
  if (!data.fields.empty()) map.Set("data", std::move(data));
  map.Set("binaryData", std::move(binary_data));
  return map;
}

Node PrimaryDeployment(const WorkloadInput& in, PromotedSnapshot& snap, const std::string& primary) {
  Node doc = CopyWithoutTemplate(in.target->doc);  // apiVersion, metadata, strategy, ...
  Node& meta = *doc.Find("metadata");
  meta.Set("name", Node::String(primary));
  if (Node* labels = meta.Find("labels"); labels != nullptr && labels->Find(in.selector_label) != nullptr)
    labels->Set(in.selector_label, Node::String(primary));
  Node& spec = *doc.Find("spec");
  spec.Find("selector")->Find("matchLabels")->Set(in.selector_label, Node::String(primary));
  Node& tmpl = spec.Set("template", std::move(snap.template_));
  if (tmpl.Find("metadata") == nullptr) tmpl.Set("metadata", Node::Mapping());
  Node* pod_labels = tmpl.Find("metadata")->Find("labels");
  if (pod_labels == nullptr || !pod_labels->IsMapping()) pod_labels = &tmpl.Find("metadata")->Set("labels", Node::Mapping());
  pod_labels->Set(in.selector_label, Node::String(primary));
  if (!snap.config_maps.empty()) RenameConfigMaps(*tmpl.Find("spec"), snap.config_maps);
  if (in.hpa != nullptr) spec.Erase("replicas");
  AddAnnotations(doc, in.annotations);
  return doc;
}

}  // namespace

Result<std::string> SelectorLabel(const Manifest& target) {
  const Node* match = target.doc.Path({"spec", "selector", "matchLabels"});
  for (const char* label : {"app", "name", "app.kubernetes.io/name"}) {
    if (match != nullptr && match->Find(label) != nullptr) return std::string(label);
  }
  const Node* at = target.doc.Path({"spec", "selector"});
  return Fields(target.file).Error(at != nullptr ? *at : target.doc, "spec.selector.matchLabels",
                                   "git mode needs the target's selector to use the label app, name or "
                                   "app.kubernetes.io/name (it becomes <name>-primary on the primary)");
}

bool CanaryIdle(Phase phase) {
  return phase == Phase::kInitialized || phase == Phase::kSucceeded || phase == Phase::kFailed;
}

bool CanaryScaledToZero(const CanaryStatus* status) {
  if (status == nullptr) return false;  // Initializing
  if (status->phase == Phase::kFailed && status->canary_weight > 0) return false;  // a failed promotion
  return CanaryIdle(status->phase);
}

Result<std::vector<Node>> MakePrimaryWorkload(const WorkloadInput& in) {
  const std::string& name = in.target->name;
  const std::string primary = name + "-primary";
  const std::string& ns = in.canary->ns;
  PromotedSnapshot snap = TakeSnapshot(in);
  std::vector<Node> out;
  out.push_back(PrimaryDeployment(in, snap, primary));
  for (auto& [cm, data] : snap.config_maps) out.push_back(PrimaryConfigMap(cm + "-primary", ns, std::move(data)));
  if (in.hpa != nullptr) {
    Node hpa = in.hpa->doc;
    hpa.Find("metadata")->Set("name", Node::String(in.hpa->name + "-primary"));
    hpa.Find("spec")->Find("scaleTargetRef")->Set("name", Node::String(primary));
    out.push_back(std::move(hpa));
  }
  // The target is the canary: scaled to zero while idle, else as the input says.
  Node& target_spec = *in.target->doc.Find("spec");
  if (CanaryScaledToZero(in.status)) {
    if (Node* replicas = target_spec.Find("replicas")) *replicas = Node::Int(0);
    else target_spec.fields.insert(target_spec.fields.begin(), yaml::Field{"replicas", {}, Node::Int(0)});
  }
  AddAnnotations(in.target->doc, in.annotations);
  return out;
}

}  // namespace gitcanary::render
