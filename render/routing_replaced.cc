#include "render/routing_replaced.h"

#include <algorithm>
#include <map>
#include <set>

#include "render/fields.h"
#include "render/routing/router.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// Resolves a port (number, or container port name) to a number; nullopt if unknown.
std::optional<long long> ResolvePort(const Node& port, const Node& pod_spec) {
  if (auto n = port.AsInt()) return n;
  const Node* containers = pod_spec.Find("containers");
  if (containers == nullptr) return std::nullopt;
  for (const Node& c : containers->items) {
    const Node* ports = c.Find("ports");
    if (ports == nullptr) continue;
    for (const Node& p : ports->items) {
      const Node* name = p.Find("name");
      const Node* number = p.Find("containerPort");
      if (name != nullptr && number != nullptr && name->value == port.value) return number->AsInt();
    }
  }
  return std::nullopt;
}

bool SamePort(const Node& a, const Node& b, const Node& pod_spec) {
  auto x = ResolvePort(a, pod_spec);
  auto y = ResolvePort(b, pod_spec);
  if (x && y) return *x == *y;
  return a.value == b.value;
}

Status CheckTargetPort(const Manifest& service, const Manifest& canary, const CanaryInfo& info,
                       const Node& pod_spec) {
  Fields f(service.file);
  const Node* ports = service.doc.Path({"spec", "ports"});
  if (ports == nullptr || !ports->IsSequence() || ports->items.empty()) return Status::Ok();
  for (const Node& p : ports->items) {
    const Node* target = p.Find("targetPort");
    const Node* port = p.Find("port");
    const Node* effective = target != nullptr ? target : port;
    if (effective != nullptr && SamePort(*effective, info.target_port, pod_spec)) return Status::Ok();
  }
  const Node& first = ports->items.front();
  const bool has_target = first.Find("targetPort") != nullptr;
  const Node* shown = has_target ? first.Find("targetPort") : first.Find("port");
  return f.Error(shown != nullptr ? *shown : first, has_target ? "spec.ports[0].targetPort" : "spec.ports[0].port",
                 "Service " + service.name + " sends traffic to port " + (shown ? shown->value : "?") +
                     ", but " + canary.Describe() + " routes to targetPort " + info.target_port.value +
                     "; make spec.service.targetPort of the Canary match before its routing replaces this Service");
}

// Service names an Ingress backend points at; "" for a non-Service backend.
void CollectBackends(const Node& ingress_spec, std::vector<std::pair<std::string, const Node*>>* out) {
  auto add = [out](const Node* backend, const Node* where) {
    if (backend == nullptr) return;
    const Node* v1 = backend->Path({"service", "name"});
    const Node* beta = backend->Find("serviceName");
    const Node* name = v1 != nullptr ? v1 : beta;
    out->emplace_back(name != nullptr && name->IsScalar() ? name->value : std::string(), where);
  };
  add(ingress_spec.Find("defaultBackend"), ingress_spec.Find("defaultBackend"));
  add(ingress_spec.Find("backend"), ingress_spec.Find("backend"));
  const Node* rules = ingress_spec.Find("rules");
  if (rules == nullptr) return;
  for (const Node& rule : rules->items) {
    const Node* paths = rule.Path({"http", "paths"});
    if (paths == nullptr) continue;
    for (const Node& p : paths->items) add(p.Find("backend"), &p);
  }
}

bool IsIngress(const Manifest& m) {
  return m.kind == "Ingress" && (m.api_version == "networking.k8s.io/v1" ||
                                 m.api_version == "networking.k8s.io/v1beta1" ||
                                 m.api_version == "extensions/v1beta1");
}

// The key of ServiceIndex::by_first_label.
std::string LabelKey(const std::string& ns, const std::string& key, const std::string& value) {
  std::string out = ns;
  out += '\0';
  out += key;
  out += '\0';
  out += value;
  return out;
}

}  // namespace

ServiceIndex IndexServices(const std::vector<Manifest>& manifests, const std::string& app_namespace) {
  ServiceIndex out;
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    if (m.kind != "Service" || m.api_version != "v1") continue;
    const std::string& ns = m.EffectiveNamespace(app_namespace);
    const Node* selector = m.doc.Path({"spec", "selector"});
    if (selector == nullptr || !selector->IsMapping() || selector->fields.empty()) continue;  // selects no pods
    const yaml::Field& first = selector->fields.front();
    out.by_first_label[LabelKey(ns, first.key, first.value.value)].push_back(i);
  }
  return out;
}

bool SelectsPods(const Node& selector, const Node& pod_labels) {
  if (!selector.IsMapping() || selector.fields.empty()) return false;
  for (const yaml::Field& f : selector.fields) {
    const Node* label = pod_labels.Find(f.key);
    if (label == nullptr || !label->IsScalar() || label->value != f.value.value) return false;
  }
  return true;
}

std::vector<std::size_t> CandidateServices(const ServiceIndex& services, const std::string& ns,
                                           const Node& pod_labels) {
  std::vector<std::size_t> out;
  for (const yaml::Field& label : pod_labels.fields) {
    if (!label.value.IsScalar()) continue;
    auto it = services.by_first_label.find(LabelKey(ns, label.key, label.value.value));
    if (it != services.by_first_label.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  std::sort(out.begin(), out.end());  // input order, as messages and `explain` follow it
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<std::size_t>> MarkReplacedServices(const std::vector<Manifest>& manifests,
                                                      const ServiceIndex& services, const Manifest& canary,
                                                      const CanaryInfo& info, const Manifest& target,
                                                      const std::string& app_namespace, std::vector<bool>* removed,
                                                      std::vector<std::string>* explain) {
  std::vector<std::size_t> now;
  const Node* labels = target.doc.Path({"spec", "template", "metadata", "labels"});
  const Node* pod_spec = target.doc.Path({"spec", "template", "spec"});
  if (labels == nullptr || pod_spec == nullptr || !labels->IsMapping()) return now;
  const std::string& ns = canary.EffectiveNamespace(app_namespace);
  for (std::size_t i : CandidateServices(services, ns, *labels)) {
    const Manifest& m = manifests[i];
    const Node* selector = m.doc.Path({"spec", "selector"});
    if (!SelectsPods(*selector, *labels)) continue;
    if ((*removed)[i]) {
      return Fields(m.file).Error(*selector, "spec.selector",
                                  "Service " + m.name + " selects the pods of more than one Canary's target, "
                                  "including " + target.Describe() + "; narrow its selector or split it");
    }
    Status s = CheckTargetPort(m, canary, info, *pod_spec);
    if (!s.ok()) return s;
    (*removed)[i] = true;
    now.push_back(i);
    explain->push_back("removed " + m.Describe() + ": it selects the pods of " + target.Describe() +
                       ", whose traffic " + canary.Describe() + " now routes");
  }
  return now;
}

bool RoutingReplacesIngresses(std::string_view provider) {
  // Meshes route what is sent to the apex Service; nginx and skipper copy the
  // Ingress; kubernetes has Services only.
  constexpr std::string_view kKeep[] = {"linkerd", "nginx", "kubernetes", "skipper", "kuma", "osm"};
  for (std::string_view keep : kKeep)
    if (provider == keep) return false;
  return provider.substr(0, 4) != "smi:" && provider.substr(0, 7) != "appmesh";
}

namespace {

using ServiceKey = std::pair<std::string, std::string>;  // (namespace, name)

// Ingresses Flagger reads through a Canary's ingressRef (nginx, skipper).
std::set<ServiceKey> IngressRefs(const std::vector<IngressRouter>& canaries, const std::string& app_namespace) {
  std::set<ServiceKey> out;
  for (const IngressRouter& c : canaries) {
    if (c.info->provider != "nginx" && c.info->provider != "skipper") continue;
    const Node* name = c.canary->doc.Path({"spec", "ingressRef", "name"});
    if (name != nullptr && name->IsScalar()) out.emplace(c.canary->EffectiveNamespace(app_namespace), name->value);
  }
  return out;
}

// What becomes of one Ingress's backends.
struct BackendFate {
  std::string replaced;                                 // a Service the routing replaces ("" if none)
  const std::pair<std::string, const Node*>* kept = nullptr;  // the first backend that stays
  std::string rendered;                                 // an apex Service a keeping Canary renders
  const IngressRouter* rendered_by = nullptr;
};

}  // namespace

Status MarkReplacedIngresses(const std::vector<Manifest>& manifests, const std::vector<IngressRouter>& canaries,
                             const std::vector<int>& replaced_by, const std::string& app_namespace,
                             std::vector<bool>* removed, std::vector<std::string>* explain) {
  std::map<ServiceKey, const IngressRouter*> gone;  // removed Service -> the Canary whose routing replaces it
  for (std::size_t i = 0; i < manifests.size(); ++i)
    if ((*removed)[i] && manifests[i].kind == "Service" && replaced_by[i] >= 0)
      gone.emplace(ServiceKey{manifests[i].EffectiveNamespace(app_namespace), manifests[i].name},
                   &canaries[static_cast<std::size_t>(replaced_by[i])]);
  const std::set<ServiceKey> refs = IngressRefs(canaries, app_namespace);
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    const Node* spec = m.doc.Find("spec");
    if (!IsIngress(m) || spec == nullptr) continue;
    std::vector<std::pair<std::string, const Node*>> backends;
    CollectBackends(*spec, &backends);
    const std::string& ns = m.EffectiveNamespace(app_namespace);
    BackendFate fate;
    for (const auto& b : backends) {
      auto it = gone.find({ns, b.first});
      if (it == gone.end()) {
        if (fate.kept == nullptr) fate.kept = &b;
        continue;
      }
      const IngressRouter& by = *it->second;
      if (RoutingReplacesIngresses(by.info->provider)) {
        fate.replaced = b.first;
        continue;
      }
      const std::string apex = ApexName(by.canary->doc);
      if (b.first != apex) {
        return Fields(m.file).Error(*b.second, "spec",
                                    "Ingress " + m.name + " routes to Service " + b.first + ", which goes: " +
                                        by.canary->Describe() + " (provider " + by.info->provider +
                                        ") sends the traffic of its pods through Service " + apex +
                                        " and leaves Ingresses as written; point this backend at Service " + apex);
      }
      if (fate.kept == nullptr) fate.kept = &b;
      if (fate.rendered.empty()) {
        fate.rendered = apex;
        fate.rendered_by = &by;
      }
    }
    if (!fate.rendered.empty()) {
      explain->push_back("kept " + m.Describe() + ": it routes to Service " + fate.rendered + ", the apex Service of " +
                         fate.rendered_by->canary->Describe() + " (provider " +
                         fate.rendered_by->info->provider + " leaves Ingresses as written)");
    }
    if (fate.replaced.empty() || refs.count({ns, m.name}) != 0) continue;
    if (fate.kept != nullptr) {
      std::string what = fate.kept->first.empty() ? "a non-Service backend" : "Service " + fate.kept->first;
      return Fields(m.file).Error(*fate.kept->second, "spec",
                                  "Ingress " + m.name + " routes to Service " + fate.replaced +
                                      ", which the canary's routing replaces, and still routes to " + what +
                                      ", which stays; move those paths to an Ingress of their own");
    }
    (*removed)[i] = true;
    explain->push_back("removed " + m.Describe() + ": all its backends point at Service " + fate.replaced +
                       ", which the canary's routing replaces");
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
