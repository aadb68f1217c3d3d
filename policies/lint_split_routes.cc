#include "policies/lint_split_routes.h"

#include <map>
#include <utility>

#include "render/routing/provider.h"
#include "render/routing/router.h"

namespace gitcanary::policies {

using render::Manifest;
using yaml::Node;

namespace {

using ServiceKey = std::pair<std::string, std::string>;  // (namespace, Service name)

// An HTTPRoute's attachment to a Service: where it is written and what it is.
struct Attachment {
  ServiceKey service;
  const Manifest* source;
  int line;
  std::string what;  // "HTTPRoute NAME" or "the HTTPRoute of canary NS/NAME"
};

std::string Scalar(const Node* n) { return n != nullptr && n->IsScalar() ? n->value : std::string(); }

bool IsServiceRef(const Node& ref) {
  const std::string group = Scalar(ref.Find("group"));
  return Scalar(ref.Find("kind")) == "Service" && (group.empty() || group == "core");
}

// The Services that `refs` (parentRefs or gatewayRefs) attach to.
void AddServiceRefs(const Node* refs, const Manifest& m, const std::string& ns, const std::string& what,
                    std::vector<Attachment>* out) {
  if (refs == nullptr || !refs->IsSequence()) return;
  for (const Node& ref : refs->items) {
    const Node* name = ref.Find("name");
    if (!ref.IsMapping() || !IsServiceRef(ref) || name == nullptr || !name->IsScalar()) continue;
    const std::string ref_ns = Scalar(ref.Find("namespace"));
    out->push_back(Attachment{{ref_ns.empty() ? ns : ref_ns, name->value}, &m, name->mark.line, what});
  }
}

std::string CanaryWho(const Manifest& c, const std::string& app_ns) {
  return "canary " + c.EffectiveNamespace(app_ns) + "/" + c.name;
}

}  // namespace

std::vector<Finding> CheckSplitWithHttpRoute(const std::vector<Manifest>& ms, const std::vector<std::size_t>& canaries,
                                             const std::string& default_provider, const std::string& app_ns) {
  std::map<ServiceKey, std::string> splits;  // Service -> the TrafficSplit that routes it
  std::vector<Attachment> routes;
  for (const Manifest& m : ms) {
    const std::string& ns = m.EffectiveNamespace(app_ns);
    if (m.kind == "TrafficSplit" && m.Group() == "split.smi-spec.io") {
      const std::string service = Scalar(m.doc.Path({"spec", "service"}));
      if (!service.empty()) splits.emplace(ServiceKey{ns, service}, "TrafficSplit " + m.name);
    } else if (m.kind == "HTTPRoute" && (m.Group() == "gateway.networking.k8s.io" || m.Group() == "policy.linkerd.io")) {
      AddServiceRefs(m.doc.Path({"spec", "parentRefs"}), m, ns, "HTTPRoute " + m.name, &routes);
    }
  }
  for (std::size_t i : canaries) {
    const Manifest& c = ms[i];
    const std::string provider = render::EffectiveProvider(c, default_provider);
    const std::string& ns = c.EffectiveNamespace(app_ns);
    if (provider == "linkerd") {
      const Node* hosts = c.doc.Path({"spec", "service", "hosts"});
      std::string service = hosts != nullptr && hosts->IsSequence() && !hosts->items.empty()
                                ? Scalar(&hosts->items[0])
                                : render::ApexName(c.doc);
      splits.emplace(ServiceKey{ns, service}, "the TrafficSplit of " + CanaryWho(c, app_ns) + " (provider linkerd)");
    } else if (provider.rfind("gatewayapi", 0) == 0) {
      AddServiceRefs(c.doc.Path({"spec", "service", "gatewayRefs"}), c, ns,
                     "the HTTPRoute of " + CanaryWho(c, app_ns) + " (provider " + provider + ")", &routes);
    }
  }
  std::vector<Finding> out;
  for (const Attachment& r : routes) {
    auto split = splits.find(r.service);
    if (split == splits.end()) continue;
    out.push_back(Finding{
        Severity::kWarning, r.source->file, r.line, "split-with-httproute",
        r.what + " attaches to Service " + r.service.first + "/" + r.service.second + ", which " + split->second +
            " also routes; Linkerd ignores a Service's HTTPRoutes while it has a ServiceProfile, and the linkerd-smi "
            "extension writes one for every TrafficSplit, so this HTTPRoute does nothing: route the Service one way, "
            "either provider gatewayapi:v1 or gatewayapi:v1beta1 with a gatewayRef to it (Linkerd 2.14 or later) or "
            "the TrafficSplit"});
  }
  return out;
}

}  // namespace gitcanary::policies
