#include "render/primary_workload.h"

#include <algorithm>
#include <utility>

#include "render/fields.h"
#include "render/revision_checksum.h"

namespace gitcanary::render {

using yaml::Node;

const std::vector<std::string> kDefaultSelectorLabels = {"app", "name", "app.kubernetes.io/name"};

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

Node* MutablePath(Node& n, std::initializer_list<std::string_view> keys) {
  return const_cast<Node*>(std::as_const(n).Path(keys));
}

// Flagger never copies a key naming a Flux toolkit controller (kustomize.toolkit.fluxcd.io/...).
bool IsToolkitKey(std::string_view key) { return key.find("toolkit.fluxcd.io") != std::string_view::npos; }

// The entries of `map` (a mapping or nullptr) that `keep` accepts, in their order.
template <typename Keep>
Node Filtered(const Node* map, Keep keep) {
  Node out = Node::Mapping();
  if (map == nullptr || !map->IsMapping()) return out;
  for (const yaml::Field& f : map->fields)
    if (!IsToolkitKey(f.key) && keep(f.key)) out.fields.push_back(f);
  return out;
}

Node WithoutToolkitKeys(const Node* map) {
  return Filtered(map, [](std::string_view) { return true; });
}

// Flagger's includeLabelsByPrefix: keys starting with one of `prefixes` ("*" = all; "" matches nothing).
Node IncludedByPrefix(const Node* map, const std::vector<std::string>* prefixes) {
  return Filtered(map, [prefixes](std::string_view key) {
    if (prefixes == nullptr) return false;
    return std::any_of(prefixes->begin(), prefixes->end(), [key](const std::string& p) {
      return p == "*" || (!p.empty() && key.starts_with(p));
    });
  });
}

// Sets `key` in metadata `meta` to `value` when it has entries, else removes it.
void SetOrDrop(Node& meta, std::string_view key, Node value) {
  if (value.fields.empty()) meta.Erase(key);
  else meta.Set(key, std::move(value));
}

// Renames ConfigMap references in a pod spec to `<name>-primary` for the names in `renamed`.
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

// Values in a label selector that name the canary's pods get `-primary`, as
// Flagger renames them: on a selector label key, a value equal to the
// Deployment's name (Flagger's test) or to the selector label's value (the
// pods' actual label, when the two differ).
struct AffinityRename {
  const std::vector<std::string>& keys;
  const std::string& name;
  const std::string& value;

  bool Names(const Node& v) const { return v.IsScalar() && (v.value == name || v.value == value); }
  bool IsKey(const std::string& k) const { return std::find(keys.begin(), keys.end(), k) != keys.end(); }

  void Selector(Node* selector) const {
    if (selector == nullptr || !selector->IsMapping()) return;
    if (Node* exprs = selector->Find("matchExpressions"); exprs != nullptr && exprs->IsSequence()) {
      for (Node& e : exprs->items) {
        const Node* key = e.Find("key");
        Node* values = e.Find("values");
        if (key == nullptr || !key->IsScalar() || !IsKey(key->value) || values == nullptr || !values->IsSequence()) continue;
        for (Node& v : values->items) {
          if (!Names(v)) continue;
          v.value += "-primary";
          break;  // the first match only, as Flagger
        }
      }
    }
    if (Node* labels = selector->Find("matchLabels"); labels != nullptr && labels->IsMapping()) {
      for (yaml::Field& f : labels->fields)
        if (IsKey(f.key) && Names(f.value)) f.value.value += "-primary";
    }
  }

  void PodSpec(Node& spec) const {
    if (Node* spreads = spec.Find("topologySpreadConstraints"); spreads != nullptr && spreads->IsSequence())
      for (Node& c : spreads->items) Selector(c.Find("labelSelector"));
    Node* anti = MutablePath(spec, {"affinity", "podAntiAffinity"});
    if (anti == nullptr || !anti->IsMapping()) return;
    if (Node* preferred = anti->Find("preferredDuringSchedulingIgnoredDuringExecution"); preferred && preferred->IsSequence())
      for (Node& term : preferred->items) Selector(MutablePath(term, {"podAffinityTerm", "labelSelector"}));
    if (Node* required = anti->Find("requiredDuringSchedulingIgnoredDuringExecution"); required && required->IsSequence())
      for (Node& term : required->items) Selector(term.Find("labelSelector"));
  }
};

// The data (and binaryData) of the ConfigMaps that `pod_template` references,
// among `config_maps`, that Flagger tracks.
void AddConfigMaps(PromotedSnapshot& s, const std::map<std::string, const Manifest*>& config_maps) {
  for (const std::string& name : ReferencedConfigs(s.template_).config_maps) {
    auto it = config_maps.find(name);
    if (it == config_maps.end() || !TrackedConfig(it->second->doc)) continue;  // shared
    const Node* data = it->second->doc.Find("data");
    s.config_maps[name] = data != nullptr && data->IsMapping() ? *data : Node::Mapping();
    const Node* binary = it->second->doc.Find("binaryData");
    if (binary != nullptr && binary->IsMapping() && !binary->fields.empty()) s.binary_data[name] = *binary;
  }
}

}  // namespace

PromotedSnapshot SnapshotOf(const Node& pod_template, const std::map<std::string, const Manifest*>& config_maps) {
  PromotedSnapshot s;
  s.template_ = pod_template;
  AddConfigMaps(s, config_maps);
  return s;
}

namespace {

// The snapshot the primary comes from: the status's, or (bootstrap) the target's own.
PromotedSnapshot TakeSnapshot(const WorkloadInput& in) {
  if (in.status != nullptr && in.status->promoted) return std::move(*in.status->promoted);
  return SnapshotOf(*in.target->doc.Path({"spec", "template"}), *in.config_maps);
}

// A ConfigMap of the primary from snapshot data; labels as Flagger copies them.
Node PrimaryConfigMap(const WorkloadInput& in, const std::string& name, Node data, Node* binary) {
  // ConfigMap data holds strings only: a snapshot written by hand may have lost quotes.
  for (yaml::Field& f : data.fields)
    if (f.value.IsScalar()) f.value.style = yaml::Style::kQuoted;
  Node map = Node::Mapping(5);
  map.Set("apiVersion", Node::String("v1"));
  map.Set("kind", Node::String("ConfigMap"));
  Node& meta = map.Set("metadata", Metadata(name + "-primary", in.canary->ns));
  if (auto it = in.config_maps->find(name); it != in.config_maps->end())
    SetOrDrop(meta, "labels", IncludedByPrefix(it->second->doc.Path({"metadata", "labels"}), in.include_prefix));
  if (binary == nullptr || !data.fields.empty()) map.Set("data", std::move(data));
  if (binary != nullptr) map.Set("binaryData", std::move(*binary));
  return map;
}

// spec.replicas of the primary: none under an HPA, else the target's (0 becomes 1, as Flagger creates it).
void PrimaryReplicas(Node& spec, bool has_hpa) {
  Node* replicas = spec.Find("replicas");
  if (replicas == nullptr) return;
  if (has_hpa) spec.Erase("replicas");
  else if (replicas->AsInt().value_or(1) <= 0) *replicas = Node::Int(1);
}

// The pod template of the primary, from the snapshot.
Node PrimaryTemplate(const WorkloadInput& in, PromotedSnapshot& snap, const std::string& primary_value) {
  Node tmpl = std::move(snap.template_);
  if (!tmpl.IsMapping()) tmpl = Node::Mapping();
  Node* meta = tmpl.Find("metadata");
  if (meta == nullptr || !meta->IsMapping()) meta = &tmpl.Set("metadata", Node::Mapping());
  Node labels = WithoutToolkitKeys(meta->Find("labels"));
  labels.Set(in.selector.label, Node::String(primary_value));
  meta->Set("labels", std::move(labels));
  if (meta->Find("annotations") != nullptr) SetOrDrop(*meta, "annotations", WithoutToolkitKeys(meta->Find("annotations")));
  if (Node* spec = tmpl.Find("spec"); spec != nullptr && spec->IsMapping()) {
    if (!snap.config_maps.empty()) RenameConfigMaps(*spec, snap.config_maps);
    AffinityRename{*in.selector_labels, in.target->name, in.selector.value}.PodSpec(*spec);
  }
  return tmpl;
}

Node PrimaryDeployment(const WorkloadInput& in, PromotedSnapshot& snap, const std::string& primary) {
  const std::string primary_value = in.selector.value + "-primary";
  const Node& target = in.target->doc;
  Node doc = Node::Mapping(target.fields.size());
  for (const yaml::Field& f : target.fields) {
    if (f.key == "metadata" || f.key == "spec") continue;
    doc.fields.push_back(f);  // apiVersion, kind
  }
  Node& meta = doc.Set("metadata", Metadata(primary, in.target->ns));
  Node labels = IncludedByPrefix(target.Path({"metadata", "labels"}), in.include_prefix);
  labels.Set(in.selector.label, Node::String(primary_value));
  meta.Set("labels", std::move(labels));
  SetOrDrop(meta, "annotations", WithoutToolkitKeys(target.Path({"metadata", "annotations"})));
  Node& spec = doc.Set("spec", Node::Mapping());
  for (const yaml::Field& f : target.Find("spec")->fields) {
    if (f.key == "paused") continue;
    if (f.key == "template") {
      spec.Set("template", PrimaryTemplate(in, snap, primary_value));
    } else if (f.key == "selector") {
      Node match = Node::Mapping(1);
      match.Set(in.selector.label, Node::String(primary_value));
      spec.Set("selector", Node::Mapping(1)).Set("matchLabels", std::move(match));
    } else {
      spec.fields.push_back(f);
    }
  }
  PrimaryReplicas(spec, in.hpa != nullptr);
  AddAnnotations(doc, in.annotations);
  return doc;
}

// The primary HPA: Flagger's copy of the target's, scaling the primary, with
// primaryScalerReplicas overriding its bounds.
Node PrimaryHpa(const WorkloadInput& in, const std::string& primary) {
  Node hpa = in.hpa->doc;
  Node& meta = *hpa.Find("metadata");
  meta.Set("name", Node::String(in.hpa->name + "-primary"));
  SetOrDrop(meta, "labels", WithoutToolkitKeys(meta.Find("labels")));
  meta.Erase("annotations");
  Node& spec = *hpa.Find("spec");
  spec.Find("scaleTargetRef")->Set("name", Node::String(primary));
  const Node* override = in.canary->doc.Path({"spec", "autoscalerRef", "primaryScalerReplicas"});
  for (const char* key : {"minReplicas", "maxReplicas"}) {
    const Node* v = override != nullptr ? override->Find(key) : nullptr;
    if (v != nullptr && v->AsInt().has_value()) spec.Set(key, Node::Int(*v->AsInt()));
  }
  return hpa;
}

}  // namespace

Result<TargetSelector> SelectorOf(const Manifest& target, const std::vector<std::string>& labels) {
  const Node* match = target.doc.Path({"spec", "selector", "matchLabels"});
  std::string list;
  for (const std::string& label : labels) {
    list += (list.empty() ? "" : ", ") + label;
    const Node* value = match != nullptr && match->IsMapping() ? match->Find(label) : nullptr;
    if (value == nullptr) continue;
    if (!value->IsScalar() || value->value.empty()) {
      return Fields(target.file).Error(*value, "spec.selector.matchLabels." + label, "expected a label value, got " + Shown(*value));
    }
    if (value->value.size() + 8 > 63) {
      return Fields(target.file).Error(*value, "spec.selector.matchLabels." + label,
                                       "\"" + value->value + "-primary\" (the primary's label value) is longer than "
                                       "63 characters; shorten the label value");
    }
    return TargetSelector{label, value->value};
  }
  const Node* at = target.doc.Path({"spec", "selector"});
  return Fields(target.file).Error(at != nullptr ? *at : target.doc, "spec.selector.matchLabels",
                                   "git mode needs one of the selector labels " + list +
                                       " here (its value v becomes v-primary on the primary); list other labels in "
                                       "gitcanary.yaml defaults.selectorLabels");
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
  const std::string primary = in.target->name + "-primary";
  PromotedSnapshot snap = TakeSnapshot(in);
  std::vector<Node> out;
  out.push_back(PrimaryDeployment(in, snap, primary));
  for (auto& [cm, data] : snap.config_maps) {
    auto binary = snap.binary_data.find(cm);
    out.push_back(PrimaryConfigMap(in, cm, std::move(data), binary == snap.binary_data.end() ? nullptr : &binary->second));
  }
  if (in.hpa != nullptr) out.push_back(PrimaryHpa(in, primary));
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
