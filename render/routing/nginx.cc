#include "render/routing/nginx.h"

#include <string>
#include <utility>

#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

constexpr const char* kIngressApiVersion = "networking.k8s.io/v1";
constexpr std::string_view kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";
const std::string kOtherProviders = "use provider istio or gatewayapi:v1";

std::string Nginx(std::string_view suffix) { return std::string(kNginxAnnotationPrefix) + std::string(suffix); }

// The A/B route of analysis.match, as ingress-nginx's canary-by-* annotations hold it.
struct HeaderRoute {
  std::string header, value, pattern;  // canary-by-header, -value (exact), -pattern (regex)
  std::string cookie;                  // canary-by-cookie: the cookie's name
  bool Any() const { return !header.empty() || !cookie.empty(); }
};

std::string Indexed(std::size_t i) { return "spec.analysis.match[" + std::to_string(i) + "]"; }

// One header of match i into `route`; `seen_header` names the header already kept ("" if none).
Status ReadHeader(const yaml::Field& h, std::size_t i, const Fields& f, HeaderRoute* route, std::string* seen_header,
                  std::string* seen_cookie) {
  const std::string path = Indexed(i) + ".headers." + h.key;
  const Node* exact = h.value.Find("exact");
  const Node* regex = h.value.Find("regex");
  if (h.key == "cookie") {
    if (exact == nullptr) {
      return f.Error(h.value, path, "ingress-nginx's canary-by-cookie names one cookie, which Flagger takes from "
                                    "`exact` (the client sends `Cookie: <name>=always`); Flagger ignores any other "
                                    "cookie match: write the cookie's name as exact");
    }
    if (!seen_cookie->empty()) {
      return f.Error(h.value, path, "ingress-nginx's canary-by-cookie names one cookie, and this is a second one (" +
                                        *seen_cookie + " comes first): Flagger would keep the last only; keep one");
    }
    *seen_cookie = Indexed(i);
    route->cookie = exact->value;
    return Status::Ok();
  }
  if (exact == nullptr && regex == nullptr) {
    return f.Error(h.value, path, "ingress-nginx's canary-by-header matches a value (exact) or a pattern (regex) only; "
                                  "Flagger would drop the prefix or suffix, and the header alone routes only the "
                                  "values always and never: write it as exact or regex");
  }
  if (!seen_header->empty()) {
    const bool same_match = seen_header->rfind(Indexed(i) + ".", 0) == 0;
    return f.Error(h.value, path, "ingress-nginx routes a canary by one header (canary-by-header), and " + *seen_header +
                                      " is already one: Flagger would keep " +
                                      (same_match ? "one of them at random" : "the last one") +
                                      "; keep one header (a cookie may be a second match), or " + kOtherProviders);
  }
  *seen_header = Indexed(i) + ".headers." + h.key;
  route->header = h.key;
  if (exact != nullptr) route->value = exact->value;
  if (regex != nullptr) route->pattern = regex->value;
  return Status::Ok();
}

// analysis.match as one header and one cookie, each an alternative (ingress-nginx
// sends a request to the canary when either matches).
Result<HeaderRoute> ReadMatch(const Node& match, const Fields& f) {
  HeaderRoute route;
  std::string seen_header, seen_cookie;
  for (std::size_t i = 0; i < match.items.size(); ++i) {
    const Node& m = match.items[i];
    if (!m.IsMapping()) return f.Error(m, Indexed(i), "expected a mapping");
    for (const yaml::Field& field : m.fields) {
      if (field.key == "headers") continue;
      return f.Error(field.value, Indexed(i) + "." + field.key,
                     "ingress-nginx routes an A/B test by one header or one cookie only; Flagger's NGINX router "
                     "silently ignores " + field.key + ", so requests this match excludes would reach the canary: "
                     "remove it, or " + kOtherProviders);
    }
    const Node* headers = m.Find("headers");
    if (headers == nullptr || !headers->IsMapping() || headers->fields.empty()) {
      return f.Error(m, Indexed(i), "a match without a header: ingress-nginx routes an A/B test by a header or a "
                                    "cookie only; add one");
    }
    bool cookie = false, other = false;
    for (const yaml::Field& h : headers->fields) (h.key == "cookie" ? cookie : other) = true;
    if (cookie && other) {
      return f.Error(*headers, Indexed(i) + ".headers",
                     "requires a header and a cookie together, and ingress-nginx sends a request to the canary when "
                     "either matches (Flagger maps them to canary-by-header and canary-by-cookie): put them in two "
                     "matches, or " + kOtherProviders);
    }
    for (const yaml::Field& h : headers->fields) {
      Status s = ReadHeader(h, i, f, &route, &seen_header, &seen_cookie);
      if (!s.ok()) return s;
    }
  }
  return route;
}

// What the NGINX provider refuses in spec.analysis; the A/B route when analysis.match is set.
Result<HeaderRoute> ReadAnalysis(const Node& spec, const Fields& f) {
  auto analysis = f.Mapping(spec, "analysis", "spec");
  if (!analysis.ok()) return analysis.status();
  if (*analysis == nullptr) return HeaderRoute{};
  auto mirror = f.Bool(**analysis, "mirror", "spec.analysis");
  if (!mirror.ok()) return mirror.status();
  if (mirror->value_or(false)) {
    return f.Error(*(*analysis)->Find("mirror"), "spec.analysis.mirror",
                   "the nginx provider cannot mirror traffic: Flagger's NGINX router never reports the mirror as "
                   "done, so the canary would never advance; remove it, or " + kOtherProviders);
  }
  if (const Node* affinity = (*analysis)->Find("sessionAffinity"); affinity != nullptr && !affinity->IsNull()) {
    return f.Error(*affinity, "spec.analysis.sessionAffinity",
                   "the nginx provider has no session affinity: Flagger's NGINX router ignores it, so a user "
                   "would move between primary and canary; remove it, or " + kOtherProviders);
  }
  auto match = f.Sequence(**analysis, "match", "spec.analysis");
  if (!match.ok()) return match.status();
  if (*match == nullptr || (*match)->items.empty()) return HeaderRoute{};
  return ReadMatch(**match, f);
}

// spec.ingressRef.name, checked: a networking.k8s.io/v1 Ingress.
Result<const Node*> IngressRefName(const RouteContext& c) {
  const Fields& f = c.f;
  auto ref = f.Mapping(c.spec, "ingressRef", "spec");
  if (!ref.ok()) return ref.status();
  if (*ref == nullptr) {
    return f.Error(c.spec, "spec.ingressRef",
                   "missing: the nginx provider copies the Ingress it names (networking.k8s.io/v1) into "
                   "<name>-canary, which carries the canary's share of the traffic");
  }
  const Node* api = (*ref)->Find("apiVersion");
  const Node* kind = (*ref)->Find("kind");
  if (api != nullptr && !api->IsNull() && api->value != kIngressApiVersion) {
    return f.Error(*api, "spec.ingressRef.apiVersion",
                   Shown(*api) + ": the nginx provider reads a networking.k8s.io/v1 Ingress, as Flagger does; "
                   "write the Ingress and its ingressRef as networking.k8s.io/v1");
  }
  if (kind != nullptr && !kind->IsNull() && kind->value != "Ingress") {
    return f.Error(*kind, "spec.ingressRef.kind", Shown(*kind) + ": the nginx provider reads an Ingress");
  }
  const Node* name = (*ref)->Find("name");
  if (name == nullptr || !name->IsScalar() || name->value.empty())
    return f.Error(**ref, "spec.ingressRef.name", "missing: name the Ingress that routes to Service " + c.names.apex);
  return name;
}

// The user's Ingress spec with every rule path backend naming the apex renamed to the canary Service.
Result<Node> CanarySpec(const RouteContext& c, const Node& ingress, const Node& name) {
  const std::string where = "Ingress " + name.value;
  if (const Node* api = ingress.Find("apiVersion"); api == nullptr || api->value != kIngressApiVersion) {
    return c.f.Error(name, "spec.ingressRef.name",
                     where + " is " + (api != nullptr ? api->value : std::string("without apiVersion")) +
                         ": the nginx provider copies a networking.k8s.io/v1 Ingress, as Flagger reads it; write "
                         "it as networking.k8s.io/v1");
  }
  const Node* spec = ingress.Find("spec");
  Node copy = spec != nullptr && spec->IsMapping() ? *spec : Node::Mapping();
  bool renamed = false;
  if (Node* rules = copy.Find("rules"); rules != nullptr && rules->IsSequence()) {
    for (Node& rule : rules->items) {
      Node* paths = rule.IsMapping() && rule.Find("http") != nullptr ? rule.Find("http")->Find("paths") : nullptr;
      if (paths == nullptr || !paths->IsSequence()) continue;
      for (Node& p : paths->items) {
        Node* backend = p.IsMapping() ? p.Find("backend") : nullptr;
        Node* service = backend != nullptr && backend->IsMapping() ? backend->Find("service") : nullptr;
        Node* svc_name = service != nullptr && service->IsMapping() ? service->Find("name") : nullptr;
        if (svc_name == nullptr || svc_name->value != c.names.apex) continue;
        *svc_name = Node::String(c.names.canary);
        renamed = true;
      }
    }
  }
  if (!renamed) {
    return c.f.Error(name, "spec.ingressRef.name",
                     where + " has no rule path whose backend is Service " + c.names.apex +
                         " (the apex): the canary Ingress sends that path's traffic to " + c.names.canary +
                         "; point a path of the Ingress at Service " + c.names.apex);
  }
  return copy;
}

// The user's annotations minus canary and last-applied keys, then the canary's.
Node CanaryAnnotations(const RouteContext& c, const Node* user, const HeaderRoute& route) {
  Node a = Node::Mapping(8);
  if (user != nullptr && user->IsMapping()) {
    const std::string canary_key = Nginx("canary");
    for (const yaml::Field& field : user->fields) {
      if (field.key.find(canary_key) != std::string::npos || field.key.find(kLastApplied) != std::string::npos)
        continue;
      a.Set(field.key, field.value);
    }
  }
  const bool ab = route.Any() && c.in.canary_weight > 0;
  a.Set(Nginx("canary"), Node::String("true"));
  // Flagger never writes a weight for an A/B test: its requests go by header or cookie.
  a.Set(Nginx("canary-weight"), Node::String(route.Any() ? "0" : std::to_string(c.in.canary_weight)));
  if (ab) {
    if (!route.header.empty()) a.Set(Nginx("canary-by-header"), Node::String(route.header));
    if (!route.value.empty()) a.Set(Nginx("canary-by-header-value"), Node::String(route.value));
    if (!route.pattern.empty()) a.Set(Nginx("canary-by-header-pattern"), Node::String(route.pattern));
    if (!route.cookie.empty()) a.Set(Nginx("canary-by-cookie"), Node::String(route.cookie));
  }
  if (c.in.annotations.IsMapping())
    for (const yaml::Field& field : c.in.annotations.fields) a.Set(field.key, field.value);
  return a;
}

}  // namespace

Result<std::vector<Node>> MakeNginxRoutes(const RouteContext& c) {
  auto name = IngressRefName(c);
  if (!name.ok()) return name.status();
  auto route = ReadAnalysis(c.spec, c.f);
  if (!route.ok()) return route.status();
  if (c.in.ingress == nullptr) {
    return c.f.Error(**name, "spec.ingressRef.name",
                     "Ingress " + (*name)->value + " is not in the app (namespace " +
                         (c.canary.ns.empty() ? std::string("of the app") : c.canary.ns) +
                         "): the nginx provider copies it into " + (*name)->value + "-canary; add it");
  }
  const Node& ingress = *c.in.ingress;
  auto spec = CanarySpec(c, ingress, **name);
  if (!spec.ok()) return spec.status();
  const Node* labels = ingress.Path({"metadata", "labels"});
  const bool any_labels = labels != nullptr && labels->IsMapping() && !labels->fields.empty();
  Node out = RoutingObject(kIngressApiVersion, "Ingress", (*name)->value + "-canary", c.canary.ns, 1 + any_labels);
  Node& meta = *out.Find("metadata");
  if (any_labels) meta.Set("labels", *labels);
  meta.Set("annotations", CanaryAnnotations(c, ingress.Path({"metadata", "annotations"}), *route));
  out.Set("spec", std::move(*spec));
  std::vector<Node> objs;
  objs.push_back(std::move(out));
  return objs;
}

}  // namespace gitcanary::render
