#include "render/render.h"

#include <optional>
#include <unordered_map>

#include "core/parallel.h"
#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/flux_v1_helm_release.h"
#include "render/git_mode.h"
#include "render/kurator/expand.h"
#include "render/helm_release/link.h"
#include "render/object_order.h"
#include "render/rewrite_app.h"
#include "render/routing/provider.h"
#include "render/strict_fields.h"

namespace gitcanary::render {

namespace {

// In flagger mode a Canary without spec.provider gets gitcanary.yaml's
// defaults.provider written in, so that Flagger routes it the way render
// rewrote the app, whatever its own -mesh-provider flag says.
void WriteDefaultProvider(Manifest& canary, const AppConfig& config, std::vector<std::string>* explain) {
  if (config.default_provider.empty()) return;
  yaml::Node* spec = canary.doc.Find("spec");
  if (spec == nullptr || !spec->IsMapping()) return;
  const yaml::Node* set = spec->Find("provider");
  if (set != nullptr && !set->IsNull()) return;
  spec->Set("provider", yaml::Node::String(config.default_provider));
  explain->push_back("Canary " + canary.name + ": spec.provider " + config.default_provider +
                     " from defaults.provider of " + config.file);
}

}  // namespace

Result<RenderResult> Render(std::vector<Manifest> manifests, const AppConfig& config,
                            const RenderOptions& options) {
  RenderResult result;
  const std::string& ns = options.app_namespace;
  Status s = ConvertFluxV1HelmReleases(manifests, ns, &result.explain);  // before anything reads a HelmRelease
  if (!s.ok()) return s;
  s = ExpandCanaryTemplates(manifests, config, ns, &result.explain);
  if (!s.ok()) return s;
  auto kurator = kurator::ExpandApplications(manifests, options.mode, ns, &result.explain);  // Kurator rollouts -> Canaries
  if (!kurator.ok()) return kurator.status();
  s = CheckDuplicates(manifests, ns);
  if (!s.ok()) return s;
  if (options.namespaces && !(s = CheckNamespaces(*options.namespaces, manifests, ns)).ok()) return s;  // as written
  // Flagger's objects are checked and the Canaries normalised each on its
  // own, on every core when there are many; the first error in input order
  // is the one reported, as if they were checked one by one.
  std::vector<std::size_t> flagger;
  for (std::size_t i = 0; i < manifests.size(); ++i)
    if (manifests[i].Group() == kCanaryGroup) flagger.push_back(i);
  struct Checked {
    Status status;                   // the object's first error
    std::optional<CanaryInfo> info;  // a Canary's, when it has none
    std::vector<std::string> explain;
  };
  std::vector<Checked> checked(flagger.size());
  constexpr std::size_t kParallelFromObjects = 64;
  ParallelFor(
      flagger.size(),
      [&](std::size_t k) {
        Manifest& m = manifests[flagger[k]];
        Checked& c = checked[k];
        if (m.kind != "Canary") {  // MetricTemplate, AlertProvider, or a misspelt kind
          c.status = CheckFlaggerObject(m);
          if (c.status.ok() && options.mode == Mode::kFlagger) c.status = RefusedByFlagger(m);
          return;
        }
        auto info = NormaliseCanary(m, config.default_provider);
        if (!info.ok()) {
          c.status = info.status();
          return;
        }
        c.info = std::move(*info);
        if (options.mode == Mode::kFlagger) WriteDefaultProvider(m, config, &c.explain);
      },
      kParallelFromObjects);
  std::vector<CanaryRef> canaries;
  for (std::size_t k = 0; k < flagger.size(); ++k) {
    const std::size_t i = flagger[k];
    Checked& c = checked[k];
    if (!c.status.ok()) return c.status;
    if (!c.info) continue;  // not a Canary
    result.explain.insert(result.explain.end(), c.explain.begin(), c.explain.end());
    if (kurator->outside.count({manifests[i].EffectiveNamespace(ns), manifests[i].name}) != 0) continue;  // no workload to rewrite
    canaries.push_back(CanaryRef{i, std::move(*c.info), manifests[i].name, manifests[i].ns, ""});  // linked below
  }
  s = LinkHelmReleases(manifests, canaries, ns, &result.explain);
  if (!s.ok()) return s;
  s = RewriteApp(manifests, canaries, config, ns, options.gateways ? &*options.gateways : nullptr, &result.explain,
                 &result.dropped);
  if (!s.ok()) return s;
  // RewriteApp adds and drops objects: find the Canaries again, in their new
  // order. Names are unique per namespace (CheckDuplicates), so each Canary
  // object matches one entry at most.
  std::unordered_map<std::string, CanaryRef*> by_identity;
  by_identity.reserve(canaries.size());
  for (CanaryRef& c : canaries) by_identity.emplace(c.ns + '\0' + c.name, &c);
  std::vector<CanaryRef> rewritten;
  rewritten.reserve(canaries.size());
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    if (!IsCanary(manifests[i])) continue;
    auto it = by_identity.find(manifests[i].ns + '\0' + manifests[i].name);
    if (it == by_identity.end()) continue;
    CanaryRef& c = *it->second;
    rewritten.push_back(CanaryRef{i, std::move(c.info), std::move(c.name), std::move(c.ns), std::move(c.helm_release)});
  }
  s = ApplyCanaryStatus(manifests, rewritten, ns, options.mode == Mode::kGit, config, &result.explain,
                        &result.dropped);
  if (!s.ok()) return s;
  s = CheckDuplicatesAndSort(manifests, ns);  // generated objects must not collide with the input's
  if (!s.ok()) return s;
  if (options.namespaces && !(s = CheckNamespaces(*options.namespaces, manifests, ns)).ok()) return s;  // as rendered
  result.objects = std::move(manifests);
  return result;
}

}  // namespace gitcanary::render
