// Escaping text for HTML and SVG: the Markdown of `gitcanary diff` puts names
// inside <summary> tags, and `gitcanary history --svg` puts commit subjects
// inside <text> and <title>.
#pragma once

#include <string>
#include <string_view>

namespace gitcanary::render {

// & < > " as entities; every other byte as is.
inline std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace gitcanary::render
