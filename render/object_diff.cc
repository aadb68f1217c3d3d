#include "render/object_diff.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "render/json_emit.h"
#include "render/url_credentials.h"
#include "render/yaml_emit.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr std::string_view kRedacted = "<redacted>";
constexpr std::string_view kRedactedOld = "<redacted: old value>";
constexpr std::string_view kRedactedNew = "<redacted: new value>";

bool IsBare(std::string_view s, bool allow_dot) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || (allow_dot && c == '.');
    if (!ok) return false;
  }
  return true;
}

// A JSON string literal, as the project's JSON emitter writes it.
std::string Quote(std::string_view s) {
  std::string out;
  yaml::EmitCompactJson(Node::String(std::string(s)), &out);
  return out;
}

// A string that reads back as itself when written bare in a one-line value.
bool BareString(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.front() == '"' || s.front() == '[' ||
      s.front() == '{' || s == "null" || s == "Null" || s == "NULL" || s == "~")
    return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return Node::Plain(std::string(s)).IsStringScalar();
}

std::string ValueText(const Node& n) {
  if (n.IsNull()) return "null";
  if (n.IsScalar()) {
    if (!n.IsStringScalar()) return n.value;
    return BareString(n.value) ? n.value : Quote(n.value);
  }
  std::string out;
  yaml::EmitCompactJson(n, &out);
  return out;
}

// A child of a mapping (by key) or of a named list (by name).
struct Child {
  std::string_view key;
  const Node* node;
};

// Lookup of children by key: linear for small collections, hashed for big ones.
class ChildIndex {
 public:
  explicit ChildIndex(const std::vector<Child>& c) : children_(c) {
    if (c.size() > 16)
      for (std::size_t i = 0; i < c.size(); ++i) map_.emplace(c[i].key, i);
  }
  std::size_t Find(std::string_view key) const {
    if (children_.size() > 16) {
      auto it = map_.find(key);
      return it == map_.end() ? npos : it->second;
    }
    for (std::size_t i = 0; i < children_.size(); ++i)
      if (children_[i].key == key) return i;
    return npos;
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

 private:
  const std::vector<Child>& children_;
  std::unordered_map<std::string_view, std::size_t> map_;
};

class FieldDiffer {
 public:
  explicit FieldDiffer(std::vector<FieldChange>* out) : out_(*out) {}

  void Diff(const Node& a, const Node& b) {
    if (a.IsMapping() && b.IsMapping()) return Keyed(Children(a), Children(b), false);
    if (a.IsSequence() && b.IsSequence()) {
      if (Named(a) && Named(b)) return Keyed(NamedChildren(a), NamedChildren(b), true);
      return Indexed(a, b);
    }
    if (!(a == b)) Emit(&a, &b);
  }

 private:
  static std::vector<Child> Children(const Node& m) {
    std::vector<Child> out;
    out.reserve(m.fields.size());
    for (const yaml::Field& f : m.fields) out.push_back({f.key, &f.value});
    return out;
  }
  static const Node* NameOf(const Node& item) {
    const Node* name = item.IsMapping() ? item.Find("name") : nullptr;
    return name != nullptr && name->IsScalar() ? name : nullptr;
  }
  // Every item is a mapping with a unique scalar name.
  static bool Named(const Node& seq) {
    std::vector<std::string_view> names;
    for (const Node& item : seq.items) {
      const Node* name = NameOf(item);
      if (name == nullptr) return false;
      names.push_back(name->value);
    }
    std::sort(names.begin(), names.end());
    return std::adjacent_find(names.begin(), names.end()) == names.end();
  }
  static std::vector<Child> NamedChildren(const Node& seq) {
    std::vector<Child> out;
    for (const Node& item : seq.items) out.push_back({NameOf(item)->value, &item});
    return out;
  }

  void Push(std::string_view key, bool named) {
    if (named) {
      path_ += IsBare(key, true) ? "[name=" + std::string(key) + "]" : "[name=" + Quote(key) + "]";
    } else if (IsBare(key, false)) {
      if (!path_.empty()) path_ += '.';
      path_ += key;
    } else {
      path_ += "[" + Quote(key) + "]";
    }
  }

  void Emit(const Node* a, const Node* b) {
    FieldChange c{path_.empty() ? "(document)" : path_, std::nullopt, std::nullopt};
    if (a != nullptr) c.before = ValueText(*a);
    if (b != nullptr) c.after = ValueText(*b);
    out_.push_back(std::move(c));
  }

  void At(std::string_view key, bool named, const Node* a, const Node* b) {
    const std::size_t len = path_.size();
    Push(key, named);
    if (a == nullptr || b == nullptr) Emit(a, b);
    else if (!(*a == *b)) Diff(*a, *b);
    path_.resize(len);
  }

  // Children of b in order, with removed children of a where a had them.
  void Keyed(const std::vector<Child>& a, const std::vector<Child>& b, bool named) {
    const ChildIndex in_a(a), in_b(b);
    std::size_t next_a = 0;
    auto flush_removed = [&](std::size_t to) {
      for (; next_a < to; ++next_a)
        if (in_b.Find(a[next_a].key) == ChildIndex::npos) At(a[next_a].key, named, a[next_a].node, nullptr);
    };
    for (const Child& child : b) {
      const std::size_t i = in_a.Find(child.key);
      if (i == ChildIndex::npos) {
        At(child.key, named, nullptr, child.node);
        continue;
      }
      if (i >= next_a) {
        flush_removed(i);
        next_a = i + 1;
      }
      At(child.key, named, a[i].node, child.node);
    }
    flush_removed(a.size());
  }

  void Indexed(const Node& a, const Node& b) {
    const std::size_t n = std::max(a.items.size(), b.items.size());
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t len = path_.size();
      path_ += "[" + std::to_string(i) + "]";
      const Node* x = i < a.items.size() ? &a.items[i] : nullptr;
      const Node* y = i < b.items.size() ? &b.items[i] : nullptr;
      if (x == nullptr || y == nullptr) Emit(x, y);
      else if (!(*x == *y)) Diff(*x, *y);
      path_.resize(len);
    }
  }

  std::vector<FieldChange>& out_;
  std::string path_;
};

bool IsSecret(const ResourceKey& k) { return k.kind == "Secret" && k.api_version == "v1"; }

// The placeholder for a secret value: whether it changed, never what it is.
Node Placeholder(const Node& mine, const Node* theirs, std::string_view changed) {
  const bool same = theirs == nullptr || *theirs == mine;
  return Node::String(std::string(same ? kRedacted : changed));
}

// Replaces the secret values of `doc`; `other` is the counterpart (nullptr when none).
// kubectl's last-applied-configuration annotation repeats them, so it goes too.
Node Redact(const Node& doc, const Node* other, bool is_before) {
  Node out = doc;
  const std::string_view changed = is_before ? kRedactedOld : kRedactedNew;
  for (const char* section : {"data", "stringData"}) {
    Node* values = out.Find(section);
    if (values == nullptr || values->IsNull()) continue;
    const Node* theirs = other != nullptr ? other->Find(section) : nullptr;
    if (!values->IsMapping()) {
      *values = Placeholder(*doc.Find(section), theirs, changed);
      continue;
    }
    for (yaml::Field& f : values->fields) {
      const Node* their = theirs != nullptr && theirs->IsMapping() ? theirs->Find(f.key) : nullptr;
      f.value = Placeholder(f.value, their, changed);
    }
  }
  constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";
  Node* annotations = out.Find("metadata") != nullptr ? out.Find("metadata")->Find("annotations") : nullptr;
  if (annotations != nullptr && annotations->Find(kLastApplied) != nullptr) {
    const Node* theirs = other != nullptr ? other->Path({"metadata", "annotations", kLastApplied}) : nullptr;
    annotations->Set(kLastApplied, Placeholder(*annotations->Find(kLastApplied), theirs, changed));
  }
  return out;
}

std::string Emit(const Node& doc) {
  std::string out;
  yaml::EmitYaml(doc, &out);
  return out;
}

// Both sides of a pair, redacted when needed.
struct Sides {
  Node before, after;
};

Sides Prepare(const Manifest* a, const Manifest* b, const DiffOptions& options) {
  Sides s{a != nullptr ? a->doc : Node(), b != nullptr ? b->doc : Node()};
  if (options.show_secrets) return s;
  if (IsSecret(KeyOf(a != nullptr ? *a : *b))) {
    if (a != nullptr) s.before = Redact(a->doc, b != nullptr ? &b->doc : nullptr, true);
    if (b != nullptr) s.after = Redact(b->doc, a != nullptr ? &a->doc : nullptr, false);
  }
  RedactUrlCredentials(s.before);
  RedactUrlCredentials(s.after);
  return s;
}

ResourceChange MakeChange(ChangeType type, const Manifest* a, const Manifest* b, const DiffOptions& options) {
  ResourceChange c;
  c.type = type;
  c.key = KeyOf(b != nullptr ? *b : *a);
  Sides s = Prepare(a, b, options);
  if (a != nullptr && b != nullptr) c.fields = DiffFields(s.before, s.after);
  if (a != nullptr) c.before_yaml = Emit(s.before);
  if (b != nullptr) c.after_yaml = Emit(s.after);
  if (type == ChangeType::kRenamed) c.renamed_from = KeyOf(*a);
  return c;
}

std::vector<std::size_t> SortedByKey(const std::vector<Manifest>& ms, std::vector<ResourceKey>* keys) {
  keys->reserve(ms.size());
  for (const Manifest& m : ms) keys->push_back(KeyOf(m));
  std::vector<std::size_t> order(ms.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return (*keys)[x] < (*keys)[y]; });
  return order;
}

// The document without metadata.name/namespace, as one comparable string.
std::string RenameBucket(const Manifest& m, Node* stripped) {
  *stripped = m.doc;
  if (Node* meta = stripped->Find("metadata")) {
    meta->Erase("name");
    meta->Erase("namespace");
  }
  std::string out = m.api_version + '\n' + m.kind + '\n';
  yaml::EmitCompactJson(*stripped, &out);
  return out;
}

// Pairs removed and added resources that differ only in name/namespace.
void MatchRenames(const std::vector<const Manifest*>& removed, const std::vector<const Manifest*>& added,
                  const DiffOptions& options, std::vector<ResourceChange>* out) {
  std::unordered_map<std::string, std::vector<std::size_t>> buckets;
  std::vector<Node> stripped(removed.size());
  std::vector<char> used(removed.size(), 0), renamed(added.size(), 0);
  for (std::size_t i = 0; i < removed.size(); ++i) buckets[RenameBucket(*removed[i], &stripped[i])].push_back(i);
  for (std::size_t j = 0; j < added.size() && !buckets.empty(); ++j) {
    Node mine;
    auto it = buckets.find(RenameBucket(*added[j], &mine));
    if (it == buckets.end()) continue;
    for (std::size_t i : it->second) {
      if (used[i] || !(stripped[i] == mine)) continue;
      used[i] = renamed[j] = 1;
      out->push_back(MakeChange(ChangeType::kRenamed, removed[i], added[j], options));
      break;
    }
  }
  for (std::size_t i = 0; i < removed.size(); ++i)
    if (!used[i]) out->push_back(MakeChange(ChangeType::kRemoved, removed[i], nullptr, options));
  for (std::size_t j = 0; j < added.size(); ++j)
    if (!renamed[j]) out->push_back(MakeChange(ChangeType::kAdded, nullptr, added[j], options));
}

}  // namespace

std::string ResourceKey::Text() const {
  return api_version + "/" + kind + "/" + (ns.empty() ? name : ns + "/" + name);
}

ResourceKey KeyOf(const Manifest& m) { return {m.api_version, m.kind, m.ns, m.name}; }

const char* ChangeTypeName(ChangeType t) {
  static constexpr const char* kNames[] = {"added", "removed", "changed", "renamed"};
  return kNames[static_cast<int>(t)];
}

std::vector<FieldChange> DiffFields(const Node& before, const Node& after) {
  std::vector<FieldChange> out;
  FieldDiffer(&out).Diff(before, after);
  return out;
}

std::vector<ResourceChange> DiffObjects(const std::vector<Manifest>& before, const std::vector<Manifest>& after,
                                        const DiffOptions& options) {
  std::vector<ResourceKey> ka, kb;
  const auto oa = SortedByKey(before, &ka), ob = SortedByKey(after, &kb);
  std::vector<ResourceChange> out;
  std::vector<const Manifest*> removed, added;
  std::size_t i = 0, j = 0;
  while (i < oa.size() || j < ob.size()) {
    if (j == ob.size() || (i < oa.size() && ka[oa[i]] < kb[ob[j]])) {
      removed.push_back(&before[oa[i++]]);
    } else if (i == oa.size() || kb[ob[j]] < ka[oa[i]]) {
      added.push_back(&after[ob[j++]]);
    } else {
      const Manifest& a = before[oa[i++]];
      const Manifest& b = after[ob[j++]];
      if (a.doc == b.doc) continue;
      ResourceChange c = MakeChange(ChangeType::kChanged, &a, &b, options);
      if (!c.fields.empty()) out.push_back(std::move(c));  // key order alone is no change
    }
  }
  MatchRenames(removed, added, options, &out);
  std::stable_sort(out.begin(), out.end(),
                   [](const ResourceChange& x, const ResourceChange& y) { return x.key < y.key; });
  return out;
}

}  // namespace gitcanary::render
