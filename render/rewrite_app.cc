#include "render/rewrite_app.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "render/fields.h"
#include "render/generated_objects.h"
#include "render/routing_replaced.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

// Objects are found by API group and kind (a Gateway API Gateway is not an
// Istio Gateway), namespace and name.
std::string IndexKey(std::string_view group, std::string_view kind, const std::string& ns, const std::string& name) {
  std::string key(group);
  key += '\0';
  key += kind;
  key += '\0';
  key += ns;
  key += '\0';
  key += name;
  return key;
}

struct Context {
  std::vector<Manifest>& manifests;
  const AppConfig& config;
  const std::string& app_ns;
  std::vector<std::string>* explain;
  std::unordered_map<std::string, std::size_t> index;  // kind/namespace/name -> manifest

  void BuildIndex() {
    index.reserve(manifests.size());
    for (std::size_t i = 0; i < manifests.size(); ++i)
      index.emplace(IndexKey(manifests[i].Group(), manifests[i].kind, manifests[i].EffectiveNamespace(app_ns), manifests[i].name), i);
  }

  Manifest* Find(std::string_view group, std::string_view kind, const std::string& ns, const std::string& name) {
    auto it = index.find(IndexKey(group, kind, ns, name));
    return it == index.end() ? nullptr : &manifests[it->second];
  }
};

Manifest MakeManifest(Node doc, const std::string& file) {
  Manifest m;
  m.doc = std::move(doc);
  m.file = file;
  m.RefreshIdentity();
  return m;
}

// Steps 1 and 2 for one Canary.
Status ScaleWithHpa(Context& ctx, const Manifest& canary, const CanaryInfo& info, Manifest& target,
                    std::vector<Manifest>* generated) {
  if (info.autoscaler.empty()) return Status::Ok();
  Fields f(target.file);
  auto replicas = f.Int(*target.doc.Find("spec"), "replicas", "spec");
  if (!replicas.ok()) return replicas.status();
  if (replicas->has_value()) {
    target.doc.Find("spec")->Erase("replicas");
    ctx.explain->push_back("removed spec.replicas (" + std::to_string(**replicas) + ") from " +
                           target.Describe() + ": HPA " + info.autoscaler + " of " + canary.Describe() +
                           " owns scaling");
  }
  const std::string ns = canary.EffectiveNamespace(ctx.app_ns);
  if (ctx.Find("autoscaling", "HorizontalPodAutoscaler", ns, info.autoscaler) != nullptr) return Status::Ok();
  const HpaDefaults& d = ctx.config.hpa;
  long long max = std::max(d.max_replicas, replicas->value_or(0));
  generated->push_back(MakeManifest(MakeHpa(info.autoscaler, canary.ns, info.target, d.min_replicas, max,
                                            d.cpu_utilization), canary.file));
  ctx.explain->push_back("generated " + generated->back().Describe() + " for " + canary.Describe() +
                         " (min " + std::to_string(d.min_replicas) + ", max " + std::to_string(max) +
                         (max > d.max_replicas ? " from the removed replicas" : "") + ", cpu " +
                         std::to_string(d.cpu_utilization) + "%)");
  return Status::Ok();
}

// Step 3 for all Canaries: one Gateway per reference, hosts merged. A
// Gateway shared with other apps follows the plan: it is emitted by one app
// only, with the hosts of all of them.
void GenerateGateways(Context& ctx, const std::vector<CanaryRef>& canaries, const GatewayPlan* plan,
                      std::vector<Manifest>* generated) {
  struct Wanted {
    std::string ns_written;
    HostSet hosts;
    std::string by;
    const SharedGateway* shared = nullptr;
  };
  std::map<GatewayKey, Wanted> wanted;  // (effective ns, name)
  for (const CanaryRef& c : canaries) {
    const Manifest& canary = ctx.manifests[c.index];
    for (const std::string& ref : c.info.gateways) {
      auto gw = ParseGatewayRef(ref);  // validated with the Canary
      if (!gw.ok() || gw->mesh) continue;
      std::string ns_written = gw->ns.empty() ? canary.ns : gw->ns;
      std::string ns = ns_written.empty() ? ctx.app_ns : ns_written;
      if (ctx.Find("networking.istio.io", "Gateway", ns, gw->name) != nullptr) continue;
      Wanted& w = wanted[{ns, gw->name}];
      if (w.ns_written.empty()) w.ns_written = ns_written;  // an explicit namespace wins, whatever the order
      if (w.by.empty()) w.by = canary.Describe();
      if (c.info.hosts.empty()) w.hosts.any = true;
      w.hosts.hosts.insert(c.info.hosts.begin(), c.info.hosts.end());
      if (plan != nullptr && !ns_written.empty()) {
        auto it = plan->find({ns, gw->name});
        if (it != plan->end()) w.shared = &it->second;
      }
    }
  }
  for (auto& [key, w] : wanted) {
    const std::string shown = "Gateway " + key.first + "/" + key.second;
    const GatewaySettings* settings = nullptr;
    if (w.shared != nullptr) {
      if (w.shared->settings) settings = &*w.shared->settings;
    } else if (auto it = ctx.config.gateways.find(key); it != ctx.config.gateways.end()) {
      settings = &it->second;
    }
    if (settings != nullptr && settings->external) {
      ctx.explain->push_back("did not generate " + shown + " named in service.gateways of " + w.by +
                             ": external in " + settings->file);
      continue;
    }
    if (w.shared != nullptr && !w.shared->emit) {
      ctx.explain->push_back("did not generate " + shown + " named in service.gateways of " + w.by + ": " +
                             w.shared->reason);
      continue;
    }
    const HostSet& hosts = w.shared != nullptr ? w.shared->hosts : w.hosts;
    std::vector<std::string> list;
    if (!hosts.any) list.assign(hosts.hosts.begin(), hosts.hosts.end());
    generated->push_back(MakeManifest(MakeGateway(key.second, w.ns_written, list, settings), ""));
    std::string line = "generated " + generated->back().Describe() + " named in service.gateways of " + w.by;
    if (w.shared != nullptr && !w.shared->reason.empty()) line += " (" + w.shared->reason + ": hosts of all of them)";
    ctx.explain->push_back(std::move(line));
  }
}

// One Deployment, and one HPA, belong to at most one Canary: two Canaries over
// one object would fight, and which one wins would depend on input order.
Status ClaimOnce(const Manifest& canary, const std::string& object, std::string_view path,
                 std::map<std::string, const Manifest*>* claims) {
  auto [it, fresh] = claims->emplace(object, &canary);
  if (fresh) return Status::Ok();
  const Node* at = canary.doc.Path({"spec", path == "spec.targetRef.name" ? "targetRef" : "autoscalerRef", "name"});
  return Fields(canary.file).Error(at != nullptr ? *at : canary.doc, path,
                                   object + " is already claimed by " + it->second->Describe() + " (" +
                                       it->second->file + "); give each Canary its own");
}

}  // namespace

Status RewriteApp(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                  const AppConfig& config, const std::string& app_namespace, const GatewayPlan* gateways,
                  std::vector<std::string>* explain, std::vector<Manifest>* dropped) {
  Context ctx{manifests, config, app_namespace, explain, {}};
  ctx.BuildIndex();
  std::vector<Manifest> generated;
  generated.reserve(canaries.size());  // an HPA each at most, and a few Gateways
  std::vector<bool> removed(manifests.size(), false);
  std::map<std::string, const Manifest*> claims;  // object -> the one Canary that owns it
  const ServiceIndex services = IndexServices(manifests, app_namespace);
  std::vector<IngressRouter> routers;
  routers.reserve(canaries.size());
  std::vector<int> replaced_by(manifests.size(), -1);  // the Canary whose Services replace a removed Service
  for (const CanaryRef& c : canaries) {
    const Manifest& canary = manifests[c.index];
    const std::string ns = canary.EffectiveNamespace(app_namespace);
    if (!c.helm_release.empty()) continue;  // the chart renders the target, its HPA and Services
    Manifest* target = ctx.Find("apps", "Deployment", ns, c.info.target);
    if (target == nullptr) {
      const Node* at = canary.doc.Path({"spec", "targetRef", "name"});
      return Fields(canary.file).Error(at != nullptr ? *at : canary.doc, "spec.targetRef.name",
                                       "Deployment \"" + c.info.target + "\" not found in namespace " + ns);
    }
    Status s = ClaimOnce(canary, "Deployment " + ns + "/" + c.info.target, "spec.targetRef.name", &claims);
    if (!s.ok()) return s;
    if (!c.info.autoscaler.empty()) {
      s = ClaimOnce(canary, "HorizontalPodAutoscaler " + ns + "/" + c.info.autoscaler, "spec.autoscalerRef.name", &claims);
      if (!s.ok()) return s;
    }
    s = ScaleWithHpa(ctx, canary, c.info, *target, &generated);
    if (!s.ok()) return s;
    auto replaced = MarkReplacedServices(manifests, services, canary, c.info, *target, app_namespace, &removed, explain);
    if (!replaced.ok()) return replaced.status();
    for (std::size_t i : *replaced) replaced_by[i] = static_cast<int>(routers.size());
    routers.push_back(IngressRouter{&canary, &c.info});
  }
  Status s = MarkReplacedIngresses(manifests, routers, replaced_by, app_namespace, &removed, explain);
  if (!s.ok()) return s;
  GenerateGateways(ctx, canaries, gateways, &generated);
  dropped->reserve(dropped->size() + static_cast<std::size_t>(std::count(removed.begin(), removed.end(), true)));
  MoveDropped(manifests, [&removed](std::size_t i) { return removed[i]; }, dropped);
  manifests.reserve(manifests.size() + generated.size());
  for (Manifest& g : generated) manifests.push_back(std::move(g));
  return Status::Ok();
}

}  // namespace gitcanary::render
