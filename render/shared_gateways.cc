#include "render/shared_gateways.h"

#include <algorithm>

#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/generated_objects.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

std::vector<std::string> Strings(const Node* list) {
  std::vector<std::string> out;
  if (list == nullptr || !list->IsSequence()) return out;
  for (const Node& item : list->items)
    if (item.IsScalar() && item.IsStringScalar()) out.push_back(item.value);
  return out;
}

void AddCanary(const Manifest& canary, GatewayUses* uses) {
  const Node* service = canary.doc.Path({"spec", "service"});
  if (service == nullptr) return;
  const std::vector<std::string> hosts = Strings(service->Find("hosts"));
  for (const std::string& ref : Strings(service->Find("gateways"))) {
    auto gw = ParseGatewayRef(ref);
    if (!gw.ok() || gw->mesh) continue;
    const std::string ns = gw->ns.empty() ? canary.ns : gw->ns;
    if (ns.empty()) continue;  // the app's namespace: not shared
    HostSet& set = uses->named[{ns, gw->name}];
    if (hosts.empty()) set.any = true;
    set.hosts.insert(hosts.begin(), hosts.end());
  }
}

// "a" contains "a" and "a/b"; "" contains everything.
bool Contains(const std::string& dir, const std::string& path) {
  return dir.empty() || path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

std::string Shown(const GatewayKey& key) { return key.first + "/" + key.second; }

}  // namespace

GatewayUses CollectGatewayUses(const std::vector<Manifest>& manifests, const AppConfig& config) {
  GatewayUses uses;
  std::vector<Manifest> templated;
  for (const Manifest& m : manifests) {
    if (m.kind == "Canary" && m.Group() == kCanaryGroup) {
      AddCanary(m, &uses);
    } else if (m.kind == "Gateway" && m.Group() == "networking.istio.io" && !m.ns.empty()) {
      uses.defined.insert({m.ns, m.name});
    } else if (m.kind == "Deployment" && !config.templates.empty() &&
               m.doc.Path({"metadata", "annotations", kTemplateAnnotation}) != nullptr) {
      templated.push_back(m);
    }
  }
  if (templated.empty()) return uses;
  const std::size_t first = templated.size();
  std::vector<std::string> ignored;
  // With no app namespace: every app of the repository is read alike.
  if (!ExpandCanaryTemplates(templated, config, "", &ignored).ok()) return uses;
  for (std::size_t i = first; i < templated.size(); ++i) AddCanary(templated[i], &uses);
  return uses;
}

Result<GatewayPlan> PlanSharedGateways(const std::string& app_dir, const GatewayUses& own,
                                       const std::vector<OtherApp>& others, const AppConfig& config,
                                       const std::string& config_dir, const std::vector<std::string>& unread) {
  GatewayPlan plan;
  for (const auto& [key, own_hosts] : own.named) {
    if (own.defined.count(key) != 0) continue;  // the app's own Gateway wins, as without a plan
    SharedGateway& g = plan[key];
    auto configured = config.gateways.find(key);
    if (configured != config.gateways.end()) g.settings = configured->second;
    if (g.settings && g.settings->external) {
      g.reason = "external in " + g.settings->file;
      continue;
    }
    const OtherApp* definer = nullptr;
    std::vector<const OtherApp*> naming;
    for (const OtherApp& other : others) {
      if (definer == nullptr && other.uses.defined.count(key) != 0) definer = &other;
      if (other.uses.named.count(key) != 0) naming.push_back(&other);
    }
    if (definer != nullptr) {
      g.reason = "defined in app " + (definer->dir.empty() ? std::string(".") : definer->dir);
      continue;
    }
    g.hosts = own_hosts;
    for (const OtherApp* other : naming) {
      const HostSet& h = other->uses.named.at(key);
      g.hosts.any = g.hosts.any || h.any;
      g.hosts.hosts.insert(h.hosts.begin(), h.hosts.end());
    }
    std::string owner = app_dir;
    if (g.settings && g.settings->owner) {
      std::string named = config_dir.empty() ? *g.settings->owner
                          : g.settings->owner->empty() ? config_dir : config_dir + "/" + *g.settings->owner;
      bool known = Contains(app_dir, named);
      for (const OtherApp* other : naming) known = known || Contains(other->dir, named);
      std::string unread_owner;
      for (const std::string& dir : unread)
        if (Contains(dir, named)) unread_owner = dir;
      if (!known && !unread_owner.empty()) {
        g.reason = "emitted by app " + unread_owner;
        continue;
      }
      if (!known) {
        const Node& at = g.settings->owner_node;
        return Status::Invalid(AtPlace(g.settings->file, at.mark.line, at.mark.column,
                                       "gateways." + Shown(key) + ".owner: no app at \"" + *g.settings->owner +
                                           "\" names this gateway in its Canaries' service.gateways"));
      }
      owner = Contains(app_dir, named) ? app_dir : named;
      for (const OtherApp* other : naming)
        if (Contains(other->dir, named)) owner = other->dir;
    } else {
      for (const OtherApp* other : naming) owner = std::min(owner, other->dir);
    }
    g.emit = owner == app_dir;
    if (!g.emit) {
      g.reason = "emitted by app " + owner;
    } else if (!naming.empty()) {
      std::string list;
      for (const OtherApp* other : naming) list += (list.empty() ? "" : ", ") + other->dir;
      g.reason = "also named by " + list;
    }
  }
  return plan;
}

}  // namespace gitcanary::render
