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
  // `tag`, the decimal count, then ':'.
  void AddCount(char tag, std::size_t n) {
    char text[24];
    char* const end = text + sizeof text;
    char* p = end;
    *--p = ':';
    do {
      *--p = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    *--p = tag;
    Add(std::string_view(p, static_cast<std::size_t>(end - p)));
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

using Entry = std::pair<std::string_view, const Node*>;

// Sorts by key, keeping the order of equal keys. Most mappings are small, and
// an insertion sort of those allocates nothing.
void SortByKey(std::vector<Entry>::iterator begin, std::vector<Entry>::iterator end) {
  auto less = [](const Entry& a, const Entry& b) { return a.first < b.first; };
  if (end - begin > 16) {
    std::stable_sort(begin, end, less);
    return;
  }
  for (auto i = begin; i != end; ++i)
    for (auto j = i; j != begin && less(*j, *(j - 1)); --j) std::iter_swap(j, j - 1);
}

// Feeds canonical forms into one hash. The entries of the mappings being fed
// wait on one shared stack, so a tree is hashed without copying any part of it
// and with an allocation only when that stack grows.
class Canonical {
 public:
  void Feed(const Node& n) {
    switch (n.kind) {
      case yaml::Kind::kNull:
        h_.Add("n");
        return;
      case yaml::Kind::kScalar:
        h_.AddText(n.IsStringScalar() ? 's' : 'p', n.value);
        return;
      case yaml::Kind::kSequence:
        h_.AddCount('l', n.items.size());
        for (const Node& item : n.items) Feed(item);
        return;
      case yaml::Kind::kMapping: {
        const std::size_t from = Start();
        for (const yaml::Field& f : n.fields) Push(f.key, f.value);
        FeedMapping(from);
        return;
      }
    }
  }
  // A mapping is fed by Start(), Push() of each entry, then FeedMapping() from the start.
  std::size_t Start() const { return stack_.size(); }
  void Push(std::string_view key, const Node& value) { stack_.emplace_back(key, &value); }
  void FeedMapping(std::size_t from) {
    const std::size_t end = stack_.size();
    SortByKey(stack_.begin() + static_cast<std::ptrdiff_t>(from), stack_.end());
    h_.AddCount('m', end - from);
    for (std::size_t i = from; i < end; ++i) {
      const Entry e = stack_[i];  // a copy: feeding the value may grow the stack
      h_.AddText('s', e.first);
      Feed(*e.second);
    }
    stack_.resize(from);
  }
  Fnv1a64& hash() { return h_; }

 private:
  Fnv1a64 h_;
  std::vector<Entry> stack_;
};

bool IsEmpty(const Node& n) {
  return n.IsNull() || (n.IsMapping() && n.fields.empty()) || (n.IsSequence() && n.items.empty());
}

bool IsWholeObject(const Node& n) {
  const Node* kind = n.Find("kind");
  return n.Find("apiVersion") != nullptr && kind != nullptr && kind->IsScalar() &&
         (kind->value == "ConfigMap" || kind->value == "Secret");
}

// The content of a ConfigMap or Secret (see the comment at the top), fed as a mapping.
void FeedPayload(Canonical& c, const Node& config) {
  const std::size_t from = c.Start();
  if (IsWholeObject(config)) {
    for (std::string_view section : {"binaryData", "data", "stringData"}) {
      const Node* s = config.Find(section);
      if (s != nullptr && !IsEmpty(*s)) c.Push(section, *s);
    }
  } else if (!IsEmpty(config)) {
    c.Push("data", config);
  }
  c.FeedMapping(from);
}

// The referenced names, pointing into the pod template; sorted and unique once Finish()ed.
struct RefNames {
  std::vector<std::string_view> config_maps, secrets;

  void Finish() {
    for (auto* names : {&config_maps, &secrets}) {
      std::sort(names->begin(), names->end());
      names->erase(std::unique(names->begin(), names->end()), names->end());
    }
  }
};

void AddName(const Node* name, std::vector<std::string_view>* out) {
  if (name != nullptr && name->IsScalar() && !name->value.empty()) out->push_back(name->value);
}

void ContainerRefs(const Node& container, RefNames* out) {
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

void VolumeRefs(const Node& volume, RefNames* out) {
  AddName(volume.Path({"configMap", "name"}), &out->config_maps);
  AddName(volume.Path({"secret", "secretName"}), &out->secrets);
  if (const Node* sources = volume.Path({"projected", "sources"})) {
    for (const Node& source : sources->items) {
      AddName(source.Path({"configMap", "name"}), &out->config_maps);
      AddName(source.Path({"secret", "name"}), &out->secrets);
    }
  }
}

RefNames ReferencedNames(const Node& pod_template) {
  RefNames refs;
  if (const Node* spec = pod_template.Find("spec")) {
    for (std::string_view list : {"containers", "initContainers"}) {
      if (const Node* containers = spec->Find(list))
        for (const Node& c : containers->items) ContainerRefs(c, &refs);
    }
    if (const Node* volumes = spec->Find("volumes"))
      for (const Node& v : volumes->items) VolumeRefs(v, &refs);
  }
  refs.Finish();
  return refs;
}

// The configs among `names` that `present` has, in the order of `names`.
std::vector<Entry> Present(const std::vector<std::string_view>& names, const std::map<std::string, const Node*>& present) {
  std::vector<Entry> out;
  for (std::string_view name : names) {
    auto it = present.find(std::string(name));
    if (it != present.end() && it->second != nullptr && TrackedConfig(*it->second)) out.emplace_back(name, it->second);
  }
  return out;
}

}  // namespace

bool TrackedConfig(const Node& object) {
  if (!IsWholeObject(object)) return true;
  const Node* tracking = object.Path({"metadata", "annotations", "flagger.app/config-tracking"});
  if (tracking != nullptr && tracking->IsScalar() && tracking->value.starts_with("disable")) return false;
  if (object.Find("kind")->value != "Secret") return true;
  const Node* type = object.Find("type");
  if (type == nullptr || type->IsNull()) return true;  // Opaque
  const std::string& t = type->value;
  return t == "Opaque" || t == "kubernetes.io/basic-auth" || t == "kubernetes.io/ssh-auth" || t == "kubernetes.io/tls";
}

ConfigRefs ReferencedConfigs(const Node& pod_template) {
  const RefNames refs = ReferencedNames(pod_template);
  return ConfigRefs{{refs.config_maps.begin(), refs.config_maps.end()}, {refs.secrets.begin(), refs.secrets.end()}};
}

std::string Digest(const Node& node) {
  Canonical c;
  c.Feed(node);
  return c.hash().Hex();
}

std::string RevisionChecksum(const Node& pod_template,
                             const std::map<std::string, const Node*>& config_maps,
                             const std::map<std::string, const Node*>& secrets) {
  const RefNames refs = ReferencedNames(pod_template);
  // {configMaps: {NAME: payload}, secrets: {NAME: digest}, template: ...}: keys in sorted order.
  Canonical c;
  c.hash().AddCount('m', 3);
  const auto cms = Present(refs.config_maps, config_maps);
  c.hash().AddText('s', "configMaps");
  c.hash().AddCount('m', cms.size());
  for (const auto& [name, config] : cms) {
    c.hash().AddText('s', name);
    FeedPayload(c, *config);
  }
  const auto secs = Present(refs.secrets, secrets);
  c.hash().AddText('s', "secrets");
  c.hash().AddCount('m', secs.size());
  for (const auto& [name, secret] : secs) {
    Canonical payload;
    FeedPayload(payload, *secret);
    c.hash().AddText('s', name);
    c.hash().AddText('s', payload.hash().Hex());
  }
  c.hash().AddText('s', "template");
  c.Feed(pod_template);
  return c.hash().Hex();
}

}  // namespace gitcanary::render
