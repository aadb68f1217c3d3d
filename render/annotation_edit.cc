#include "render/annotation_edit.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "render/yaml_parse.h"
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

// Line starts of a text, and the ends of YAML tokens found from where the
// parser says a node starts. Offsets are into the text; columns are 0-based.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : t_(text) {
    starts_.push_back(0);
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (t_[i] == '\n') starts_.push_back(i + 1);
  }

  std::size_t Offset(yaml::Mark m) const {  // marks are 1-based; an empty node's may be past the end
    const auto line = static_cast<std::size_t>(m.line);
    return line < 1 || line > starts_.size() ? t_.size() : std::min(t_.size(), starts_[line - 1] + m.column - 1);
  }
  std::size_t LineOf(std::size_t off) const {
    return static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), off) - starts_.begin()) - 1;
  }
  std::size_t Start(std::size_t l) const { return starts_[l]; }
  std::size_t Next(std::size_t l) const { return l + 1 < starts_.size() ? starts_[l + 1] : t_.size(); }
  // End of line l's content, before its "\n" or "\r\n".
  std::size_t ContentEnd(std::size_t l) const {
    if (l + 1 >= starts_.size()) return t_.size();
    std::size_t e = starts_[l + 1] - 1;
    return e > starts_[l] && t_[e - 1] == '\r' ? e - 1 : e;
  }
  std::size_t LineEndAt(std::size_t off) const { return ContentEnd(LineOf(off)); }
  // The line break ending the line at `off`, else the file's first one, else "\n".
  std::string EolAt(std::size_t off) const {
    for (std::size_t l : {LineOf(off), std::size_t{0}})
      if (Next(l) > ContentEnd(l)) return std::string(t_.substr(ContentEnd(l), Next(l) - ContentEnd(l)));
    return "\n";
  }
  bool OnlySpacesBefore(std::size_t off) const {
    return t_.substr(Start(LineOf(off)), off - Start(LineOf(off))).find_first_not_of(' ') == std::string_view::npos;
  }

  // Past the quote closing the scalar opened at `at` ('' and \" do not close).
  std::size_t QuotedEnd(std::size_t at) const {
    const char q = t_[at];
    for (std::size_t i = at + 1; i < t_.size(); ++i) {
      const bool doubled = q == '\'' && i + 1 < t_.size() && t_[i + 1] == '\'';
      if ((q == '"' && t_[i] == '\\') || (t_[i] == q && doubled)) ++i;
      else if (t_[i] == q) return i + 1;
    }
    return t_.size();
  }

  // Past the bracket closing the flow collection opened at `at`.
  std::size_t FlowEnd(std::size_t at) const {
    int depth = 0;
    for (std::size_t i = at; i < t_.size(); ++i) {
      const char c = t_[i], prev = i > at ? t_[i - 1] : ' ';
      const bool token_start = std::string_view(" \t\r\n{[,:").find(prev) != std::string_view::npos;
      if ((c == '\'' || c == '"') && token_start) i = QuotedEnd(i) - 1;
      else if (c == '#' && Space(prev)) i = LineEndAt(i) - 1;  // a comment
      else if (c == '{' || c == '[') ++depth;
      else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
    }
    return t_.size();
  }

  // A plain scalar ends at a comment, or before the first line that is blank
  // up to its end, a comment, or not indented past `parent`.
  std::size_t PlainEnd(std::size_t at, int parent) const {
    std::size_t l = LineOf(at);
    bool commented = false;
    std::size_t end = PlainLineEnd(at, ContentEnd(l), &commented);
    while (!commented && ++l < starts_.size()) {
      std::size_t i = Start(l), e = ContentEnd(l);
      while (i < e && t_[i] == ' ') ++i;
      if (std::all_of(t_.begin() + i, t_.begin() + e, Space)) continue;
      if (static_cast<int>(i - Start(l)) <= parent || t_[i] == '#') break;
      end = PlainLineEnd(i, e, &commented);
    }
    return end;
  }

  // A literal or folded scalar ends with its last line indented as its
  // content, or with the blank lines after it when it keeps them (`|+`).
  std::size_t BlockScalarEnd(std::size_t at, int parent) const {
    std::size_t l = LineOf(at), end = ContentEnd(l);
    int indent = -1;
    bool keep = false;
    for (std::size_t i = at + 1; i < end && !Space(t_[i]) && t_[i] != '#'; ++i) {
      if (t_[i] >= '1' && t_[i] <= '9') indent = parent + (t_[i] - '0');
      keep = keep || t_[i] == '+';
    }
    while (++l < starts_.size() && Start(l) < t_.size()) {
      std::size_t i = Start(l), e = ContentEnd(l);
      while (i < e && t_[i] == ' ') ++i;
      const int col = static_cast<int>(i - Start(l));
      if (i < e && indent < 0 && col <= parent) break;
      if (i < e && indent < 0) indent = col;
      if (i < e && col < indent) break;
      if (i < e || keep) end = e;
    }
    return end;
  }

  std::size_t ScalarEnd(std::size_t at, int parent) const {
    while (at < t_.size() && (t_[at] == '&' || t_[at] == '!')) {  // anchor, tag
      while (at < t_.size() && !Space(t_[at])) ++at;
      while (at < t_.size() && (t_[at] == ' ' || t_[at] == '\t')) ++at;
    }
    if (at >= t_.size()) return t_.size();
    switch (t_[at]) {
      case '\'': case '"': return QuotedEnd(at);
      case '|': case '>': return BlockScalarEnd(at, parent);
      case '{': case '[': return FlowEnd(at);
      default: return PlainEnd(at, parent);
    }
  }

  // Just past the ':' that follows the key of `f`.
  std::optional<std::size_t> AfterColon(const Field& f) const {
    std::size_t i = Offset(f.key_mark);
    if (i < t_.size() && (t_[i] == '\'' || t_[i] == '"')) i = QuotedEnd(i);
    for (; i < t_.size() && !(t_[i] == ':' && (i + 1 == t_.size() || Space(t_[i + 1]))); ++i)
      if (t_[i] == '\n') return std::nullopt;
    return i < t_.size() ? std::optional<std::size_t>(i + 1) : std::nullopt;
  }

  // Past a null's token (`~`, `null`) on the line after `colon`, or `colon`.
  std::size_t NullEnd(std::size_t colon) const {
    std::size_t i = std::min(t_.find_first_not_of(" \t", colon), t_.size());
    if (i == t_.size() || t_[i] == '#' || t_[i] == '\r' || t_[i] == '\n') return colon;
    return std::min(t_.find_first_of(" \t\r\n", i), t_.size());
  }

  // Where the last token of a node ends; `parent` is its parent's indentation.
  std::optional<std::size_t> NodeEnd(const Node& n, int parent) const {
    if (n.IsNull()) return std::nullopt;
    const std::size_t at = Offset(n.mark);
    if (n.IsScalar()) return ScalarEnd(at, parent);
    if (IsFlow(n)) return FlowEnd(at);
    if (n.IsMapping()) return n.fields.empty() ? std::nullopt : FieldEnd(n.fields.back());
    if (n.items.empty()) return std::nullopt;
    return NodeEnd(n.items.back(), n.mark.column - 1);
  }

  std::optional<std::size_t> FieldEnd(const Field& f) const {
    std::optional<std::size_t> end =
        f.value.IsNull() ? AfterColon(f) : NodeEnd(f.value, f.key_mark.column - 1);
    if (end && *end <= Offset(f.key_mark)) return std::nullopt;  // e.g. an alias
    return end;
  }

  bool IsFlow(const Node& n) const {
    const std::size_t at = Offset(n.mark);
    return at < t_.size() && (t_[at] == '{' || t_[at] == '[');
  }

 private:
  static bool Space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

  // End of a plain scalar's text on one line: before ` #` and trailing spaces.
  std::size_t PlainLineEnd(std::size_t from, std::size_t e, bool* commented) const {
    std::size_t i = from;
    while (i < e && !(t_[i] == '#' && i > from && Space(t_[i - 1]))) ++i;
    *commented = i < e;
    while (i > from && Space(t_[i - 1])) --i;
    return i;
  }

  std::string_view t_;
  std::vector<std::size_t> starts_;
};

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
  Planner(const Scanner& s, const Field& metadata, std::string who, std::string_view key)
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

  const Scanner& s_;
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
  const Scanner scanner(body);
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
