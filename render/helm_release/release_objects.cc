#include "render/helm_release/release_objects.h"

#include <set>

#include "render/fields.h"
#include "render/helm_release/post_renderers.h"
#include "render/primary_workload.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// The fullname value path of the Canary, split at dots.
std::vector<std::string> FullnamePath(const Manifest& canary) {
  std::string text(kDefaultFullnameValue);
  if (const Node* a = canary.doc.Path({"metadata", "annotations"}); a != nullptr)
    if (const Node* v = a->Find(kFullnameValueAnnotation); v != nullptr && v->IsScalar() && !v->value.empty())
      text = v->value;
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = text.find('.', start)) != std::string::npos; start = dot + 1)
    out.push_back(text.substr(start, dot - start));
  out.push_back(text.substr(start));
  return out;
}

std::string Joined(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& p : path) out += (out.empty() ? "" : ".") + p;
  return out;
}

const Node* ValueAt(const Node& values, const std::vector<std::string>& path) {
  const Node* at = &values;
  for (const std::string& key : path) {
    at = at->Find(key);
    if (at == nullptr) return nullptr;
  }
  return at;
}

void SetValueAt(Node& values, const std::vector<std::string>& path, Node value) {
  Node* at = &values;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    Node* next = at->Find(path[i]);
    if (next == nullptr || !next->IsMapping()) next = &at->Set(path[i], Node::Mapping(1));
    at = next;
  }
  at->Set(path.back(), std::move(value));
}

// metadata.annotations of `doc`, created when absent, with `add` merged in.
void AddAnnotations(Node& doc, const Node& add) {
  Node* metadata = doc.Find("metadata");
  if (metadata == nullptr) metadata = &doc.Set("metadata", Node::Mapping(1));
  Node* annotations = metadata->Find("annotations");
  if (annotations == nullptr || !annotations->IsMapping()) annotations = &metadata->Set("annotations", Node::Mapping());
  for (const yaml::Field& f : add.fields) annotations->Set(f.key, f.value);
}

// spec fields of H that select what to install: the primary takes them from the snapshot or sets them.
const std::set<std::string_view> kSourceFields = {"chart", "chartRef", "values", "valuesFrom", "releaseName",
                                                   "test", "postRenderers", "install", "upgrade"};

Node WithoutTakeOwnership(const Node* user) {
  Node out = user != nullptr && user->IsMapping() ? *user : Node::Mapping(1);
  out.Set("disableTakeOwnership", Node::Bool(true));
  return out;
}

// valuesFrom of the primary: promoted ConfigMaps read from their -primary copies.
Node PrimaryValuesFrom(const Node& from, const PromotedSnapshot& snap) {
  Node out = from;
  for (Node& item : out.items) {
    const Node* kind = item.Find("kind");
    Node* name = item.Find("name");
    if (kind != nullptr && kind->value == "ConfigMap" && name != nullptr && snap.config_maps.count(name->value) > 0)
      *name = Node::String(name->value + "-primary");
  }
  return out;
}

Node PrimaryConfigMap(const std::string& name, const std::string& ns, const Node& data, const Node& annotations) {
  Node cm = Node::Mapping(4);
  cm.Set("apiVersion", Node::String("v1"));
  cm.Set("kind", Node::String("ConfigMap"));
  Node& metadata = cm.Set("metadata", Node::Mapping(3));
  metadata.Set("name", Node::String(name + "-primary"));
  if (!ns.empty()) metadata.Set("namespace", Node::String(ns));
  metadata.Set("annotations", annotations);
  cm.Set("data", data);
  return cm;
}

// The source reference inside a promoted chart (spec.sourceRef of `chart`, or `chartRef` itself).
Node* SourceRefIn(const std::string& chart_key, Node& chart) {
  if (chart_key != "chart") return &chart;
  Node* spec = chart.Find("spec");
  return spec != nullptr ? spec->Find("sourceRef") : nullptr;
}

// The primary's copy of the promoted chart source, pinned as promoted.
Node PrimarySource(const std::string& release_name, const PinnedChartSource& source, const Node& annotations) {
  Node out = Node::Mapping(4);
  out.Set("apiVersion", Node::String(source.api_version));
  out.Set("kind", Node::String(source.kind));
  Node& metadata = out.Set("metadata", Node::Mapping(3));
  metadata.Set("name", Node::String(PrimarySourceName(release_name)));
  if (!source.ns.empty()) metadata.Set("namespace", Node::String(source.ns));
  metadata.Set("annotations", annotations);
  out.Set("spec", source.spec);
  return out;
}

Node PrimaryRelease(const HelmReleaseWorkloadInput& in, const PromotedSnapshot& snap) {
  const Node& user = in.release->doc;
  const Node* spec = user.Find("spec");
  Node out = Node::Mapping(4);
  out.Set("apiVersion", Node::String(in.release->api_version));
  out.Set("kind", Node::String("HelmRelease"));
  Node& metadata = out.Set("metadata", Node::Mapping(4));
  metadata.Set("name", Node::String(in.release->name + "-primary"));
  if (!in.release->ns.empty()) metadata.Set("namespace", Node::String(in.release->ns));
  if (const Node* labels = user.Path({"metadata", "labels"}); labels != nullptr) metadata.Set("labels", *labels);
  metadata.Set("annotations", in.annotations);
  Node& s = out.Set("spec", Node::Mapping(spec != nullptr ? spec->fields.size() + 6 : 8));
  s.Set("releaseName", Node::String(ReleaseName(user) + "-primary"));
  Node& chart = s.Set(snap.helm_release->chart_key, snap.helm_release->chart);
  if (Node* ref = SourceRefIn(snap.helm_release->chart_key, chart); ref != nullptr && snap.helm_release->source)
    ref->Set("name", Node::String(PrimarySourceName(in.release->name)));
  if (spec != nullptr)
    for (const yaml::Field& f : spec->fields)
      if (kSourceFields.count(f.key) == 0) s.Set(f.key, f.value);
  s.Set("install", WithoutTakeOwnership(spec != nullptr ? spec->Find("install") : nullptr));
  s.Set("upgrade", WithoutTakeOwnership(spec != nullptr ? spec->Find("upgrade") : nullptr));
  s.Set("test", Node::Mapping(1)).Set("enable", Node::Bool(false));
  if (const Node* from = spec != nullptr ? spec->Find("valuesFrom") : nullptr; from != nullptr && from->IsSequence())
    s.Set("valuesFrom", PrimaryValuesFrom(*from, snap));
  Node values = snap.helm_release->values;
  SetValueAt(values, FullnamePath(*in.canary), Node::String(in.target + "-primary"));
  s.Set("values", std::move(values));
  Node renderers = Node::Sequence();
  renderers.items.push_back(PrimaryPostRenderer(in.target, OwnedServiceNames(in.target, in.apex), in.routes));
  s.Set("postRenderers", std::move(renderers));
  return out;
}

// The canary release: status annotations, and gitcanary's post-renderer after the user's.
void EditCanaryRelease(const HelmReleaseWorkloadInput& in) {
  Node& doc = in.release->doc;
  AddAnnotations(doc, in.annotations);
  Node* spec = doc.Find("spec");
  Node* renderers = spec->Find("postRenderers");
  if (renderers == nullptr || !renderers->IsSequence()) renderers = &spec->Set("postRenderers", Node::Sequence());
  renderers->items.push_back(
      CanaryPostRenderer(in.target, OwnedServiceNames(in.target, in.apex), in.routes, CanaryScaledToZero(in.status)));
}

}  // namespace

std::string PrimarySourceName(const std::string& release_name) { return release_name + "-primary-source"; }

std::string SharedChartSource(const CanaryStatus* status) {
  if (status == nullptr || !status->promoted || !status->promoted->helm_release) return "";
  const HelmReleaseSnapshot& snap = *status->promoted->helm_release;
  if (snap.source) return "";
  const Node* ref = snap.chart_key == "chart" ? snap.chart.Path({"spec", "sourceRef"}) : &snap.chart;
  const Node* kind = ref != nullptr ? ref->Find("kind") : nullptr;
  const Node* name = ref != nullptr ? ref->Find("name") : nullptr;
  if (kind == nullptr || !kind->IsScalar() || (kind->value != "GitRepository" && kind->value != "OCIRepository"))
    return "";
  return kind->value + " " + (name != nullptr && name->IsScalar() ? name->value : "");
}

std::string ReleaseName(const Node& release_doc) {
  auto scalar = [&](std::initializer_list<std::string_view> path) {
    const Node* n = release_doc.Path(path);
    return n != nullptr && n->IsScalar() ? n->value : std::string();
  };
  if (std::string name = scalar({"spec", "releaseName"}); !name.empty()) return name;
  if (std::string ns = scalar({"spec", "targetNamespace"}); !ns.empty()) return ns + "-" + scalar({"metadata", "name"});
  return scalar({"metadata", "name"});
}

Status CheckHelmReleaseCanary(const HelmReleaseWorkloadInput& in) {
  const Manifest& release = *in.release;
  const Fields f(release.file);
  const std::string& ns = in.canary->EffectiveNamespace(in.inputs->app_namespace);
  if (const Node* discovery = in.canary->doc.Path({"spec", "service", "portDiscovery"});
      discovery != nullptr && discovery->AsBool().value_or(false))
    return Fields(in.canary->file).Error(*discovery, "spec.service.portDiscovery",
                                         "the pods of HelmRelease " + release.name + " are not in git, so their "
                                         "container ports cannot be discovered; remove portDiscovery and list the "
                                         "port in spec.service.port");
  if (const Node* target_ns = release.doc.Path({"spec", "targetNamespace"});
      target_ns != nullptr && target_ns->IsScalar() && target_ns->value != ns)
    return f.Error(*target_ns, "spec.targetNamespace",
                   "the chart's pods would run in namespace " + target_ns->value + ", but the Canary's Services are "
                   "rendered in " + ns + "; remove targetNamespace or put the Canary in that namespace");
  if (Status s = CheckPinnedChart(release, *in.inputs); !s.ok()) return s;
  const std::vector<std::string> path = FullnamePath(*in.canary);
  if (const Node* values = release.doc.Path({"spec", "values"}); values != nullptr && values->IsMapping())
    if (const Node* set = ValueAt(*values, path); set != nullptr && !(set->IsScalar() && set->value == in.target))
      return f.Error(*set, "spec.values." + Joined(path),
                     "the chart's fullname is " + (set->IsScalar() ? "\"" + set->value + "\"" : Shown(*set)) + ", but the Canary targets Deployment " + in.target +
                         "; set it to " + in.target + " or remove it (the primary release sets it to " + in.target +
                         "-primary)");
  return CheckUserPostRenderers(release, in.target, OwnedServiceNames(in.target, in.apex));
}

Result<std::vector<Node>> MakeHelmReleaseWorkload(const HelmReleaseWorkloadInput& in) {
  PromotedSnapshot snap;
  if (in.status != nullptr && in.status->promoted) {
    if (!in.status->promoted->helm_release)
      return Status::Invalid(in.canary->file + ": status of " + in.canary->Describe() +
                             ": promoted.template is a pod template, but the Canary's target comes from HelmRelease " +
                             in.release->name + "; remove the status to bootstrap again from the HelmRelease");
    snap = *in.status->promoted;
  } else {
    snap = CurrentHelmReleaseSnapshot(*in.release, *in.inputs);  // bootstrap: the primary starts as the canary is
  }
  std::vector<Node> out;
  out.reserve(2 + snap.config_maps.size());
  out.push_back(PrimaryRelease(in, snap));
  if (const auto& source = snap.helm_release->source) {
    const std::string name = PrimarySourceName(in.release->name);
    const std::string& ns = source->ns.empty() ? in.inputs->app_namespace : source->ns;
    if (auto taken = in.inputs->sources.find(ns + "/" + source->kind + "/" + name); taken != in.inputs->sources.end())
      return Fields(taken->second->file)
          .Error(*taken->second->doc.Path({"metadata", "name"}), "metadata.name",
                 source->kind + " " + name + " is the name of the primary release's copy of " + source->kind + " " +
                     source->name + "; rename it");
    out.push_back(PrimarySource(in.release->name, *source, in.annotations));
  }
  for (const auto& [name, data] : snap.config_maps)
    out.push_back(PrimaryConfigMap(name, in.release->ns, data, in.annotations));
  EditCanaryRelease(in);
  return out;
}

}  // namespace gitcanary::render
