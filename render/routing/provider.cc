#include "render/routing/provider.h"

#include "render/fields.h"

namespace gitcanary::render {

namespace {

struct Known {
  std::string_view name;
  Provider provider;
};

constexpr Known kGitModeProviders[] = {
    {"istio", Provider::kIstio},
    {"linkerd", Provider::kLinkerd},
    {"gatewayapi:v1", Provider::kGatewayApiV1},
    {"gatewayapi:v1beta1", Provider::kGatewayApiV1beta1},
    {"nginx", Provider::kNginx},
    {"kubernetes", Provider::kKubernetes},
};

// The values of spec.provider in Flagger's CRD.
constexpr std::string_view kFlaggerProviders[] = {
    "apisix", "appmesh", "appmesh:v1beta2", "contour", "gatewayapi:v1", "gatewayapi:v1beta1", "gloo", "istio",
    "knative", "kubernetes", "kuma", "linkerd", "nginx", "osm", "skipper", "smi:v1alpha1", "smi:v1alpha2",
    "smi:v1alpha3", "traefik"};

std::string GitModeList() {
  std::string out;
  for (const Known& k : kGitModeProviders) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

}  // namespace

std::string_view ProviderName(Provider p) {
  for (const Known& k : kGitModeProviders)
    if (k.provider == p) return k.name;
  return "istio";
}

std::string FlaggerProviderProblem(std::string_view name) {
  if (name == "gatewayapi") {
    return "gatewayapi needs its API version: gatewayapi:v1 or gatewayapi:v1beta1 (Flagger would silently route "
           "plain gatewayapi through Istio)";
  }
  for (std::string_view known : kFlaggerProviders)
    if (known == name) return "";
  std::string list;
  for (std::string_view known : kFlaggerProviders) list += (list.empty() ? "" : ", ") + std::string(known);
  return "unknown provider \"" + std::string(name) + "\"; Flagger knows " + list;
}

std::string EffectiveProvider(const Manifest& canary, std::string_view default_provider) {
  const yaml::Node* p = canary.doc.Path({"spec", "provider"});
  if (p != nullptr && p->IsScalar() && !p->IsNull() && !p->value.empty()) return p->value;
  return std::string(default_provider.empty() ? kDefaultProvider : default_provider);
}

Result<Provider> GitModeProvider(const Manifest& canary, std::string_view default_provider) {
  const std::string name = EffectiveProvider(canary, default_provider);
  for (const Known& k : kGitModeProviders)
    if (k.name == name) return k.provider;
  const yaml::Node* at = canary.doc.Path({"spec", "provider"});
  const bool from_spec = at != nullptr && at->IsScalar() && !at->IsNull() && !at->value.empty();
  std::string problem = FlaggerProviderProblem(name);
  if (problem.empty()) {
    problem = name + " is not supported in git mode, which routes " + GitModeList() +
              ": use one of those, or --mode flagger to let Flagger route " + name;
  }
  Fields f(canary.file);
  if (from_spec) return f.Error(*at, "spec.provider", problem);
  return f.Error(canary.doc, "spec.provider", "unset, so defaults.provider of gitcanary.yaml applies: " + problem);
}

}  // namespace gitcanary::render
