// The traffic provider of a canary, resolved as Flagger resolves it:
// spec.provider, else `defaults.provider` in gitcanary.yaml, else istio.
//
// Flagger accepts many providers (its CRD's enum); git mode renders the
// routing itself and implements six: istio, linkerd (an SMI TrafficSplit),
// gatewayapi:v1 and gatewayapi:v1beta1 (an HTTPRoute), nginx (a canary
// Ingress) and kubernetes (Services only). Plain `gatewayapi`, which Flagger
// silently routes through Istio, is an error in every mode that names the two
// versions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

enum class Provider { kIstio, kLinkerd, kGatewayApiV1, kGatewayApiV1beta1, kNginx, kKubernetes };

inline constexpr std::string_view kDefaultProvider = "istio";

// "istio", "linkerd", "gatewayapi:v1", ...
std::string_view ProviderName(Provider p);

// Whether Flagger knows the provider `name`. A message saying what is wrong
// with it ("" when Flagger knows it): plain `gatewayapi` names its versions.
std::string FlaggerProviderProblem(std::string_view name);

// spec.provider when set, else `default_provider` ("" = istio).
std::string EffectiveProvider(const Manifest& canary, std::string_view default_provider);

// The provider git mode renders for `canary`, or an error at spec.provider
// (or at the Canary, naming gitcanary.yaml's defaults.provider) that lists
// the providers git mode implements and points to --mode flagger.
Result<Provider> GitModeProvider(const Manifest& canary, std::string_view default_provider);

}  // namespace gitcanary::render
