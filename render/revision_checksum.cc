// Revision checksums.
//
// Canonical form (what Digest hashes), defined here so that it never depends on
// key order, quoting style, marks or the platform:
//   null                      n
//   string scalar             s<byte length>:<bytes>    (quoted, or plain that is not a number/bool)
//   other scalar              p<byte length>:<bytes>    (plain int, float, bool: the text as written)
//   sequence                  l<count>:<item>...        (in order)
//   mapping                   m<count>:<key><value>...  (keys sorted bytewise; each key as a string scalar)
// Lengths and counts are decimal. The bytes are hashed with 64-bit FNV-1a and
// printed as 16 lowercase hex digits. So `"5"` and `5` differ, `web` and
// `"web"` are equal, and null differs from "". Integers are compared by text:
// 5 and 0x5 differ (a revision changes when its text does).
//
// RevisionChecksum hashes the canonical form of the mapping
//   {configMaps: {NAME: payload}, secrets: {NAME: Digest(payload)}, template: <pod template>}
// over the referenced names that are present in the maps given. A payload is
// the content of a ConfigMap or Secret, never its metadata: for a whole object
// (a mapping with apiVersion and kind ConfigMap or Secret) it is the mapping of
// its non-empty `binaryData`, `data` and `stringData` sections, so label or
// annotation edits do not make a new revision; for a bare data mapping (what a
// PromotedSnapshot stores) it is {data: <mapping>}, so a ConfigMap with only
// `data` checksums the same as a whole object or as its snapshot. Empty
// sections are left out (`data: {}` is the same as no data). Secret content
// enters the combined form only as its digest.
#include "render/revision_checksum.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>

namespace gitcanary::render {

using yaml::Node;

namespace {

class Fnv1a64 {
 public:
  void Add(std::string_view bytes) {
    for (char c : bytes) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 1099511628211ULL;
    }
  }
  void AddCount(char tag, std::size_t n) {
    char tag_text[1] = {tag};
    Add(std::string_view(tag_text, 1));
    Add(std::to_string(n));
    Add(":");
  }
  void AddText(char tag, std::string_view text) {
    AddCount(tag, text.size());
    Add(text);
  }
  std::string Hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[15 - i] = kDigits[(hash_ >> (4 * i)) & 0xF];
    return out;
  }

 private:
  std::uint64_t hash_ = 14695981039346656037ULL;
};

using Entries = std::vector<std::pair<std::string_view, const Node*>>;

void Feed(Fnv1a64& h, const Node& n);

// A mapping given as entries, so a combined form need not copy its parts.
void FeedMapping(Fnv1a64& h, Entries entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  h.AddCount('m', entries.size());
  for (const auto& [key, value] : entries) {
    h.AddText('s', key);
    Feed(h, *value);
  }
}

void Feed(Fnv1a64& h, const Node& n) {
  switch (n.kind) {
    case yaml::Kind::kNull:
      h.Add("n");
      return;
    case yaml::Kind::kScalar:
      h.AddText(n.IsStringScalar() ? 's' : 'p', n.value);
      return;
    case yaml::Kind::kSequence:
      h.AddCount('l', n.items.size());
      for (const Node& item : n.items) Feed(h, item);
      return;
    case yaml::Kind::kMapping: {
      Entries entries;
      entries.reserve(n.fields.size());
      for (const yaml::Field& f : n.fields) entries.emplace_back(f.key, &f.value);
      FeedMapping(h, std::move(entries));
      return;
    }
  }
}

bool IsEmpty(const Node& n) {
  return n.IsNull() || (n.IsMapping() && n.fields.empty()) || (n.IsSequence() && n.items.empty());
}

bool IsWholeObject(const Node& n) {
  const Node* kind = n.Find("kind");
  return n.Find("apiVersion") != nullptr && kind != nullptr && kind->IsScalar() &&
         (kind->value == "ConfigMap" || kind->value == "Secret");
}

// The content of a ConfigMap or Secret (see the comment at the top).
Node Payload(const Node& config) {
  Node out = Node::Mapping();
  if (IsWholeObject(config)) {
    for (std::string_view section : {"binaryData", "data", "stringData"}) {
      const Node* s = config.Find(section);
      if (s != nullptr && !IsEmpty(*s)) out.Set(section, *s);
    }
  } else if (!IsEmpty(config)) {
    out.Set("data", config);
  }
  return out;
}

void AddName(const Node* name, std::set<std::string>* out) {
  if (name != nullptr && name->IsScalar() && !name->value.empty()) out->insert(name->value);
}

struct RefSets {
  std::set<std::string> config_maps, secrets;
};

void ContainerRefs(const Node& container, RefSets* out) {
  if (const Node* env = container.Find("env")) {
    for (const Node& e : env->items) {
      AddName(e.Path({"valueFrom", "configMapKeyRef", "name"}), &out->config_maps);
      AddName(e.Path({"valueFrom", "secretKeyRef", "name"}), &out->secrets);
    }
  }
  if (const Node* env_from = container.Find("envFrom")) {
    for (const Node& e : env_from->items) {
      AddName(e.Path({"configMapRef", "name"}), &out->config_maps);
      AddName(e.Path({"secretRef", "name"}), &out->secrets);
    }
  }
}

void VolumeRefs(const Node& volume, RefSets* out) {
  AddName(volume.Path({"configMap", "name"}), &out->config_maps);
  AddName(volume.Path({"secret", "secretName"}), &out->secrets);
  if (const Node* sources = volume.Path({"projected", "sources"})) {
    for (const Node& source : sources->items) {
      AddName(source.Path({"configMap", "name"}), &out->config_maps);
      AddName(source.Path({"secret", "name"}), &out->secrets);
    }
  }
}

}  // namespace

ConfigRefs ReferencedConfigs(const Node& pod_template) {
  RefSets refs;
  if (const Node* spec = pod_template.Find("spec")) {
    for (std::string_view list : {"containers", "initContainers"}) {
      if (const Node* containers = spec->Find(list))
        for (const Node& c : containers->items) ContainerRefs(c, &refs);
    }
    if (const Node* volumes = spec->Find("volumes"))
      for (const Node& v : volumes->items) VolumeRefs(v, &refs);
  }
  ConfigRefs out;
  out.config_maps.assign(refs.config_maps.begin(), refs.config_maps.end());
  out.secrets.assign(refs.secrets.begin(), refs.secrets.end());
  return out;
}

std::string Digest(const Node& node) {
  Fnv1a64 h;
  Feed(h, node);
  return h.Hex();
}

std::string RevisionChecksum(const Node& pod_template,
                             const std::map<std::string, const Node*>& config_maps,
                             const std::map<std::string, const Node*>& secrets) {
  ConfigRefs refs = ReferencedConfigs(pod_template);
  Node cms = Node::Mapping();
  for (const std::string& name : refs.config_maps) {
    auto it = config_maps.find(name);
    if (it != config_maps.end() && it->second != nullptr) cms.Set(name, Payload(*it->second));
  }
  Node secs = Node::Mapping();
  for (const std::string& name : refs.secrets) {
    auto it = secrets.find(name);
    if (it != secrets.end() && it->second != nullptr) secs.Set(name, Node::String(Digest(Payload(*it->second))));
  }
  Fnv1a64 h;
  FeedMapping(h, {{"configMaps", &cms}, {"secrets", &secs}, {"template", &pod_template}});
  return h.Hex();
}

}  // namespace gitcanary::render
