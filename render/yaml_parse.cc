#include "render/yaml_parse.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "render/yaml_event_parser.h"
#include "render/yaml_fast_parser.h"

namespace gitcanary::yaml {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not valid
// (truncated, overlong, surrogate, above U+10FFFF, stray continuation byte).
std::size_t Utf8SequenceLength(const unsigned char* s, std::size_t n) {
  unsigned char c = s[0];
  auto cont = [&](std::size_t i) { return i < n && (s[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && s[1] >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;  // overlong
    if (c == 0xF4 && s[1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

Status ErrorAtOffset(std::string_view text, std::size_t offset, const std::string& file,
                     const std::string& message) {
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return Status::Invalid(AtPlace(file, line, static_cast<int>(offset - line_start) + 1, message));
}

}  // namespace

Status ValidateYamlBytes(std::string_view text, const std::string& file) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes without NUL at a time.
    if (i + 8 <= n) {
      std::uint64_t w;
      std::memcpy(&w, s + i, 8);
      const std::uint64_t high = w & 0x8080808080808080ULL;
      const std::uint64_t zero = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
      if ((high | zero) == 0) {
        i += 8;
        continue;
      }
    }
    if (s[i] < 0x80) {
      if (s[i] == 0) return ErrorAtOffset(text, i, file, "NUL byte");
      ++i;
      continue;
    }
    std::size_t len = Utf8SequenceLength(s + i, n - i);
    if (len == 0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "invalid UTF-8 byte 0x%02X", s[i]);
      return ErrorAtOffset(text, i, file, buf);
    }
    i += len;
  }
  return Status::Ok();
}

std::string OneLineText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7F) {
      out += c;
      continue;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 0xF];
      }
    }
  }
  return out;
}

Result<std::vector<Node>> ParseYamlStream(std::string_view text, const std::string& file,
                                          const ParseLimits& limits) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  if (Status s = ValidateYamlBytes(text, file); !s.ok()) return s;
  std::vector<Node> docs;
  if (FastParseYaml(text, &docs, limits)) return docs;
  return EventParseYaml(text, file, limits);
}

}  // namespace gitcanary::yaml
