#include "render/generated_objects.h"

namespace gitcanary::render {

using yaml::Node;

namespace {
Node Metadata(const std::string& name, const std::string& ns) {
  Node meta = Node::Mapping();
  meta.Set("name", Node::String(name));
  if (!ns.empty()) meta.Set("namespace", Node::String(ns));
  return meta;
}
}  // namespace

namespace {
// A DNS-1123 label (namespaces) or subdomain (object names, dots allowed).
bool IsDnsName(std::string_view s, bool dots) {
  if (s.empty() || s.size() > 253 || s.front() == '-' || s.back() == '-' || s.front() == '.' || s.back() == '.') return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || (dots && c == '.'))) return false;
  return true;
}
}  // namespace

Result<GatewayRef> ParseGatewayRef(const std::string& ref) {
  if (ref == "mesh") return GatewayRef{true, "", ""};
  constexpr std::string_view kSuffix = ".svc.cluster.local";
  GatewayRef out;
  if (auto slash = ref.find('/'); slash != std::string::npos) {
    out.ns = ref.substr(0, slash);
    out.name = ref.substr(slash + 1);
  } else if (ref.size() > kSuffix.size() && ref.compare(ref.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    std::string head = ref.substr(0, ref.size() - kSuffix.size());
    auto dot = head.rfind('.');
    if (dot == std::string::npos) {
      return Status::Invalid("gateway \"" + ref + "\" must read NAME.NAMESPACE.svc.cluster.local");
    }
    out.name = head.substr(0, dot);
    out.ns = head.substr(dot + 1);
  } else {
    out.name = ref;
  }
  if (!IsDnsName(out.name, true) || (!out.ns.empty() && !IsDnsName(out.ns, false)) ||
      (ref.find('/') != std::string::npos && out.ns.empty())) {
    return Status::Invalid("gateway \"" + ref + "\" is not mesh, NAMESPACE/NAME, NAME.NAMESPACE.svc.cluster.local or NAME");
  }
  return out;
}

Node MakeHpa(const std::string& name, const std::string& ns, const std::string& deployment,
             long long min_replicas, long long max_replicas, long long cpu_utilization) {
  Node hpa = Node::Mapping();
  hpa.Set("apiVersion", Node::String("autoscaling/v2"));
  hpa.Set("kind", Node::String("HorizontalPodAutoscaler"));
  hpa.Set("metadata", Metadata(name, ns));
  Node& spec = hpa.Set("spec", Node::Mapping());
  Node& target = spec.Set("scaleTargetRef", Node::Mapping());
  target.Set("apiVersion", Node::String("apps/v1"));
  target.Set("kind", Node::String("Deployment"));
  target.Set("name", Node::String(deployment));
  spec.Set("minReplicas", Node::Int(min_replicas));
  spec.Set("maxReplicas", Node::Int(max_replicas));
  Node metric = Node::Mapping();
  metric.Set("type", Node::String("Resource"));
  Node& resource = metric.Set("resource", Node::Mapping());
  resource.Set("name", Node::String("cpu"));
  Node& goal = resource.Set("target", Node::Mapping());
  goal.Set("type", Node::String("Utilization"));
  goal.Set("averageUtilization", Node::Int(cpu_utilization));
  spec.Set("metrics", Node::Sequence()).items.push_back(std::move(metric));
  return hpa;
}

Node MakeGateway(const std::string& name, const std::string& ns, const std::vector<std::string>& hosts,
                 const GatewaySettings* settings) {
  Node gw = Node::Mapping();
  gw.Set("apiVersion", Node::String("networking.istio.io/v1beta1"));
  gw.Set("kind", Node::String("Gateway"));
  gw.Set("metadata", Metadata(name, ns));
  Node& spec = gw.Set("spec", Node::Mapping());
  if (settings != nullptr && settings->selector) {
    spec.Set("selector", *settings->selector);
  } else {
    spec.Set("selector", Node::Mapping()).Set("istio", Node::String("ingressgateway"));
  }
  Node host_list = Node::Sequence();
  if (hosts.empty()) host_list.items.push_back(Node::String("*"));
  for (const std::string& h : hosts) host_list.items.push_back(Node::String(h));
  Node& servers = spec.Set("servers", Node::Sequence());
  if (settings != nullptr && settings->servers) {
    for (const Node& configured : settings->servers->items) {
      Node server = configured;
      server.Set("hosts", host_list);
      servers.items.push_back(std::move(server));
    }
    return gw;
  }
  Node server = Node::Mapping();
  Node& port = server.Set("port", Node::Mapping());
  port.Set("number", Node::Int(80));
  port.Set("name", Node::String("http"));
  port.Set("protocol", Node::String("HTTP"));
  server.Set("hosts", std::move(host_list));
  servers.items.push_back(std::move(server));
  return gw;
}

}  // namespace gitcanary::render
