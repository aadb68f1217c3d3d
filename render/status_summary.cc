#include "render/status_summary.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "render/canary_status.h"
#include "render/git_mode.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

struct CanaryState {
  std::string phase, weight;
  bool operator==(const CanaryState&) const = default;
};

std::string Annotation(const Manifest& m, std::string_view key) {
  const Node* v = m.doc.Path({"metadata", "annotations", key});
  return v != nullptr && v->IsScalar() ? v->value : std::string();
}

// The weight of the route to NAME-canary in the VirtualService's first http route.
std::string RouteWeight(const Manifest& vs) {
  const Node* http = vs.doc.Path({"spec", "http"});
  if (http == nullptr || !http->IsSequence() || http->items.empty()) return "";
  const Node* route = http->items.front().Find("route");
  if (route == nullptr || !route->IsSequence()) return "";
  for (const Node& r : route->items) {
    const Node* host = r.Path({"destination", "host"});
    const Node* weight = r.Find("weight");
    if (host != nullptr && host->value == vs.name + "-canary" && weight != nullptr) return weight->value;
  }
  return "";
}

std::optional<CanaryState> FromCanaryAnnotation(const Manifest& m) {
  const std::string text = Annotation(m, kStatusAnnotation);
  if (text.empty()) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  CanaryState s;
  if (auto p = j.find("phase"); p != j.end() && p->is_string()) s.phase = p->get<std::string>();
  if (auto w = j.find("canaryWeight"); w != j.end()) s.weight = w->is_string() ? w->get<std::string>() : w->dump();
  if (s.weight.empty()) s.weight = "0";
  return s;
}

std::map<std::string, CanaryState> CanaryStates(const std::vector<Manifest>& objects) {
  std::map<std::string, CanaryState> from_vs, from_canary;
  for (const Manifest& m : objects) {
    const std::string id = m.ns.empty() ? m.name : m.ns + "/" + m.name;
    if (m.kind == "VirtualService" && m.Group() == "networking.istio.io") {
      std::string phase = Annotation(m, kPhaseAnnotation);
      if (phase.empty()) continue;
      std::string weight = Annotation(m, kWeightAnnotation);
      if (weight.empty()) weight = RouteWeight(m);
      from_vs[id] = {std::move(phase), weight.empty() ? "?" : weight};
    } else if (m.kind == "Canary" && m.Group() == "flagger.app") {
      if (auto s = FromCanaryAnnotation(m)) from_canary[id] = std::move(*s);
    }
  }
  from_vs.merge(from_canary);  // the VirtualService wins
  return from_vs;
}

std::string Change(const std::string& what, const std::string& a, const std::string& b) {
  return what + " " + (a == b ? a : a + " -> " + b);
}

}  // namespace

std::vector<std::string> StatusSummary(const std::vector<Manifest>& before, const std::vector<Manifest>& after) {
  const auto a = CanaryStates(before), b = CanaryStates(after);
  std::map<std::string, std::string> lines;
  for (const auto& [id, s] : a) {
    auto it = b.find(id);
    if (it == b.end()) {
      lines[id] = "canary " + id + ": removed (was weight " + s.weight + ", phase " + s.phase + ")";
    } else if (!(it->second == s)) {
      lines[id] = "canary " + id + ": " + Change("weight", s.weight, it->second.weight) + ", " +
                  Change("phase", s.phase, it->second.phase);
    }
  }
  for (const auto& [id, s] : b)
    if (a.count(id) == 0) lines[id] = "canary " + id + ": new, weight " + s.weight + ", phase " + s.phase;
  std::vector<std::string> out;
  for (auto& [id, line] : lines) out.push_back(std::move(line));
  return out;
}

}  // namespace gitcanary::render
