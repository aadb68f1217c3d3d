#include "render/yaml_fast_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <iterator>
#include <string>
#include <utility>

namespace gitcanary::yaml {
namespace {

// Character classes for the scanning loops, one bit each. "Stop" classes end
// a run of bytes that can be copied as they are.
enum : std::uint8_t {
  kPlainStop = 1,    // block plain scalar: controls, ':' and '#'
  kFlowStop = 2,     // flow plain scalar: also ',', '[', ']', '{', '}', '?'
  kDoubleStop = 4,   // double-quoted: controls except tab, '"' and '\'
  kSingleStop = 8,   // single-quoted: controls except tab, '\''
  kLineStop = 16,    // block scalar line: controls except tab
  kPlainFirst = 32,  // may start a plain scalar ('?' and ':' are declined here)
};

constexpr std::array<std::uint8_t, 256> kClass = [] {
  std::array<std::uint8_t, 256> t{};
  constexpr std::string_view kIndicators = "?:,[]{}#&*!|>'\"%@`";
  for (int c = 0; c < 256; ++c) {
    const bool control = c < 0x20 || c == 0x7F;
    const bool stop = control && c != '\t';
    int b = 0;
    if (control || c == ':' || c == '#') b |= kPlainStop | kFlowStop;
    if (c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == '?') b |= kFlowStop;
    if (stop || c == '"' || c == '\\') b |= kDoubleStop;
    if (stop || c == '\'') b |= kSingleStop;
    if (stop) b |= kLineStop;
    if (!control && c != ' ' && kIndicators.find(static_cast<char>(c)) == std::string_view::npos)
      b |= kPlainFirst;
    t[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(b);
  }
  return t;
}();

bool Is(char c, std::uint8_t cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }

bool IsNullWord(std::string_view s) {
  return s == "~" || s == "null" || s == "Null" || s == "NULL";
}

void AppendUtf8(unsigned v, std::string* out) {
  static constexpr unsigned char kLead[] = {0, 0xC0, 0xE0, 0xF0};
  const int extra = v < 0x80 ? 0 : v < 0x800 ? 1 : v < 0x10000 ? 2 : 3;
  out->push_back(static_cast<char>(kLead[extra] | (v >> (6 * extra))));
  for (int i = extra - 1; i >= 0; --i) out->push_back(static_cast<char>(0x80 | ((v >> (6 * i)) & 0x3F)));
}

// Decodes the escape at *q (the backslash) and advances *q past it. Declines
// the escapes yaml-cpp decodes unlike YAML (\N, \_) and the rare ones.
bool DecodeEscape(const char** q, const char* end, std::string* out) {
  const char* s = *q + 1;
  if (s == end) return false;
  static constexpr std::string_view kFrom = "0abtnvfre \"/\\";
  static constexpr std::string_view kTo{"\0\a\b\t\n\v\f\r\x1B \"/\\", 13};
  if (std::size_t i = kFrom.find(*s); i != std::string_view::npos) {
    out->push_back(kTo[i]);
    *q = s + 1;
    return true;
  }
  const int digits = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
  if (digits == 0 || end - s <= digits) return false;
  unsigned v = 0;
  for (int i = 1; i <= digits; ++i) {
    const char h = s[i];
    const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<unsigned>(d);
  }
  if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return false;
  AppendUtf8(v, out);
  *q = s + 1 + digits;
  return true;
}

// A scalar read where a mapping key may also start.
struct Token {
  Mark mark;
  bool quoted = false;
  bool is_key = false;
  bool multiline = false;  // a plain scalar folded from several lines, in `text`
  std::string_view plain;  // one-line plain text, not yet copied
  std::string text;        // decoded quoted or multi-line plain text
};

// Where a node starts: on a line of its own, after "- ", or after "key:".
enum class Where { kOwnLine, kAfterDash, kAfterKey };

class FastParser {
 public:
  // Recursion follows nesting, so it is capped whatever the limits say;
  // deeper documents go to the event parser.
  FastParser(std::string_view text, const ParseLimits& limits)
      : p_(text.data()), end_(text.data() + text.size()), ls_(p_), limits_(limits),
        max_depth_(std::min(limits.max_depth, 256)) {}

  bool Run(std::vector<Node>* docs);

 private:
  int Col() const { return static_cast<int>(p_ - ls_); }
  Mark Here() const { return Mark{line_, Col() + 1}; }
  // Where yaml-cpp puts an empty node: at the next token, or at column 1 of
  // the line after the last line break when the input ends.
  Mark NextMark() const { return p_ == end_ ? Mark{line_, 1} : Here(); }
  bool Blank(const char* q) const { return q == end_ || *q == ' ' || *q == '\n'; }
  bool AtDash() const { return *p_ == '-' && Blank(p_ + 1); }
  const char* Skip(const char* q, std::uint8_t stop) const {
    while (q < end_ && !Is(*q, stop)) ++q;
    return q;
  }
  const char* SkipSpaces(const char* q) const {
    while (q < end_ && *q == ' ') ++q;
    return q;
  }
  bool Count() { return ++nodes_ <= limits_.max_nodes_per_document; }
  bool AtMarker(const char* m) const { return indent_ < 0 && end_ - p_ >= 3 && std::memcmp(p_, m, 3) == 0; }

  bool SkipToContent();
  bool FinishLine();
  bool AfterValue() { return FinishLine() && SkipToContent(); }
  bool ConsumeMarkerLine() { return (p_ += 3, AfterValue()); }
  bool SetNull(Node* out) { return (out->mark = NextMark(), Count()); }
  bool SetScalar(Node* out, Token* t);
  bool ReadScalarOrKey(Token* t);
  bool ReadPlain(Token* t);
  const char* ScanPlainLine(const char* q, bool* key, bool* comment) const;
  bool ReadContinuation(Token* t, int parent);
  bool ReadDoubleQuoted(std::string* out);
  bool ReadSingleQuoted(std::string* out);
  bool ParseNode(Node* out, int parent, int depth, Where where);
  bool ParseMapping(Node* out, int indent, int depth, Token* first);
  bool AddKey(std::vector<Field>* fields, Token* t);
  bool ParseMapValue(Node* out, int indent, int depth);
  bool ParseSequence(Node* out, int indent, int depth, bool indentless);
  bool ParseFlow(Node* out, int depth);
  bool ReadFlowPlain(Token* t);
  bool ParseBlockScalar(Node* out, int parent);
  bool ReadBlockLines(bool folded, int parent, std::string* v, int* breaks);

  // The children of the open collection at each depth gather here and move
  // into an exactly sized vector when it ends. A deque keeps references to
  // its elements valid as it grows. The scratch is the thread's, kept from
  // one parse to the next (a parse never starts another), so a render of
  // thousands of files allocates it once per thread, not once per file.
  template <typename T>
  static std::vector<T>& Scratch(std::deque<std::vector<T>>* s, int depth) {
    while (s->size() <= static_cast<std::size_t>(depth)) s->emplace_back().reserve(16);
    std::vector<T>& v = (*s)[static_cast<std::size_t>(depth)];
    v.clear();
    return v;
  }
  template <typename T>
  static bool MoveOut(std::vector<T>* from, std::vector<T>* to) {
    to->assign(std::make_move_iterator(from->begin()), std::make_move_iterator(from->end()));
    return true;
  }

  struct ThreadScratch {
    std::deque<std::vector<Field>> fields;
    std::deque<std::vector<Node>> items;
  };
  static ThreadScratch& Scratches() {
    thread_local ThreadScratch scratch;
    return scratch;
  }
  const char* p_;
  const char* end_;
  const char* ls_;  // start of the current line
  int line_ = 1;
  int indent_ = 0;  // column of the content at p_; -1 at the end or at `---` / `...`
  std::size_t nodes_ = 0;
  const ParseLimits& limits_;
  int max_depth_;
};

bool FastParser::Run(std::vector<Node>* docs) {
  if (!SkipToContent()) return false;
  while (p_ < end_) {
    if (AtMarker("---") && !ConsumeMarkerLine()) return false;
    nodes_ = 0;
    Node& doc = docs->emplace_back();
    if (indent_ < 0) {
      if (!SetNull(&doc)) return false;
    } else if (!ParseNode(&doc, -1, 0, Where::kOwnLine) || indent_ >= 0) {
      return false;
    }
    while (p_ < end_ && AtMarker("..."))
      if (!ConsumeMarkerLine()) return false;
  }
  return true;
}

// Moves over spaces, line breaks and comments to the next content byte and
// sets indent_. Only call where a '#' at p_ starts a comment.
bool FastParser::SkipToContent() {
  for (;;) {
    p_ = SkipSpaces(p_);
    if (p_ == end_) return (indent_ = -1, true);
    if (*p_ == '\n') {
      ls_ = ++p_;
      ++line_;
    } else if (*p_ == '#') {
      const void* nl = std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_));
      p_ = nl ? static_cast<const char*>(nl) : end_;
    } else if (static_cast<unsigned char>(*p_) < 0x20) {
      return false;  // a tab (indentation or separation), CR or another control
    } else {
      break;
    }
  }
  indent_ = Col();
  if (indent_ > 0) return true;
  if (*p_ == '%') return false;  // a directive
  if (end_ - p_ >= 3 && (std::memcmp(p_, "---", 3) == 0 || std::memcmp(p_, "...", 3) == 0)) {
    if (!Blank(p_ + 3)) return false;
    indent_ = -1;
  }
  return true;
}

// After a token only spaces and a comment may follow on its line.
bool FastParser::FinishLine() {
  const char* q = SkipSpaces(p_);
  if (q < end_ && *q != '\n' && !(*q == '#' && q > p_)) return false;
  p_ = q;
  return true;
}

bool FastParser::SetScalar(Node* out, Token* t) {
  out->mark = t->mark;
  if (t->quoted || t->multiline) {
    out->kind = Kind::kScalar;
    out->style = t->quoted ? Style::kQuoted : Style::kPlain;
    out->value = std::move(t->text);
  } else if (!IsNullWord(t->plain)) {
    out->kind = Kind::kScalar;
    out->value.assign(t->plain);
  }
  return Count();
}

bool FastParser::ReadScalarOrKey(Token* t) {
  t->mark = Here();
  const char c = *p_;
  if (c != '"' && c != '\'') return ReadPlain(t);
  t->quoted = true;
  if (!(c == '"' ? ReadDoubleQuoted(&t->text) : ReadSingleQuoted(&t->text))) return false;
  const char* q = SkipSpaces(p_);
  if (q < end_ && *q == ':' && Blank(q + 1)) {
    t->is_key = true;
    p_ = q + 1;
  }
  return true;
}

// Scans one line of a block plain scalar from q; returns where its text ends
// (trailing spaces not trimmed), or nullptr to decline (a tab, a control).
const char* FastParser::ScanPlainLine(const char* q, bool* key, bool* comment) const {
  const char* start = q;
  for (;; ++q) {
    q = Skip(q, kPlainStop);
    if (q == end_ || *q == '\n') return q;
    if (*q == ':' && Blank(q + 1)) return (*key = true, q);
    if (*q == '#' && q > start && q[-1] == ' ') return (*comment = true, q);
    if (*q != ':' && *q != '#') return nullptr;
  }
}

// A one-line plain scalar in block context, or a plain key ending in ": ".
bool FastParser::ReadPlain(Token* t) {
  if (!Is(*p_, kPlainFirst)) return false;
  bool comment = false;
  const char* q = ScanPlainLine(p_, &t->is_key, &comment);
  if (q == nullptr) return false;
  const char* e = q;
  while (e > p_ && e[-1] == ' ') --e;
  t->plain = std::string_view(p_, static_cast<std::size_t>(e - p_));
  if (t->is_key && t->plain.size() > 1024) return false;  // yaml-cpp limits simple keys
  p_ = t->is_key ? q + 1 : e;
  return true;
}

// Folds the following lines that continue a plain scalar (indented deeper
// than `parent`) into t->text. p_ ends after the last line that belongs to it.
bool FastParser::ReadContinuation(Token* t, int parent) {
  const char* q = SkipSpaces(p_);
  int empty = 0;
  int lines = 0;
  while (q < end_ && *q == '\n') {
    const char* s = q + 1;
    const char* c = SkipSpaces(s);
    ++lines;
    if (c < end_ && *c == '\n') {
      ++empty;
      q = c;
      continue;
    }
    if (c == end_ || c - s <= parent || *c == '#') break;
    if (!Is(*c, kPlainFirst) || *c == '-') return false;
    bool key = false, comment = false;
    const char* e = ScanPlainLine(c, &key, &comment);
    if (e == nullptr || key) return false;
    q = e;
    while (e > c && e[-1] == ' ') --e;
    if (!t->multiline) t->text.assign(t->plain);
    t->multiline = true;
    if (empty > 0) t->text.append(static_cast<std::size_t>(empty), '\n');
    else t->text.push_back(' ');
    t->text.append(c, e);
    p_ = e;
    ls_ = s;
    line_ += std::exchange(lines, 0);
    empty = 0;
    if (comment) break;
  }
  return true;
}

bool FastParser::ReadDoubleQuoted(std::string* out) {
  const char* q = p_ + 1;
  for (;;) {
    const char* s = q;
    q = Skip(q, kDoubleStop);
    out->append(s, q);
    if (q == end_) return false;
    if (*q == '"') break;
    if (*q != '\\' || !DecodeEscape(&q, end_, out)) return false;  // a line break, a bad escape
  }
  p_ = q + 1;
  return true;
}

bool FastParser::ReadSingleQuoted(std::string* out) {
  const char* q = p_ + 1;
  for (;;) {
    const char* s = q;
    q = Skip(q, kSingleStop);
    out->append(s, q);
    if (q == end_ || *q != '\'') return false;  // a line break or a control
    if (q + 1 == end_ || q[1] != '\'') break;
    out->push_back('\'');
    q += 2;
  }
  p_ = q + 1;
  return true;
}

// A node whose first byte is at p_; `parent` is the indentation of the
// collection that holds it (-1 for a document).
bool FastParser::ParseNode(Node* out, int parent, int depth, Where where) {
  const char c = *p_;
  const bool collection_ok = where != Where::kAfterKey;
  if (AtDash()) return collection_ok && ParseSequence(out, Col(), depth, false);
  if (c == '|' || c == '>') return where != Where::kOwnLine && ParseBlockScalar(out, parent);
  if (c == '[' || c == '{') return ParseFlow(out, depth) && AfterValue();
  Token t;
  if (!ReadScalarOrKey(&t)) return false;
  if (t.is_key) return collection_ok && ParseMapping(out, t.mark.column - 1, depth, &t);
  if (!t.quoted && parent >= 0 && !ReadContinuation(&t, parent)) return false;
  return SetScalar(out, &t) && AfterValue();
}

bool FastParser::ParseMapping(Node* out, int indent, int depth, Token* first) {
  if (++depth > max_depth_ || !Count()) return false;
  out->kind = Kind::kMapping;
  out->mark = first->mark;
  std::vector<Field>& fields = Scratch(&Scratches().fields, depth);
  Token next;
  for (Token* t = first;; t = &next) {
    if (!t->is_key || !AddKey(&fields, t)) return false;
    if (!ParseMapValue(&fields.back().value, indent, depth)) return false;
    if (indent_ < indent) return MoveOut(&fields, &out->fields);  // also at the end or `---`
    if (indent_ > indent || AtDash()) return false;
    next = Token();
    if (!ReadScalarOrKey(&next)) return false;
  }
}

bool FastParser::AddKey(std::vector<Field>* fields, Token* t) {
  if (!Count() || (!t->quoted && IsNullWord(t->plain))) return false;  // a null key is an error
  std::string key = t->quoted ? std::move(t->text) : std::string(t->plain);
  for (const Field& f : *fields)
    if (f.key == key) return false;  // a duplicate: the event parser reports it
  Field& f = fields->emplace_back();
  f.key = std::move(key);
  f.key_mark = t->mark;
  return true;
}

// The value after "key:"; p_ is just after the colon.
bool FastParser::ParseMapValue(Node* out, int indent, int depth) {
  p_ = SkipSpaces(p_);
  if (p_ < end_ && *p_ != '\n' && *p_ != '#') return ParseNode(out, indent, depth, Where::kAfterKey);
  if (!SkipToContent()) return false;
  if (indent_ > indent) return ParseNode(out, indent, depth, Where::kOwnLine);
  if (indent_ == indent && AtDash()) return ParseSequence(out, indent, depth, true);
  return SetNull(out);
}

bool FastParser::ParseSequence(Node* out, int indent, int depth, bool indentless) {
  if (++depth > max_depth_ || !Count()) return false;
  out->kind = Kind::kSequence;
  out->mark = Here();
  std::vector<Node>& items = Scratch(&Scratches().items, depth);
  for (;;) {
    Node& item = items.emplace_back();
    p_ = SkipSpaces(p_ + 1);
    if (p_ < end_ && *p_ != '\n' && *p_ != '#') {
      if (!ParseNode(&item, indent, depth, Where::kAfterDash)) return false;
    } else {
      if (!SkipToContent()) return false;
      if (!(indent_ > indent ? ParseNode(&item, indent, depth, Where::kOwnLine) : SetNull(&item)))
        return false;
    }
    if (indent_ == indent && AtDash()) continue;
    if (indent_ > indent || (indent_ == indent && !indentless)) return false;
    return MoveOut(&items, &out->items);
  }
}

// `[]`, `{}` and one-line flow sequences of scalars such as `["a", b]`.
bool FastParser::ParseFlow(Node* out, int depth) {
  if (depth + 1 > max_depth_ || !Count()) return false;
  out->mark = Here();
  if (*p_ == '{') {
    if (end_ - p_ < 2 || p_[1] != '}') return false;
    out->kind = Kind::kMapping;
    p_ += 2;
    return true;
  }
  out->kind = Kind::kSequence;
  p_ = SkipSpaces(p_ + 1);
  if (p_ < end_ && *p_ == ']') return (++p_, true);
  for (;;) {
    Token t;
    t.mark = Here();
    if (p_ < end_ && (*p_ == '"' || *p_ == '\'')) {
      t.quoted = true;
      if (!(*p_ == '"' ? ReadDoubleQuoted(&t.text) : ReadSingleQuoted(&t.text))) return false;
    } else if (!ReadFlowPlain(&t)) {
      return false;
    }
    if (!SetScalar(&out->items.emplace_back(), &t)) return false;
    p_ = SkipSpaces(p_);
    if (p_ == end_ || (*p_ != ',' && *p_ != ']')) return false;
    if (*p_++ == ']') return true;
    p_ = SkipSpaces(p_);
  }
}

// A plain scalar inside a flow sequence, without ':', '#' or '?'.
bool FastParser::ReadFlowPlain(Token* t) {
  if (p_ == end_ || !Is(*p_, kPlainFirst)) return false;
  if (*p_ == '-' && (p_ + 1 == end_ || p_[1] == ' ' || Is(p_[1], kFlowStop))) return false;
  const char* q = Skip(p_, kFlowStop);
  if (q == end_ || (*q != ',' && *q != ']')) return false;
  const char* e = q;
  while (e > p_ && e[-1] == ' ') --e;
  t->plain = std::string_view(p_, static_cast<std::size_t>(e - p_));
  p_ = e;
  return true;
}

// `|` or `>` with an optional chomping indicator; the content must be
// indented deeper than `parent`.
bool FastParser::ParseBlockScalar(Node* out, int parent) {
  if (parent < 0 || !Count()) return false;
  out->kind = Kind::kScalar;
  out->style = Style::kQuoted;
  out->mark = Here();
  const bool folded = *p_++ == '>';
  char chomp = ' ';
  if (p_ < end_ && (*p_ == '-' || *p_ == '+')) chomp = *p_++;
  // Explicit indentation indicators are declined, and so is `>+`: yaml-cpp
  // keeps one line break too few there.
  if ((folded && chomp == '+') || !FinishLine()) return false;
  const void* nl = std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_));
  if (nl == nullptr) return false;
  ls_ = p_ = static_cast<const char*>(nl) + 1;
  ++line_;
  int breaks = 0;
  if (!ReadBlockLines(folded, parent, &out->value, &breaks)) return false;
  if (chomp == '+') out->value.append(static_cast<std::size_t>(breaks), '\n');
  if (chomp == ' ' && breaks > 0) out->value.push_back('\n');
  return SkipToContent();
}

// Reads the lines of a block scalar up to the first line indented less than
// its content, and leaves p_ at the start of that line. *breaks counts the
// line breaks after the last content line. A line of spaces deeper than the
// content is content (its extra spaces), as in YAML and yaml-cpp.
bool FastParser::ReadBlockLines(bool folded, int parent, std::string* v, int* breaks) {
  int indent = -1;
  int pending = 0;  // line breaks not yet written
  bool any = false;
  while (p_ < end_) {
    const char* q = SkipSpaces(p_);
    const int spaces = static_cast<int>(q - p_);
    if ((q == end_ || *q == '\n') && (indent < 0 || spaces <= indent)) {  // an empty line
      if (q == end_ || (indent < 0 && spaces > 0)) return false;
      ++pending;
      ls_ = p_ = q + 1;
      ++line_;
      continue;
    }
    if (q == end_) return false;  // extra spaces without a line break
    if (indent < 0) {
      if (spaces <= parent) return false;  // no content at all
      indent = spaces;
    } else if (spaces < indent) {
      break;
    }
    if (folded && (spaces > indent || *q == '\t')) return false;  // a more-indented line
    const char* e = Skip(q, kLineStop);
    if (e < end_ && *e != '\n') return false;  // CR or another control
    if (folded && any) {
      if (pending == 1) v->push_back(' ');
      else v->append(static_cast<std::size_t>(pending - 1), '\n');
    } else {
      v->append(static_cast<std::size_t>(pending), '\n');
    }
    any = true;
    v->append(p_ + indent, e);
    pending = e == end_ ? 0 : 1;
    p_ = e;
    if (e == end_) break;
    ls_ = ++p_;
    ++line_;
  }
  *breaks = pending;
  return indent >= 0;
}

}  // namespace

bool FastParseYaml(std::string_view text, std::vector<Node>* docs, const ParseLimits& limits) {
  docs->clear();
  // A byte order mark left at the start (ParseYamlStream skips one): yaml-cpp
  // skips it too, where the fast parser would take it into the first key.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return false;
  // A last line of only spaces, or of spaces and a comment, with no line
  // break: yaml-cpp's mark for a value left empty before it depends on the
  // indentation around it.
  const std::size_t last_line = text.rfind('\n') + 1;  // 0 when there is none
  if (last_line < text.size()) {
    const std::size_t first = text.find_first_not_of(' ', last_line);
    if (first == std::string_view::npos || text[first] == '#') return false;
  }
  FastParser parser(text, limits);
  return parser.Run(docs);
}

}  // namespace gitcanary::yaml
