#include "git/compaction_layers.h"

#include <sstream>

namespace gitcanary::git {
namespace {

constexpr const char* kHeader = "gitcanary-compaction 1";

bool IsHex40(const std::string& s) {
  if (s.size() != 40) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::optional<std::vector<Layer>> ParseLayers(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kHeader) return std::nullopt;
  std::vector<Layer> layers;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string kind, first, rest, extra;
    fields >> kind >> first >> rest;
    if (fields >> extra) return std::nullopt;
    if (kind == "layer") {
      if (first.rfind("pack-", 0) != 0 || !IsHex40(first.substr(5)) || rest.empty() ||
          rest.find_first_not_of("0123456789") != std::string::npos || rest.size() > 18)
        return std::nullopt;
      layers.push_back(Layer{first, static_cast<std::size_t>(std::stoull(rest)), {}});
    } else if (kind == "tip") {
      if (layers.empty() || !IsHex40(first) || rest.rfind("refs/", 0) != 0) return std::nullopt;
      layers.back().tips.push_back(LayerTip{first, rest});
    } else {
      return std::nullopt;
    }
  }
  if (layers.empty()) return std::nullopt;
  return layers;
}

std::string FormatLayers(const std::vector<Layer>& layers) {
  std::string out = std::string(kHeader) + "\n";
  for (const Layer& l : layers) {
    out += "layer " + l.pack + " " + std::to_string(l.objects) + "\n";
    for (const LayerTip& t : l.tips) out += "tip " + t.id + " " + t.ref + "\n";
  }
  return out;
}

std::size_t LayersToKeep(const std::vector<Layer>& layers, std::size_t incoming, std::size_t max_layers) {
  if (max_layers <= 1) return 0;
  // newer[j]: the objects of every layer after j, plus the incoming ones.
  std::vector<std::size_t> newer(layers.size(), incoming);
  for (std::size_t j = layers.size(); j-- > 1;) newer[j - 1] = newer[j] + layers[j].objects;
  std::size_t keep = 0;
  while (keep < layers.size() && keep + 1 < max_layers && layers[keep].objects >= 2 * newer[keep]) ++keep;
  return keep;
}

}  // namespace gitcanary::git
