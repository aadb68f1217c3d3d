#include "render/helm_release/post_renderers.h"

#include <algorithm>
#include <regex>

#include "render/fields.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

std::string Text(const Node& doc) {
  std::string out;
  yaml::EmitYaml(doc, &out);
  return out;
}

Node Target(const char* group, const char* version, const char* kind, const std::string& name, bool no_hooks) {
  Node t = Node::Mapping(5);
  if (group[0] != '\0') t.Set("group", Node::String(group));
  if (version[0] != '\0') t.Set("version", Node::String(version));
  t.Set("kind", Node::String(kind));
  t.Set("name", Node::String(name));
  if (no_hooks) t.Set("annotationSelector", Node::String("!helm.sh/hook"));
  return t;
}

Node Patch(std::string text, Node target) {
  Node p = Node::Mapping(2);
  p.Set("patch", Node::String(std::move(text)));
  p.Set("target", std::move(target));
  return p;
}

// A strategic merge patch of Deployment `name`: the workload label `value`, and replicas 0 when asked.
Node LabelPatch(const std::string& name, const std::string& value, bool scaled_to_zero) {
  Node doc = Node::Mapping(4);
  doc.Set("apiVersion", Node::String("apps/v1"));
  doc.Set("kind", Node::String("Deployment"));
  doc.Set("metadata", Node::Mapping(1)).Set("name", Node::String(name));
  Node& spec = doc.Set("spec", Node::Mapping(2));
  if (scaled_to_zero) spec.Set("replicas", Node::Int(0));
  Node& labels = spec.Set("template", Node::Mapping(1)).Set("metadata", Node::Mapping(1)).Set("labels", Node::Mapping(1));
  labels.Set(kWorkloadLabel, Node::String(value));
  return Patch(Text(doc), Target("apps", "v1", "Deployment", name, false));
}

Node DeletePatch(const char* api_version, const char* group, const char* version, const char* kind,
                 const std::string& name) {
  Node doc = Node::Mapping(4);
  doc.Set("$patch", Node::String("delete"));
  doc.Set("apiVersion", Node::String(api_version));
  doc.Set("kind", Node::String(kind));
  doc.Set("metadata", Node::Mapping(1)).Set("name", Node::String(name));
  return Patch(Text(doc), Target(group, version, kind, name, true));
}

// Deletes `ref` from the chart's output whatever its version (a chart may
// render an older version of the routing API than git mode does).
Node DeleteRoutePatch(const RenderedObjectRef& ref) {
  Node doc = Node::Mapping(4);
  doc.Set("$patch", Node::String("delete"));
  doc.Set("apiVersion", Node::String(ref.api_version));
  doc.Set("kind", Node::String(ref.kind));
  doc.Set("metadata", Node::Mapping(1)).Set("name", Node::String(ref.name));
  const auto slash = ref.api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : ref.api_version.substr(0, slash);
  return Patch(Text(doc), Target(group.c_str(), "", ref.kind.c_str(), ref.name, true));
}

// The routes not already deleted as one of `services`' Ingresses or HTTPRoutes (`primary`) or Services.
void AddRouteDeletes(Node& patches, const std::vector<RenderedObjectRef>& routes,
                     const std::vector<std::string>& services, bool primary) {
  for (const RenderedObjectRef& r : routes) {
    const bool owned = std::find(services.begin(), services.end(), r.name) != services.end();
    if (owned && (r.kind == "Service" || (primary && (r.kind == "Ingress" || r.kind == "HTTPRoute")))) continue;
    patches.items.push_back(DeleteRoutePatch(r));
  }
}

Node Entry(Node patches) {
  Node entry = Node::Mapping(1);
  entry.Set("kustomize", Node::Mapping(1)).Set("patches", std::move(patches));
  return entry;
}

// Whether a kustomize target name (a regular expression, anchored) matches `name`; empty matches all.
bool NameMatches(const std::string& pattern, const std::string& name) {
  if (pattern.empty() || pattern == name) return true;
  try {
    return std::regex_match(name, std::regex(pattern));
  } catch (const std::regex_error&) {
    return false;
  }
}

std::string ScalarOf(const Node* n) { return n != nullptr && n->IsScalar() ? n->value : std::string(); }

// Whether one parsed patch document sets a field of ours on Deployment X.
bool TouchesDeployment(const Node& doc) {
  if (doc.IsSequence()) {  // JSON6902 operations
    for (const Node& op : doc.items) {
      const std::string path = ScalarOf(op.Find("path"));
      if (path == "/spec/replicas" || path == "/spec/template/metadata/labels" ||
          path == "/spec/template/metadata/labels/gitcanary.io~1workload")
        return true;
    }
    return false;
  }
  if (doc.Path({"spec", "replicas"}) != nullptr) return true;
  const Node* labels = doc.Path({"spec", "template", "metadata", "labels"});
  return labels != nullptr && labels->Find(kWorkloadLabel) != nullptr;
}

}  // namespace

std::vector<std::string> OwnedServiceNames(const std::string& target, const std::string& apex) {
  std::vector<std::string> out{target, target + "-primary", target + "-canary"};
  if (apex != target)
    for (const std::string& n : {apex, apex + "-primary", apex + "-canary"}) out.push_back(n);
  return out;
}

Node CanaryPostRenderer(const std::string& target, const std::vector<std::string>& services,
                        const std::vector<RenderedObjectRef>& routes, bool scaled_to_zero) {
  Node patches = Node::Sequence();
  patches.items.push_back(LabelPatch(target, target, scaled_to_zero));
  for (const std::string& name : services) patches.items.push_back(DeletePatch("v1", "", "v1", "Service", name));
  AddRouteDeletes(patches, routes, services, false);
  return Entry(std::move(patches));
}

Node PrimaryPostRenderer(const std::string& target, const std::vector<std::string>& services,
                         const std::vector<RenderedObjectRef>& routes) {
  Node patches = Node::Sequence();
  patches.items.push_back(LabelPatch(target + "-primary", target + "-primary", false));
  for (const std::string& name : services) patches.items.push_back(DeletePatch("v1", "", "v1", "Service", name));
  for (const std::string& name : services)
    patches.items.push_back(DeletePatch("networking.k8s.io/v1", "networking.k8s.io", "v1", "Ingress", name));
  for (const std::string& name : services)
    patches.items.push_back(
        DeletePatch("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io", "", "HTTPRoute", name));
  AddRouteDeletes(patches, routes, services, true);
  return Entry(std::move(patches));
}

namespace {

// One user patch: `doc` is its parsed body (a strategic merge patch mapping or
// a JSON6902 operation list), `t` its target (null: the patch's own kind and name).
Status CheckOnePatch(const Fields& f, const Node& at, const std::string& path, const Node& doc, const Node* t,
                     const std::string& target, const std::vector<std::string>& services) {
  const std::string kind = t != nullptr ? ScalarOf(t->Find("kind")) : ScalarOf(doc.Find("kind"));
  const std::string name = t != nullptr ? ScalarOf(t->Find("name")) : ScalarOf(doc.Path({"metadata", "name"}));
  if ((kind.empty() || kind == "Deployment") && NameMatches(name, target) && TouchesDeployment(doc))
    return f.Error(at, path,
                   "sets spec.replicas or the pod label " + std::string(kWorkloadLabel) + " of Deployment " + target +
                       ", which gitcanary's post-renderer of this canary sets; remove that part of the patch");
  if (kind == "Service" && !name.empty())
    for (const std::string& s : services)
      if (NameMatches(name, s))
        return f.Error(at, path,
                       "patches Service " + s + ", which gitcanary deletes from the chart and renders itself; "
                       "remove the patch (or set the canary's spec.service instead)");
  return Status::Ok();
}

}  // namespace

Status CheckUserPostRenderers(const Manifest& release, const std::string& target,
                              const std::vector<std::string>& services) {
  const Node* list = release.doc.Path({"spec", "postRenderers"});
  if (list == nullptr || !list->IsSequence()) return Status::Ok();
  const Fields f(release.file);
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const Node* kustomize = list->items[i].Find("kustomize");
    if (kustomize == nullptr) continue;
    const std::string base = "spec.postRenderers[" + std::to_string(i) + "].kustomize.";
    for (const char* key : {"patches", "patchesStrategicMerge", "patchesJson6902"}) {
      const Node* items = kustomize->Find(key);
      if (items == nullptr || !items->IsSequence()) continue;
      for (std::size_t j = 0; j < items->items.size(); ++j) {
        const Node& p = items->items[j];
        const std::string path = base + key + "[" + std::to_string(j) + "]";
        Status s;
        if (std::string_view(key) == "patchesStrategicMerge") {  // v2beta1: the patch itself
          s = CheckOnePatch(f, p, path, p, nullptr, target, services);
        } else if (std::string_view(key) == "patchesJson6902") {  // v2beta1: {target, patch: [operations]}
          const Node* ops = p.Find("patch");
          if (ops != nullptr) s = CheckOnePatch(f, p, path, *ops, p.Find("target"), target, services);
        } else {
          const Node* text = p.Find("patch");
          if (text == nullptr || !text->IsScalar()) continue;
          auto docs = yaml::ParseYamlStream(text->value, release.file);
          if (!docs.ok() || docs->empty()) continue;  // helm-controller reports a patch it cannot read
          s = CheckOnePatch(f, p, path, docs->front(), p.Find("target"), target, services);
        }
        if (!s.ok()) return s;
      }
    }
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
