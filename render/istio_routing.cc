#include "render/istio_routing.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr const char* kIstioApiVersion = "networking.istio.io/v1beta1";
// Copied from spec.service onto every http route, in this order, after `match`.
constexpr const char* kRouteFields[] = {"rewrite", "retries", "timeout", "headers", "corsPolicy"};

struct Names {
  std::string apex, primary, canary;
};

// apiVersion, kind and metadata, with room for spec and `extra_metadata` more metadata fields.
Node Object(const char* api_version, const char* kind, const std::string& name, const std::string& ns,
            std::size_t extra_metadata = 0) {
  Node obj = Node::Mapping(4);
  obj.Set("apiVersion", Node::String(api_version));
  obj.Set("kind", Node::String(kind));
  Node& meta = obj.Set("metadata", Node::Mapping(1 + (ns.empty() ? 0 : 1) + extra_metadata));
  meta.Set("name", Node::String(name));
  if (!ns.empty()) meta.Set("namespace", Node::String(ns));
  return obj;
}

// An IntOrString value as a fresh node: an integer, or a string.
Node IntOrStringNode(const Node& n) {
  if (auto v = n.AsInt()) return Node::Int(*v);
  return Node::String(n.value);
}

Node ServicePort(Node name, long long port, Node target_port, const std::string& protocol) {
  Node p = Node::Mapping(4);
  p.Set("name", std::move(name));
  p.Set("port", Node::Int(port));
  p.Set("targetPort", std::move(target_port));
  p.Set("protocol", Node::String(protocol));
  return p;
}

// The container ports of the pod template, as written; malformed entries (no
// integer containerPort) are left out, the Deployment's own checks own them.
struct ContainerPort {
  long long number = 0;
  std::string name;  // "" when unnamed
  std::string protocol;
};

std::vector<ContainerPort> ContainerPorts(const Node* pod_template) {
  std::vector<ContainerPort> out;
  if (pod_template == nullptr) return out;
  const Node* containers = pod_template->Path({"spec", "containers"});
  if (containers == nullptr || !containers->IsSequence()) return out;
  for (const Node& c : containers->items) {
    const Node* ports = c.Find("ports");
    if (ports == nullptr || !ports->IsSequence()) continue;
    for (const Node& p : ports->items) {
      const Node* number = p.Find("containerPort");
      if (number == nullptr || !number->AsInt()) continue;
      ContainerPort cp{*number->AsInt(), "", "TCP"};
      if (const Node* name = p.Find("name"); name != nullptr && name->IsStringScalar()) cp.name = name->value;
      if (const Node* proto = p.Find("protocol"); proto != nullptr && proto->IsStringScalar()) cp.protocol = proto->value;
      out.push_back(std::move(cp));
    }
  }
  return out;
}

// The number the main port targets: targetPort itself, or the container port
// a named targetPort names (nullopt when no container port has that name).
std::optional<long long> ResolveTargetPort(const Node& target_port, const std::vector<ContainerPort>& ports) {
  if (auto v = target_port.AsInt()) return v;
  for (const ContainerPort& p : ports)
    if (p.name == target_port.value) return p.number;
  return std::nullopt;
}

// The ports portDiscovery adds after the main one: sorted by number, one per
// number, none for the main target or the service port itself, unique names.
std::vector<Node> DiscoveredPorts(const std::vector<ContainerPort>& found, std::optional<long long> main_target,
                                  long long service_port, const std::string& main_name) {
  std::vector<ContainerPort> ports = found;
  std::stable_sort(ports.begin(), ports.end(),
                   [](const ContainerPort& a, const ContainerPort& b) { return a.number < b.number; });
  std::set<long long> numbers{service_port};
  if (main_target) numbers.insert(*main_target);
  std::set<std::string> names{main_name};
  std::vector<Node> out;
  for (const ContainerPort& p : ports) {
    if (!numbers.insert(p.number).second) continue;
    std::string fallback = "tcp-" + std::to_string(p.number);
    std::string name = p.name.empty() || names.count(p.name) > 0 ? fallback : p.name;
    names.insert(name);
    out.push_back(ServicePort(Node::String(name), p.number, Node::Int(p.number), p.protocol));
  }
  return out;
}

struct ServiceShape {
  Node ports = Node::Sequence();
};

Result<ServiceShape> ReadServiceShape(const RoutingInput& in, const Node& service, const Fields& f) {
  const std::string path = "spec.service";
  auto port = f.Int(service, "port", path);
  if (!port.ok()) return port.status();
  if (!port->has_value()) return f.Error(service, JoinPath(path, "port"), "missing; the canary's Services need a port");
  auto target = f.IntOrString(service, "targetPort", path);
  if (!target.ok()) return target.status();
  Node target_port = target->has_value() ? IntOrStringNode(**target) : Node::Int(**port);
  auto port_name = f.String(service, "portName", path);
  if (!port_name.ok()) return port_name.status();
  std::string main_name = port_name->value_or("http");
  auto discovery = f.Bool(service, "portDiscovery", path);
  if (!discovery.ok()) return discovery.status();
  ServiceShape shape;
  shape.ports.items.push_back(ServicePort(Node::String(main_name), **port, target_port, "TCP"));
  if (discovery->value_or(false)) {
    std::vector<ContainerPort> found = ContainerPorts(in.pod_template);
    for (Node& p : DiscoveredPorts(found, ResolveTargetPort(target_port, found), **port, main_name))
      shape.ports.items.push_back(std::move(p));
  }
  return shape;
}

Node MakeService(const std::string& name, const std::string& ns, const std::string& label,
                 const std::string& selects, Node ports) {
  Node svc = Object("v1", "Service", name, ns);
  Node& spec = svc.Set("spec", Node::Mapping(3));
  spec.Set("type", Node::String("ClusterIP"));
  spec.Set("selector", Node::Mapping(1)).Set(label, Node::String(selects));
  spec.Set("ports", std::move(ports));
  return svc;
}

Node MakeDestinationRule(const std::string& host, const std::string& ns, const Node& service) {
  Node dr = Object(kIstioApiVersion, "DestinationRule", host, ns);
  const Node* policy = service.Find("trafficPolicy");
  const bool has_policy = policy != nullptr && !policy->IsNull();
  Node& spec = dr.Set("spec", Node::Mapping(has_policy ? 2 : 1));
  spec.Set("host", Node::String(host));
  if (has_policy) spec.Set("trafficPolicy", *policy);
  return dr;
}

Node Destination(const std::string& host, long long weight) {
  Node d = Node::Mapping(2);
  d.Set("destination", Node::Mapping(1)).Set("host", Node::String(host));
  d.Set("weight", Node::Int(weight));
  return d;
}

// One http route: match (when given), the service's route fields, then the split.
Node HttpRoute(const Node* match, const Node& service, const Names& n, long long canary_weight) {
  Node route = Node::Mapping();
  if (match != nullptr) route.Set("match", *match);
  for (const char* key : kRouteFields)
    if (const Node* v = service.Find(key); v != nullptr && !v->IsNull()) route.Set(key, *v);
  Node& split = route.Set("route", Node::Sequence());
  split.items.reserve(2);
  split.items.push_back(Destination(n.primary, 100 - canary_weight));
  split.items.push_back(Destination(n.canary, canary_weight));
  return route;
}

struct RouteSources {
  const Node* service_match = nullptr;  // spec.service.match
  const Node* ab_match = nullptr;       // spec.analysis.match when a non-empty list
  std::optional<long long> mirror_weight;
};

Result<RouteSources> ReadRouteSources(const Node& spec, const Node& service, const Fields& f) {
  RouteSources out;
  auto service_match = f.Sequence(service, "match", "spec.service");
  if (!service_match.ok()) return service_match.status();
  out.service_match = *service_match;
  auto analysis = f.Mapping(spec, "analysis", "spec");
  if (!analysis.ok()) return analysis.status();
  if (*analysis == nullptr) return out;
  auto ab_match = f.Sequence(**analysis, "match", "spec.analysis");
  if (!ab_match.ok()) return ab_match.status();
  if (*ab_match != nullptr && !(*ab_match)->items.empty()) out.ab_match = *ab_match;
  auto mirror_weight = f.Int(**analysis, "mirrorWeight", "spec.analysis");
  if (!mirror_weight.ok()) return mirror_weight.status();
  out.mirror_weight = *mirror_weight;
  return out;
}

Node HttpRoutes(const RoutingInput& in, const Node& service, const RouteSources& src, const Names& n) {
  Node http = Node::Sequence();
  http.items.reserve(src.ab_match != nullptr ? 2 : 1);
  if (src.ab_match != nullptr) {
    http.items.push_back(HttpRoute(src.ab_match, service, n, in.canary_weight));
    http.items.push_back(HttpRoute(src.service_match, service, n, 0));
  } else {
    http.items.push_back(HttpRoute(src.service_match, service, n, in.canary_weight));
  }
  if (in.mirror) {
    Node& last = http.items.back();
    last.Set("mirror", Node::Mapping(1)).Set("host", Node::String(n.canary));
    if (src.mirror_weight) last.Set("mirrorPercentage", Node::Mapping(1)).Set("value", Node::Int(*src.mirror_weight));
  }
  return http;
}

Result<Node> MakeVirtualService(const RoutingInput& in, const Node& spec, const Node& service, const Names& n,
                                const Fields& f) {
  auto src = ReadRouteSources(spec, service, f);
  if (!src.ok()) return src.status();
  auto hosts = f.Sequence(service, "hosts", "spec.service");
  if (!hosts.ok()) return hosts.status();
  auto gateways = f.Sequence(service, "gateways", "spec.service");
  if (!gateways.ok()) return gateways.status();
  const bool annotated = in.annotations.IsMapping() && !in.annotations.fields.empty();
  Node vs = Object(kIstioApiVersion, "VirtualService", n.apex, in.canary->ns, annotated ? 1 : 0);
  if (annotated) vs.Find("metadata")->Set("annotations", in.annotations);
  Node& vs_spec = vs.Set("spec", Node::Mapping(3));
  Node& host_list = vs_spec.Set("hosts", Node::Sequence());
  bool listed = false;
  if (*hosts != nullptr) {
    for (const Node& h : (*hosts)->items) {
      listed = listed || (h.IsStringScalar() && h.value == n.apex);
      host_list.items.push_back(h);
    }
  }
  if (!listed) host_list.items.push_back(Node::String(n.apex));
  Node gateway_list = Node::Sequence();
  if (*gateways != nullptr) gateway_list = **gateways;
  if (gateway_list.items.empty()) gateway_list.items.push_back(Node::String("mesh"));
  vs_spec.Set("gateways", std::move(gateway_list));
  vs_spec.Set("http", HttpRoutes(in, service, *src, n));
  return vs;
}

}  // namespace

Result<std::vector<Node>> MakeIstioRouting(const RoutingInput& in) {
  if (in.canary == nullptr) return Status::Internal("MakeIstioRouting: no Canary given");
  if (in.selector_label.empty()) return Status::Internal("MakeIstioRouting: no selector label given");
  const Manifest& m = *in.canary;
  Fields f(m.file);
  if (in.canary_weight < 0 || in.canary_weight > 100) {
    return f.Error(m.doc, "status.canaryWeight",
                   "must be between 0 and 100, got " + std::to_string(in.canary_weight));
  }
  auto spec = f.Mapping(m.doc, "spec", "");
  if (!spec.ok()) return spec.status();
  if (*spec == nullptr) return f.Error(m.doc, "spec", "missing");
  auto service = f.Mapping(**spec, "service", "spec");
  if (!service.ok()) return service.status();
  if (*service == nullptr) return f.Error(**spec, "spec.service.port", "missing; the canary's Services need a port");
  auto shape = ReadServiceShape(in, **service, f);
  if (!shape.ok()) return shape.status();
  const Names n{m.name, m.name + "-primary", m.name + "-canary"};
  auto vs = MakeVirtualService(in, **spec, **service, n, f);
  if (!vs.ok()) return vs.status();
  std::vector<Node> out;
  out.reserve(6);
  out.push_back(MakeService(n.apex, m.ns, in.selector_label, n.primary, shape->ports));
  out.push_back(MakeService(n.primary, m.ns, in.selector_label, n.primary, shape->ports));
  out.push_back(MakeService(n.canary, m.ns, in.selector_label, n.apex, std::move(shape->ports)));
  out.push_back(MakeDestinationRule(n.primary, m.ns, **service));
  out.push_back(MakeDestinationRule(n.canary, m.ns, **service));
  out.push_back(std::move(*vs));
  return out;
}

}  // namespace gitcanary::render
