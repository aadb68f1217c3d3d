#include "render/yaml_emit.h"

#include <array>
#include <cstdint>

namespace gitcanary::yaml {
namespace emit_detail {

std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t* cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  // Lead byte -> sequence length, payload bits and the smallest code point allowed (no overlongs).
  const std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  char32_t v = c & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto t = static_cast<unsigned char>(s[i + k]);
    if ((t & 0xC0) != 0x80) return 0;
    v = (v << 6) | (t & 0x3F);
  }
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

}  // namespace emit_detail

namespace {

using emit_detail::DecodeUtf8;

// Implicit (simple) keys are limited to 1024 characters by YAML and libyaml;
// longer keys are written in the explicit `? key` form.
constexpr std::size_t kMaxImplicitKey = 1000;

// Byte classes for the scanner.
enum : std::uint8_t {
  kNum = 1,        // occurs in YAML 1.1/1.2 numbers, timestamps or Go's ParseFloat input
  kSpecial = 2,    // needs a closer look: ':' '#' '\n', other controls, bytes >= 0x80
  kIndicator = 4,  // a YAML indicator; a conservative plain scalar never starts with one
};

constexpr std::array<std::uint8_t, 256> MakeClassTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = kSpecial;
  for (int c = 0x7F; c < 0x100; ++c) t[c] = kSpecial;
  t[':'] |= kSpecial;
  t['#'] |= kSpecial;
  for (char c : std::string_view("-?:,[]{}#&*!|>'\"%@`")) t[static_cast<unsigned char>(c)] |= kIndicator;
  for (char c : std::string_view("0123456789abcdefABCDEFxXoOpPtTzZ+-._: "))
    t[static_cast<unsigned char>(c)] |= kNum;
  return t;
}

constexpr std::array<std::uint8_t, 256> kClass = MakeClassTable();

// Code points >= 0x80 that may appear unescaped. C1 controls (including NEL),
// the Unicode line/paragraph separators (line breaks to YAML 1.1), the byte
// order mark and the non-characters U+FFFE/U+FFFF are escaped.
bool Printable(char32_t cp) {
  if (cp < 0xA0) return false;
  return cp != 0x2028 && cp != 0x2029 && cp != 0xFEFF && cp != 0xFFFE && cp != 0xFFFF;
}

struct Scan {
  bool plain_ok = true;   // one line that reads back as the same characters when written plain
  bool escapes = false;   // has characters besides '\n' that need escapes, or bad UTF-8
  bool numberish = true;  // only characters that occur in numbers and timestamps
  bool newline = false;
};

Scan ScanText(std::string_view s) {
  Scan r;
  const std::size_t n = s.size();
  if (n == 0 || s.front() == ' ' || s.back() == ' ' || s.back() == ':') r.plain_ok = false;
  for (std::size_t i = 0; i < n;) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::uint8_t f = kClass[c];
    if (!(f & kNum)) r.numberish = false;
    if (!(f & kSpecial)) {
      ++i;
      continue;
    }
    if (c == ':') {
      if (i + 1 < n && s[i + 1] == ' ') r.plain_ok = false;  // would end a key
    } else if (c == '#') {
      if (i > 0 && s[i - 1] == ' ') r.plain_ok = false;  // would start a comment
    } else if (c == '\n') {
      r.newline = true;
      r.plain_ok = false;
    } else if (c < 0x80) {
      r.escapes = true;
      r.plain_ok = false;
    } else {
      char32_t cp = 0;
      const std::size_t len = DecodeUtf8(s, i, &cp);
      if (len == 0 || !Printable(cp)) {
        r.escapes = true;
        r.plain_ok = false;
      }
      i += len != 0 ? len : 1;
      continue;
    }
    ++i;
  }
  return r;
}

bool EqualsLower(std::string_view s, std::string_view lower_word) {
  if (s.size() != lower_word.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

bool IsNullWord(std::string_view s) { return s == "~" || EqualsLower(s, "null"); }

// Words that YAML 1.1 or 1.2 resolve to something other than a string, in any case.
bool IsReservedWord(std::string_view s) {
  static constexpr std::string_view kWords[] = {"~",  "null", "y",    "n",     "yes", "no", "on",
                                                "off", "true", "false", "<<", "=",   ".inf", ".nan"};
  if (s.size() > 5) return false;
  for (std::string_view w : kWords)
    if (EqualsLower(s, w)) return true;
  return false;
}

// Starts like a number: a sign, or a digit or '.' followed only by characters
// that numbers, sexagesimals and timestamps are made of ("1.0", "0x1F", "1:20",
// "2001-12-14", ".5" but not "100m" or ".gitignore").
bool LooksNumeric(std::string_view s, bool numberish) {
  const char c = s[0];
  if (c == '+' || c == '-') return true;
  if ((c >= '0' && c <= '9') || c == '.') return numberish;
  return false;
}

// Plain-scalar syntax at the start: no document markers, and no indicator
// except '-' followed by a non-space (as in `--port=80` or `-5`).
bool PlainStartOk(std::string_view s) {
  if (s.size() >= 3 && (s.substr(0, 3) == "---" || s.substr(0, 3) == "...")) return false;
  if (!(kClass[static_cast<unsigned char>(s[0])] & kIndicator)) return true;
  return s[0] == '-' && s.size() > 1 && s[1] != ' ';
}

// A literal block reads back exactly when the text has at least one non-empty
// line, the first non-empty line does not start with a space (it would set the
// indentation) and no line ends in a space.
bool LiteralOk(std::string_view s) {
  const std::size_t end = s.find_last_not_of('\n');
  if (end == std::string_view::npos) return false;
  const std::string_view body = s.substr(0, end + 1);
  bool seen_text = false;
  for (std::size_t pos = 0;;) {
    const std::size_t nl = body.find('\n', pos);
    const std::string_view line = body.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    if (!line.empty()) {
      if (line.back() == ' ' || (!seen_text && line.front() == ' ')) return false;
      seen_text = true;
    }
    if (nl == std::string_view::npos) return true;
    pos = nl + 1;
  }
}

enum class Form { kPlain, kDouble, kLiteral };
enum class Role { kPlainValue, kStringValue, kKey };

Form ChooseForm(std::string_view s, Role role) {
  const Scan sc = ScanText(s);
  if (sc.plain_ok && PlainStartOk(s)) {
    if (role == Role::kPlainValue) {
      if (!IsNullWord(s)) return Form::kPlain;
    } else if (!(kClass[static_cast<unsigned char>(s[0])] & kIndicator) && !IsReservedWord(s) &&
               !LooksNumeric(s, sc.numberish)) {
      return Form::kPlain;
    }
  }
  if (role != Role::kKey && sc.newline && !sc.escapes && LiteralOk(s)) return Form::kLiteral;
  return Form::kDouble;
}

void AppendHex(std::string* out, char32_t v, int digits) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 0xF]);
}

void AppendEscape(std::string* out, char32_t cp) {
  switch (cp) {
    case 0: out->append("\\0"); return;
    case '\a': out->append("\\a"); return;
    case '\b': out->append("\\b"); return;
    case '\t': out->append("\\t"); return;
    case '\n': out->append("\\n"); return;
    case '\v': out->append("\\v"); return;
    case '\f': out->append("\\f"); return;
    case '\r': out->append("\\r"); return;
    case 0x1B: out->append("\\e"); return;
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    default: break;
  }
  if (cp < 0x100) {
    out->append("\\x");
    AppendHex(out, cp, 2);
  } else if (cp < 0x10000) {
    out->append("\\u");
    AppendHex(out, cp, 4);
  } else {
    out->append("\\U");
    AppendHex(out, cp, 8);
  }
}

void AppendDoubleQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    char32_t cp = c;
    std::size_t len = 1;
    if (c >= 0x80) {
      len = DecodeUtf8(s, i, &cp);
      if (len != 0 && Printable(cp)) {
        i += len;
        continue;
      }
    }
    out->append(s.data() + run, i - run);
    if (len == 0) {
      out->append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
      len = 1;
    } else {
      AppendEscape(out, cp);
    }
    i += len;
    run = i;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Document(const Node& doc) {
    if (doc.IsMapping() && !doc.fields.empty()) {
      Mapping(doc, 0, false);
    } else if (doc.IsSequence() && !doc.items.empty()) {
      Sequence(doc, 0, false);
    } else {
      Inline(doc, 2);
    }
  }

 private:
  void Indent(int n) { out_->append(static_cast<std::size_t>(n), ' '); }

  // Fields at `indent`; with first_inline the first key continues the current line ("- ").
  void Mapping(const Node& m, int indent, bool first_inline) {
    bool first = true;
    for (const Field& f : m.fields) {
      if (!first || !first_inline) Indent(indent);
      first = false;
      Key(f.key, indent);
      AfterKey(f.value, indent);
    }
  }

  // Items with "- " at `indent`; a non-empty collection item starts on the "- " line.
  void Sequence(const Node& s, int indent, bool first_inline) {
    bool first = true;
    for (const Node& item : s.items) {
      if (!first || !first_inline) Indent(indent);
      first = false;
      out_->append("- ");
      if (item.IsMapping() && !item.fields.empty()) {
        Mapping(item, indent + 2, true);
      } else if (item.IsSequence() && !item.items.empty()) {
        Sequence(item, indent + 2, true);
      } else {
        Inline(item, indent + 2);
      }
    }
  }

  // Writes `key:` (or `? key` NL `:` for keys too long to be implicit).
  void Key(const std::string& key, int indent) {
    const std::size_t start = out_->size();
    if (ChooseForm(key, Role::kKey) == Form::kPlain) {
      out_->append(key);
    } else {
      AppendDoubleQuoted(key, out_);
    }
    if (out_->size() - start > kMaxImplicitKey) {
      out_->insert(start, "? ");
      out_->push_back('\n');
      Indent(indent);
    }
    out_->push_back(':');
  }

  // The value after `key:` for a key at `indent`; sequences are not indented.
  void AfterKey(const Node& v, int indent) {
    if (v.IsMapping() && !v.fields.empty()) {
      out_->push_back('\n');
      Mapping(v, indent + 2, false);
    } else if (v.IsSequence() && !v.items.empty()) {
      out_->push_back('\n');
      Sequence(v, indent, false);
    } else {
      out_->push_back(' ');
      Inline(v, indent + 2);
    }
  }

  // A value that fits on the current line (or a literal block indented by content_indent).
  void Inline(const Node& v, int content_indent) {
    switch (v.kind) {
      case Kind::kNull:
        out_->append("null\n");
        return;
      case Kind::kMapping:
        out_->append("{}\n");
        return;
      case Kind::kSequence:
        out_->append("[]\n");
        return;
      case Kind::kScalar:
        break;
    }
    switch (ChooseForm(v.value, v.style == Style::kPlain ? Role::kPlainValue : Role::kStringValue)) {
      case Form::kPlain:
        out_->append(v.value);
        out_->push_back('\n');
        return;
      case Form::kDouble:
        AppendDoubleQuoted(v.value, out_);
        out_->push_back('\n');
        return;
      case Form::kLiteral:
        Literal(v.value, content_indent);
        return;
    }
  }

  // `|` block with chomping from the trailing newlines; empty lines carry no indentation.
  void Literal(std::string_view s, int indent) {
    const std::size_t end = s.find_last_not_of('\n');
    const std::size_t trailing = s.size() - end - 1;
    out_->append(trailing == 0 ? "|-\n" : trailing == 1 ? "|\n" : "|+\n");
    const std::string_view body = s.substr(0, end + 1);
    for (std::size_t pos = 0; pos <= body.size();) {
      std::size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      if (nl > pos) {
        Indent(indent);
        out_->append(body.data() + pos, nl - pos);
      }
      out_->push_back('\n');
      pos = nl + 1;
    }
    for (std::size_t k = 1; k < trailing; ++k) out_->push_back('\n');
  }

  std::string* out_;
};

}  // namespace

void EmitYaml(const Node& doc, std::string* out) { Writer(out).Document(doc); }

}  // namespace gitcanary::yaml
