#include "render/status_summary.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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

// The apex a routing object routes for: its own name, except for the NGINX
// canary Ingress, whose backends name <apex>-canary.
std::string RoutedApex(const Manifest& m) {
  if (m.kind != "Ingress") return m.name;
  const Node* rules = m.doc.Path({"spec", "rules"});
  if (rules == nullptr || !rules->IsSequence()) return "";
  for (const Node& rule : rules->items) {
    const Node* paths = rule.Path({"http", "paths"});
    if (paths == nullptr || !paths->IsSequence()) continue;
    for (const Node& p : paths->items) {
      const Node* name = p.Path({"backend", "service", "name"});
      constexpr std::string_view kSuffix = "-canary";
      if (name != nullptr && name->value.size() > kSuffix.size() && name->value.ends_with(kSuffix))
        return name->value.substr(0, name->value.size() - kSuffix.size());
    }
  }
  return "";
}

// git mode's routing objects, one per provider (kubernetes has none).
bool IsRoutingObject(const Manifest& m) {
  return (m.kind == "VirtualService" && m.Group() == "networking.istio.io") ||
         (m.kind == "HTTPRoute" && m.Group() == "gateway.networking.k8s.io") ||
         (m.kind == "TrafficSplit" && m.Group() == "split.smi-spec.io") ||
         (m.kind == "Ingress" && m.Group() == "networking.k8s.io");
}

std::map<std::string, CanaryState> CanaryStates(const std::vector<Manifest>& objects) {
  std::map<std::string, CanaryState> from_routes, from_canary;
  std::set<std::string> revisions;  // of the canaries that a routing object reported
  auto id_of = [](const Manifest& m, const std::string& name) { return m.ns.empty() ? name : m.ns + "/" + name; };
  for (const Manifest& m : objects) {
    if (IsRoutingObject(m)) {
      std::string phase = Annotation(m, kPhaseAnnotation);
      const std::string apex = RoutedApex(m);
      if (phase.empty() || apex.empty()) continue;
      std::string weight = Annotation(m, kWeightAnnotation);
      if (weight.empty() && m.kind == "VirtualService") weight = RouteWeight(m);
      from_routes[id_of(m, apex)] = {std::move(phase), weight.empty() ? "?" : weight};
      revisions.insert(m.ns + "/" + Annotation(m, kRevisionAnnotation));
    } else if (m.kind == "Canary" && m.Group() == "flagger.app") {
      if (auto s = FromCanaryAnnotation(m)) from_canary[id_of(m, m.name)] = std::move(*s);
    }
  }
  // Services-only canaries (provider kubernetes): their canary Deployment, the
  // one of the pair X, X-primary, carries the same annotations.
  std::map<std::string, CanaryState> from_deployments;
  for (const Manifest& m : objects) {
    if (m.kind != "Deployment" || m.Group() != "apps" || m.name.ends_with("-primary")) continue;
    std::string phase = Annotation(m, kPhaseAnnotation);
    if (phase.empty() || revisions.count(m.ns + "/" + Annotation(m, kRevisionAnnotation)) != 0) continue;
    std::string weight = Annotation(m, kWeightAnnotation);
    from_deployments[id_of(m, m.name)] = {std::move(phase), weight.empty() ? "?" : weight};
  }
  from_routes.merge(from_deployments);
  from_routes.merge(from_canary);  // a routing object wins
  return from_routes;
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
