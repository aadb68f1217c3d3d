#include "core/affinity_cookie.h"

#include <cstdint>

namespace gitcanary {

std::string AffinityCookie(std::string_view name, std::string_view revision) {
  static constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over name, a separator and the revision
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  mix(name);
  mix("\n");
  mix(revision);
  std::string out(name);
  out += '=';
  for (int i = 0; i < 10; ++i) {
    h = (h ^ static_cast<std::uint64_t>(i)) * 1099511628211ULL;
    out += kLetters[(h >> 33) % kLetters.size()];
  }
  return out;
}

}  // namespace gitcanary
