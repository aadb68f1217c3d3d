#include "render/object_order.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "render/fields.h"

namespace gitcanary::render {

namespace {

constexpr const char* kInstallOrder[] = {
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
    "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
    "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
    "IngressClass", "Ingress", "APIService"};

int KindRank(const std::string& kind) {
  constexpr int n = sizeof(kInstallOrder) / sizeof(kInstallOrder[0]);
  for (int i = 0; i < n; ++i)
    if (kind == kInstallOrder[i]) return i;
  return n;
}

}  // namespace

Status CheckDuplicates(const std::vector<Manifest>& manifests, const std::string& app_namespace) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, const Manifest*> seen;
  for (const Manifest& m : manifests) {
    auto key = std::make_tuple(m.Group(), m.kind, m.EffectiveNamespace(app_namespace), m.name);
    auto [it, inserted] = seen.emplace(key, &m);
    if (inserted) continue;
    const Manifest& first = *it->second;
    const yaml::Node* name = m.doc.Path({"metadata", "name"});
    const yaml::Node* first_name = first.doc.Path({"metadata", "name"});
    std::string first_at = AtPlace(first.file, first_name ? first_name->mark.line : 0,
                                   first_name ? first_name->mark.column : 0, "");
    first_at.resize(first_at.size() - 2);  // drop the trailing ": "
    return Fields(m.file).Error(name != nullptr ? *name : m.doc, "metadata.name",
                                "duplicate object " + m.Describe() + " (" + (m.Group().empty() ? "core" : m.Group()) +
                                    "); first defined at " + first_at);
  }
  return Status::Ok();
}

void SortForOutput(std::vector<Manifest>& manifests, const std::string& app_namespace) {
  std::vector<std::pair<int, std::size_t>> ranked;
  ranked.reserve(manifests.size());
  for (std::size_t i = 0; i < manifests.size(); ++i) ranked.emplace_back(KindRank(manifests[i].kind), i);
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    const Manifest& x = manifests[a.second];
    const Manifest& y = manifests[b.second];
    return std::forward_as_tuple(a.first, x.kind, x.EffectiveNamespace(app_namespace), x.name, x.api_version, x.ns) <
           std::forward_as_tuple(b.first, y.kind, y.EffectiveNamespace(app_namespace), y.name, y.api_version, y.ns);
  });
  std::vector<Manifest> sorted;
  sorted.reserve(manifests.size());
  for (const auto& r : ranked) sorted.push_back(std::move(manifests[r.second]));
  manifests = std::move(sorted);
}

}  // namespace gitcanary::render
