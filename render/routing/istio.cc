#include "render/routing/istio.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "render/fields.h"
#include "render/routing/affinity_cookies.h"
#include "render/routing/istio_session_affinity.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr const char* kIstioApiVersion = "networking.istio.io/v1beta1";
// Copied from spec.service onto every http route, in this order, after `match`
// (rewrite separately: only its Istio fields).
constexpr const char* kRouteFields[] = {"retries", "timeout", "headers", "corsPolicy"};
// The fields of service.rewrite that an Istio HTTPRewrite has (`type` is Gateway API's).
constexpr const char* kIstioRewriteFields[] = {"uri", "authority"};

Node MakeDestinationRule(const std::string& host, const std::string& ns, const Node& service) {
  Node dr = RoutingObject(kIstioApiVersion, "DestinationRule", host, ns);
  const Node* policy = service.Find("trafficPolicy");
  const bool has_policy = policy != nullptr && !policy->IsNull();
  Node& spec = dr.Set("spec", Node::Mapping(has_policy ? 2 : 1));
  spec.Set("host", Node::String(host));
  if (has_policy) spec.Set("trafficPolicy", *policy);
  return dr;
}

// What every route of the VirtualService shares.
struct RouteShape {
  RoutingNames names;
  std::optional<long long> port;  // destination.port, when Flagger sets it
  const Node* service = nullptr;   // spec.service
  const Node* service_match = nullptr;
  bool tcp = false;
};

Node Destination(const RouteShape& r, const std::string& host, long long weight) {
  Node d = Node::Mapping(2);
  Node& dest = d.Set("destination", Node::Mapping(r.port ? 2 : 1));
  dest.Set("host", Node::String(host));
  if (r.port) dest.Set("port", Node::Mapping(1)).Set("number", Node::Int(*r.port));
  d.Set("weight", Node::Int(weight));
  return d;
}

Node Split(const RouteShape& r, long long canary_weight) {
  Node split = Node::Sequence();
  split.items.reserve(2);
  split.items.push_back(Destination(r, r.names.primary, 100 - canary_weight));
  split.items.push_back(Destination(r, r.names.canary, canary_weight));
  return split;
}

// One http route: match (when given), the service's route fields, then `route`.
Node HttpRoute(const RouteShape& r, const Node* match, Node route_list) {
  const Node& service = *r.service;
  Node route = Node::Mapping();
  if (match != nullptr && !(match->IsSequence() && match->items.empty())) route.Set("match", *match);
  if (const Node* rw = service.Find("rewrite"); rw != nullptr && rw->IsMapping()) {
    Node istio = Node::Mapping(2);
    for (const char* key : kIstioRewriteFields)
      if (const Node* v = rw->Find(key); v != nullptr && !v->IsNull()) istio.Set(key, *v);
    if (!istio.fields.empty()) route.Set("rewrite", std::move(istio));
  }
  for (const char* key : kRouteFields)
    if (const Node* v = service.Find(key); v != nullptr && !v->IsNull()) route.Set(key, *v);
  route.Set("route", std::move(route_list));
  return route;
}

struct RouteSources {
  const Node* ab_match = nullptr;  // spec.analysis.match when a non-empty list
  const Node* affinity = nullptr;  // spec.analysis.sessionAffinity
  long long mirror_weight = 0;
  long long interval_seconds = 60;
};

Result<RouteSources> ReadRouteSources(const Node& spec, const Fields& f) {
  RouteSources out;
  auto analysis = f.Mapping(spec, "analysis", "spec");
  if (!analysis.ok()) return analysis.status();
  if (*analysis == nullptr) return out;
  auto ab_match = f.Sequence(**analysis, "match", "spec.analysis");
  if (!ab_match.ok()) return ab_match.status();
  if (*ab_match != nullptr && !(*ab_match)->items.empty()) out.ab_match = *ab_match;
  auto mirror_weight = f.Int(**analysis, "mirrorWeight", "spec.analysis");
  if (!mirror_weight.ok()) return mirror_weight.status();
  out.mirror_weight = mirror_weight->value_or(0);
  auto affinity = f.Mapping(**analysis, "sessionAffinity", "spec.analysis");
  if (!affinity.ok()) return affinity.status();
  out.affinity = *affinity;
  auto interval = f.String(**analysis, "interval", "spec.analysis");
  if (!interval.ok()) return interval.status();
  if (interval->has_value())
    if (auto ms = ParseDurationMillis(**interval)) out.interval_seconds = *ms / 1000;
  return out;
}

Result<Node> HttpRoutes(const RoutingInput& in, const RouteSources& src, const RouteShape& r, const Fields& f) {
  Node http = Node::Sequence();
  if (src.ab_match != nullptr) {
    const Node merged = MergeMatches(*src.ab_match, r.service_match);
    http.items.push_back(HttpRoute(r, &merged, Split(r, in.canary_weight)));
    Node primary_only = Node::Sequence();
    // One destination takes all traffic whatever its weight; Flagger writes the primary's.
    primary_only.items.push_back(Destination(r, r.names.primary, 100 - in.canary_weight));
    http.items.push_back(HttpRoute(r, r.service_match, std::move(primary_only)));
    return http;
  }
  Node weighted = HttpRoute(r, r.service_match, Split(r, in.canary_weight));
  if (src.affinity != nullptr) {
    AffinityRouting a{src.affinity, r.service_match, r.names.primary, r.names.canary, in.canary_weight,
                      src.interval_seconds, ResolveCookies(in, *src.affinity)};
    auto routes = SessionAffinityRoutes(a, weighted, f);
    if (!routes.ok()) return routes.status();
    http = std::move(*routes);
  } else {
    http.items.push_back(std::move(weighted));
  }
  if (in.mirror) {
    Node& first = http.items.front();
    first.Set("mirror", Node::Mapping(1)).Set("host", Node::String(r.names.canary));
    if (src.mirror_weight > 0)
      first.Set("mirrorPercentage", Node::Mapping(1)).Set("value", Node::Int(src.mirror_weight));
  }
  return http;
}

Node TcpRoutes(const RoutingInput& in, const RouteShape& r) {
  Node route = Node::Mapping(2);
  if (r.service_match != nullptr && !r.service_match->items.empty()) {
    Node& match = route.Set("match", Node::Sequence());
    for (const Node& m : r.service_match->items) {
      Node l4 = Node::Mapping(1);  // an L4 match has the port only; an unset port is left out
      const Node* port = m.Find("port");
      if (const long long number = port != nullptr ? port->AsInt().value_or(0) : 0; number != 0)
        l4.Set("port", Node::Int(number));
      match.items.push_back(std::move(l4));
    }
  }
  route.Set("route", Split(r, in.canary_weight));
  Node tcp = Node::Sequence();
  tcp.items.push_back(std::move(route));
  return tcp;
}

// service.apex labels and annotations (either may be nullptr).
struct ApexMetadata {
  const Node* labels = nullptr;
  const Node* annotations = nullptr;
};

Result<ApexMetadata> ReadApexMetadata(const Node& service, const Fields& f) {
  ApexMetadata out;
  auto apex = f.Mapping(service, "apex", "spec.service");
  if (!apex.ok()) return apex.status();
  if (*apex == nullptr) return out;
  auto labels = f.Mapping(**apex, "labels", "spec.service.apex");
  if (!labels.ok()) return labels.status();
  auto annotations = f.Mapping(**apex, "annotations", "spec.service.apex");
  if (!annotations.ok()) return annotations.status();
  out.labels = *labels;
  out.annotations = *annotations;
  return out;
}

Result<Node> MakeVirtualService(const RoutingInput& in, const Node& spec, const Node& service,
                                const RoutingNames& n, const Fields& f) {
  auto src = ReadRouteSources(spec, f);
  if (!src.ok()) return src.status();
  auto hosts = f.Sequence(service, "hosts", "spec.service");
  if (!hosts.ok()) return hosts.status();
  auto gateways = f.Sequence(service, "gateways", "spec.service");
  if (!gateways.ok()) return gateways.status();
  auto service_match = f.Sequence(service, "match", "spec.service");
  if (!service_match.ok()) return service_match.status();
  auto delegation = f.Bool(service, "delegation", "spec.service");
  if (!delegation.ok()) return delegation.status();
  auto discovery = f.Bool(service, "portDiscovery", "spec.service");
  if (!discovery.ok()) return discovery.status();
  auto app_protocol = f.String(service, "appProtocol", "spec.service");
  if (!app_protocol.ok()) return app_protocol.status();
  auto apex_meta = ReadApexMetadata(service, f);
  if (!apex_meta.ok()) return apex_meta.status();
  const bool delegate = delegation->value_or(false);
  const bool any_hosts = *hosts != nullptr && !(*hosts)->items.empty();
  const bool any_gateways = *gateways != nullptr && !(*gateways)->items.empty();
  // Normalisation writes the default `[mesh]` when none is given; only other gateways clash with delegation.
  const bool only_mesh = any_gateways && (*gateways)->items.size() == 1 && (*gateways)->items[0].value == "mesh";
  if (delegate && (any_hosts || (any_gateways && !only_mesh))) {
    return f.Error(*service.Find("delegation"), "spec.service.delegation",
                   "a delegate VirtualService has no hosts and no gateways; remove spec.service." +
                       std::string(any_hosts ? "hosts" : "gateways") + " or the delegation");
  }

  RouteShape r;
  r.names = n;
  r.service = &service;
  r.service_match = *service_match;
  std::string protocol = app_protocol->value_or("");
  std::transform(protocol.begin(), protocol.end(), protocol.begin(), [](unsigned char c) { return std::tolower(c); });
  r.tcp = protocol == "tcp";
  const bool first_gateway_not_mesh = any_gateways && (*gateways)->items.front().value != "mesh";
  if (discovery->value_or(false) && (first_gateway_not_mesh || delegate)) r.port = service.Find("port")->AsInt();

  const bool annotated = in.annotations.IsMapping() && !in.annotations.fields.empty();
  const bool any_annotations = annotated || (apex_meta->annotations != nullptr && !apex_meta->annotations->fields.empty());
  const bool any_labels = apex_meta->labels != nullptr && !apex_meta->labels->fields.empty();
  Node vs = RoutingObject(kIstioApiVersion, "VirtualService", n.apex, in.canary->ns, any_labels + any_annotations);
  Node& meta = *vs.Find("metadata");
  if (any_labels) meta.Set("labels", *apex_meta->labels);
  if (any_annotations) {
    Node& a = meta.Set("annotations", apex_meta->annotations != nullptr ? *apex_meta->annotations : Node::Mapping());
    if (annotated)
      for (const yaml::Field& field : in.annotations.fields) a.Set(field.key, field.value);
  }
  Node& vs_spec = vs.Set("spec", Node::Mapping(3));
  if (!delegate) {
    Node& host_list = vs_spec.Set("hosts", Node::Sequence());
    bool listed = false;
    if (any_hosts) {
      for (const Node& h : (*hosts)->items) {
        listed = listed || (h.IsScalar() && (h.value == n.apex || h.value == "*"));
        host_list.items.push_back(h);
      }
    }
    if (!listed) host_list.items.push_back(Node::String(n.apex));
    Node& gateway_list = vs_spec.Set("gateways", any_gateways ? **gateways : Node::Sequence());
    if (!any_gateways) gateway_list.items.push_back(Node::String("mesh"));
  }
  if (r.tcp) {
    vs_spec.Set("tcp", TcpRoutes(in, r));
    return vs;
  }
  auto http = HttpRoutes(in, *src, r, f);
  if (!http.ok()) return http.status();
  vs_spec.Set("http", std::move(*http));
  return vs;
}

}  // namespace

Result<std::vector<Node>> MakeIstioRoutes(const RouteContext& c) {
  auto vs = MakeVirtualService(c.in, c.spec, c.service, c.names, c.f);
  if (!vs.ok()) return vs.status();
  std::vector<Node> out;
  out.reserve(3);
  out.push_back(MakeDestinationRule(c.names.primary, c.canary.ns, c.service));
  out.push_back(MakeDestinationRule(c.names.canary, c.canary.ns, c.service));
  out.push_back(std::move(*vs));
  return out;
}

}  // namespace gitcanary::render
