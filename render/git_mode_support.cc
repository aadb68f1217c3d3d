#include "render/git_mode_support.h"

#include <string>

#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

// One entry per line, sorted by path.
const GitModeGap kGitModeGaps[] = {
    {"spec.autoscalerRef.kind", "HorizontalPodAutoscaler"},
    {"spec.autoscalerRef.primaryScalerQueries"},
};
const std::size_t kGitModeGapCount = sizeof(kGitModeGaps) / sizeof(kGitModeGaps[0]);

namespace {

bool AsksForNothing(const Node& n) { return n.IsNull() || n.AsBool() == std::optional<bool>(false); }

// Finds the first node at `path` (from `n`, shown so far as `shown`) that asks
// for something; fills `shown` with its path, indices included.
const Node* FindSet(const Node& n, std::string_view path, std::string& shown) {
  if (path.empty()) return AsksForNothing(n) ? nullptr : &n;
  if (path.substr(0, 2) == "[]") {
    if (!n.IsSequence()) return nullptr;
    const std::size_t len = shown.size();
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      shown += '[';
      shown += std::to_string(i);
      shown += ']';
      if (const Node* hit = FindSet(n.items[i], path.substr(2), shown)) return hit;
      shown.resize(len);
    }
    return nullptr;
  }
  if (path.front() == '.') path.remove_prefix(1);
  const std::size_t end = path.find_first_of(".[");
  const std::string_view key = path.substr(0, end);
  const Node* child = n.Find(key);
  if (child == nullptr) return nullptr;
  const std::size_t len = shown.size();
  if (!shown.empty()) shown += '.';
  shown += key;
  if (const Node* hit = FindSet(*child, end == std::string_view::npos ? std::string_view() : path.substr(end), shown))
    return hit;
  shown.resize(len);
  return nullptr;
}

}  // namespace

Status CheckGitModeSupport(const Manifest& canary) {
  Fields f(canary.file);
  for (std::size_t i = 0; i < kGitModeGapCount; ++i) {
    const GitModeGap& gap = kGitModeGaps[i];
    std::string shown;
    const Node* hit = FindSet(canary.doc, gap.path, shown);
    if (hit == nullptr) continue;
    if (!gap.allowed.empty() && hit->IsScalar() && hit->value == gap.allowed) continue;
    if (!gap.allowed.empty()) {
      return f.Error(*hit, "", shown + ": " + Shown(*hit) + " is not supported in git mode, which implements " +
                                   std::string(gap.allowed) + " only: use " + std::string(gap.allowed) +
                                   " or --mode flagger");
    }
    return f.Error(*hit, "", shown + " is not supported in git mode: remove it or use --mode flagger");
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
