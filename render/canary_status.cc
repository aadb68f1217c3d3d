// CanaryStatus parsing and writing. One parser (ParseStatusBody) serves the
// CanaryStatus document and the Canary annotation, so a status is valid or
// invalid the same way wherever it lives. Every error names file, line, column
// and field path through Fields::Error.
#include "render/canary_status.h"

#include <climits>
#include <utility>

#include "render/fields.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr std::string_view kStatusGroup = "gitcanary.io";
const std::string kAnnotationPath = "metadata.annotations[gitcanary.io/status]";


// An error pointing at a mapping key rather than at its value.
Status KeyError(const Fields& f, const yaml::Field& field, std::string_view path,
                std::string_view message) {
  Node at;
  at.mark = field.key_mark;
  return f.Error(at, JoinPath(path, field.key), message);
}

// Typo protection: every key of `map` must be one of `allowed`.
Status CheckKeys(const Fields& f, const Node& map, std::string_view path,
                 std::initializer_list<std::string_view> allowed) {
  for (const yaml::Field& field : map.fields) {
    bool known = false;
    for (std::string_view a : allowed) known = known || field.key == a;
    if (known) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return KeyError(f, field, path, "unknown field; expected one of " + list);
  }
  return Status::Ok();
}

Status ReadString(const Fields& f, const Node& map, std::string_view key, std::string_view path,
                  std::string* out) {
  auto v = f.String(map, key, path);
  if (!v.ok()) return v.status();
  if (v->has_value()) *out = **v;
  return Status::Ok();
}

// An integer in lo..hi (hi == LLONG_MAX: no upper bound).
Status ReadInt(const Fields& f, const Node& map, std::string_view key, std::string_view path,
               long long lo, long long hi, long long* out) {
  auto v = f.Int(map, key, path);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::Ok();
  long long n = **v;
  if (n < lo || n > hi) {
    std::string range = hi == LLONG_MAX ? "must not be negative"
                                        : "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    return f.Error(*map.Find(key), JoinPath(path, key), range + ", got " + std::to_string(n));
  }
  *out = n;
  return Status::Ok();
}

Status ReadPhase(const Fields& f, const Node& body, std::string_view path, Phase* out) {
  auto name = f.String(body, "phase", path);
  if (!name.ok()) return name.status();
  if (!name->has_value()) {
    return f.Error(body, JoinPath(path, "phase"), "missing; expected one of " + PhaseList());
  }
  auto phase = ParsePhase(**name);
  if (!phase) {
    return f.Error(*body.Find("phase"), JoinPath(path, "phase"),
                   "unknown phase \"" + **name + "\"; expected one of " + PhaseList());
  }
  *out = *phase;
  return Status::Ok();
}

Status ReadTrackedConfigs(const Fields& f, const Node& body, std::string_view path,
                          std::map<std::string, std::string>* out) {
  auto map = f.Mapping(body, "trackedConfigs", path);
  if (!map.ok()) return map.status();
  if (*map == nullptr) return Status::Ok();
  const std::string base = JoinPath(path, "trackedConfigs");
  for (const yaml::Field& field : (*map)->fields) {
    std::string_view key = field.key;
    bool cm = key.starts_with("configmap/") && key.size() > 10;
    bool secret = key.starts_with("secret/") && key.size() > 7;
    if (!cm && !secret) {
      return KeyError(f, field, base, "expected a key of the form configmap/NAME or secret/NAME");
    }
    std::string checksum;
    Status s = ReadString(f, **map, field.key, base, &checksum);
    if (!s.ok()) return s;
    (*out)[field.key] = checksum;
  }
  return Status::Ok();
}

Status ReadCondition(const Fields& f, const Node& item, const std::string& path, Condition* out) {
  if (!item.IsMapping()) return f.Error(item, path, "expected a mapping, got " + Shown(item));
  Status s = CheckKeys(f, item, path, {"type", "status", "reason", "message", "lastTransitionTime"});
  if (!s.ok()) return s;
  if (item.Find("type") == nullptr || item.Find("type")->IsNull()) {
    return f.Error(item, JoinPath(path, "type"), "missing");
  }
  std::pair<const char*, std::string*> fields[] = {{"type", &out->type},
                                                   {"status", &out->status},
                                                   {"reason", &out->reason},
                                                   {"message", &out->message},
                                                   {"lastTransitionTime", &out->last_transition_time}};
  for (auto& [key, target] : fields) {
    s = ReadString(f, item, key, path, target);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status ReadConditions(const Fields& f, const Node& body, std::string_view path,
                      std::vector<Condition>* out) {
  auto list = f.Sequence(body, "conditions", path);
  if (!list.ok()) return list.status();
  if (*list == nullptr) return Status::Ok();
  const std::string base = JoinPath(path, "conditions");
  for (std::size_t i = 0; i < (*list)->items.size(); ++i) {
    Condition c;
    Status s = ReadCondition(f, (*list)->items[i], base + "[" + std::to_string(i) + "]", &c);
    if (!s.ok()) return s;
    out->push_back(std::move(c));
  }
  return Status::Ok();
}

// A pod template: a mapping whose `spec` holds a non-empty `containers` list.
Status CheckPodTemplate(const Fields& f, const Node& promoted, const std::string& path) {
  auto tmpl = f.Mapping(promoted, "template", path);
  if (!tmpl.ok()) return tmpl.status();
  const std::string tpath = JoinPath(path, "template");
  if (*tmpl == nullptr) return f.Error(promoted, tpath, "missing; the pod template the primary is rendered from");
  auto spec = f.Mapping(**tmpl, "spec", tpath);
  if (!spec.ok()) return spec.status();
  const std::string spath = JoinPath(tpath, "spec");
  if (*spec == nullptr) return f.Error(**tmpl, spath, "missing; a pod template needs spec.containers");
  auto containers = f.Sequence(**spec, "containers", spath);
  if (!containers.ok()) return containers.status();
  if (*containers == nullptr || (*containers)->items.empty()) {
    const Node& at = *containers != nullptr ? **containers : **spec;
    return f.Error(at, JoinPath(spath, "containers"), "a pod template needs at least one container");
  }
  return Status::Ok();
}

// The kind and name of the source a promoted chart reads ("" when unset).
std::pair<std::string, std::string> ChartSourceRef(const std::string& chart_key, const Node& chart) {
  const Node* ref = chart_key == "chart" ? chart.Path({"spec", "sourceRef"}) : &chart;
  if (ref == nullptr) return {};
  const Node* kind = ref->Find("kind");
  const Node* name = ref->Find("name");
  return {kind != nullptr && kind->IsScalar() ? kind->value : "", name != nullptr && name->IsScalar() ? name->value : ""};
}

// promoted.helmRelease.source: apiVersion, kind (GitRepository or
// OCIRepository), name and namespace (strings), spec (a non-empty mapping);
// kind and name those of the promoted chart's source.
Result<PinnedChartSource> ReadPinnedChartSource(const Fields& f, const Node& source, const std::string& path,
                                                const HelmReleaseSnapshot& snap) {
  if (!source.IsMapping()) return f.Error(source, path, "expected a mapping, got " + Shown(source));
  if (Status s = CheckKeys(f, source, path, {"apiVersion", "kind", "name", "namespace", "spec"}); !s.ok()) return s;
  PinnedChartSource out;
  std::pair<const char*, std::string*> fields[] = {
      {"apiVersion", &out.api_version}, {"kind", &out.kind}, {"name", &out.name}, {"namespace", &out.ns}};
  for (auto& [key, target] : fields) {
    if (Status s = ReadString(f, source, key, path, target); !s.ok()) return s;
    if (target->empty() && std::string_view(key) != "namespace")
      return f.Error(source, JoinPath(path, key), "missing; the promoted chart source's " + std::string(key));
  }
  if (out.kind != "GitRepository" && out.kind != "OCIRepository")
    return f.Error(*source.Find("kind"), JoinPath(path, "kind"),
                   "expected GitRepository or OCIRepository, got " + out.kind);
  auto [kind, name] = ChartSourceRef(snap.chart_key, snap.chart);
  if (kind != out.kind || name != out.name)
    return f.Error(source, path, "is " + out.kind + " " + out.name + ", but the promoted " + snap.chart_key +
                                     " reads " + (kind.empty() ? "no source" : kind + " " + name) +
                                     "; remove the status to bootstrap again from the HelmRelease");
  auto spec = f.Mapping(source, "spec", path);
  if (!spec.ok()) return spec.status();
  if (*spec == nullptr || (*spec)->fields.empty())
    return f.Error(source, JoinPath(path, "spec"), "missing; the promoted spec (url, ref, ...) of the chart source");
  out.spec = **spec;
  return out;
}

// promoted.helmRelease: exactly one of chart/chartRef (a mapping), values
// (a mapping, or absent) and source (or absent).
Result<HelmReleaseSnapshot> ReadHelmReleaseSnapshot(const Fields& f, const Node& release, const std::string& path) {
  if (!release.IsMapping()) return f.Error(release, path, "expected a mapping, got " + Shown(release));
  if (Status s = CheckKeys(f, release, path, {"chart", "chartRef", "values", "source"}); !s.ok()) return s;
  HelmReleaseSnapshot out;
  const Node* chart = release.Find("chart");
  const Node* chart_ref = release.Find("chartRef");
  if ((chart == nullptr) == (chart_ref == nullptr))
    return f.Error(chart != nullptr ? *chart_ref : release, path,
                   "expected exactly one of chart and chartRef (the promoted HelmRelease's chart)");
  out.chart_key = chart != nullptr ? "chart" : "chartRef";
  auto read = f.Mapping(release, out.chart_key, path);
  if (!read.ok()) return read.status();
  if (*read == nullptr || (*read)->fields.empty())
    return f.Error(chart != nullptr ? *chart : *chart_ref, JoinPath(path, out.chart_key),
                   "expected the promoted chart mapping, got " + Shown(chart != nullptr ? *chart : *chart_ref));
  out.chart = **read;
  auto values = f.Mapping(release, "values", path);
  if (!values.ok()) return values.status();
  out.values = *values != nullptr ? **values : Node::Mapping(0);
  if (const Node* source = release.Find("source"); source != nullptr) {
    auto read_source = ReadPinnedChartSource(f, *source, JoinPath(path, "source"), out);
    if (!read_source.ok()) return read_source.status();
    out.source = std::move(*read_source);
  }
  return out;
}

Status ReadPromoted(const Fields& f, const Node& body, std::string_view path,
                    std::optional<PromotedSnapshot>* out) {
  auto promoted = f.Mapping(body, "promoted", path);
  if (!promoted.ok()) return promoted.status();
  if (*promoted == nullptr) return Status::Ok();
  const Node& p = **promoted;
  const std::string ppath = JoinPath(path, "promoted");
  for (const yaml::Field& field : p.fields) {
    if (field.key == "secrets") {
      return KeyError(f, field, ppath,
                      "Secret data never enters status; secrets are tracked by checksum in trackedConfigs");
    }
  }
  Status s = CheckKeys(f, p, ppath, {"template", "helmRelease", "configMaps", "binaryData"});
  if (!s.ok()) return s;
  PromotedSnapshot snap;
  if (const Node* release = p.Find("helmRelease"); release != nullptr) {
    if (const Node* both = p.Find("template"); both != nullptr)
      return f.Error(*both, JoinPath(ppath, "template"),
                     "a HelmRelease canary's snapshot is promoted.helmRelease; remove the pod template");
    auto read = ReadHelmReleaseSnapshot(f, *release, JoinPath(ppath, "helmRelease"));
    if (!read.ok()) return read.status();
    snap.helm_release = std::move(*read);
  } else {
    s = CheckPodTemplate(f, p, ppath);
    if (!s.ok()) return s;
    snap.template_ = *p.Find("template");
  }
  std::pair<const char*, std::map<std::string, Node>*> sections[] = {{"configMaps", &snap.config_maps},
                                                                      {"binaryData", &snap.binary_data}};
  for (auto& [key, target] : sections) {
    auto cms = f.Mapping(p, key, ppath);
    if (!cms.ok()) return cms.status();
    if (*cms == nullptr) continue;
    const std::string cpath = JoinPath(ppath, key);
    for (const yaml::Field& field : (*cms)->fields) {
      auto data = f.Mapping(**cms, field.key, cpath);
      if (!data.ok()) return data.status();
      if (*data == nullptr) {
        return f.Error(field.value, JoinPath(cpath, field.key),
                       std::string("expected a mapping (the ConfigMap's ") +
                           (target == &snap.config_maps ? "data" : "binaryData") + "), got null");
      }
      (*target)[field.key] = **data;
    }
  }
  *out = std::move(snap);
  return Status::Ok();
}

// Sets every mark in `n` to `at`: the nodes of an annotation value have no
// place of their own in the file, so errors point at the annotation.
void Remark(Node& n, yaml::Mark at) {
  n.mark = at;
  for (Node& item : n.items) Remark(item, at);
  for (yaml::Field& field : n.fields) {
    field.key_mark = at;
    Remark(field.value, at);
  }
}

// Parses the annotation text into its (mapping) root.
Result<Node> ParseAnnotationValue(const Fields& f, const Node& value) {
  const std::string where = "metadata.annotations.gitcanary.io/status";
  if (!value.IsScalar() || !value.IsStringScalar()) {
    return f.Error(value, where, "expected a string holding a JSON object, got " + Shown(value));
  }
  const std::string inner = "annotation";
  auto docs = yaml::ParseYamlStream(value.value, inner);
  if (!docs.ok()) {
    std::string msg = docs.status().message();
    if (msg.starts_with(inner + ":")) msg = "at " + msg.substr(inner.size() + 1);
    return f.Error(value, where, "not a valid JSON object: " + msg);
  }
  if (docs->size() != 1 || !(*docs)[0].IsMapping()) {
    std::string got = docs->empty()       ? std::string("an empty value")
                      : docs->size() == 1 ? Shown((*docs)[0])
                                          : std::to_string(docs->size()) + " documents";
    return f.Error(value, where, "expected a JSON object, got " + got);
  }
  Node root = std::move((*docs)[0]);
  Remark(root, value.mark);
  return root;
}

// A session affinity cookie: "<name>=<value>", both parts non-empty and free of
// ';', ',' and whitespace, since it is written into Set-Cookie headers and a
// Cookie regex.
Status ReadCookie(const Fields& f, const Node& body, std::string_view key, const std::string& path, std::string* out) {
  if (Status s = ReadString(f, body, key, path, out); !s.ok()) return s;
  if (out->empty()) return Status::Ok();
  const auto eq = out->find('=');
  const bool bad_char = out->find_first_of(";, \t\"\\") != std::string::npos;
  if (eq == std::string::npos || eq == 0 || eq + 1 == out->size() || out->find('=', eq + 1) != std::string::npos ||
      bad_char) {
    return f.Error(*body.Find(key), JoinPath(path, key),
                   "expected <cookie name>=<value> with no ';', ',', '=', quote or space in either part, got \"" +
                       *out + "\"");
  }
  return Status::Ok();
}

}  // namespace

Result<CanaryStatus> ParseStatusBody(const Node& body, const std::string& file, const std::string& path) {
  Fields f(file);
  if (!body.IsMapping()) return f.Error(body, path, "expected a mapping, got " + Shown(body));
  Status s = CheckKeys(f, body, path,
                       {"phase", "canaryWeight", "failedChecks", "iterations", "lastAppliedSpec",
                        "lastPromotedSpec", "trackedConfigs", "lastTransitionTime", "conditions", "approvedRevision",
                        "sessionAffinityCookie", "primarySessionAffinityCookie", "previousSessionAffinityCookie",
                        "promoted"});
  if (!s.ok()) return s;
  CanaryStatus st;
  if (s = ReadPhase(f, body, path, &st.phase); !s.ok()) return s;
  if (s = ReadInt(f, body, "canaryWeight", path, 0, 100, &st.canary_weight); !s.ok()) return s;
  if (s = ReadInt(f, body, "failedChecks", path, 0, LLONG_MAX, &st.failed_checks); !s.ok()) return s;
  if (s = ReadInt(f, body, "iterations", path, 0, LLONG_MAX, &st.iterations); !s.ok()) return s;
  if (s = ReadString(f, body, "lastAppliedSpec", path, &st.last_applied_spec); !s.ok()) return s;
  if (s = ReadString(f, body, "lastPromotedSpec", path, &st.last_promoted_spec); !s.ok()) return s;
  if (s = ReadTrackedConfigs(f, body, path, &st.tracked_configs); !s.ok()) return s;
  if (s = ReadString(f, body, "lastTransitionTime", path, &st.last_transition_time); !s.ok()) return s;
  if (s = ReadConditions(f, body, path, &st.conditions); !s.ok()) return s;
  if (s = ReadString(f, body, "approvedRevision", path, &st.approved_revision); !s.ok()) return s;
  if (s = ReadCookie(f, body, "sessionAffinityCookie", path, &st.session_affinity_cookie); !s.ok()) return s;
  if (s = ReadCookie(f, body, "primarySessionAffinityCookie", path, &st.primary_session_affinity_cookie); !s.ok())
    return s;
  if (s = ReadCookie(f, body, "previousSessionAffinityCookie", path, &st.previous_session_affinity_cookie); !s.ok())
    return s;
  if (s = ReadPromoted(f, body, path, &st.promoted); !s.ok()) return s;
  if (!st.promoted && st.phase != Phase::kInitializing) {
    const std::string ppath = JoinPath(path, "promoted");
    return f.Error(body, ppath,
                   "promoted snapshot missing: phase " + std::string(PhaseName(st.phase)) + " needs " + ppath +
                       " (the pod template the primary is rendered from)");
  }
  return st;
}

bool IsStatusDocument(const Manifest& m) {
  return m.kind == kStatusKind && m.Group() == kStatusGroup;
}

Result<StatusRecord> ParseStatusDocument(const Manifest& m) {
  Fields f(m.file);
  if (!IsStatusDocument(m)) {
    return f.Error(m.doc, "", "not a CanaryStatus document (apiVersion " + m.api_version + ", kind " + m.kind + ")");
  }
  if (m.api_version != kStatusApiVersion) {
    const Node* version = m.doc.Find("apiVersion");
    return f.Error(version != nullptr ? *version : m.doc, "apiVersion",
                   "status written by a newer or unknown schema version " + m.api_version + "; this gitcanary reads " +
                       std::string(kStatusApiVersion) + " (upgrade gitcanary)");
  }
  Status s = CheckKeys(f, m.doc, "", {"apiVersion", "kind", "metadata", "status"});
  if (!s.ok()) return s;
  auto meta = f.Mapping(m.doc, "metadata", "");
  if (!meta.ok()) return meta.status();
  if (*meta == nullptr) return f.Error(m.doc, "metadata.name", "missing; the name of the Canary this status belongs to");
  StatusRecord rec;
  if (s = ReadString(f, **meta, "name", "metadata", &rec.name); !s.ok()) return s;
  if (rec.name.empty()) return f.Error(**meta, "metadata.name", "missing; the name of the Canary this status belongs to");
  if (s = ReadString(f, **meta, "namespace", "metadata", &rec.ns); !s.ok()) return s;
  const Node* body = m.doc.Find("status");
  if (body == nullptr) return f.Error(m.doc, "status", "missing");
  auto st = ParseStatusBody(*body, m.file, "status");
  if (!st.ok()) return st.status();
  rec.file = m.file;
  rec.mark = m.doc.mark;
  rec.status = std::move(*st);
  return rec;
}

Result<std::optional<StatusRecord>> ParseStatusAnnotation(const Manifest& canary) {
  const Node* annotations = canary.doc.Path({"metadata", "annotations"});
  if (annotations == nullptr) return std::optional<StatusRecord>();
  const Node* value = annotations->Find(kStatusAnnotation);
  if (value == nullptr) return std::optional<StatusRecord>();
  Fields f(canary.file);
  auto root = ParseAnnotationValue(f, *value);
  if (!root.ok()) return root.status();
  auto st = ParseStatusBody(*root, canary.file, kAnnotationPath);
  if (!st.ok()) return st.status();
  StatusRecord rec;
  rec.name = canary.name;
  rec.ns = canary.ns;
  rec.file = canary.file;
  rec.mark = value->mark;
  rec.status = std::move(*st);
  return std::optional<StatusRecord>(std::move(rec));
}

Node StatusToNode(const CanaryStatus& status) {
  Node out = Node::Mapping();
  auto set_string = [](Node& map, std::string_view key, const std::string& v) {
    if (!v.empty()) map.Set(key, Node::String(v));
  };
  out.Set("phase", Node::String(std::string(PhaseName(status.phase))));
  out.Set("canaryWeight", Node::Int(status.canary_weight));
  out.Set("failedChecks", Node::Int(status.failed_checks));
  out.Set("iterations", Node::Int(status.iterations));
  set_string(out, "lastAppliedSpec", status.last_applied_spec);
  set_string(out, "lastPromotedSpec", status.last_promoted_spec);
  if (!status.tracked_configs.empty()) {
    Node& tracked = out.Set("trackedConfigs", Node::Mapping());
    for (const auto& [key, sum] : status.tracked_configs) tracked.Set(key, Node::String(sum));
  }
  set_string(out, "lastTransitionTime", status.last_transition_time);
  if (!status.conditions.empty()) {
    Node& list = out.Set("conditions", Node::Sequence());
    for (const Condition& c : status.conditions) {
      Node item = Node::Mapping();
      set_string(item, "type", c.type);
      set_string(item, "status", c.status);
      set_string(item, "reason", c.reason);
      set_string(item, "message", c.message);
      set_string(item, "lastTransitionTime", c.last_transition_time);
      list.items.push_back(std::move(item));
    }
  }
  set_string(out, "approvedRevision", status.approved_revision);
  set_string(out, "sessionAffinityCookie", status.session_affinity_cookie);
  set_string(out, "primarySessionAffinityCookie", status.primary_session_affinity_cookie);
  set_string(out, "previousSessionAffinityCookie", status.previous_session_affinity_cookie);
  if (status.promoted) {
    Node& promoted = out.Set("promoted", Node::Mapping());
    if (const auto& release = status.promoted->helm_release) {
      Node& r = promoted.Set("helmRelease", Node::Mapping(2));
      r.Set(release->chart_key, release->chart);
      r.Set("values", release->values);
      if (const auto& source = release->source) {
        Node& src = r.Set("source", Node::Mapping(5));
        src.Set("apiVersion", Node::String(source->api_version));
        src.Set("kind", Node::String(source->kind));
        src.Set("name", Node::String(source->name));
        if (!source->ns.empty()) src.Set("namespace", Node::String(source->ns));
        src.Set("spec", source->spec);
      }
    } else {
      promoted.Set("template", status.promoted->template_);
    }
    if (!status.promoted->config_maps.empty()) {
      Node& cms = promoted.Set("configMaps", Node::Mapping());
      for (const auto& [name, data] : status.promoted->config_maps) cms.Set(name, data);
    }
    if (!status.promoted->binary_data.empty()) {
      Node& binary = promoted.Set("binaryData", Node::Mapping());
      for (const auto& [name, data] : status.promoted->binary_data) binary.Set(name, data);
    }
  }
  return out;
}

}  // namespace gitcanary::render
