#include "render/routing/istio_session_affinity.h"

#include "render/routing/affinity_cookies.h"

#include <utility>

namespace gitcanary::render {

using yaml::Node;

namespace {

Node CookieMatch(const std::string& cookie) {
  const auto eq = cookie.find('=');
  const std::string key = cookie.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : cookie.substr(eq + 1);
  Node m = Node::Mapping(1);
  m.Set("headers", Node::Mapping(1)).Set("Cookie", Node::Mapping(1)).Set("regex", Node::String(".*" + key + ".*" + value + ".*"));
  Node list = Node::Sequence();
  list.items.push_back(std::move(m));
  return list;
}

// Adds `Set-Cookie: value` to node.headers.response.add, keeping what is there.
void AddSetCookie(Node& node, const std::string& value) {
  Node* headers = node.Find("headers");
  if (headers == nullptr || !headers->IsMapping()) headers = &node.Set("headers", Node::Mapping(1));
  Node* response = headers->Find("response");
  if (response == nullptr || !response->IsMapping()) response = &headers->Set("response", Node::Mapping(1));
  Node* add = response->Find("add");
  if (add == nullptr || !add->IsMapping()) add = &response->Set("add", Node::Mapping(1));
  add->Set("Set-Cookie", Node::String(value));
}

Node* DestinationTo(Node& route, const std::string& host) {
  Node* list = route.Find("route");
  if (list == nullptr) return nullptr;
  for (Node& d : list->items) {
    const Node* h = d.Path({"destination", "host"});
    if (h != nullptr && h->value == host) return &d;
  }
  return nullptr;
}

// A copy of `weighted` matching `cookie`, sending everything to `to`.
Node StickyRoute(const Node& weighted, const std::string& cookie, const Node* service_match, const std::string& to) {
  Node sticky = weighted;
  sticky.Set("match", MergeMatches(CookieMatch(cookie), service_match));
  if (Node* list = sticky.Find("route")) {
    for (Node& d : list->items) {
      const Node* h = d.Path({"destination", "host"});
      d.Set("weight", Node::Int(h != nullptr && h->value == to ? 100 : 0));
      d.Erase("headers");
    }
  }
  return sticky;
}

}  // namespace

Node MergeMatches(const Node& canary, const Node* service_match) {
  if (service_match == nullptr || !service_match->IsSequence() || service_match->items.empty()) return canary;
  Node merged = Node::Sequence();
  merged.items.reserve(canary.items.size() * service_match->items.size());
  for (const Node& c : canary.items) {
    for (const Node& d : service_match->items) {
      Node m = d;
      for (const char* key : {"headers", "sourceLabels"})
        if (const Node* v = c.Find(key); v != nullptr && !v->IsNull()) m.Set(key, *v);
      merged.items.push_back(std::move(m));
    }
  }
  return merged;
}

Result<Node> SessionAffinityRoutes(const AffinityRouting& in, const Node& weighted_in, const Fields& f) {
  const std::string path = "spec.analysis.sessionAffinity";
  const Node& affinity = *in.affinity;
  auto max_age = f.Int(affinity, "maxAge", path);
  if (!max_age.ok()) return max_age.status();
  auto primary_name = f.String(affinity, "primaryCookieName", path);
  if (!primary_name.ok()) return primary_name.status();
  const bool with_primary = primary_name->has_value() && !(*primary_name)->empty();
  Node weighted = weighted_in;
  Node routes = Node::Sequence();
  if (in.canary_weight != 0) {
    auto canary_cookie = BuildCookie(affinity, in.cookies.canary, max_age->value_or(0) == 0 ? 86400 : **max_age, f);
    if (!canary_cookie.ok()) return canary_cookie.status();
    if (Node* d = DestinationTo(weighted, in.canary_host)) AddSetCookie(*d, *canary_cookie);
    routes.items.push_back(StickyRoute(weighted_in, in.cookies.canary, in.service_match, in.canary_host));
    if (with_primary) {
      auto primary_cookie = BuildCookie(affinity, in.cookies.primary, in.interval_seconds, f);
      if (!primary_cookie.ok()) return primary_cookie.status();
      if (Node* d = DestinationTo(weighted, in.primary_host)) AddSetCookie(*d, *primary_cookie);
      routes.items.push_back(StickyRoute(weighted_in, in.cookies.primary, in.service_match, in.primary_host));
    }
    routes.items.push_back(std::move(weighted));
    return routes;
  }
  const std::string& previous = !in.cookies.canary.empty() ? in.cookies.canary : in.cookies.previous;
  if (!previous.empty()) {
    Node expire = weighted_in;
    expire.Set("match", MergeMatches(CookieMatch(previous), in.service_match));
    AddSetCookie(expire, previous + "; Max-Age=-1");
    routes.items.push_back(std::move(expire));
  }
  routes.items.push_back(std::move(weighted));
  return routes;
}

}  // namespace gitcanary::render
