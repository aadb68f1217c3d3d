#include "render/json_emit.h"

#include <charconv>
#include <cmath>
#include <string_view>

#include "render/yaml_emit.h"

namespace gitcanary::yaml {
namespace {

void AppendIndent(std::string* out, int depth) {
  out->append(static_cast<std::size_t>(depth) * 2, ' ');
}

void AppendControlEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    default: break;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u00");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// A JSON string. U+2028/U+2029 are escaped (as encoding/json does) so the
// output is also valid JavaScript; bytes that are not UTF-8 become \ufffd.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c < 0x80) {
      out->append(s.data() + run, i - run);
      AppendControlEscape(c, out);
      run = ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = emit_detail::DecodeUtf8(s, i, &cp);
    if (len != 0 && cp != 0x2028 && cp != 0x2029) {
      i += len;
      continue;
    }
    out->append(s.data() + run, i - run);
    out->append(len == 0 ? "\\ufffd" : cp == 0x2028 ? "\\u2028" : "\\u2029");
    i += len != 0 ? len : 1;
    run = i;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// Plain scalars resolve as the YAML 1.2 core schema does (see Node::AsInt & co.).
void AppendScalar(const Node& n, std::string* out) {
  if (n.style == Style::kPlain && !n.value.empty()) {
    const char c = n.value[0];
    if (c == 't' || c == 'T' || c == 'f' || c == 'F') {
      if (auto b = n.AsBool()) {
        out->append(*b ? "true" : "false");
        return;
      }
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
      char buf[40];
      if (auto i = n.AsInt()) {
        out->append(buf, std::to_chars(buf, buf + sizeof buf, *i).ptr);
        return;
      }
      if (auto d = n.AsFloat(); d && std::isfinite(*d)) {
        out->append(buf, std::to_chars(buf, buf + sizeof buf, *d).ptr);
        return;
      }
    }
  }
  AppendJsonString(n.value, out);
}

// Pretty (2-space indent) unless `compact`, which writes no whitespace at all.
void Emit(const Node& n, std::string* out, int depth, bool compact) {
  auto open = [&](char c) {
    out->push_back(c);
    if (!compact) out->push_back('\n');
  };
  auto next_item = [&](std::size_t i) {
    if (i != 0) out->append(compact ? "," : ",\n");
    if (!compact) AppendIndent(out, depth + 1);
  };
  auto close = [&](char c) {
    if (!compact) {
      out->push_back('\n');
      AppendIndent(out, depth);
    }
    out->push_back(c);
  };
  switch (n.kind) {
    case Kind::kNull:
      out->append("null");
      return;
    case Kind::kScalar:
      AppendScalar(n, out);
      return;
    case Kind::kSequence:
      if (n.items.empty()) {
        out->append("[]");
        return;
      }
      open('[');
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        next_item(i);
        Emit(n.items[i], out, depth + 1, compact);
      }
      close(']');
      return;
    case Kind::kMapping:
      if (n.fields.empty()) {
        out->append("{}");
        return;
      }
      open('{');
      for (std::size_t i = 0; i < n.fields.size(); ++i) {
        next_item(i);
        AppendJsonString(n.fields[i].key, out);
        out->append(compact ? ":" : ": ");
        Emit(n.fields[i].value, out, depth + 1, compact);
      }
      close('}');
      return;
  }
}

}  // namespace

void EmitJson(const Node& value, std::string* out, int depth) {
  Emit(value, out, depth < 0 ? 0 : depth, false);
}

void EmitCompactJson(const Node& value, std::string* out) { Emit(value, out, 0, true); }

}  // namespace gitcanary::yaml
