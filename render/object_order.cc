#include "render/object_order.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "render/fields.h"

namespace gitcanary::render {

namespace {

constexpr std::string_view kInstallOrder[] = {
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass",
    "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole",
    "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList",
    "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController",
    "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob",
    "IngressClass", "Ingress", "APIService"};

int KindRank(std::string_view kind) {
  constexpr int n = sizeof(kInstallOrder) / sizeof(kInstallOrder[0]);
  for (int i = 0; i < n; ++i)
    if (kind == kInstallOrder[i]) return i;
  return n;
}

// The sort keys of all objects, side by side in one buffer. An object's key is
// its kind rank (3 digits), kind, effective namespace, name, apiVersion and
// namespace as written, each but the rank followed by '\0'; keys compare
// bytewise. The identity is the key up to the name: objects that share it
// differ at most in apiVersion, and sort next to each other.
struct OrderKeys {
  struct Key {
    std::size_t index;  // in the manifests
    std::size_t offset, size, identity_size;
  };
  std::string text;
  std::vector<Key> keys;     // in output order
  bool plain_fields = true;  // no field holds a '\0' (which would blur the separators)

  std::string_view Of(const Key& k) const { return std::string_view(text).substr(k.offset, k.size); }
  std::string_view Identity(const Key& k) const { return std::string_view(text).substr(k.offset, k.identity_size); }
};

void AppendField(std::string_view field, OrderKeys* out) {
  if (field.find('\0') != std::string_view::npos) out->plain_fields = false;
  out->text += field;
  out->text += '\0';
}

OrderKeys SortedKeys(const std::vector<Manifest>& manifests, const std::string& app_namespace) {
  OrderKeys out;
  std::size_t bytes = 0;
  for (const Manifest& m : manifests) {
    bytes += 8 + m.kind.size() + m.EffectiveNamespace(app_namespace).size() + m.name.size() + m.api_version.size() +
             m.ns.size();
  }
  out.text.reserve(bytes);
  out.keys.reserve(manifests.size());
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    const Manifest& m = manifests[i];
    const std::size_t offset = out.text.size();
    const int rank = KindRank(m.kind);
    out.text += static_cast<char>('0' + rank / 100);
    out.text += static_cast<char>('0' + rank / 10 % 10);
    out.text += static_cast<char>('0' + rank % 10);
    for (const std::string* part : {&m.kind, &m.EffectiveNamespace(app_namespace), &m.name}) AppendField(*part, &out);
    const std::size_t identity_size = out.text.size() - offset;
    AppendField(m.api_version, &out);
    AppendField(m.ns, &out);
    out.keys.push_back(OrderKeys::Key{i, offset, out.text.size() - offset, identity_size});
  }
  std::sort(out.keys.begin(), out.keys.end(), [&out](const OrderKeys::Key& a, const OrderKeys::Key& b) {
    const int c = out.Of(a).compare(out.Of(b));
    return c != 0 ? c < 0 : a.index < b.index;
  });
  return out;
}

// Whether any two objects are duplicates: objects with the same identity sort
// next to each other, and two of them in the same API group are one object.
bool HasDuplicate(const OrderKeys& order, const std::vector<Manifest>& manifests) {
  const auto& keys = order.keys;
  std::size_t start = 0;
  while (start < keys.size()) {
    std::size_t end = start + 1;
    while (end < keys.size() && order.Identity(keys[end]) == order.Identity(keys[start])) ++end;
    for (std::size_t i = start; i < end; ++i)
      for (std::size_t j = i + 1; j < end; ++j)
        if (manifests[keys[i].index].Group() == manifests[keys[j].index].Group()) return true;
    start = end;
  }
  return false;
}

// Puts the objects in the order of the keys, in place: each cycle of the
// permutation is rotated through one temporary.
void Reorder(std::vector<Manifest>& manifests, const OrderKeys& order) {
  std::vector<std::size_t> from(order.keys.size());  // position -> index of the object that goes there
  for (std::size_t k = 0; k < from.size(); ++k) from[k] = order.keys[k].index;
  for (std::size_t start = 0; start < from.size(); ++start) {
    if (from[start] == start) continue;
    Manifest first = std::move(manifests[start]);
    std::size_t k = start;
    while (from[k] != start) {
      manifests[k] = std::move(manifests[from[k]]);
      k = std::exchange(from[k], k);
    }
    manifests[k] = std::move(first);
    from[k] = k;
  }
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
  Reorder(manifests, SortedKeys(manifests, app_namespace));
}

Status CheckDuplicatesAndSort(std::vector<Manifest>& manifests, const std::string& app_namespace) {
  const OrderKeys order = SortedKeys(manifests, app_namespace);
  // Sorting finds whether there are duplicates; CheckDuplicates names the first in input order.
  if (!order.plain_fields || HasDuplicate(order, manifests)) {
    Status s = CheckDuplicates(manifests, app_namespace);
    if (!s.ok()) return s;
  }
  Reorder(manifests, order);
  return Status::Ok();
}

}  // namespace gitcanary::render
