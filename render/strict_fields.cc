#include "render/strict_fields.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "render/fields.h"
#include "render/routing/provider.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// Optimal string alignment distance (adjacent transpositions count as one
// edit), capped: anything above `cap` is reported as cap + 1.
std::size_t EditDistance(std::string_view a, std::string_view b, std::size_t cap) {
  if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return std::min(prev[b.size()], cap + 1);
}

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::vector<std::string_view> SplitEnum(std::string_view enums) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t bar = enums.find('|', start);
    out.push_back(enums.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

bool InEnum(std::string_view enums, std::string_view value) {
  for (std::string_view v : SplitEnum(enums))
    if (v == value) return true;
  return false;
}

std::string Listed(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w.empty() ? "\"\"" : std::string(w);
  }
  return out;
}

std::string Article(FieldType type) {
  switch (type) {
    case FieldType::kObject: return "a mapping";
    case FieldType::kMap: return "a mapping";
    case FieldType::kArray: return "a list";
    case FieldType::kString: return "a string";
    case FieldType::kInteger: return "an integer";
    case FieldType::kNumber: return "a number";
    case FieldType::kBoolean: return "true or false";
    case FieldType::kIntOrString: return "an integer or a string";
    case FieldType::kDuration: return "a duration (e.g. 500ms, 10s, 1m)";
    case FieldType::kFree: return "anything";
  }
  return "?";
}

// Values gitcanary accepts beyond Flagger's enums: the `generic` AlertProvider
// posts Flagger's event webhook body (policies/alert.h). Flagger's CRD refuses
// it, so flagger mode refuses it too (RefusedByFlagger).
struct Extension {
  const FieldTable& (*table)();
  std::string_view path;
  std::string_view value;
};
constexpr Extension kExtensions[] = {{AlertProviderFields, "spec.type", "generic"}};

// One walk over a document. `key_` is the table path of the node being
// checked and `shown_` the path as messages show it (with list indices and
// map keys); both grow and shrink as the walk descends and returns, so a
// node costs a lookup and no allocation beyond the two buffers' growth.
class Walker {
 public:
  Walker(const FieldTable& table, const Fields& f, std::string key, std::string shown, std::string_view not_copied,
         std::string_view context)
      : table_(table), f_(f), key_(std::move(key)), shown_(std::move(shown)), context_(context) {
    if (!not_copied.empty()) not_copied_ = key_ + "." + std::string(not_copied);
  }

  Status Walk(const Node& n, const FieldSpec& spec) {
    if (n.IsNull()) return Status::Ok();  // null is unset, as the API server treats it
    switch (spec.type) {
      case FieldType::kFree: return Status::Ok();
      case FieldType::kObject: return WalkObject(n, spec);
      case FieldType::kMap: return WalkMap(n);
      case FieldType::kArray: return WalkArray(n);
      default: return CheckScalar(n, spec);
    }
  }

 private:
  Status Error(const Node& at, const std::string& message) const {
    return f_.Error(at, shown_, context_.empty() ? message : message + " (" + std::string(context_) + ")");
  }

  Status TypeError(const Node& n, FieldType want) const {
    return Error(n, "expected " + Article(want) + ", got " + Shown(n));
  }

  std::vector<std::string_view> Children(std::string_view parent) const {
    std::vector<std::string_view> out;
    for (const FieldSpec& e : table_) {
      if (e.path.size() <= parent.size() + (parent.empty() ? 0 : 1)) continue;
      if (!parent.empty() && (e.path.substr(0, parent.size()) != parent || e.path[parent.size()] != '.')) continue;
      std::string_view rest = e.path.substr(parent.empty() ? 0 : parent.size() + 1);
      if (rest.find_first_of(".[") == std::string_view::npos) out.push_back(rest);
    }
    return out;
  }

  Status Unknown(const yaml::Field& field, std::string_view parent) {
    Node at;
    at.mark = field.key_mark;
    std::string_view hint = DidYouMean(field.key, Children(parent));
    return Error(at, hint.empty() ? "unknown field" : "unknown field (did you mean " + std::string(hint) + "?)");
  }

  Status WalkObject(const Node& n, const FieldSpec& spec) {
    if (!n.IsMapping()) return TypeError(n, FieldType::kObject);
    const std::size_t key_len = key_.size(), shown_len = shown_.size();
    int set = 0;
    for (const yaml::Field& field : n.fields) {
      if (key_len != 0) key_ += '.';
      key_ += field.key;
      if (shown_len != 0) shown_ += '.';
      shown_ += field.key;
      Status s;
      if (key_ != not_copied_) {
        // A key holding a path character must not reach a nested entry.
        const bool plain = field.key.find_first_of(".[*") == std::string::npos;
        std::optional<FieldSpec> child = plain ? table_.Find(key_) : std::nullopt;
        if (!child) return Unknown(field, std::string_view(key_).substr(0, key_len));
        if (!child->alias.empty()) {
          key_ = child->alias;
          child = table_.Find(key_);
          if (!child) return Status::Internal("field table: alias " + key_ + " has no entry");
        }
        if (!field.value.IsNull()) ++set;
        s = Walk(field.value, *child);
      }
      key_.resize(key_len);
      shown_.resize(shown_len);
      if (!s.ok()) return s;
    }
    if ((spec.one_of == OneOf::kAtMostOne && set > 1) || (spec.one_of == OneOf::kExactlyOne && set != 1)) {
      std::string names = Listed(Children(key_));
      return Error(n, spec.one_of == OneOf::kAtMostOne ? "set at most one of " + names
                                                       : "set exactly one of " + names);
    }
    return Status::Ok();
  }

  Status WalkMap(const Node& n) {
    if (!n.IsMapping()) return TypeError(n, FieldType::kMap);
    const std::size_t key_len = key_.size(), shown_len = shown_.size();
    key_ += ".*";
    const std::optional<FieldSpec> value = table_.Find(key_);
    if (!value) return Status::Internal("field table: no entry " + key_);
    for (const yaml::Field& field : n.fields) {
      shown_ += '.';
      shown_ += field.key;
      Status s = Walk(field.value, *value);
      shown_.resize(shown_len);
      if (!s.ok()) return s;
    }
    key_.resize(key_len);
    return Status::Ok();
  }

  Status WalkArray(const Node& n) {
    if (!n.IsSequence()) return TypeError(n, FieldType::kArray);
    const std::size_t key_len = key_.size(), shown_len = shown_.size();
    key_ += "[]";
    const std::optional<FieldSpec> item = table_.Find(key_);
    if (!item) return Status::Internal("field table: no entry " + key_);
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      shown_ += '[';
      shown_ += std::to_string(i);
      shown_ += ']';
      Status s = Walk(n.items[i], *item);
      shown_.resize(shown_len);
      if (!s.ok()) return s;
    }
    key_.resize(key_len);
    return Status::Ok();
  }

  Status CheckScalar(const Node& n, const FieldSpec& spec) {
    if (!n.IsScalar()) return TypeError(n, spec.type);
    bool ok = false;
    switch (spec.type) {
      case FieldType::kString: ok = n.IsStringScalar(); break;
      case FieldType::kInteger: ok = n.AsInt().has_value(); break;
      case FieldType::kNumber: ok = n.AsFloat().has_value(); break;
      case FieldType::kBoolean: ok = n.AsBool().has_value(); break;
      case FieldType::kIntOrString: ok = n.AsInt().has_value() || n.IsStringScalar(); break;
      case FieldType::kDuration: {
        if (!n.IsStringScalar()) break;
        auto ms = ParseDurationMillis(n.value);
        if (!ms) return Error(n, "not a duration: \"" + n.value + "\" (use forms like 500ms, 10s, 1m30s)");
        if (*ms < 1) return Error(n, "must be a duration of at least 1ms, got \"" + n.value + "\"");
        ok = true;
        break;
      }
      default: break;
    }
    if (!ok) return TypeError(n, spec.type);
    if (!spec.enums.empty() && !InEnum(spec.enums, n.value) && !IsExtension(n.value)) {
      auto allowed = SplitEnum(spec.enums);
      std::string_view hint = DidYouMean(n.value, allowed);
      return Error(n, "must be one of " + Listed(allowed) + ", got " + Shown(n) +
                          (hint.empty() ? "" : " (did you mean " + std::string(hint) + "?)"));
    }
    return Status::Ok();
  }

  // gitcanary's own values beyond Flagger's enums (git mode only; see kExtensions).
  bool IsExtension(std::string_view value) const {
    for (const Extension& e : kExtensions)
      if (&table_ == &e.table() && key_ == e.path && value == e.value) return true;
    return false;
  }

  const FieldTable& table_;
  const Fields& f_;
  std::string key_;
  std::string shown_;
  std::string not_copied_;
  std::string_view context_;
};

constexpr std::string_view kFlaggerKinds[] = {"Canary", "MetricTemplate", "AlertProvider"};

// Walks `path` (dot-separated mapping keys) from the root; nullptr when absent.
const Node* At(const Node& doc, std::string_view path) {
  const Node* n = &doc;
  while (n != nullptr && !path.empty()) {
    std::size_t dot = path.find('.');
    n = n->Find(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return n;
}

Status CheckIstioCopies(const Manifest& m, std::string_view default_provider, const Fields& f) {
  if (EffectiveProvider(m, default_provider) != "istio") return Status::Ok();
  const Node& doc = m.doc;
  for (std::size_t i = 0; i < kIstioCopyCount; ++i) {
    const IstioCopy& copy = kIstioCopies[i];
    const Node* n = At(doc, copy.canary_path);
    if (n == nullptr || n->IsNull()) continue;
    const FieldTable& table = copy.table();
    const std::optional<FieldSpec> spec = table.Find(copy.istio_path);
    if (!spec) return Status::Internal("field table: no entry " + std::string(copy.istio_path));
    std::string context = "the Istio router copies it into " + std::string(table.name.substr(6)) + " " +
                          std::string(copy.istio_path);
    Walker w(table, f, std::string(copy.istio_path), std::string(copy.canary_path), copy.not_copied, context);
    Status s = w.Walk(*n, *spec);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

std::string_view DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  const std::size_t cap = word.size() <= 4 ? 1 : 2;
  std::string_view best;
  std::size_t best_distance = cap + 1;
  for (std::string_view c : candidates) {
    if (c.empty()) continue;
    std::size_t d = SameIgnoringCase(word, c) ? 0 : EditDistance(word, c, cap);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

Status CheckFields(const Node& doc, const FieldTable& table, const std::string& file) {
  Fields f(file);
  const std::optional<FieldSpec> root = table.Find("");
  if (!root) return Status::Internal("field table " + std::string(table.name) + " has no root");
  Walker w(table, f, "", "", "", "");
  return w.Walk(doc, *root);
}

Status CheckFlaggerObject(const Manifest& m, std::string_view default_provider) {
  Fields f(m.file);
  const Node* kind = m.doc.Find("kind");
  const Node* api = m.doc.Find("apiVersion");
  const FieldTable* table = nullptr;
  std::string_view versions;
  if (m.kind == "Canary") {
    table = &CanaryFields();
    versions = "flagger.app/v1beta1, flagger.app/v1alpha3";
  } else if (m.kind == "MetricTemplate") {
    table = &MetricTemplateFields();
    versions = "flagger.app/v1beta1";
  } else if (m.kind == "AlertProvider") {
    table = &AlertProviderFields();
    versions = "flagger.app/v1beta1";
  } else {
    std::vector<std::string_view> kinds(std::begin(kFlaggerKinds), std::end(kFlaggerKinds));
    std::string_view hint = DidYouMean(m.kind, kinds);
    return f.Error(kind != nullptr ? *kind : m.doc, "kind",
                   "unknown kind \"" + m.kind + "\" in the flagger.app group" +
                       (hint.empty() ? "" : " (did you mean " + std::string(hint) + "?)") + "; Flagger's kinds are " +
                       Listed(kinds));
  }
  bool served = m.api_version == "flagger.app/v1beta1" || (m.kind == "Canary" && m.api_version == "flagger.app/v1alpha3");
  if (!served) {
    return f.Error(api != nullptr ? *api : m.doc, "apiVersion",
                   "unknown " + m.kind + " apiVersion \"" + m.api_version + "\"; supported: " + std::string(versions));
  }
  if (const Node* provider = m.kind == "Canary" ? m.doc.Path({"spec", "provider"}) : nullptr;
      provider != nullptr && provider->IsScalar() && provider->value == "gatewayapi") {
    return f.Error(*provider, "spec.provider", FlaggerProviderProblem(provider->value));  // names the versions
  }
  Status s = CheckFields(m.doc, *table, m.file);
  if (!s.ok() || m.kind != "Canary") return s;
  return CheckIstioCopies(m, default_provider, f);
}

Status RefusedByFlagger(const Manifest& m) {
  if (m.kind != "AlertProvider" || m.Group() != "flagger.app") return Status::Ok();
  for (const Extension& e : kExtensions) {
    const Node* at = At(m.doc, e.path);
    if (at != nullptr && at->IsScalar() && at->value == e.value) {
      std::string message = "\"";
      message += e.value;
      message += "\" is gitcanary's own AlertProvider type, which Flagger's CRD refuses: use one of ";
      message += Listed(SplitEnum(AlertProviderFields().Find(e.path)->enums));
      message += ", or git mode";
      return Fields(m.file).Error(*at, e.path, message);
    }
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
