#include "render/yaml_tree.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace gitcanary::yaml {

Node Node::String(std::string s) {
  Node n;
  n.kind = Kind::kScalar;
  n.style = Style::kQuoted;
  n.value = std::move(s);
  return n;
}

Node Node::Plain(std::string s) {
  Node n;
  n.kind = Kind::kScalar;
  n.style = Style::kPlain;
  n.value = std::move(s);
  return n;
}

Node Node::Int(long long v) { return Plain(std::to_string(v)); }
Node Node::Bool(bool v) { return Plain(v ? "true" : "false"); }

Node Node::Sequence() {
  Node n;
  n.kind = Kind::kSequence;
  return n;
}

Node Node::Mapping(std::size_t capacity) {
  Node n;
  n.kind = Kind::kMapping;
  n.fields.reserve(capacity);
  return n;
}

const Node* Node::Find(std::string_view key) const {
  if (kind != Kind::kMapping) return nullptr;
  // Most keys differ from the one asked for in length or first byte: those
  // are passed over without a call to memcmp, the bulk of a render's lookups.
  for (const Field& f : fields)
    if (f.key.size() == key.size() && (key.empty() || f.key[0] == key[0]) && f.key == key) return &f.value;
  return nullptr;
}

Node* Node::Find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->Find(key));
}

const Node* Node::Path(std::initializer_list<std::string_view> keys) const {
  const Node* n = this;
  for (std::string_view k : keys) {
    n = n->Find(k);
    if (n == nullptr) return nullptr;
  }
  return n;
}

Node& Node::Set(std::string_view key, Node value) {
  if (kind != Kind::kMapping) {
    *this = Mapping();
  }
  for (Field& f : fields) {
    if (f.key == key) {
      f.value = std::move(value);
      return f.value;
    }
  }
  Field& added = fields.emplace_back();  // built in place: a Node is large to move
  added.key = key;
  added.value = std::move(value);
  return added.value;
}

bool Node::Erase(std::string_view key) {
  if (kind != Kind::kMapping) return false;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it->key == key) {
      fields.erase(it);
      return true;
    }
  }
  return false;
}

namespace {

bool ParseInteger(std::string_view s, long long* out) {
  if (s.empty()) return false;
  int base = 10;
  bool negative = false;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
  } else if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  unsigned long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  if (v > static_cast<unsigned long long>(negative ? 9223372036854775808ULL : 9223372036854775807ULL))
    return false;
  *out = negative ? static_cast<long long>(0 - v) : static_cast<long long>(v);
  return true;
}

bool IsFloatText(std::string_view s) {
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  std::string_view t = s;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  if (t == ".inf" || t == ".Inf" || t == ".INF") return true;
  // [0-9]* ( . [0-9]* )? ( [eE] [-+]? [0-9]+ )? with at least one digit before exponent
  std::size_t i = 0, digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
    std::size_t exp = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == t.size();
}

}  // namespace

std::optional<long long> Node::AsInt() const {
  if (kind != Kind::kScalar || style != Style::kPlain) return std::nullopt;
  long long v = 0;
  if (!ParseInteger(value, &v)) return std::nullopt;
  return v;
}

std::optional<double> Node::AsFloat() const {
  if (kind != Kind::kScalar || style != Style::kPlain) return std::nullopt;
  if (auto i = AsInt()) return static_cast<double>(*i);
  if (!IsFloatText(value)) return std::nullopt;
  std::string_view t = value;
  bool negative = !t.empty() && t[0] == '-';
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) t.remove_prefix(1);
  if (t == ".inf" || t == ".Inf" || t == ".INF") return negative ? -HUGE_VAL : HUGE_VAL;
  if (t == ".nan" || t == ".NaN" || t == ".NAN") return std::nan("");
  return std::strtod(value.c_str(), nullptr);
}

std::optional<bool> Node::AsBool() const {
  if (kind != Kind::kScalar || style != Style::kPlain) return std::nullopt;
  if (value == "true" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "False" || value == "FALSE") return false;
  return std::nullopt;
}

bool Node::IsStringScalar() const {
  if (kind != Kind::kScalar) return false;
  if (style == Style::kQuoted) return true;
  return !AsFloat() && !AsBool();
}

bool Node::operator==(const Node& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::kNull:
      return true;
    case Kind::kScalar:
      return value == other.value && IsStringScalar() == other.IsStringScalar();
    case Kind::kSequence:
      return items == other.items;
    case Kind::kMapping:
      if (fields.size() != other.fields.size()) return false;
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].key != other.fields[i].key || !(fields[i].value == other.fields[i].value))
          return false;
      return true;
  }
  return false;
}

std::string_view TypeName(const Node& n) {
  switch (n.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kSequence:
      return "list";
    case Kind::kMapping:
      return "mapping";
    case Kind::kScalar:
      if (n.AsInt()) return "integer";
      if (n.AsFloat()) return "number";
      if (n.AsBool()) return "boolean";
      return "string";
  }
  return "unknown";
}

}  // namespace gitcanary::yaml
