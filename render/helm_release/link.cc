#include "render/helm_release/link.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "render/fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

using Key = std::pair<std::string, std::string>;  // (effective namespace, name)

std::string List(const std::vector<const Manifest*>& releases) {
  if (releases.empty()) return "none";
  std::string out;
  for (const Manifest* m : releases) out += (out.empty() ? "" : ", ") + m->name + " (" + m->file + ")";
  return out;
}

// The annotation's node, or nullptr.
const Node* LinkAnnotation(const Manifest& canary) {
  const Node* annotations = canary.doc.Path({"metadata", "annotations"});
  return annotations != nullptr ? annotations->Find(kHelmReleaseAnnotation) : nullptr;
}

const std::string kAnnotationPath = "metadata.annotations." + std::string(kHelmReleaseAnnotation);

// (effective namespace, name), viewing the manifests' strings.
using KeyView = std::pair<std::string_view, std::string_view>;

struct Index {
  std::vector<KeyView> deployments;  // sorted
  bool HasDeployment(std::string_view ns, std::string_view name) const {
    return std::binary_search(deployments.begin(), deployments.end(), KeyView{ns, name});
  }
  std::map<Key, const Manifest*> releases;
  std::map<std::string, std::vector<const Manifest*>> releases_in;  // namespace -> in input order
};

Index IndexOf(const std::vector<Manifest>& manifests, const std::string& app_ns) {
  Index out;
  for (const Manifest& m : manifests) {
    const std::string& ns = m.EffectiveNamespace(app_ns);
    if (m.kind == "Deployment" && m.Group() == "apps") out.deployments.emplace_back(ns, m.name);
    if (!IsHelmRelease(m)) continue;
    out.releases.emplace(Key{ns, m.name}, &m);
    out.releases_in[ns].push_back(&m);
  }
  std::sort(out.deployments.begin(), out.deployments.end());
  return out;
}

// The HelmRelease of one Canary ("" = none, its Deployment is in the input).
Result<std::string> LinkOne(const Manifest& canary, const CanaryInfo& info, const Index& index,
                            const std::string& app_ns, std::vector<std::string>* explain) {
  const Fields f(canary.file);
  const std::string& ns = canary.EffectiveNamespace(app_ns);
  const bool deployment_in_input = index.HasDeployment(ns, info.target);
  auto in_ns = index.releases_in.find(ns);
  const std::vector<const Manifest*> none;
  const std::vector<const Manifest*>& releases = in_ns == index.releases_in.end() ? none : in_ns->second;
  if (const Node* named = LinkAnnotation(canary); named != nullptr) {
    if (!named->IsScalar() || named->value.empty())
      return f.Error(*named, kAnnotationPath, "expected the name of a HelmRelease of namespace " + ns);
    if (index.releases.count({ns, named->value}) == 0)
      return f.Error(*named, kAnnotationPath,
                     "HelmRelease \"" + named->value + "\" not found in namespace " + ns + " (HelmReleases there: " +
                         List(releases) + "); name one of them or remove the annotation");
    if (deployment_in_input)
      return f.Error(*named, kAnnotationPath,
                     "the Canary is linked to two sources: HelmRelease " + named->value +
                         " (this annotation) and Deployment " + info.target +
                         " of the input; remove the annotation or the Deployment");
    return named->value;
  }
  if (deployment_in_input) return std::string();
  const Node* at = canary.doc.Path({"spec", "targetRef", "name"});
  const std::string missing = "Deployment \"" + info.target + "\" not found in namespace " + ns;
  if (releases.size() == 1) {
    explain->push_back(canary.Describe() + ": target Deployment " + info.target +
                       " is rendered by HelmRelease " + releases[0]->name + ", the only HelmRelease of namespace " +
                       ns + " (annotate the Canary " + std::string(kHelmReleaseAnnotation) + " to name it)");
    return releases[0]->name;
  }
  if (releases.empty())
    return f.Error(at != nullptr ? *at : canary.doc, "spec.targetRef.name",
                   missing + ", and no HelmRelease of that namespace could render it; add the Deployment, or a "
                             "HelmRelease whose chart renders it");
  return f.Error(at != nullptr ? *at : canary.doc, "spec.targetRef.name",
                 missing + ", and several HelmReleases could render it: " + List(releases) +
                     "; name one with the Canary annotation " + std::string(kHelmReleaseAnnotation));
}

}  // namespace

Result<std::string> LinkHelmRelease(const std::vector<Manifest>& manifests, const Manifest& canary,
                                    const CanaryInfo& info, const std::string& app_namespace,
                                    std::vector<std::string>* explain) {
  return LinkOne(canary, info, IndexOf(manifests, app_namespace), app_namespace, explain);
}

bool IsHelmRelease(const Manifest& m) {
  return m.kind == "HelmRelease" &&
         (m.api_version == "helm.toolkit.fluxcd.io/v2" || m.api_version == "helm.toolkit.fluxcd.io/v2beta2" ||
          m.api_version == "helm.toolkit.fluxcd.io/v2beta1");
}

Status LinkHelmReleases(const std::vector<Manifest>& manifests, std::vector<CanaryRef>& canaries,
                        const std::string& app_namespace, std::vector<std::string>* explain) {
  const Index index = IndexOf(manifests, app_namespace);
  std::map<Key, const Manifest*> claimed;  // HelmRelease -> its Canary
  for (CanaryRef& c : canaries) {
    const Manifest& canary = manifests[c.index];
    auto link = LinkOne(canary, c.info, index, app_namespace, explain);
    if (!link.ok()) return link.status();
    if (link->empty()) continue;
    const Key key{canary.EffectiveNamespace(app_namespace), *link};
    auto [it, fresh] = claimed.emplace(key, &canary);
    if (!fresh) {
      const Node* at = LinkAnnotation(canary);
      if (at == nullptr) at = canary.doc.Path({"spec", "targetRef", "name"});
      return Fields(canary.file).Error(at != nullptr ? *at : canary.doc,
                                       LinkAnnotation(canary) != nullptr ? kAnnotationPath : "spec.targetRef.name",
                                       "HelmRelease " + *link + " is already linked to " + it->second->Describe() +
                                           " (" + it->second->file + "); give each Canary its own HelmRelease");
    }
    c.helm_release = std::move(*link);
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
