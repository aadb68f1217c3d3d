#include "render/git_mode.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/parallel.h"
#include "render/canary_status.h"
#include "render/fields.h"
#include "render/git_mode_support.h"
#include "render/helm_release/link.h"
#include "render/helm_release/post_renderers.h"
#include "render/helm_release/release_objects.h"
#include "render/routing/router.h"
#include "render/primary_workload.h"
#include "render/revision_checksum.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

using Key = std::pair<std::string, std::string>;  // (effective namespace, name)
using Statuses = std::map<Key, StatusRecord>;

// Every status in the input, by Canary; `manifests` are only read.
Result<Statuses> ParseStatuses(const std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                               const std::string& app_ns) {
  Statuses out;
  for (const Manifest& m : manifests) {
    if (!IsStatusDocument(m)) continue;
    auto record = ParseStatusDocument(m);
    if (!record.ok()) return record.status();
    out.emplace(Key{m.EffectiveNamespace(app_ns), record->name}, std::move(*record));
  }
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

// A status whose Canary is not in the input is an error.
Status CheckStatusesHaveCanaries(const Statuses& statuses, const std::vector<Key>& canaries) {
  const std::set<Key> known(canaries.begin(), canaries.end());
  for (const auto& [key, record] : statuses) {
    if (known.count(key) == 0) {
      return Status::Invalid(AtPlace(record.file, record.mark.line, record.mark.column,
                                     "status for Canary " + key.first + "/" + key.second +
                                         ", which does not exist in the input; remove the status or restore the Canary"));
    }
  }
  return Status::Ok();
}

long long EffectiveWeight(const CanaryStatus* status) {
  if (status == nullptr) return 0;
  switch (status->phase) {
    case Phase::kProgressing:
    case Phase::kWaitingPromotion:
    case Phase::kPromoting:
      return status->canary_weight;
    case Phase::kFailed:  // a failed promotion keeps all traffic on the canary (weight 100)
      return status->canary_weight;
    default:
      return 0;
  }
}

Node StatusAnnotations(const CanaryStatus* status, long long weight, const std::string& revision) {
  const bool transition = status != nullptr && !status->last_transition_time.empty();
  Node a = Node::Mapping(transition ? 4 : 3);
  a.Set(kPhaseAnnotation, Node::String(std::string(PhaseName(status ? status->phase : Phase::kInitializing))));
  a.Set(kWeightAnnotation, Node::String(std::to_string(weight)));
  a.Set(kRevisionAnnotation, Node::String(revision));
  if (transition) a.Set(kTransitionAnnotation, Node::String(status->last_transition_time));
  return a;
}

// The objects of one namespace that git mode looks up, by name.
struct NamespaceIndex {
  std::map<std::string, Manifest*> deployments, helm_releases;
  std::map<std::string, const Manifest*> hpas, config_maps, secrets, ingresses;
  std::map<std::string, const Node*> config_map_docs, secret_docs;  // for revision checksums
};

std::map<std::string, NamespaceIndex> IndexByNamespace(std::vector<Manifest>& manifests, const std::string& app_ns) {
  std::map<std::string, NamespaceIndex> out;
  for (Manifest& m : manifests) {
    NamespaceIndex& ns = out[m.EffectiveNamespace(app_ns)];
    if (m.kind == "Deployment" && m.Group() == "apps") ns.deployments.emplace(m.name, &m);
    else if (IsHelmRelease(m)) ns.helm_releases.emplace(m.name, &m);
    else if (m.kind == "HorizontalPodAutoscaler" && m.Group() == "autoscaling") ns.hpas.emplace(m.name, &m);
    else if (m.kind == "ConfigMap" && m.api_version == "v1") ns.config_maps.emplace(m.name, &m);
    else if (m.kind == "Secret" && m.api_version == "v1") ns.secrets.emplace(m.name, &m);
    else if (m.kind == "Ingress" && (m.Group() == "networking.k8s.io" || m.Group() == "extensions"))
      ns.ingresses.emplace(m.name, &m);
  }
  for (auto& [name, ns] : out) {
    for (const auto& [n, m] : ns.config_maps) ns.config_map_docs.emplace(n, &m->doc);
    for (const auto& [n, m] : ns.secrets) ns.secret_docs.emplace(n, &m->doc);
  }
  return out;
}

// The app's own Service that the apex Service replaces: the dropped Service of
// the apex's name in the canary's namespace, or nullptr.
const Node* ReplacedService(const std::vector<Manifest>& dropped, const std::string& ns, const std::string& apex,
                            const std::string& app_ns) {
  for (const Manifest& m : dropped)
    if (m.kind == "Service" && m.api_version == "v1" && m.name == apex && m.EffectiveNamespace(app_ns) == ns)
      return &m.doc;
  return nullptr;
}

void AppendGenerated(std::vector<Node>& docs, const Manifest& canary, std::vector<Manifest>* generated) {
  for (Node& doc : docs) {
    Manifest m;
    m.doc = std::move(doc);
    m.file = canary.file;
    m.RefreshIdentity();
    generated->push_back(std::move(m));
  }
}

// The objects of one canary; edits the target (or its HelmRelease) in place.
// `dropped` holds the app's objects that its rewrite removed (read only).
Status RenderCanary(const Manifest& canary, const CanaryRef& ref, CanaryStatus* status, const NamespaceIndex& index,
                    const ReleaseInputs& releases, const std::vector<Manifest>& dropped, const std::string& app_ns,
                    const AppConfig& config, std::vector<Manifest>* generated) {
  const CanaryInfo& info = ref.info;
  if (Status s = CheckGitModeSupport(canary); !s.ok()) return s;
  auto provider = GitModeProvider(canary, config.default_provider);
  if (!provider.ok()) return provider.status();
  const WorkloadLabels& labels = config.labels;
  Manifest* target = nullptr;
  Manifest* release = nullptr;
  if (!ref.helm_release.empty()) {
    auto it = index.helm_releases.find(ref.helm_release);
    if (it == index.helm_releases.end()) return Status::Internal("HelmRelease of " + canary.Describe() + " vanished");
    release = it->second;
  } else {
    auto target_it = index.deployments.find(info.target);
    if (target_it == index.deployments.end()) return Status::Internal("target of " + canary.Describe() + " vanished");
    target = target_it->second;
  }
  HelmReleaseWorkloadInput chart{&canary, info.target, ApexName(canary.doc), release, status, &releases, {}};
  if (release != nullptr)
    if (Status s = CheckHelmReleaseCanary(chart); !s.ok()) return s;
  auto hpa_it = info.autoscaler.empty() || target == nullptr ? index.hpas.end() : index.hpas.find(info.autoscaler);
  const Manifest* hpa = hpa_it == index.hpas.end() ? nullptr : hpa_it->second;
  auto selector = release != nullptr ? Result<TargetSelector>(TargetSelector{std::string(kWorkloadLabel), info.target})
                                     : SelectorOf(*target, labels.selector);
  if (!selector.ok()) return selector.status();
  const std::string revision =
      release != nullptr ? HelmReleaseRevision(*release, releases)
                         : RevisionChecksum(*target->doc.Path({"spec", "template"}), index.config_map_docs,
                                            index.secret_docs);
  const long long weight = EffectiveWeight(status);

  RoutingInput routing;
  routing.provider = *provider;
  routing.canary = &canary;
  routing.pod_template = target != nullptr ? target->doc.Path({"spec", "template"}) : nullptr;
  routing.selector_label = selector->label;
  routing.selector_value = selector->value;
  routing.replaced_service = ReplacedService(dropped, canary.EffectiveNamespace(app_ns), ApexName(canary.doc), app_ns);
  routing.canary_weight = weight;
  routing.revision = revision;
  if (const Node* ref = canary.doc.Path({"spec", "ingressRef", "name"}); ref != nullptr && ref->IsScalar())
    if (auto it = index.ingresses.find(ref->value); it != index.ingresses.end()) routing.ingress = &it->second->doc;
  if (status != nullptr) {
    routing.cookies = AffinityCookies{status->session_affinity_cookie, status->primary_session_affinity_cookie,
                                      status->previous_session_affinity_cookie};
  }
  const Node* mirror = canary.doc.Path({"spec", "analysis", "mirror"});
  routing.mirror = status != nullptr && status->phase == Phase::kProgressing && weight == 0 &&
                   mirror != nullptr && mirror->AsBool().value_or(false);
  routing.annotations = StatusAnnotations(status, weight, revision);
  auto routes = MakeRouting(routing);  // before the target changes below
  if (!routes.ok()) return routes.status();

  Result<std::vector<Node>> workload = std::vector<Node>();
  if (release != nullptr) {
    chart.annotations = std::move(routing.annotations);
    for (const Node& r : *routes) {
      const Node* kind = r.Find("kind");
      const Node* name = r.Path({"metadata", "name"});
      const Node* api = r.Find("apiVersion");
      if (kind == nullptr || name == nullptr || api == nullptr || kind->value == "Service") continue;
      chart.routes.push_back(RenderedObjectRef{api->value, kind->value, name->value});
    }
    workload = MakeHelmReleaseWorkload(chart);
  } else {
    WorkloadInput work{&canary, target, hpa, status, &index.config_maps, *selector, &labels.selector,
                       &labels.include_prefix, std::move(routing.annotations)};
    workload = MakePrimaryWorkload(work);
  }
  if (!workload.ok()) return workload.status();
  generated->reserve(workload->size() + routes->size());
  AppendGenerated(*workload, canary, generated);
  AppendGenerated(*routes, canary, generated);
  return Status::Ok();
}

// A ConfigMap that several Canaries of a namespace track gets one -primary
// copy, as in Flagger, where the latest promotion writes it: the copy of the
// Canary with the latest lastTransitionTime is kept (ties: the first Canary).
void KeepOneSharedConfigMap(std::vector<std::vector<Manifest>>& objects, const std::vector<CanaryStatus*>& status_of,
                            const std::vector<Key>& keys) {
  auto when = [&status_of](std::size_t i) { return status_of[i] ? status_of[i]->last_transition_time : std::string(); };
  std::map<Key, std::pair<std::size_t, std::size_t>> kept;  // (namespace, name) -> (canary, object)
  std::set<std::pair<std::size_t, std::size_t>> drop;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    for (std::size_t j = 0; j < objects[i].size(); ++j) {
      if (objects[i][j].kind != "ConfigMap") continue;
      auto [it, first] = kept.emplace(Key{keys[i].first, objects[i][j].name}, std::pair{i, j});
      if (first) continue;
      if (when(i) > when(it->second.first)) {
        drop.insert(it->second);
        it->second = {i, j};
      } else {
        drop.insert({i, j});
      }
    }
  }
  for (auto d = drop.rbegin(); d != drop.rend(); ++d) objects[d->first].erase(objects[d->first].begin() + d->second);
}

// The routing object that carries a canary's traffic split, which git mode
// renders and which replaces the app's own object of that name: Gateway API's
// HTTPRoute (any version) and Istio's VirtualService.
bool IsReplaceableRoute(const Manifest& m) {
  return (m.kind == "HTTPRoute" && m.Group() == "gateway.networking.k8s.io") ||
         (m.kind == "VirtualService" && m.Group() == "networking.istio.io") ||
         (m.kind == "TrafficSplit" && m.Group() == "split.smi-spec.io");
}

// (kind, effective namespace, name) of every rendered HTTPRoute, VirtualService and TrafficSplit.
std::set<std::tuple<std::string, std::string, std::string>> RenderedRoutes(
    const std::vector<std::vector<Manifest>>& objects, const std::string& app_ns) {
  std::set<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& list : objects)
    for (const Manifest& m : list)
      if (IsReplaceableRoute(m)) out.emplace(m.kind, m.EffectiveNamespace(app_ns), m.name);
  return out;
}

std::string Explain(const Key& canary, const CanaryStatus* status) {
  return "rendered Canary " + canary.first + "/" + canary.second + " in git mode: phase " +
         std::string(PhaseName(status ? status->phase : Phase::kInitializing)) + ", canary weight " +
         std::to_string(EffectiveWeight(status)) + (status ? "" : " (no status yet: bootstrap)");
}

// Renders every Canary from its status (in parallel: each owns its target,
// everything else is read-only) and replaces the Canaries and the status
// documents in `manifests` by the rendered objects. The app's own HTTPRoute,
// VirtualService or TrafficSplit named like a rendered one is replaced by it
// (an --explain line).
Status RenderAll(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries, const std::vector<Key>& keys,
                 Statuses& statuses, const std::string& app_ns, const AppConfig& config,
                 std::vector<std::string>* explain, std::vector<Manifest>* dropped) {
  const auto namespaces = IndexByNamespace(manifests, app_ns);
  const bool any_release = std::any_of(canaries.begin(), canaries.end(),
                                       [](const CanaryRef& c) { return !c.helm_release.empty(); });
  const ReleaseInputs releases = any_release ? IndexReleaseInputs(manifests, app_ns) : ReleaseInputs{app_ns, {}, {}, {}};
  std::vector<CanaryStatus*> status_of(canaries.size(), nullptr);
  for (std::size_t i = 0; i < canaries.size(); ++i)
    if (auto it = statuses.find(keys[i]); it != statuses.end()) status_of[i] = &it->second.status;
  std::vector<Status> results(canaries.size());
  std::vector<std::vector<Manifest>> objects(canaries.size());
  ParallelFor(canaries.size(), [&](std::size_t i) {
    results[i] = RenderCanary(manifests[canaries[i].index], canaries[i], status_of[i], namespaces.at(keys[i].first),
                              releases, *dropped, app_ns, config, &objects[i]);
  }, 64);
  for (std::size_t i = 0; i < canaries.size(); ++i) {
    if (!results[i].ok()) return results[i];
    explain->push_back(Explain(keys[i], status_of[i]));
    if (const std::string& name = canaries[i].helm_release; !name.empty()) {
      if (const std::string shared = SharedChartSource(status_of[i]); !shared.empty())
        explain->push_back("Canary " + keys[i].first + "/" + keys[i].second + ": the promoted snapshot has no "
                           "source (an older status), so the primary release reads " + shared + " of HelmRelease " +
                           name + " as the canary release does: a change of its pin reaches both until the next "
                           "promotion records it");
      for (const std::string& ref : ValuesFromOutsideGit(*namespaces.at(keys[i].first).helm_releases.at(name), releases))
        explain->push_back("Canary " + keys[i].first + "/" + keys[i].second + ": valuesFrom " + ref +
                           " of HelmRelease " + name + " is not in git: the revision covers its name only, and the "
                           "primary release reads it live");
    }
  }
  KeepOneSharedConfigMap(objects, status_of, keys);
  std::size_t generated = 0;
  for (const auto& list : objects) generated += list.size();
  std::set<std::tuple<std::string, std::string, std::string>> routes = RenderedRoutes(objects, app_ns);
  MoveDropped(manifests, [&](std::size_t i) {
    const Manifest& m = manifests[i];
    if (IsCanary(m) || IsStatusDocument(m)) return true;
    if (!IsReplaceableRoute(m) || routes.count({m.kind, m.EffectiveNamespace(app_ns), m.name}) == 0) return false;
    explain->push_back("replaced the app's " + m.kind + " " + m.EffectiveNamespace(app_ns) + "/" + m.name + " (" +
                       m.file + ") by the rendered one");
    return true;
  }, dropped);
  manifests.reserve(manifests.size() + generated);
  for (auto& list : objects)
    for (Manifest& m : list) manifests.push_back(std::move(m));
  return Status::Ok();
}

}  // namespace

Status ApplyCanaryStatus(std::vector<Manifest>& manifests, const std::vector<CanaryRef>& canaries,
                         const std::string& app_namespace, bool render, const AppConfig& config,
                         std::vector<std::string>* explain, std::vector<Manifest>* dropped) {
  std::vector<Key> keys;
  keys.reserve(canaries.size());
  for (const CanaryRef& c : canaries)
    keys.emplace_back(manifests[c.index].EffectiveNamespace(app_namespace), manifests[c.index].name);
  auto statuses = ParseStatuses(manifests, canaries, app_namespace);
  if (!statuses.ok()) return statuses.status();
  Status s = CheckStatusesHaveCanaries(*statuses, keys);
  if (!s.ok()) return s;
  if (render) return RenderAll(manifests, canaries, keys, *statuses, app_namespace, config, explain, dropped);
  MoveDropped(manifests, [&](std::size_t i) { return IsStatusDocument(manifests[i]); }, dropped);
  return Status::Ok();
}

}  // namespace gitcanary::render
