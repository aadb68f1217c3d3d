#include "render/yaml_fast_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace gitcanary::yaml {
namespace {

// Bytes that end a run of ordinary characters in a block plain scalar or key:
// control characters (newline, tab, CR...), ':' and '#'.
constexpr std::array<bool, 256> kPlainStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t[':'] = t['#'] = t[0x7F] = true;
  return t;
}();

// Bytes that end a run inside a flow plain scalar: the above plus flow indicators.
constexpr std::array<bool, 256> kFlowStop = [] {
  std::array<bool, 256> t = kPlainStop;
  t[','] = t['['] = t[']'] = t['{'] = t['}'] = true;
  return t;
}();

// Bytes that end a run inside a double-quoted scalar.
constexpr std::array<bool, 256> kDoubleStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = c != '\t';
  t['"'] = t['\\'] = t[0x7F] = true;
  return t;
}();

// Bytes that end a run inside a block scalar line: line breaks and controls.
constexpr std::array<bool, 256> kLineStop = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = c != '\t';
  t[0x7F] = true;
  return t;
}();

// Bytes that end a run inside a single-quoted scalar.
constexpr std::array<bool, 256> kSingleStop = [] {
  std::array<bool, 256> t = kLineStop;
  t['\''] = true;
  return t;
}();

// Characters that may start a plain scalar here ('-' only when not followed
// by a blank; callers check that first).
bool PlainFirstOk(unsigned char c) {
  if (c < 0x20 || c == ' ' || c == 0x7F) return false;
  return std::strchr("?:,[]{}#&*!|>'\"%@`", c) == nullptr;
}

bool IsNullWord(const char* s, std::size_t n) {
  if (n == 1) return s[0] == '~';
  if (n != 4) return false;
  return std::memcmp(s, "null", 4) == 0 || std::memcmp(s, "Null", 4) == 0 ||
         std::memcmp(s, "NULL", 4) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(unsigned v, std::string* out) {
  if (v <= 0x7F) {
    out->push_back(static_cast<char>(v));
  } else if (v <= 0x7FF) {
    out->push_back(static_cast<char>(0xC0 | (v >> 6)));
    out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
  } else if (v <= 0xFFFF) {
    out->push_back(static_cast<char>(0xE0 | (v >> 12)));
    out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (v >> 18)));
    out->push_back(static_cast<char>(0x80 | ((v >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
  }
}

// Decodes the escape at *q (which points at the backslash) and advances *q.
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
  int digits = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
  if (digits == 0 || end - s <= digits) return false;
  unsigned v = 0;
  for (int i = 1; i <= digits; ++i) {
    int h = HexValue(s[i]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<unsigned>(h);
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
  const char* plain = nullptr;  // plain text, not yet copied
  std::size_t plain_len = 0;
  std::string text;  // decoded quoted text
};

class FastParser {
 public:
  FastParser(std::string_view text, const ParseLimits& limits)
      : p_(text.data()), end_(text.data() + text.size()), ls_(p_), limits_(limits),
        max_depth_(std::min(limits.max_depth, 1000)) {}

  bool Run(std::vector<Node>* docs);

 private:
  int Col() const { return static_cast<int>(p_ - ls_); }
  Mark Here() const { return Mark{line_, Col() + 1}; }
  // Where yaml-cpp puts an empty node: at the next token, or column 1 of the
  // line after the last newline at the end of the input.
  Mark NextMark() const { return p_ == end_ ? Mark{line_, 1} : Here(); }
  bool Blank(const char* q) const { return q == end_ || *q == ' ' || *q == '\n'; }
  bool Count() { return ++nodes_ <= limits_.max_nodes_per_document; }
  bool AtMarker(const char* m) const {
    return indent_ < 0 && end_ - p_ >= 3 && std::memcmp(p_, m, 3) == 0;
  }

  bool SkipToContent();
  bool FinishLine();
  bool AfterValue() { return FinishLine() && SkipToContent(); }
  bool ConsumeMarkerLine();
  bool ReadScalarOrKey(Token* t);
  bool ReadPlain(Token* t);
  bool ReadDoubleQuoted(std::string* out);
  bool ReadSingleQuoted(std::string* out);
  bool SetScalar(Node* out, Token* t);
  bool SetNull(Node* out);
  bool ParseNode(Node* out, int depth);
  bool ParseInlineValue(Node* out, int parent_indent, int depth);
  bool ParseMapping(Node* out, int indent, int depth, Token* first);
  bool AddKey(Node* map, Token* t);
  bool ParseMapValue(Node* out, int indent, int depth);
  bool ParseSequence(Node* out, int indent, int depth, bool indentless);
  bool ParseFlow(Node* out, int depth);
  bool ReadFlowPlain(Token* t);
  bool ParseBlockScalar(Node* out, int parent_indent);
  bool ReadBlockLines(bool folded, int parent_indent, std::string* v, int* breaks);

  const char* p_;
  const char* end_;
  const char* ls_;  // start of the current line
  int line_ = 1;
  int indent_ = 0;  // column of the content at p_; -1 at the end or at `---` / `...`
  std::size_t nodes_ = 0;
  const ParseLimits& limits_;
  int max_depth_;
};

// Moves over spaces, line breaks and comments to the next content byte and
// sets indent_. Only call where a '#' at p_ starts a comment.
bool FastParser::SkipToContent() {
  for (;;) {
    while (p_ < end_ && *p_ == ' ') ++p_;
    if (p_ == end_) {
      indent_ = -1;
      return true;
    }
    const char c = *p_;
    if (c == '\n') {
      ls_ = ++p_;
      ++line_;
    } else if (c == '#') {
      const void* nl = std::memchr(p_, '\n', static_cast<std::size_t>(end_ - p_));
      p_ = nl ? static_cast<const char*>(nl) : end_;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      return false;  // tab (indentation or separation), CR, other controls
    } else {
      break;
    }
  }
  indent_ = Col();
  if (indent_ == 0) {
    if (*p_ == '%') return false;  // directive
    if (end_ - p_ >= 3 && (std::memcmp(p_, "---", 3) == 0 || std::memcmp(p_, "...", 3) == 0)) {
      if (!Blank(p_ + 3)) return false;
      indent_ = -1;
    }
  }
  return true;
}

// After a token: only spaces and an optional comment may follow on the line.
bool FastParser::FinishLine() {
  const char* q = p_;
  while (q < end_ && *q == ' ') ++q;
  if (q == end_ || *q == '\n' || (*q == '#' && q > p_)) {
    p_ = q;
    return true;
  }
  return false;
}

bool FastParser::ConsumeMarkerLine() {
  p_ += 3;
  return AfterValue();
}

bool FastParser::Run(std::vector<Node>* docs) {
  if (!SkipToContent()) return false;
  while (p_ < end_) {
    if (AtMarker("---") && !ConsumeMarkerLine()) return false;
    nodes_ = 0;
    Node& doc = docs->emplace_back();
    if (indent_ < 0) {
      if (!SetNull(&doc)) return false;
    } else if (!ParseNode(&doc, 0) || indent_ >= 0) {
      return false;
    }
    while (p_ < end_ && AtMarker("..."))
      if (!ConsumeMarkerLine()) return false;
  }
  return true;
}

bool FastParser::SetNull(Node* out) {
  out->mark = NextMark();
  return Count();
}

bool FastParser::SetScalar(Node* out, Token* t) {
  out->mark = t->mark;
  if (t->quoted) {
    out->kind = Kind::kScalar;
    out->style = Style::kQuoted;
    out->value = std::move(t->text);
  } else if (!IsNullWord(t->plain, t->plain_len)) {
    out->kind = Kind::kScalar;
    out->value.assign(t->plain, t->plain_len);
  }
  return Count();
}

bool FastParser::ReadScalarOrKey(Token* t) {
  t->mark = Here();
  const char c = *p_;
  if (c != '"' && c != '\'') return ReadPlain(t);
  t->quoted = true;
  if (!(c == '"' ? ReadDoubleQuoted(&t->text) : ReadSingleQuoted(&t->text))) return false;
  const char* q = p_;
  while (q < end_ && *q == ' ') ++q;
  if (q < end_ && *q == ':' && Blank(q + 1)) {
    t->is_key = true;
    p_ = q + 1;
  }
  return true;
}

// A one-line plain scalar in block context, or a plain key ending in ": ".
bool FastParser::ReadPlain(Token* t) {
  if (!PlainFirstOk(static_cast<unsigned char>(*p_))) return false;
  const char* q = p_;
  for (;;) {
    while (q < end_ && !kPlainStop[static_cast<unsigned char>(*q)]) ++q;
    if (q == end_ || *q == '\n') break;
    if (*q == ':') {
      if (Blank(q + 1)) {
        t->is_key = true;
        break;
      }
    } else if (*q != '#') {
      return false;  // tab, CR or another control character
    } else if (q[-1] == ' ') {
      break;  // comment
    }
    ++q;
  }
  const char* e = q;
  while (e > p_ && e[-1] == ' ') --e;
  t->plain = p_;
  t->plain_len = static_cast<std::size_t>(e - p_);
  if (t->is_key && t->plain_len > 1024) return false;  // yaml-cpp limits simple keys
  p_ = t->is_key ? q + 1 : e;
  return true;
}

bool FastParser::ReadDoubleQuoted(std::string* out) {
  const char* q = p_ + 1;
  for (;;) {
    const char* s = q;
    while (q < end_ && !kDoubleStop[static_cast<unsigned char>(*q)]) ++q;
    out->append(s, q);
    if (q == end_) return false;
    if (*q == '"') break;
    if (*q != '\\' || !DecodeEscape(&q, end_, out)) return false;  // line break, control, bad escape
  }
  p_ = q + 1;
  return true;
}

bool FastParser::ReadSingleQuoted(std::string* out) {
  const char* q = p_ + 1;
  for (;;) {
    const char* s = q;
    while (q < end_ && !kSingleStop[static_cast<unsigned char>(*q)]) ++q;
    out->append(s, q);
    if (q == end_ || *q != '\'') return false;  // multi-line or control character
    if (q + 1 < end_ && q[1] == '\'') {
      out->push_back('\'');
      q += 2;
      continue;
    }
    break;
  }
  p_ = q + 1;
  return true;
}

// A node whose first byte is at p_ (at the start of its line, or after "- ").
bool FastParser::ParseNode(Node* out, int depth) {
  const char c = *p_;
  if (c == '-' && Blank(p_ + 1)) return ParseSequence(out, Col(), depth, false);
  if (c == '[' || c == '{') return ParseFlow(out, depth) && AfterValue();
  if (c == '|' || c == '>') return false;  // block scalar on a line of its own
  Token t;
  if (!ReadScalarOrKey(&t)) return false;
  if (t.is_key) return ParseMapping(out, t.mark.column - 1, depth, &t);
  return SetScalar(out, &t) && AfterValue();
}

// A value on the same line as its key or its "- ".
bool FastParser::ParseInlineValue(Node* out, int parent_indent, int depth) {
  const char c = *p_;
  if (c == '|' || c == '>') return ParseBlockScalar(out, parent_indent);
  if (c == '[' || c == '{') return ParseFlow(out, depth) && AfterValue();
  if (c == '-' && Blank(p_ + 1)) return false;
  Token t;
  if (!ReadScalarOrKey(&t) || t.is_key) return false;
  return SetScalar(out, &t) && AfterValue();
}

bool FastParser::ParseMapping(Node* out, int indent, int depth, Token* first) {
  if (++depth > max_depth_ || !Count()) return false;
  out->kind = Kind::kMapping;
  out->mark = first->mark;
  Token next;
  for (Token* t = first;; t = &next) {
    if (!t->is_key || !AddKey(out, t)) return false;
    if (!ParseMapValue(&out->fields.back().value, indent, depth)) return false;
    if (indent_ < indent) return true;  // also the end of input or a document marker
    if (indent_ > indent || (*p_ == '-' && Blank(p_ + 1))) return false;
    next = Token();
    if (!ReadScalarOrKey(&next)) return false;
  }
}

bool FastParser::AddKey(Node* map, Token* t) {
  if (!Count()) return false;
  std::string key;
  if (t->quoted) {
    key = std::move(t->text);
  } else {
    if (IsNullWord(t->plain, t->plain_len)) return false;  // null key: an error
    key.assign(t->plain, t->plain_len);
  }
  for (const Field& f : map->fields)
    if (f.key == key) return false;  // duplicate: the event parser reports it
  Field& f = map->fields.emplace_back();
  f.key = std::move(key);
  f.key_mark = t->mark;
  return true;
}

// The value after "key:"; p_ is just after the colon.
bool FastParser::ParseMapValue(Node* out, int indent, int depth) {
  const char* q = p_;
  while (q < end_ && *q == ' ') ++q;
  p_ = q;
  if (q < end_ && *q != '\n' && *q != '#') return ParseInlineValue(out, indent, depth);
  if (!SkipToContent()) return false;
  if (indent_ > indent) return ParseNode(out, depth);
  if (indent_ == indent && *p_ == '-' && Blank(p_ + 1)) return ParseSequence(out, indent, depth, true);
  return SetNull(out);
}

bool FastParser::ParseSequence(Node* out, int indent, int depth, bool indentless) {
  if (++depth > max_depth_ || !Count()) return false;
  out->kind = Kind::kSequence;
  out->mark = Here();
  for (;;) {
    Node& item = out->items.emplace_back();
    const char* q = p_ + 1;
    while (q < end_ && *q == ' ') ++q;
    p_ = q;
    if (q < end_ && *q != '\n' && *q != '#') {
      const bool block_scalar = *q == '|' || *q == '>';
      if (!(block_scalar ? ParseBlockScalar(&item, indent) : ParseNode(&item, depth))) return false;
    } else {
      if (!SkipToContent()) return false;
      if (!(indent_ > indent ? ParseNode(&item, depth) : SetNull(&item))) return false;
    }
    if (indent_ == indent && *p_ == '-' && Blank(p_ + 1)) continue;
    return indent_ < indent || (indent_ == indent && indentless);
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
  ++p_;
  for (bool first = true;; first = false) {
    while (p_ < end_ && *p_ == ' ') ++p_;
    if (p_ == end_) return false;
    if (first && *p_ == ']') break;
    Token t;
    t.mark = Here();
    if (*p_ == '"' || *p_ == '\'') {
      t.quoted = true;
      if (!(*p_ == '"' ? ReadDoubleQuoted(&t.text) : ReadSingleQuoted(&t.text))) return false;
    } else if (!ReadFlowPlain(&t)) {
      return false;
    }
    if (!SetScalar(&out->items.emplace_back(), &t)) return false;
    while (p_ < end_ && *p_ == ' ') ++p_;
    if (p_ == end_ || (*p_ != ',' && *p_ != ']')) return false;
    if (*p_ == ']') break;
    ++p_;
  }
  ++p_;
  return true;
}

// A plain scalar inside a flow sequence, without ':' or '#'.
bool FastParser::ReadFlowPlain(Token* t) {
  const auto c = static_cast<unsigned char>(*p_);
  if (!PlainFirstOk(c)) return false;
  if (c == '-' && (p_ + 1 == end_ || p_[1] == ' ' || kFlowStop[static_cast<unsigned char>(p_[1])]))
    return false;
  const char* q = p_;
  while (q < end_ && !kFlowStop[static_cast<unsigned char>(*q)]) ++q;
  if (q == end_ || (*q != ',' && *q != ']')) return false;
  const char* e = q;
  while (e > p_ && e[-1] == ' ') --e;
  t->plain = p_;
  t->plain_len = static_cast<std::size_t>(e - p_);
  p_ = e;
  return true;
}

// `|` or `>` with an optional chomping indicator; the content must be
// indented deeper than parent_indent.
bool FastParser::ParseBlockScalar(Node* out, int parent_indent) {
  if (parent_indent < 0 || !Count()) return false;
  out->kind = Kind::kScalar;
  out->style = Style::kQuoted;
  out->mark = Here();
  const bool folded = *p_ == '>';
  ++p_;
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
  if (!ReadBlockLines(folded, parent_indent, &out->value, &breaks)) return false;
  if (chomp == '+') {
    out->value.append(static_cast<std::size_t>(breaks), '\n');
  } else if (chomp == ' ' && breaks > 0) {
    out->value.push_back('\n');
  }
  return SkipToContent();
}

// Reads the lines of a block scalar from the line after its header up to the
// first line indented less than its content; p_ is left at the start of that
// line. *breaks counts the line breaks after the last content line.
bool FastParser::ReadBlockLines(bool folded, int parent_indent, std::string* v, int* breaks) {
  int indent = -1;
  int pending = 0;  // line breaks not yet written
  bool any = false;
  while (p_ < end_) {
    const char* q = p_;
    while (q < end_ && *q == ' ') ++q;
    const int spaces = static_cast<int>(q - p_);
    if (q == end_ || *q == '\n') {  // an empty line; extra spaces are declined
      if (q == end_ || spaces > std::max(indent, 0)) return false;
      ++pending;
      ls_ = p_ = q + 1;
      ++line_;
      continue;
    }
    if (indent < 0) {
      if (spaces <= parent_indent) return false;  // no content at all
      indent = spaces;
    } else if (spaces < indent) {
      break;
    }
    if (folded && (spaces > indent || *q == '\t')) return false;  // more-indented line
    const char* e = q;
    while (e < end_ && !kLineStop[static_cast<unsigned char>(*e)]) ++e;
    if (e < end_ && *e != '\n') return false;  // CR or another control character
    if (!any) {
      v->append(static_cast<std::size_t>(pending), '\n');  // leading empty lines
    } else if (folded) {
      if (pending == 1) v->push_back(' ');
      else v->append(static_cast<std::size_t>(pending - 1), '\n');
    } else {
      v->append(static_cast<std::size_t>(pending), '\n');
    }
    any = true;
    v->append(p_ + indent, e);
    if (e == end_) {
      pending = 0;
      p_ = e;
      break;
    }
    pending = 1;
    ls_ = p_ = e + 1;
    ++line_;
  }
  *breaks = pending;
  return indent >= 0;
}

}  // namespace

bool FastParseYaml(std::string_view text, std::vector<Node>* docs, const ParseLimits& limits) {
  docs->clear();
  FastParser parser(text, limits);
  return parser.Run(docs);
}

}  // namespace gitcanary::yaml
