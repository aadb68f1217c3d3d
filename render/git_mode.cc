#include "render/git_mode.h"

#include <map>
#include <set>

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
                                                    const std::string& app_ns) {
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

template <typename Pred>
std::map<std::string, const Manifest*> ByName(const std::vector<Manifest>& manifests, const std::string& ns,
                                              const std::string& app_ns, Pred pred) {
  std::map<std::string, const Manifest*> out;
  for (const Manifest& m : manifests)
    if (pred(m) && m.EffectiveNamespace(app_ns) == ns) out.emplace(m.name, &m);
  return out;
}

// The objects of one canary; edits the target in place.
Status RenderCanary(std::vector<Manifest>& manifests, std::size_t canary_index, const CanaryInfo& info,
                    const CanaryStatus* status, const std::string& app_ns, std::vector<Manifest>* generated) {
  const Manifest& canary = manifests[canary_index];
  const std::string ns = canary.EffectiveNamespace(app_ns);
  Manifest* target = nullptr;
  const Manifest* hpa = nullptr;
  for (Manifest& m : manifests) {
    if (m.EffectiveNamespace(app_ns) != ns) continue;
    if (m.kind == "Deployment" && m.Group() == "apps" && m.name == info.target) target = &m;
    if (m.kind == "HorizontalPodAutoscaler" && !info.autoscaler.empty() && m.name == info.autoscaler) hpa = &m;
  }
  if (target == nullptr) return Status::Internal("target of " + canary.Describe() + " vanished");
  auto label = SelectorLabel(*target);
  if (!label.ok()) return label.status();
  auto is_kind = [](const char* kind) { return [kind](const Manifest& m) { return m.kind == kind && m.api_version == "v1"; }; };
  auto config_maps = ByName(manifests, ns, app_ns, is_kind("ConfigMap"));
  auto secrets = ByName(manifests, ns, app_ns, is_kind("Secret"));
  std::map<std::string, const Node*> cm_docs, secret_docs;
  for (const auto& [n, m] : config_maps) cm_docs[n] = &m->doc;
  for (const auto& [n, m] : secrets) secret_docs[n] = &m->doc;
  const std::string revision = RevisionChecksum(*target->doc.Path({"spec", "template"}), cm_docs, secret_docs);
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

  WorkloadInput work{&canary, target, hpa, status, config_maps, *label, annotations};
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

}  // namespace

Status ApplyCanaryStatus(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                         const std::string& app_namespace, bool render, std::vector<std::string>* explain) {
  // Indexes in `canaries` refer to `manifests` as given; collect names before it changes.
  std::vector<std::pair<Key, const CanaryInfo*>> wanted;
  for (const CanaryRef& c : canaries)
    wanted.emplace_back(Key{manifests[c.index].EffectiveNamespace(app_namespace), manifests[c.index].name}, &c.info);
  auto statuses = CollectStatuses(manifests, canaries, app_namespace);
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
  std::vector<Manifest> generated;
  std::set<Key> canary_keys;
  for (const auto& [key, info] : wanted) {
    std::size_t index = 0;
    while (!(IsCanary(manifests[index]) && manifests[index].name == key.second &&
             manifests[index].EffectiveNamespace(app_namespace) == key.first)) ++index;
    auto it = statuses->find(key);
    const CanaryStatus* status = it == statuses->end() ? nullptr : &it->second.status;
    Status s = RenderCanary(manifests, index, *info, status, app_namespace, &generated);
    if (!s.ok()) return s;
    explain->push_back("rendered Canary " + key.first + "/" + key.second + " in git mode: phase " +
                       std::string(PhaseName(status ? status->phase : Phase::kInitializing)) + ", canary weight " +
                       std::to_string(EffectiveWeight(status)) + (status ? "" : " (no status yet: bootstrap)"));
    canary_keys.insert(key);
  }
  std::vector<Manifest> out;
  out.reserve(manifests.size() + generated.size());
  for (Manifest& m : manifests)
    if (!IsCanary(m)) out.push_back(std::move(m));
  for (Manifest& g : generated) out.push_back(std::move(g));
  manifests = std::move(out);
  return Status::Ok();
}

}  // namespace gitcanary::render
