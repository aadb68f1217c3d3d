#include "render/routing/smi.h"

#include <string>
#include <utility>

#include "render/generated_names.h"
#include "render/routing/refused_fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

const std::vector<RefusedField>& SmiRefusedFields() {
  static const std::vector<RefusedField> kRefused = {
      {"analysis", "match",
       "a TrafficSplit cannot route by request, and Flagger's A/B sets the weights to 0/100, so all traffic, not "
       "the matching requests, would reach the canary; for A/B with Linkerd use provider nginx (Linkerd's metrics "
       "still apply, as in Flagger's Linkerd guide) or gatewayapi:v1 / gatewayapi:v1beta1 with a gatewayRef to the "
       "Service"},
      {"analysis", "mirror",
       "a TrafficSplit cannot mirror: a progressive canary would redo its mirror step at weight 0 forever (Flagger's "
       "SMI router never reports the mirror done), and a Blue/Green one would mirror nothing; remove it, or use "
       "provider istio or gatewayapi:v1 / gatewayapi:v1beta1 (Blue/Green)"},
      {"analysis", "sessionAffinity",
       "a TrafficSplit has no cookie routes, so users would switch between versions on every request; remove it, or "
       "use provider istio or gatewayapi:v1 / gatewayapi:v1beta1"},
      {"service", "match",
       "a TrafficSplit splits every request to the Service, not only the matching ones; remove it"},
      {"service", "mirror", "a TrafficSplit sends no copies of requests; remove it"},
  };
  return kRefused;
}

// spec.service of the TrafficSplit: hosts[0] when given (Flagger's rule), else
// the apex; a host that names no Service is an error.
Result<std::string> RootService(const RouteContext& c) {
  const Node* hosts = c.service.Find("hosts");
  if (hosts == nullptr || !hosts->IsSequence() || hosts->items.empty()) return c.names.apex;
  const Node& first = hosts->items[0];
  if (!first.IsScalar()) return c.f.Error(first, "spec.service.hosts[0]", "expected a string");
  if (std::string problem = Dns1035LabelProblem(first.value); !problem.empty()) {
    return c.f.Error(first, "spec.service.hosts[0]",
                     "with provider linkerd the first host is the TrafficSplit's root Service, and \"" + first.value +
                         "\" is not a Service name (it " + problem +
                         "); Linkerd splits the traffic of the Service <name>.<namespace>.svc, so this split would "
                         "reach no one; remove hosts, or list the Service name first");
  }
  return first.value;
}

Node Backend(const std::string& service, long long weight) {
  Node b = Node::Mapping(2);
  b.Set("service", Node::String(service));
  b.Set("weight", Node::Int(weight));
  return b;
}

}  // namespace

Result<std::vector<Node>> MakeSmiRoutes(const RouteContext& c) {
  if (Status s = RefuseFields(c, SmiRefusedFields()); !s.ok()) return s;
  auto root = RootService(c);
  if (!root.ok()) return root.status();
  const bool annotated = c.in.annotations.IsMapping() && !c.in.annotations.fields.empty();
  Node ts = RoutingObject(kSmiApiVersion, "TrafficSplit", c.names.apex, c.canary.ns, annotated ? 1 : 0);
  if (annotated) ts.Find("metadata")->Set("annotations", c.in.annotations);
  Node& spec = ts.Set("spec", Node::Mapping(2));
  spec.Set("service", Node::String(std::move(*root)));
  Node& backends = spec.Set("backends", Node::Sequence());
  backends.items.reserve(2);
  backends.items.push_back(Backend(c.names.canary, c.in.canary_weight));
  backends.items.push_back(Backend(c.names.primary, 100 - c.in.canary_weight));
  std::vector<Node> out;
  out.push_back(std::move(ts));
  return out;
}

}  // namespace gitcanary::render
