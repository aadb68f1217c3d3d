#include "render/fields.h"

#include <charconv>

#include "render/yaml_parse.h"

namespace gitcanary::render {

using yaml::Node;

std::string JoinPath(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out(base);
  if (!key.empty() && key.front() != '[') out += '.';
  out += key;
  return out;
}

std::string Shown(const Node& n) {
  if (n.IsScalar()) {
    if (n.IsStringScalar()) return std::string(yaml::TypeName(n)) + " \"" + n.value + "\"";
    return std::string(yaml::TypeName(n)) + " " + n.value;
  }
  return std::string(yaml::TypeName(n));
}

Status Fields::Error(const Node& at, std::string_view path, std::string_view message) const {
  std::string msg = path.empty() ? std::string(message) : std::string(path) + ": " + std::string(message);
  // Values and keys quoted into the message may hold line breaks; an error is one line.
  return Status::Invalid(AtPlace(file_, at.mark.line, at.mark.column, yaml::OneLineText(msg)));
}

Result<std::optional<long long>> Fields::Int(const Node& parent, std::string_view key,
                                             std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return std::optional<long long>();
  if (auto v = n->AsInt()) return std::optional<long long>(*v);
  return Error(*n, JoinPath(path, key), "expected an integer, got " + Shown(*n));
}

Result<std::optional<std::string>> Fields::String(const Node& parent, std::string_view key,
                                                  std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return std::optional<std::string>();
  if (n->IsScalar() && n->IsStringScalar()) return std::optional<std::string>(n->value);
  return Error(*n, JoinPath(path, key), "expected a string, got " + Shown(*n));
}

Result<std::optional<bool>> Fields::Bool(const Node& parent, std::string_view key,
                                         std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return std::optional<bool>();
  if (auto v = n->AsBool()) return std::optional<bool>(*v);
  return Error(*n, JoinPath(path, key), "expected true or false, got " + Shown(*n));
}

Result<std::optional<Node>> Fields::IntOrString(const Node& parent, std::string_view key,
                                                std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return std::optional<Node>();
  if (n->IsScalar() && (n->AsInt() || n->IsStringScalar())) return std::optional<Node>(*n);
  return Error(*n, JoinPath(path, key), "expected an integer or a string, got " + Shown(*n));
}

Result<const Node*> Fields::Mapping(const Node& parent, std::string_view key,
                                    std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return static_cast<const Node*>(nullptr);
  if (n->IsMapping()) return n;
  return Error(*n, JoinPath(path, key), "expected a mapping, got " + Shown(*n));
}

Result<const Node*> Fields::Sequence(const Node& parent, std::string_view key,
                                     std::string_view path) const {
  const Node* n = parent.Find(key);
  if (n == nullptr || n->IsNull()) return static_cast<const Node*>(nullptr);
  if (n->IsSequence()) return n;
  return Error(*n, JoinPath(path, key), "expected a list, got " + Shown(*n));
}

std::optional<long long> ParseDurationMillis(std::string_view text) {
  // Go's time.ParseDuration without a sign: [0-9]+(.[0-9]*)?UNIT repeated, or "0".
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    std::string_view number = text.substr(start, i - start);
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return std::nullopt;
    std::size_t unit_start = i;
    while (i < text.size() && !((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ns") scale = 1e-6;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") scale = 1e-3;
    else if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1e3;
    else if (unit == "m") scale = 60e3;
    else if (unit == "h") scale = 3600e3;
    else return std::nullopt;
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (end != number.data() + number.size()) return std::nullopt;
    if (error == std::errc::result_out_of_range) {
      // Too large is Go's "invalid duration"; too small to tell from zero is zero.
      if (number.substr(0, number.find('.')).find_first_not_of('0') != std::string_view::npos) return std::nullopt;
      value = 0;
    } else if (error != std::errc()) {
      return std::nullopt;
    }
    total += value * scale;
    if (total > 1e15) return std::nullopt;
  }
  return static_cast<long long>(total);
}

}  // namespace gitcanary::render
