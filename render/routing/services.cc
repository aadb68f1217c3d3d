#include "render/routing/services.h"

#include <algorithm>
#include <map>
#include <utility>

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr const char* kSidecars[] = {"istio-proxy", "envoy"};

bool IsSidecar(const std::string& name) {
  return std::any_of(std::begin(kSidecars), std::end(kSidecars), [&](const char* s) { return name == s; });
}

Node ServicePort(const std::string& name, long long port, Node target_port, const std::string& app_protocol) {
  Node p = Node::Mapping(app_protocol.empty() ? 4 : 5);
  p.Set("name", Node::String(name));
  p.Set("port", Node::Int(port));
  p.Set("targetPort", std::move(target_port));
  p.Set("protocol", Node::String("TCP"));
  if (!app_protocol.empty()) p.Set("appProtocol", Node::String(app_protocol));
  return p;
}

struct Discovered {
  long long number = 0;
};

// The container ports portDiscovery adds, by name (a later port of one name
// replaces an earlier one). Left out: sidecar containers, and the port the
// main port targets (service.port without a targetPort, else the targetPort's
// number or name).
std::map<std::string, Discovered> DiscoverPorts(const Node* pod_template, long long port, const Node* target) {
  std::map<std::string, Discovered> out;
  if (pod_template == nullptr) return out;
  const Node* containers = pod_template->Path({"spec", "containers"});
  if (containers == nullptr || !containers->IsSequence()) return out;
  for (const Node& c : containers->items) {
    const Node* cname = c.Find("name");
    const std::string container = cname != nullptr && cname->IsScalar() ? cname->value : "";
    if (IsSidecar(container)) continue;
    const Node* ports = c.Find("ports");
    if (ports == nullptr || !ports->IsSequence()) continue;
    for (std::size_t i = 0; i < ports->items.size(); ++i) {
      const Node& p = ports->items[i];
      const Node* number = p.Find("containerPort");
      if (number == nullptr || !number->AsInt()) continue;
      const Node* name = p.Find("name");
      const std::string declared = name != nullptr && name->IsScalar() ? name->value : "";
      if (target == nullptr) {
        if (*number->AsInt() == port) continue;
      } else if (auto t = target->AsInt()) {
        if (*number->AsInt() == *t) continue;
      } else if (declared == target->value) {
        continue;
      }
      const std::string key = declared.empty() ? "tcp-" + container + "-" + std::to_string(i) : declared;
      out[key] = Discovered{*number->AsInt()};
    }
  }
  return out;
}

// labels and annotations of service.<which>, plus `<label>: <name>`.
Result<Node> CustomMetadata(const Node& service, const char* which, const std::string& name,
                            const std::string& ns, const RoutingInput& in, const Fields& f) {
  const std::string path = std::string("spec.service.") + which;
  auto meta = f.Mapping(service, which, "spec.service");
  if (!meta.ok()) return meta.status();
  Node labels = Node::Mapping();
  Node annotations = Node::Mapping();
  if (*meta != nullptr) {
    auto l = f.Mapping(**meta, "labels", path);
    if (!l.ok()) return l.status();
    if (*l != nullptr) labels = **l;
    auto a = f.Mapping(**meta, "annotations", path);
    if (!a.ok()) return a.status();
    if (*a != nullptr) annotations = **a;
  }
  labels.Set(in.selector_label, Node::String(name));
  Node out = Node::Mapping(4);
  out.Set("name", Node::String(name));
  if (!ns.empty()) out.Set("namespace", Node::String(ns));
  out.Set("labels", std::move(labels));
  if (!annotations.fields.empty()) out.Set("annotations", std::move(annotations));
  return out;
}

struct ServiceOptions {
  bool headless = false;
  std::optional<std::string> traffic_distribution;
};

Result<Node> NewService(const RoutingInput& in, const Node& service, const char* which, const std::string& name,
                        const std::string& selects, const Node& ports, const ServiceOptions& opt, const Fields& f) {
  auto meta = CustomMetadata(service, which, name, in.canary->ns, in, f);
  if (!meta.ok()) return meta.status();
  Node svc = Node::Mapping(4);
  svc.Set("apiVersion", Node::String("v1"));
  svc.Set("kind", Node::String("Service"));
  svc.Set("metadata", std::move(*meta));
  Node& spec = svc.Set("spec", Node::Mapping(5));
  spec.Set("type", Node::String("ClusterIP"));
  if (opt.headless) spec.Set("clusterIP", Node::String("None"));
  spec.Set("selector", Node::Mapping(1)).Set(in.selector_label, Node::String(selects));
  spec.Set("ports", ports);
  if (opt.traffic_distribution) spec.Set("trafficDistribution", Node::String(*opt.traffic_distribution));
  return svc;
}

// The app's own Service X, adopted: its selector and ports set, the rest kept.
Node AdoptedService(const RoutingInput& in, const std::string& selects, const Node& ports) {
  Node svc = *in.replaced_service;
  Node& spec = svc.Set("spec", svc.Find("spec") != nullptr && svc.Find("spec")->IsMapping() ? *svc.Find("spec")
                                                                                           : Node::Mapping());
  Node new_ports = ports;
  if (const Node* old = spec.Find("ports"); old != nullptr && old->IsSequence()) {
    for (Node& p : new_ports.items) {
      for (const Node& o : old->items) {
        const Node* name = o.Find("name");
        const Node* node_port = o.Find("nodePort");
        if (name == nullptr || node_port == nullptr || name->value != p.Find("name")->value) continue;
        if (auto v = node_port->AsInt(); v && *v > 0) p.Set("nodePort", Node::Int(*v));
        break;
      }
    }
  }
  Node selector = Node::Mapping(1);
  selector.Set(in.selector_label, Node::String(selects));
  spec.Set("selector", std::move(selector));
  spec.Set("ports", std::move(new_ports));
  return svc;
}

}  // namespace

Result<Node> RoutingPorts(const RoutingInput& in, const Node& service, const Fields& f) {
  const std::string path = "spec.service";
  auto port = f.Int(service, "port", path);
  if (!port.ok()) return port.status();
  if (!port->has_value()) return f.Error(service, JoinPath(path, "port"), "missing; the canary's Services need a port");
  auto target = f.IntOrString(service, "targetPort", path);
  if (!target.ok()) return target.status();
  Node target_port = Node::Int(**port);
  if (target->has_value()) {
    if (auto v = (*target)->AsInt()) target_port = Node::Int(*v);
    else target_port = Node::String((*target)->value);
  }
  auto port_name = f.String(service, "portName", path);
  if (!port_name.ok()) return port_name.status();
  const std::string main_name = port_name->value_or("http");
  auto app_protocol = f.String(service, "appProtocol", path);
  if (!app_protocol.ok()) return app_protocol.status();
  auto discovery = f.Bool(service, "portDiscovery", path);
  if (!discovery.ok()) return discovery.status();
  Node ports = Node::Sequence();
  ports.items.push_back(ServicePort(main_name, **port, std::move(target_port), app_protocol->value_or("")));
  if (!discovery->value_or(false)) return ports;
  auto found = DiscoverPorts(in.pod_template, **port, target->has_value() ? &**target : nullptr);
  std::vector<std::pair<std::string, Discovered>> sorted(found.begin(), found.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.number < b.second.number; });
  std::map<long long, std::string> numbers{{**port, main_name}};
  for (const auto& [name, d] : sorted) {
    if (auto [it, fresh] = numbers.emplace(d.number, name); !fresh && it->second != main_name) {
      const Node* at = service.Find("portDiscovery");
      return f.Error(at != nullptr ? *at : service, "spec.service.portDiscovery",
                     "portDiscovery finds container ports " + it->second + " and " + name + " on one number, " +
                         std::to_string(d.number) + ", and a Service cannot list a port twice; give the pod's "
                         "containers distinct port numbers");
    }
    if (name == main_name || d.number == **port) {
      const Node* at = service.Find("portDiscovery");
      return f.Error(at != nullptr ? *at : service, "spec.service.portDiscovery",
                     "portDiscovery finds container port " + name + " (" + std::to_string(d.number) +
                         "), which clashes with the canary's main port " + main_name + " (" +
                         std::to_string(**port) + "); rename the container port or set spec.service.targetPort");
    }
    ports.items.push_back(ServicePort(name, d.number, Node::Int(d.number), ""));
  }
  return ports;
}

Result<std::vector<Node>> MakeRoutingServices(const RoutingInput& in, const Node& service, const RoutingNames& n,
                                              const Fields& f) {
  auto ports = RoutingPorts(in, service, f);
  if (!ports.ok()) return ports.status();
  ServiceOptions opt;
  auto headless = f.Bool(service, "headless", "spec.service");
  if (!headless.ok()) return headless.status();
  opt.headless = headless->value_or(false);
  auto distribution = f.String(service, "trafficDistribution", "spec.service");
  if (!distribution.ok()) return distribution.status();
  opt.traffic_distribution = *distribution;
  const std::string& value = in.selector_value;  // filled by MakeRouting
  const std::string primary_value = value + "-primary";
  std::vector<Node> out;
  out.reserve(3);
  if (in.replaced_service != nullptr) {
    out.push_back(AdoptedService(in, primary_value, *ports));
  } else {
    auto apex = NewService(in, service, "apex", n.apex, primary_value, *ports, opt, f);
    if (!apex.ok()) return apex.status();
    out.push_back(std::move(*apex));
  }
  auto primary = NewService(in, service, "primary", n.primary, primary_value, *ports, opt, f);
  if (!primary.ok()) return primary.status();
  out.push_back(std::move(*primary));
  auto canary = NewService(in, service, "canary", n.canary, value, *ports, opt, f);
  if (!canary.ok()) return canary.status();
  out.push_back(std::move(*canary));
  return out;
}

}  // namespace gitcanary::render
