#include "render/object_order.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

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
  std::unordered_map<std::string, const Manifest*> seen;
  seen.reserve(manifests.size());
  std::string key;
  for (const Manifest& m : manifests) {
    key.clear();
    for (const std::string* part : {&m.api_version, &m.kind, &m.EffectiveNamespace(app_namespace), &m.name}) {
      // The API group, not the version: apps/v1 and apps/v1beta1 name the same object.
      key += part == &m.api_version ? m.Group() : *part;
      key += '\0';
    }
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
  // One comparable key per object: kind rank, kind, namespace, name, apiVersion, namespace as written.
  std::vector<std::pair<std::string, std::size_t>> keyed;
  keyed.reserve(manifests.size());
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    char rank[8];
    std::snprintf(rank, sizeof rank, "%03d", KindRank(m.kind));
    std::string key = rank;
    for (const std::string* part : {&m.kind, &m.EffectiveNamespace(app_namespace), &m.name, &m.api_version, &m.ns}) {
      key += *part;
      key += '\0';
    }
    keyed.emplace_back(std::move(key), i);
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<Manifest> sorted;
  sorted.reserve(manifests.size());
  for (const auto& k : keyed) sorted.push_back(std::move(manifests[k.second]));
  manifests = std::move(sorted);
}

}  // namespace gitcanary::render
