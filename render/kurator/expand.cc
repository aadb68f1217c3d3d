#include "render/kurator/expand.h"

#include <map>

#include "core/status.h"
#include "render/fields.h"
#include "render/kurator/application.h"
#include "render/kurator/canary_from_rollout.h"
#include "render/kurator/load_tester.h"

namespace gitcanary::render::kurator {

namespace {

const Manifest* Find(const std::vector<Manifest>& manifests, std::string_view group, std::string_view kind,
                     const std::string& ns, const std::string& name, const std::string& app_namespace) {
  for (const Manifest& m : manifests)
    if (m.kind == kind && m.Group() == group && m.name == name && m.EffectiveNamespace(app_namespace) == ns) return &m;
  return nullptr;
}

std::string Place(const Rollout& r, const yaml::Node& at) {
  return r.file + ":" + std::to_string(at.mark.line) + " (" + r.path + ")";
}

// Git mode renders the workload and the routing itself.
Status CheckGitMode(const Rollout& r, const std::vector<Manifest>& manifests, const std::string& ns,
                    const std::string& app_namespace) {
  Fields f(r.file);
  if (r.provider == "kuma") {
    return f.Error(r.provider_node, r.path + ".trafficRoutingProvider",
                   "kuma is not routed in git mode, which renders istio, linkerd, gatewayapi:v1, gatewayapi:v1beta1, "
                   "nginx and kubernetes (of Kurator's providers: istio and nginx): use one of those or --mode flagger");
  }
  if (Find(manifests, "apps", "Deployment", ns, r.workload, app_namespace) == nullptr) {
    return f.Error(r.workload_node, r.path + ".workload",
                   "Deployment " + ns + "/" + r.workload + " is not in the rendered input; git mode renders the "
                   "workload, so the Application's kustomization path must be this app's directory with the "
                   "Deployment and Service in it: add them here, or use --mode flagger");
  }
  return Status::Ok();
}

void StripRollouts(Manifest& app, std::vector<std::string>* explain) {
  yaml::Node* spec = app.doc.Find("spec");
  yaml::Node* policies = spec == nullptr ? nullptr : spec->Find("syncPolicies");
  if (policies == nullptr || !policies->IsSequence()) return;
  for (std::size_t i = 0; i < policies->items.size(); ++i) {
    if (!policies->items[i].Erase("rollout")) continue;
    explain->push_back(app.Describe() + ": spec.syncPolicies[" + std::to_string(i) +
                       "].rollout removed from the output: its Canary is rendered here, so Kurator's controller "
                       "must not generate a second one");
  }
}

}  // namespace

Result<Expansion> ExpandApplications(std::vector<Manifest>& manifests, Mode mode, const std::string& app_namespace,
                                     std::vector<std::string>* explain) {
  Expansion out;
  std::vector<Manifest> generated;
  std::map<std::string, std::string> workloads, nginx;  // "ns/name" or ns -> where its rollout is
  for (Manifest& app : manifests) {
    if (!IsApplication(app)) continue;
    auto rollouts = ParseRollouts(app);
    if (!rollouts.ok()) return rollouts.status();
    for (const Rollout& r : *rollouts) {
      const std::string ns = r.ns.empty() ? app_namespace : r.ns;
      Fields f(r.file);
      auto [it, fresh] = workloads.emplace(ns + "/" + r.workload, Place(r, r.workload_node));
      if (!fresh) {
        return f.Error(r.workload_node, r.path + ".workload", "Deployment " + it->first + " already has a rollout at " +
                                                                  it->second + "; give each workload one rollout");
      }
      if (r.provider == "nginx") {
        auto [at, first] = nginx.emplace(ns, Place(r, r.provider_node));
        if (!first) {
          return f.Error(r.provider_node, r.path + ".trafficRoutingProvider",
                         "a second nginx rollout in namespace " + ns + " (the first is at " + at->second +
                             "); Kurator's nginx rollouts of one namespace share the Ingress \"nginx\", whose canary "
                             "copy Flagger cannot give to two Canaries: keep one nginx rollout per namespace");
        }
      }
      if (mode == Mode::kGit) {
        if (Status s = CheckGitMode(r, manifests, ns, app_namespace); !s.ok()) return s;
      }
      const bool here = Find(manifests, "apps", "Deployment", ns, r.workload, app_namespace) != nullptr;
      const Manifest* service = Find(manifests, "", "Service", ns, r.service_name, app_namespace);
      auto objects = CanaryFromRollout(r, service, app_namespace);
      if (!objects.ok()) return objects.status();
      if (!here) out.outside.emplace(ns, r.workload);
      if (mode == Mode::kFlagger && r.test_loader) {
        for (Manifest& m : LoadTester(r)) objects->push_back(std::move(m));
      }
      for (Manifest& m : *objects) {
        explain->push_back("generated " + m.Describe() + " from " + app.Describe() + " " + r.path);
        generated.push_back(std::move(m));
      }
    }
    if (!rollouts->empty()) StripRollouts(app, explain);
  }
  for (Manifest& m : generated) manifests.push_back(std::move(m));
  return out;
}

}  // namespace gitcanary::render::kurator
