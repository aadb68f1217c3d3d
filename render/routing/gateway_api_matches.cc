#include "render/routing/gateway_api_matches.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace gitcanary::render {

using yaml::Node;

namespace {

// Istio match fields that an HTTPRoute match cannot carry, which Flagger drops.
constexpr const char* kDropped[] = {"authority", "gateways", "port", "scheme", "sourceLabels", "sourceNamespace",
                                    "withoutHeaders"};

Node Pair(const char* k1, Node v1, const char* k2, Node v2) {
  Node n = Node::Mapping(2);
  n.Set(k1, std::move(v1));
  n.Set(k2, std::move(v2));
  return n;
}

// headers or queryParams: {name: {exact|regex: v}} -> [{name, type, value}], sorted by name.
Result<Node> NamedMatches(const Node& map, const std::string& path, const char* what, const Fields& f) {
  if (!map.IsMapping()) return f.Error(map, path, "must be a mapping");
  std::vector<const yaml::Field*> sorted;
  for (const yaml::Field& field : map.fields) sorted.push_back(&field);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });
  Node out = Node::Sequence();
  for (const yaml::Field* field : sorted) {
    const std::string at = path + "." + field->key;
    const Node* exact = field->value.Find("exact");
    const Node* regex = field->value.Find("regex");
    Node m = Node::Mapping(3);
    m.Set("name", Node::String(field->key));
    if (exact != nullptr && exact->IsScalar() && !exact->value.empty()) {
      m.Set("type", Node::String("Exact"));
      m.Set("value", Node::String(exact->value));
    } else if (regex != nullptr && regex->IsScalar() && !regex->value.empty()) {
      m.Set("type", Node::String("RegularExpression"));
      m.Set("value", Node::String(regex->value));
    } else {
      return f.Error(field->value, at,
                     std::string("Gateway API matches a ") + what +
                         " by exact or regex only (Flagger fails on any other)");
    }
    out.items.push_back(std::move(m));
  }
  return out;
}

Result<Node> MapOne(const Node& match, const std::string& path, const Fields& f) {
  if (!match.IsMapping()) return f.Error(match, path, "must be a mapping");
  for (const char* key : kDropped) {
    const Node* v = match.Find(key);
    if (v == nullptr || v->IsNull()) continue;
    return f.Error(*v, path + "." + key,
                   "an HTTPRoute match has no such condition and Flagger's Gateway API router drops it, which would "
                   "widen the match: remove it (or use provider istio)");
  }
  if (const Node* v = match.Find("ignoreUriCase"); v != nullptr && v->AsBool().value_or(false)) {
    return f.Error(*v, path + ".ignoreUriCase",
                   "an HTTPRoute path match is case-sensitive and Flagger's Gateway API router drops ignoreUriCase: "
                   "remove it (or use provider istio)");
  }
  Node out = Node::Mapping(4);
  if (const Node* uri = match.Find("uri"); uri != nullptr && !uri->IsNull()) {
    static constexpr std::pair<const char*, const char*> kPath[] = {
        {"regex", "RegularExpression"}, {"exact", "Exact"}, {"prefix", "PathPrefix"}};
    bool set = false;
    for (const auto& [key, type] : kPath) {
      const Node* v = uri->Find(key);
      if (v == nullptr || !v->IsScalar() || v->value.empty()) continue;
      out.Set("path", Pair("type", Node::String(type), "value", Node::String(v->value)));
      set = true;
      break;
    }
    if (!set) return f.Error(*uri, path + ".uri", "Gateway API matches a path by exact, prefix or regex only");
  }
  if (const Node* headers = match.Find("headers"); headers != nullptr && !headers->IsNull()) {
    auto h = NamedMatches(*headers, path + ".headers", "header", f);
    if (!h.ok()) return h.status();
    if (!h->items.empty()) out.Set("headers", std::move(*h));
  }
  if (const Node* params = match.Find("queryParams"); params != nullptr && !params->IsNull()) {
    auto q = NamedMatches(*params, path + ".queryParams", "query parameter", f);
    if (!q.ok()) return q.status();
    if (!q->items.empty()) out.Set("queryParams", std::move(*q));
  }
  if (const Node* method = match.Find("method"); method != nullptr && !method->IsNull()) {
    const Node* exact = method->Find("exact");
    if (exact == nullptr || !exact->IsScalar() || exact->value.empty())
      return f.Error(*method, path + ".method", "Gateway API matches a method by exact only");
    out.Set("method", Node::String(exact->value));
  }
  return out;
}

}  // namespace

Result<Node> MapGatewayMatches(const Node* matches, const std::string& path, const Fields& f) {
  Node out = Node::Sequence();
  if (matches == nullptr || matches->IsNull()) return out;
  if (!matches->IsSequence()) return f.Error(*matches, path, "must be a list");
  for (std::size_t i = 0; i < matches->items.size(); ++i) {
    auto m = MapOne(matches->items[i], path + "[" + std::to_string(i) + "]", f);
    if (!m.ok()) return m.status();
    if (!m->fields.empty()) out.items.push_back(std::move(*m));
  }
  return out;
}

Node MergeGatewayMatches(const Node& analysis, const Node& service) {
  if (analysis.items.empty()) return service;
  if (service.items.empty()) return analysis;
  Node merged = Node::Sequence();
  merged.items.reserve(analysis.items.size() * service.items.size());
  for (const Node& a : analysis.items) {
    for (const Node& s : service.items) {
      Node m = s;
      for (const char* key : {"headers", "queryParams"})
        if (const Node* v = a.Find(key); v != nullptr && !v->items.empty()) m.Set(key, *v);
      merged.items.push_back(std::move(m));
    }
  }
  return merged;
}

Node GatewayCookieMatch(const std::string& cookie) {
  const auto eq = cookie.find('=');
  const std::string key = cookie.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : cookie.substr(eq + 1);
  Node header = Node::Mapping(3);
  header.Set("name", Node::String("Cookie"));
  header.Set("type", Node::String("RegularExpression"));
  header.Set("value", Node::String(".*" + key + ".*" + value + ".*"));
  Node headers = Node::Sequence();
  headers.items.push_back(std::move(header));
  Node m = Node::Mapping(1);
  m.Set("headers", std::move(headers));
  Node list = Node::Sequence();
  list.items.push_back(std::move(m));
  return list;
}

}  // namespace gitcanary::render
