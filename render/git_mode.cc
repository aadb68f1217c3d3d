#include "render/git_mode.h"

#include <map>
#include <set>

#include "core/parallel.h"
#include "render/canary_status.h"
#include "render/fields.h"
#include "render/istio_routing.h"
#include "render/primary_workload.h"
#include "render/revision_checksum.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

using Key = std::pair<std::string, std::string>;  // (effective namespace, name)

// Every status in the input, by Canary; status documents are removed from `manifests`.
Result<std::map<Key, StatusRecord>> CollectStatuses(std::vector<Manifest>& manifests,
                                                    const std::vector<CanaryRef>& canaries,
                                                    const std::string& app_ns, std::vector<Manifest>* dropped) {
  std::map<Key, StatusRecord> out;
  std::vector<Manifest> kept;
  kept.reserve(manifests.size());
  for (Manifest& m : manifests) {
    if (!IsStatusDocument(m)) {
      kept.push_back(std::move(m));
      continue;
    }
    auto record = ParseStatusDocument(m);
    if (!record.ok()) return record.status();
    out.emplace(Key{m.EffectiveNamespace(app_ns), record->name}, std::move(*record));
    dropped->push_back(std::move(m));
  }
  manifests = std::move(kept);
  for (const CanaryRef& c : canaries) {
    const Manifest& canary = manifests[c.index];
    auto record = ParseStatusAnnotation(canary);
    if (!record.ok()) return record.status();
    if (!record->has_value()) continue;
    Key key{canary.EffectiveNamespace(app_ns), canary.name};
    if (auto both = out.find(key); both != out.end()) {
      return Status::Invalid(AtPlace(canary.file, (*record)->mark.line, (*record)->mark.column,
                                     "Canary " + canary.name + " has a status annotation and a status document (" +
                                         both->second.file + "); keep one place of record"));
    }
    out.emplace(std::move(key), std::move(**record));
  }
  return out;
}

long long EffectiveWeight(const CanaryStatus* status) {
  if (status == nullptr) return 0;
  switch (status->phase) {
    case Phase::kProgressing:
    case Phase::kWaitingPromotion:
    case Phase::kPromoting:
      return status->canary_weight;
    default:
      return 0;
  }
}

Node StatusAnnotations(const CanaryStatus* status, long long weight, const std::string& revision) {
  Node a = Node::Mapping();
  a.Set(kPhaseAnnotation, Node::String(std::string(PhaseName(status ? status->phase : Phase::kInitializing))));
  a.Set(kWeightAnnotation, Node::String(std::to_string(weight)));
  a.Set(kRevisionAnnotation, Node::String(revision));
  if (status != nullptr && !status->last_transition_time.empty())
    a.Set(kTransitionAnnotation, Node::String(status->last_transition_time));
  return a;
}

// The objects of one namespace that git mode looks up, by name.
struct NamespaceIndex {
  std::map<std::string, Manifest*> deployments;
  std::map<std::string, const Manifest*> hpas, config_maps, secrets;
  std::map<std::string, const Node*> config_map_docs, secret_docs;  // for revision checksums
};

std::map<std::string, NamespaceIndex> IndexByNamespace(std::vector<Manifest>& manifests, const std::string& app_ns) {
  std::map<std::string, NamespaceIndex> out;
  for (Manifest& m : manifests) {
    NamespaceIndex& ns = out[m.EffectiveNamespace(app_ns)];
    if (m.kind == "Deployment" && m.Group() == "apps") ns.deployments.emplace(m.name, &m);
    else if (m.kind == "HorizontalPodAutoscaler" && m.Group() == "autoscaling") ns.hpas.emplace(m.name, &m);
    else if (m.kind == "ConfigMap" && m.api_version == "v1") ns.config_maps.emplace(m.name, &m);
    else if (m.kind == "Secret" && m.api_version == "v1") ns.secrets.emplace(m.name, &m);
  }
  for (auto& [name, ns] : out) {
    for (const auto& [n, m] : ns.config_maps) ns.config_map_docs.emplace(n, &m->doc);
    for (const auto& [n, m] : ns.secrets) ns.secret_docs.emplace(n, &m->doc);
  }
  return out;
}

// The objects of one canary; edits the target in place.
Status RenderCanary(const Manifest& canary, const CanaryInfo& info, CanaryStatus* status,
                    const NamespaceIndex& index, std::vector<Manifest>* generated) {
  auto target_it = index.deployments.find(info.target);
  if (target_it == index.deployments.end()) return Status::Internal("target of " + canary.Describe() + " vanished");
  Manifest* target = target_it->second;
  auto hpa_it = info.autoscaler.empty() ? index.hpas.end() : index.hpas.find(info.autoscaler);
  const Manifest* hpa = hpa_it == index.hpas.end() ? nullptr : hpa_it->second;
  auto label = SelectorLabel(*target);
  if (!label.ok()) return label.status();
  const std::string revision = RevisionChecksum(*target->doc.Path({"spec", "template"}), index.config_map_docs, index.secret_docs);
  const long long weight = EffectiveWeight(status);
  Node annotations = StatusAnnotations(status, weight, revision);

  RoutingInput routing;
  routing.canary = &canary;
  routing.pod_template = target->doc.Path({"spec", "template"});
  routing.selector_label = *label;
  routing.canary_weight = weight;
  const Node* mirror = canary.doc.Path({"spec", "analysis", "mirror"});
  routing.mirror = status != nullptr && status->phase == Phase::kProgressing && weight == 0 &&
                   mirror != nullptr && mirror->AsBool().value_or(false);
  routing.annotations = annotations;
  auto routes = MakeIstioRouting(routing);  // before the target changes below
  if (!routes.ok()) return routes.status();

  WorkloadInput work{&canary, target, hpa, status, index.config_maps, *label, annotations};
  auto workload = MakePrimaryWorkload(work);
  if (!workload.ok()) return workload.status();
  for (auto* list : {&*workload, &*routes}) {
    for (Node& doc : *list) {
      Manifest m;
      m.doc = std::move(doc);
      m.file = canary.file;
      m.RefreshIdentity();
      generated->push_back(std::move(m));
    }
  }
  return Status::Ok();
}

// Renders every wanted Canary (in parallel: each owns its target, everything
// else is read-only) and appends the objects to `manifests` in input order.
Status RenderAll(std::vector<Manifest>& manifests, const std::vector<std::pair<Key, const CanaryInfo*>>& wanted,
                 std::map<Key, StatusRecord>& statuses, const std::string& app_ns, std::vector<std::string>* explain) {
  std::map<Key, std::size_t> canary_at;
  for (std::size_t i = 0; i < manifests.size(); ++i)
    if (IsCanary(manifests[i])) canary_at[Key{manifests[i].EffectiveNamespace(app_ns), manifests[i].name}] = i;
  const auto namespaces = IndexByNamespace(manifests, app_ns);
  std::vector<CanaryStatus*> status_of(wanted.size(), nullptr);
  for (std::size_t i = 0; i < wanted.size(); ++i)
    if (auto it = statuses.find(wanted[i].first); it != statuses.end()) status_of[i] = &it->second.status;
  std::vector<Status> results(wanted.size());
  std::vector<std::vector<Manifest>> objects(wanted.size());
  ParallelFor(wanted.size(), [&](std::size_t i) {
    const auto& [key, info] = wanted[i];
    results[i] = RenderCanary(manifests[canary_at.at(key)], *info, status_of[i], namespaces.at(key.first), &objects[i]);
  }, 64);
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (!results[i].ok()) return results[i];
    const CanaryStatus* status = status_of[i];
    explain->push_back("rendered Canary " + wanted[i].first.first + "/" + wanted[i].first.second + " in git mode: phase " +
                       std::string(PhaseName(status ? status->phase : Phase::kInitializing)) + ", canary weight " +
                       std::to_string(EffectiveWeight(status)) + (status ? "" : " (no status yet: bootstrap)"));
  }
  for (auto& list : objects)
    for (Manifest& m : list) manifests.push_back(std::move(m));
  return Status::Ok();
}

}  // namespace

Status ApplyCanaryStatus(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                         const std::string& app_namespace, bool render, std::vector<std::string>* explain,
                         std::vector<Manifest>* dropped) {
  // Indexes in `canaries` refer to `manifests` as given; collect names before it changes.
  std::vector<std::pair<Key, const CanaryInfo*>> wanted;
  for (const CanaryRef& c : canaries)
    wanted.emplace_back(Key{manifests[c.index].EffectiveNamespace(app_namespace), manifests[c.index].name}, &c.info);
  auto statuses = CollectStatuses(manifests, canaries, app_namespace, dropped);
  if (!statuses.ok()) return statuses.status();
  std::set<Key> known;
  for (const auto& w : wanted) known.insert(w.first);
  for (const auto& [key, record] : *statuses) {
    if (known.count(key) == 0) {
      return Status::Invalid(AtPlace(record.file, record.mark.line, record.mark.column,
                                     "status for Canary " + key.first + "/" + key.second +
                                         ", which does not exist in the input; remove the status or restore the Canary"));
    }
  }
  if (!render) return Status::Ok();
  Status s = RenderAll(manifests, wanted, *statuses, app_namespace, explain);
  if (!s.ok()) return s;
  std::vector<Manifest> out;
  out.reserve(manifests.size());
  for (Manifest& m : manifests) (IsCanary(m) ? *dropped : out).push_back(std::move(m));
  manifests = std::move(out);
  return Status::Ok();
}

}  // namespace gitcanary::render
