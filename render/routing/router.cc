#include "render/routing/router.h"

#include <utility>

#include "render/routing/gateway_api.h"
#include "render/routing/istio.h"
#include "render/routing/kubernetes.h"
#include "render/routing/nginx.h"
#include "render/routing/services.h"
#include "render/routing/smi.h"

namespace gitcanary::render {

using yaml::Node;

std::string ApexName(const Node& canary_doc) {
  const Node* name = canary_doc.Path({"spec", "service", "name"});
  if (name != nullptr && name->IsScalar() && !name->value.empty()) return name->value;
  const Node* target = canary_doc.Path({"spec", "targetRef", "name"});
  return target != nullptr && target->IsScalar() ? target->value : std::string();
}

Node RoutingObject(const char* api_version, const char* kind, const std::string& name, const std::string& ns,
                   std::size_t extra_metadata) {
  Node obj = Node::Mapping(4);
  obj.Set("apiVersion", Node::String(api_version));
  obj.Set("kind", Node::String(kind));
  Node& meta = obj.Set("metadata", Node::Mapping(1 + (ns.empty() ? 0 : 1) + extra_metadata));
  meta.Set("name", Node::String(name));
  if (!ns.empty()) meta.Set("namespace", Node::String(ns));
  return obj;
}

namespace {

Result<std::vector<Node>> ProviderRoutes(const RouteContext& c) {
  switch (c.in.provider) {
    case Provider::kIstio:
      return MakeIstioRoutes(c);
    case Provider::kGatewayApiV1:
    case Provider::kGatewayApiV1beta1:
      return MakeGatewayApiRoutes(c);
    case Provider::kLinkerd:
      return MakeSmiRoutes(c);
    case Provider::kNginx:
      return MakeNginxRoutes(c);
    case Provider::kKubernetes:
      return MakeKubernetesRoutes(c);
    default:
      return c.f.Error(c.spec, "spec.provider",
                       std::string(ProviderName(c.in.provider)) + " is not rendered yet in git mode: use --mode flagger");
  }
}

}  // namespace

Result<std::vector<Node>> MakeRouting(const RoutingInput& in_) {
  if (in_.canary == nullptr) return Status::Internal("MakeRouting: no Canary given");
  if (in_.selector_label.empty()) return Status::Internal("MakeRouting: no selector label given");
  const Manifest& m = *in_.canary;
  Fields f(m.file);
  if (in_.canary_weight < 0 || in_.canary_weight > 100) {
    return f.Error(m.doc, "status.canaryWeight", "must be between 0 and 100, got " + std::to_string(in_.canary_weight));
  }
  auto spec = f.Mapping(m.doc, "spec", "");
  if (!spec.ok()) return spec.status();
  if (*spec == nullptr) return f.Error(m.doc, "spec", "missing");
  auto service = f.Mapping(**spec, "service", "spec");
  if (!service.ok()) return service.status();
  if (*service == nullptr) return f.Error(**spec, "spec.service.port", "missing; the canary's Services need a port");
  const std::string apex = ApexName(m.doc);
  if (apex.empty()) return f.Error(**spec, "spec.targetRef.name", "missing");
  RoutingInput in = in_;
  if (in.selector_value.empty()) {
    const Node* target = m.doc.Path({"spec", "targetRef", "name"});
    in.selector_value = target != nullptr ? target->value : apex;
  }
  const RouteContext c{in, m, **spec, **service, RoutingNames{apex, apex + "-primary", apex + "-canary"}, f};
  auto services = MakeRoutingServices(in, **service, c.names, f);
  if (!services.ok()) return services.status();
  auto routes = ProviderRoutes(c);
  if (!routes.ok()) return routes.status();
  std::vector<Node> out = std::move(*services);
  out.reserve(out.size() + routes->size());
  for (Node& r : *routes) out.push_back(std::move(r));
  return out;
}

}  // namespace gitcanary::render
