#include "render/annotation_edit.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "render/yaml_parse.h"
#include "render/yaml_ranges.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {
namespace {

using yaml::Field;
using yaml::Node;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// The code point at s[i] when YAML cannot hold it as it is in a quoted
// scalar (C0 controls, line breaks, DEL, C1 controls, U+2028/U+2029 which
// YAML 1.1 readers take as line breaks, U+FFFE/U+FFFF); *len is its length.
std::optional<unsigned> NeedsEscape(std::string_view s, std::size_t i, std::size_t* len) {
  auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  *len = 1;
  if (b(0) < 0x20 || b(0) == 0x7F) return b(0);
  *len = 2;
  if (b(0) == 0xC2 && b(1) >= 0x80 && b(1) <= 0x9F) return b(1);
  *len = 3;
  if (b(0) == 0xE2 && b(1) == 0x80 && (b(2) == 0xA8 || b(2) == 0xA9)) return 0x2000 | (b(2) & 0x3F);
  if (b(0) == 0xEF && b(1) == 0xBF && (b(2) == 0xBE || b(2) == 0xBF)) return 0xFFC0 | (b(2) & 0x3F);
  *len = 1;
  return std::nullopt;
}

std::string Escape(unsigned cp) {
  static constexpr char kNamed[] = {'0', 0, 0, 0, 0, 0, 0, 'a', 'b', 't', 'n', 'v', 'f', 'r'};  // by code point
  char buf[16];
  if (cp < sizeof kNamed && kNamed[cp] != 0) return std::string{'\\', kNamed[cp]};
  if (cp == 0x1B) return "\\e";
  std::snprintf(buf, sizeof buf, cp < 0x100 ? "\\x%02X" : "\\u%04X", cp);
  return buf;
}

std::string DoubleQuoted(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0, len = 1; i < s.size(); i += len) {
    std::optional<unsigned> cp = NeedsEscape(s, i, &len);
    out += cp ? Escape(*cp) : s[i] == '"' || s[i] == '\\' ? std::string{'\\', s[i]} : std::string(1, s[i]);
  }
  return out + "\"";
}

// One scalar on one line: single-quoted when it can be, else double-quoted.
std::string FormatValue(std::string_view s) {
  std::size_t len = 1;
  for (std::size_t i = 0; i < s.size(); i += len)
    if (NeedsEscape(s, i, &len)) return DoubleQuoted(s);
  std::string out = "'";
  for (char c : s) out.append(c == '\'' ? 2 : 1, c);
  return out + "'";
}

// Keys such as `gitcanary.io/status` stay plain; anything that a YAML 1.1 or
// 1.2 reader could take for something else than that string is quoted.
std::string FormatKey(std::string_view k) {
  constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-_";
  std::string word = " ";  // lower-cased, between spaces
  for (char c : k) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  word += ' ';
  const bool plain = !k.empty() && std::isalpha(static_cast<unsigned char>(k[0])) &&
                     k.find_first_not_of(kChars) == std::string_view::npos &&
                     std::string_view(" y yes n no true false on off null ").find(word) == std::string_view::npos;
  return plain ? std::string(k) : FormatValue(k);
}

struct Edit {
  std::size_t begin, end;
  std::string text;
};
using Edits = std::vector<Edit>;

std::string Apply(std::string_view text, Edits edits) {
  std::sort(edits.begin(), edits.end(),
            [](const Edit& a, const Edit& b) { return std::pair(a.begin, a.end) < std::pair(b.begin, b.end); });
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t at = 0;
  for (const Edit& e : edits) {
    out.append(text.substr(at, e.begin - at)).append(e.text);
    at = e.end;
  }
  return out.append(text.substr(at));
}

const Field* FindField(const Node& n, std::string_view key) {
  for (const Field& f : n.fields)
    if (f.key == key) return &f;
  return nullptr;
}

using Entries = std::vector<std::pair<std::string, std::string>>;

// The edits for one document's annotation, and the tree they should produce.
class Planner {
 public:
  Planner(const yaml::RangeScanner& s, const Field& metadata, std::string who, std::string_view key)
      : s_(s), meta_(metadata), who_(std::move(who)), key_(key) {}

  // The edits that set the annotation to *value, or remove it (nullptr).
  Result<Edits> Plan(const std::string* value) {
    if (s_.IsFlow(meta_.value))
      return Status::Invalid("metadata of " + who_ + " is in flow style; write it in block style "
                             "to have its annotations edited in place");
    const Field* ann = FindField(meta_.value, "annotations");
    if (ann == nullptr) return value != nullptr ? AddAnnotations(*value) : Edits{};
    const Node& a = ann->value;
    if (!a.IsNull() && !a.IsMapping())
      return Status::Invalid("annotations of " + who_ + " is a " + std::string(yaml::TypeName(a)) +
                             ", not a mapping");
    const Field* f = FindField(a, key_);
    if (value == nullptr && f == nullptr) return Edits{};
    if (a.IsNull() || s_.IsFlow(a)) return Rewrite(*ann, value);
    if (value == nullptr) return RemoveEntry(*ann, *f);
    if (f != nullptr) return Replace(*f, *value);
    std::optional<std::size_t> end = s_.FieldEnd(a.fields.back());
    if (!end) return Unlocatable();
    const std::size_t at = s_.LineEndAt(*end);
    return Edits{{at, at, Entry(s_.EolAt(*end), a.fields.front().key_mark.column - 1, key_, *value)}};
  }

  // The documents the edit should read back as.
  std::vector<Node> Expected(std::vector<Node> docs, std::size_t index, const std::string* value) const {
    Node& meta = *docs[index].Find("metadata");
    Node* ann = meta.Find("annotations");
    if (ann == nullptr) ann = &meta.Set("annotations", Node::Mapping());
    if (rewrote_)  // written back as quoted strings
      for (Field& f : ann->fields) f.value = Node::String(f.value.IsNull() ? "" : f.value.value);
    if (value != nullptr) ann->Set(key_, Node::String(*value));
    if (value == nullptr) ann->Erase(key_);
    return docs;
  }

 private:
  Status Unlocatable() const {
    return Status::Invalid("cannot edit annotation " + key_ + " of " + who_ +
                           " in place: its layout is not one this editor knows how to change");
  }
  Status NotString(const Field& f) const {
    return Status::Invalid("annotation " + f.key + " of " + who_ + " is a " +
                           std::string(yaml::TypeName(f.value)) + ", not a string");
  }

  // Entries of a new annotations mapping are indented one step (metadata's)
  // past `annotations:`, which sits at metadata's child indentation.
  int NewEntryIndent() const {
    const int child = meta_.value.fields.front().key_mark.column - 1;
    return 2 * child - (meta_.key_mark.column - 1);
  }

  static std::string Entry(const std::string& eol, int indent, std::string_view key, std::string_view value) {
    return eol + std::string(std::max(indent, 0), ' ') + FormatKey(key) + ": " + FormatValue(value);
  }

  // `annotations:` with the one entry, as metadata's last key.
  Result<Edits> AddAnnotations(std::string_view value) const {
    const Node& meta = meta_.value;
    std::optional<std::size_t> end = s_.FieldEnd(meta.fields.back());
    if (!end) return Unlocatable();
    const std::string eol = s_.EolAt(*end);
    const std::size_t at = s_.LineEndAt(*end);
    const std::string head = eol + std::string(meta.fields.front().key_mark.column - 1, ' ') + "annotations:";
    return Edits{{at, at, head + Entry(eol, NewEntryIndent(), key_, value)}};
  }

  // The value of an existing key: only the value's bytes change.
  Result<Edits> Replace(const Field& f, std::string_view value) const {
    if (f.value.IsNull()) {
      std::optional<std::size_t> colon = s_.AfterColon(f);
      if (!colon) return Unlocatable();
      return Edits{{*colon, s_.NullEnd(*colon), std::string(" ").append(FormatValue(value))}};
    }
    if (!f.value.IsScalar()) return NotString(f);
    std::optional<std::size_t> end = s_.FieldEnd(f);
    if (!end) return Unlocatable();
    return Edits{{s_.Offset(f.value.mark), *end, FormatValue(value)}};
  }

  // The entry's whole lines go; a mapping left empty becomes `{}`.
  Result<Edits> RemoveEntry(const Field& ann, const Field& f) const {
    std::optional<std::size_t> end = s_.FieldEnd(f);
    std::optional<std::size_t> colon = s_.AfterColon(ann);
    const std::size_t key_at = s_.Offset(f.key_mark), line = s_.LineOf(key_at), last = end ? s_.LineOf(*end) : 0;
    if (!end || !colon || !s_.OnlySpacesBefore(key_at)) return Unlocatable();
    std::size_t begin = s_.Start(line), stop = s_.Next(last);
    if (stop == s_.ContentEnd(last) && line > 0) begin = s_.ContentEnd(line - 1);  // keep no final newline
    Edits edits{{begin, stop, ""}};
    if (ann.value.fields.size() == 1) edits.push_back({*colon, *colon, " {}"});
    return edits;
  }

  // An empty or flow-style annotations value becomes a block mapping of its
  // entries, as quoted strings, with the change made (or `{}` when none is left).
  Result<Edits> Rewrite(const Field& ann, const std::string* value) {
    Entries entries;
    bool found = false;
    for (const Field& f : ann.value.fields) {
      if (!f.value.IsNull() && !f.value.IsScalar()) return NotString(f);
      found = found || f.key == key_;
      if (f.key != key_ || value != nullptr) entries.emplace_back(f.key, f.key == key_ ? *value : f.value.value);
    }
    if (value != nullptr && !found) entries.emplace_back(key_, *value);
    std::optional<std::size_t> colon = s_.AfterColon(ann);
    if (!colon) return Unlocatable();
    rewrote_ = true;
    const std::size_t end = ann.value.IsNull() ? s_.NullEnd(*colon) : s_.FlowEnd(s_.Offset(ann.value.mark));
    if (entries.empty()) return Edits{{*colon, end, " {}"}};
    std::string block;
    for (const auto& [k, v] : entries) block += Entry(s_.EolAt(end), NewEntryIndent(), k, v);
    return Edits{{*colon, end, ""}, {s_.LineEndAt(end), s_.LineEndAt(end), block}};
  }

  const yaml::RangeScanner& s_;
  const Field& meta_;
  std::string who_;
  std::string key_;
  bool rewrote_ = false;  // an empty or flow annotations became a block mapping
};

// The index of the one document of `kind` named `name`.
Result<std::size_t> FindDocument(const std::vector<Node>& docs, std::string_view kind, std::string_view name) {
  const std::string who = std::string(kind) + " " + std::string(name);
  std::vector<std::size_t> hits;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const Node *k = docs[i].Find("kind"), *n = docs[i].Path({"metadata", "name"});
    if (k && k->IsScalar() && k->value == kind && n && n->IsScalar() && n->value == name) hits.push_back(i);
  }
  if (hits.empty())
    return Status::Invalid("no document of kind " + std::string(kind) + " named " + std::string(name));
  if (hits.size() > 1)
    return Status::Invalid(std::to_string(hits.size()) + " documents are " + who + " (lines " +
                           std::to_string(docs[hits[0]].mark.line) + " and " +
                           std::to_string(docs[hits[1]].mark.line) + "); cannot tell which to edit");
  return hits[0];
}

Result<std::string> EditAnnotation(std::string_view text, std::string_view kind, std::string_view name,
                                   std::string_view key, const std::string* value) {
  const std::string_view bom = text.substr(0, kBom.size()) == kBom ? kBom : std::string_view();
  const std::string_view body = text.substr(bom.size());
  const std::string who = std::string(kind) + " " + std::string(name);
  auto docs = yaml::ParseYamlStream(body, "input");
  if (!docs.ok()) return Status::Invalid(who + ": the text does not parse: " + docs.status().message());
  Result<std::size_t> index = FindDocument(*docs, kind, name);
  if (!index.ok()) return index.status();
  const yaml::RangeScanner scanner(body);
  const Field* metadata = FindField((*docs)[*index], "metadata");
  Planner planner(scanner, *metadata, who, key);
  Result<Edits> edits = planner.Plan(value);
  if (!edits.ok()) return edits.status();
  if (edits->empty()) return std::string(text);
  std::string edited = std::string(bom) + Apply(body, std::move(*edits));
  auto reread = yaml::ParseYamlStream(edited, "edited");
  if (!reread.ok() || *reread != planner.Expected(*docs, *index, value))
    return Status::Invalid("cannot edit annotation " + std::string(key) + " of " + who +
                           " in place: the edited text does not read back as that one change");
  return edited;
}

}  // namespace

Result<std::string> SetAnnotationInPlace(std::string_view text, std::string_view kind, std::string_view name,
                                         std::string_view key, std::string_view value) {
  const std::string v(value);
  return EditAnnotation(text, kind, name, key, &v);
}

Result<std::string> RemoveAnnotationInPlace(std::string_view text, std::string_view kind,
                                            std::string_view name, std::string_view key) {
  return EditAnnotation(text, kind, name, key, nullptr);
}

}  // namespace gitcanary::render
