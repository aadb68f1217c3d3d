#include "render/routing/gateway_api_checks.h"

#include <algorithm>
#include <string>
#include <string_view>

namespace gitcanary::render {

using yaml::Node;

namespace {

// An HTTPRoute hostname: lower-case RFC 1123 labels, the first one maybe `*`
// alone (`*.example.com`), at most 253 characters.
bool IsRouteHostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  if (h.substr(0, 2) == "*.") h.remove_prefix(2);
  std::size_t start = 0;
  while (true) {
    const std::size_t end = std::min(h.find('.', start), h.size());
    const std::string_view label = h.substr(start, end - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    if (end == h.size()) return true;
    start = end + 1;
  }
}

bool IsSet(const Node* n) {
  if (n == nullptr || n->IsNull()) return false;
  if (n->IsSequence()) return !n->items.empty();
  if (n->IsMapping()) return !n->fields.empty();
  return n->AsBool() != std::optional<bool>(false);
}

}  // namespace

Status CheckGatewayApiSpec(const RouteContext& c, bool v1) {
  const Fields& f = c.f;
  const std::string provider(ProviderName(c.in.provider));
  const Node& service = c.service;
  const Node* refs = service.Find("gatewayRefs");
  if (refs == nullptr || !refs->IsSequence() || refs->items.empty()) {
    return f.Error(refs != nullptr ? *refs : service, "spec.service.gatewayRefs",
                   "missing: " + provider + " attaches HTTPRoute " + c.names.apex +
                       " to the parents it lists; add spec.service.gatewayRefs, e.g. [{name: <gateway>, namespace: "
                       "<its namespace>}], or for a mesh (GAMMA) [{group: core, kind: Service, name: " +
                       c.names.apex + ", port: <service port>}]");
  }
  if (const Node* hosts = service.Find("hosts"); hosts != nullptr && hosts->IsSequence()) {
    for (std::size_t i = 0; i < hosts->items.size(); ++i) {
      const Node& h = hosts->items[i];
      if (h.IsScalar() && IsRouteHostname(h.value)) continue;
      return f.Error(h, "spec.service.hosts[" + std::to_string(i) + "]",
                     Shown(h) + " is no HTTPRoute hostname (lower-case DNS labels, optionally after a leading " +
                         "\"*.\"; \"*\" alone, IPs and ports are not): leave spec.service.hosts out to match every " +
                         "host, or name the hosts");
    }
  }
  if (const Node* gateways = service.Find("gateways"); gateways != nullptr && gateways->IsSequence()) {
    for (std::size_t i = 0; i < gateways->items.size(); ++i) {
      if (gateways->items[i].value == "mesh") continue;
      return f.Error(gateways->items[i], "spec.service.gateways[" + std::to_string(i) + "]",
                     "Istio gateways do not apply to " + provider +
                         ", whose HTTPRoute attaches through spec.service.gatewayRefs only (Flagger ignores this "
                         "field): move the gateway to spec.service.gatewayRefs and remove it here");
    }
  }
  static constexpr std::pair<const char*, const char*> kIstioOnly[] = {
      {"trafficPolicy", "Flagger writes no DestinationRule under Gateway API, so the traffic policy would not apply"},
      {"retries", "Flagger's HTTPRoute carries no retry policy, so the retries would not happen"},
      {"delegation", "an HTTPRoute is not an Istio delegate VirtualService"},
  };
  for (const auto& [key, why] : kIstioOnly) {
    const Node* v = service.Find(key);
    if (!IsSet(v)) continue;
    return f.Error(*v, std::string("spec.service.") + key,
                   "is Istio-only and " + provider + " does not render it: " + why +
                       "; remove it or use provider istio");
  }
  const Node* analysis = c.spec.Find("analysis");
  if (analysis != nullptr && analysis->IsMapping()) {
    if (const Node* w = analysis->Find("mirrorWeight"); w != nullptr && w->AsInt().value_or(0) > 0) {
      return f.Error(*w, "spec.analysis.mirrorWeight",
                     "Flagger's Gateway API router mirrors every request (it writes no mirror percentage), so this "
                     "weight would not apply: remove it");
    }
    const Node* match = analysis->Find("match");
    const Node* affinity = analysis->Find("sessionAffinity");
    if (IsSet(match) && IsSet(affinity)) {
      return f.Error(*affinity, "spec.analysis.sessionAffinity",
                     "cannot be combined with spec.analysis.match under " + provider +
                         ": Flagger's cookie rule would then send every request to the canary, not only the matching "
                         "ones; remove one of them");
    }
    const Node* mirror = analysis->Find("mirror");
    const Node* iterations = analysis->Find("iterations");
    if (mirror != nullptr && mirror->AsBool().value_or(false) &&
        (iterations == nullptr || iterations->AsInt().value_or(0) <= 0)) {
      return f.Error(*mirror, "spec.analysis.mirror",
                     "under " + provider +
                         " Flagger mirrors only Blue/Green canaries (analysis.iterations); with progressive weights it "
                         "never writes the mirror, so the canary would never advance: remove mirror or use iterations");
    }
    if (!v1 && affinity != nullptr && affinity->IsMapping()) {
      if (const Node* p = affinity->Find("primaryCookieName"); IsSet(p) && !p->value.empty()) {
        return f.Error(*p, "spec.analysis.sessionAffinity.primaryCookieName",
                       "Flagger's gatewayapi:v1beta1 router sets the canary cookie only: use provider gatewayapi:v1 or "
                       "remove it");
      }
    }
  }
  if (!v1) {
    for (const char* key : {"timeout", "backendTimeout", "corsPolicy"}) {
      const Node* v = service.Find(key);
      if (!IsSet(v)) continue;
      return f.Error(*v, std::string("spec.service.") + key,
                     "Flagger's gatewayapi:v1beta1 router does not write it (only gatewayapi:v1 has HTTPRoute " +
                         std::string(key[0] == 'c' ? "CORS filters" : "timeouts") +
                         "): use provider gatewayapi:v1 or remove it");
    }
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
