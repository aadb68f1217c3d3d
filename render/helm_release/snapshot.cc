#include "render/helm_release/snapshot.h"

#include <regex>

#include "render/fields.h"
#include "render/revision_checksum.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// valuesFrom entries of one kind (ConfigMap or Secret): names, in order.
std::vector<std::string> ValuesFromNames(const Node& doc, std::string_view kind) {
  std::vector<std::string> out;
  const Node* list = doc.Path({"spec", "valuesFrom"});
  if (list == nullptr || !list->IsSequence()) return out;
  for (const Node& item : list->items) {
    const Node* k = item.Find("kind");
    const Node* name = item.Find("name");
    if (k != nullptr && k->value == kind && name != nullptr && name->IsScalar()) out.push_back(name->value);
  }
  return out;
}

const Node* Lookup(const std::map<std::string, std::map<std::string, const Node*>>& by_ns, const std::string& ns,
                   const std::string& name) {
  auto in_ns = by_ns.find(ns);
  if (in_ns == by_ns.end()) return nullptr;
  auto it = in_ns->second.find(name);
  return it == in_ns->second.end() ? nullptr : it->second;
}

// The chart part as written: (key, node) of spec.chart or spec.chartRef.
std::pair<std::string, const Node*> ChartOf(const Node& doc) {
  if (const Node* chart = doc.Path({"spec", "chart"}); chart != nullptr) return {"chart", chart};
  if (const Node* ref = doc.Path({"spec", "chartRef"}); ref != nullptr) return {"chartRef", ref};
  return {"chart", nullptr};
}

// The source object a chart reads from, when the input has it.
const Manifest* SourceOf(const Node& ref, const std::string& release_ns, const ReleaseInputs& inputs) {
  const Node* kind = ref.Find("kind");
  const Node* name = ref.Find("name");
  const Node* ns = ref.Find("namespace");
  if (kind == nullptr || name == nullptr) return nullptr;
  const std::string in = ns != nullptr && ns->IsScalar() && !ns->value.empty() ? ns->value : release_ns;
  auto it = inputs.sources.find(in + "/" + kind->value + "/" + name->value);
  return it == inputs.sources.end() ? nullptr : it->second;
}

std::string ScalarAt(const Node& n, std::initializer_list<std::string_view> path) {
  const Node* v = n.Path(path);
  return v != nullptr && v->IsScalar() ? v->value : std::string();
}

const std::string kPinHint = "so that the primary keeps the promoted chart";

Status CheckSourcePinned(const Fields& f, const Node& at, const std::string& path, const Manifest* source,
                         const std::string& kind, const std::string& name) {
  if (kind != "GitRepository" && kind != "OCIRepository" && kind != "HelmChart")
    return f.Error(at, path, "a " + kind + " source cannot be pinned by gitcanary; publish the chart to a "
                             "HelmRepository or an OCIRepository " + kPinHint);
  if (source == nullptr)
    return f.Error(at, path, kind + " " + name + " is not in the app, so gitcanary cannot see that it is pinned; "
                             "add it to the app " + kPinHint);
  const Fields sf(source->file);
  if (kind == "GitRepository") {
    if (!ScalarAt(source->doc, {"spec", "ref", "commit"}).empty() || !ScalarAt(source->doc, {"spec", "ref", "tag"}).empty())
      return Status::Ok();
    const Node* ref = source->doc.Path({"spec", "ref"});
    return sf.Error(ref != nullptr ? *ref : source->doc, "spec.ref",
                    "GitRepository " + name + " follows a branch or a semver range; set spec.ref.tag or spec.ref.commit " +
                        kPinHint);
  }
  if (kind == "OCIRepository") {
    if (!ScalarAt(source->doc, {"spec", "ref", "digest"}).empty()) return Status::Ok();
    if (!ScalarAt(source->doc, {"spec", "ref", "tag"}).empty() && ScalarAt(source->doc, {"spec", "ref", "semver"}).empty())
      return Status::Ok();
    const Node* ref = source->doc.Path({"spec", "ref"});
    return sf.Error(ref != nullptr ? *ref : source->doc, "spec.ref",
                    "OCIRepository " + name + " is not pinned; set spec.ref.digest (or spec.ref.tag without semver) " +
                        kPinHint);
  }
  if (kind == "HelmChart") {
    if (ExactVersion(ScalarAt(source->doc, {"spec", "version"}))) return Status::Ok();
    const Node* v = source->doc.Path({"spec", "version"});
    return sf.Error(v != nullptr ? *v : source->doc, "spec.version",
                    "HelmChart " + name + " has no exact version; set spec.version to one version (e.g. 6.14.1) " +
                        kPinHint);
  }
  return Status::Ok();
}

// The pinned ref of a Git/OCI/HelmChart source, for the checksum (null when none).
Node SourcePin(const Node& doc, const std::string& ns, const ReleaseInputs& inputs) {
  auto [key, chart] = ChartOf(doc);
  if (chart == nullptr) return Node::Null();
  const Node* ref = key == "chart" ? chart->Path({"spec", "sourceRef"}) : chart;
  if (ref == nullptr) return Node::Null();
  const Manifest* source = SourceOf(*ref, ns, inputs);
  if (source == nullptr) return Node::Null();
  const Node* pin = source->kind == "HelmChart" ? source->doc.Path({"spec", "version"}) : source->doc.Path({"spec", "ref"});
  return pin != nullptr ? *pin : Node::Null();
}

}  // namespace

const Manifest* ChartSource(const Manifest& release, const ReleaseInputs& inputs) {
  auto [key, chart] = ChartOf(release.doc);
  if (chart == nullptr) return nullptr;
  const Node* ref = key == "chart" ? chart->Path({"spec", "sourceRef"}) : chart;
  return ref != nullptr ? SourceOf(*ref, release.EffectiveNamespace(inputs.app_namespace), inputs) : nullptr;
}

ReleaseInputs IndexReleaseInputs(const std::vector<Manifest>& manifests, const std::string& app_namespace) {
  ReleaseInputs out;
  out.app_namespace = app_namespace;
  for (const Manifest& m : manifests) {
    const std::string& ns = m.EffectiveNamespace(app_namespace);
    if (m.kind == "ConfigMap" && m.api_version == "v1") out.config_maps[ns].emplace(m.name, &m.doc);
    else if (m.kind == "Secret" && m.api_version == "v1") out.secrets[ns].emplace(m.name, &m.doc);
    else if (m.Group() == "source.toolkit.fluxcd.io" &&
             (m.kind == "GitRepository" || m.kind == "OCIRepository" || m.kind == "HelmChart"))
      out.sources.emplace(ns + "/" + m.kind + "/" + m.name, &m);
  }
  return out;
}

bool ExactVersion(const std::string& s) {
  static const std::regex exact(R"(v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)");
  return std::regex_match(s, exact);
}

Status CheckPinnedChart(const Manifest& release, const ReleaseInputs& inputs) {
  const Fields f(release.file);
  const std::string& ns = release.EffectiveNamespace(inputs.app_namespace);
  auto [key, chart] = ChartOf(release.doc);
  if (chart == nullptr || !chart->IsMapping())
    return f.Error(chart != nullptr ? *chart : release.doc, "spec.chart",
                   "a HelmRelease canary needs spec.chart or spec.chartRef");
  if (key == "chartRef") {
    const std::string kind = ScalarAt(*chart, {"kind"});
    return CheckSourcePinned(f, *chart, "spec.chartRef", SourceOf(*chart, ns, inputs), kind, ScalarAt(*chart, {"name"}));
  }
  const Node* source = chart->Path({"spec", "sourceRef"});
  const std::string kind = source != nullptr ? ScalarAt(*source, {"kind"}) : "";
  if (kind == "HelmRepository" || kind.empty()) {
    const Node* version = chart->Path({"spec", "version"});
    if (version != nullptr && version->IsScalar() && ExactVersion(version->value)) return Status::Ok();
    return f.Error(version != nullptr ? *version : *chart, "spec.chart.spec.version",
                   (version == nullptr ? std::string("no version means the latest chart")
                                       : "\"" + version->value + "\" is a range, not one version") +
                       "; set one exact version (e.g. 6.14.1) " + kPinHint);
  }
  return CheckSourcePinned(f, *source, "spec.chart.spec.sourceRef", SourceOf(*source, ns, inputs), kind,
                           ScalarAt(*source, {"name"}));
}

std::string HelmReleaseRevision(const Manifest& release, const ReleaseInputs& inputs) {
  const std::string& ns = release.EffectiveNamespace(inputs.app_namespace);
  Node parts = Node::Mapping(6);
  auto [key, chart] = ChartOf(release.doc);
  parts.Set(key, chart != nullptr ? *chart : Node::Null());
  parts.Set("source", SourcePin(release.doc, ns, inputs));
  const Node* values = release.doc.Path({"spec", "values"});
  parts.Set("values", values != nullptr ? *values : Node::Mapping(0));
  const Node* from = release.doc.Path({"spec", "valuesFrom"});
  parts.Set("valuesFrom", from != nullptr ? *from : Node::Sequence());
  Node& cms = parts.Set("configMaps", Node::Mapping());
  for (const std::string& name : ValuesFromNames(release.doc, "ConfigMap")) {
    const Node* cm = Lookup(inputs.config_maps, ns, name);
    const Node* data = cm != nullptr ? cm->Find("data") : nullptr;
    if (data != nullptr) cms.Set(name, *data);
  }
  Node& secrets = parts.Set("secrets", Node::Mapping());
  for (const auto& [name, sum] : HelmReleaseTrackedConfigs(release, inputs))
    if (name.rfind("secret/", 0) == 0) secrets.Set(name.substr(7), Node::String(sum));
  return Digest(parts);
}

PromotedSnapshot CurrentHelmReleaseSnapshot(const Manifest& release, const ReleaseInputs& inputs) {
  const std::string& ns = release.EffectiveNamespace(inputs.app_namespace);
  PromotedSnapshot out;
  HelmReleaseSnapshot snap;
  auto [key, chart] = ChartOf(release.doc);
  snap.chart_key = key;
  snap.chart = chart != nullptr ? *chart : Node::Mapping(0);
  const Node* values = release.doc.Path({"spec", "values"});
  snap.values = values != nullptr && values->IsMapping() ? *values : Node::Mapping(0);
  if (const Manifest* source = ChartSource(release, inputs); source != nullptr &&
      (source->kind == "GitRepository" || source->kind == "OCIRepository")) {
    const Node* spec = source->doc.Find("spec");
    if (spec != nullptr && spec->IsMapping() && !spec->fields.empty())
      snap.source = PinnedChartSource{source->api_version, source->kind, source->name, source->ns, *spec};
  }
  out.helm_release = std::move(snap);
  for (const std::string& name : ValuesFromNames(release.doc, "ConfigMap")) {
    const Node* cm = Lookup(inputs.config_maps, ns, name);
    const Node* data = cm != nullptr ? cm->Find("data") : nullptr;
    if (data != nullptr && data->IsMapping()) out.config_maps[name] = *data;
  }
  return out;
}

std::vector<std::string> ValuesFromOutsideGit(const Manifest& release, const ReleaseInputs& inputs) {
  const std::string& ns = release.EffectiveNamespace(inputs.app_namespace);
  std::vector<std::string> out;
  for (const char* kind : {"ConfigMap", "Secret"})
    for (const std::string& name : ValuesFromNames(release.doc, kind))
      if (Lookup(kind[0] == 'C' ? inputs.config_maps : inputs.secrets, ns, name) == nullptr)
        out.push_back(std::string(kind) + " " + name);
  return out;
}

std::map<std::string, std::string> HelmReleaseTrackedConfigs(const Manifest& release, const ReleaseInputs& inputs) {
  const std::string& ns = release.EffectiveNamespace(inputs.app_namespace);
  std::map<std::string, std::string> out;
  for (const char* kind : {"ConfigMap", "Secret"}) {
    const bool cm = kind[0] == 'C';
    for (const std::string& name : ValuesFromNames(release.doc, kind)) {
      const Node* doc = Lookup(cm ? inputs.config_maps : inputs.secrets, ns, name);
      if (doc == nullptr) continue;
      Node both = Node::Mapping(2);
      if (const Node* data = doc->Find("data")) both.Set("data", *data);
      if (const Node* data = doc->Find("stringData")) both.Set("stringData", *data);
      out[std::string(cm ? "configmap/" : "secret/") + name] = Digest(both);
    }
  }
  return out;
}

}  // namespace gitcanary::render
