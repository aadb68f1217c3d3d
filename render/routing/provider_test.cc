// Provider resolution: spec.provider, else gitcanary.yaml's defaults.provider,
// else istio, as Flagger's scheduler picks canary.spec.provider over its
// -mesh-provider flag (default istio). Git mode implements six providers.
#include <doctest/doctest.h>

#include <string>

#include "render/canary_spec.h"
#include "render/loader.h"
#include "render/render.h"
#include "render/routing/provider.h"

namespace gitcanary::render {
namespace {

// A Canary with `provider_line` under spec (line 6 when given).
Manifest Canary(const std::string& provider_line) {
  auto parsed = ParseManifests("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\nspec:\n" +
                                   provider_line + "  targetRef: {kind: Deployment, name: web}\n",
                               "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return (*parsed)[0];
}

TEST_CASE("provider: spec.provider wins over defaults.provider, which wins over istio") {
  CHECK(EffectiveProvider(Canary(""), "") == "istio");
  CHECK(EffectiveProvider(Canary(""), "linkerd") == "linkerd");
  CHECK(EffectiveProvider(Canary("  provider: nginx\n"), "linkerd") == "nginx");
  CHECK(EffectiveProvider(Canary("  provider: null\n"), "kubernetes") == "kubernetes");
}

TEST_CASE("provider: git mode implements istio, linkerd, both Gateway API versions, nginx and kubernetes") {
  const std::pair<const char*, Provider> known[] = {
      {"istio", Provider::kIstio},   {"linkerd", Provider::kLinkerd},       {"gatewayapi:v1", Provider::kGatewayApiV1},
      {"nginx", Provider::kNginx},   {"kubernetes", Provider::kKubernetes}, {"gatewayapi:v1beta1", Provider::kGatewayApiV1beta1}};
  for (const auto& [name, provider] : known) {
    CAPTURE(name);
    auto p = GitModeProvider(Canary(std::string("  provider: ") + name + "\n"), "");
    REQUIRE(p.ok());
    CHECK(*p == provider);
    CHECK(ProviderName(provider) == name);
    CHECK(FlaggerProviderProblem(name).empty());
  }
}

TEST_CASE("provider: plain gatewayapi is an error naming the versions, in flagger and git mode alike") {
  CHECK(FlaggerProviderProblem("gatewayapi").find("gatewayapi:v1 or gatewayapi:v1beta1") != std::string::npos);
  auto p = GitModeProvider(Canary("  provider: gatewayapi\n"), "");
  REQUIRE(!p.ok());
  CHECK(p.status().message().rfind("canary.yaml:6:13: spec.provider: gatewayapi needs its API version: "
                                   "gatewayapi:v1 or gatewayapi:v1beta1",
                                   0) == 0);
}

TEST_CASE("provider: one Flagger routes but git mode does not is refused with the list and --mode flagger") {
  for (const char* name : {"appmesh", "contour", "gloo", "traefik", "kuma", "skipper", "apisix", "knative"}) {
    CAPTURE(name);
    CHECK(FlaggerProviderProblem(name).empty());
    auto p = GitModeProvider(Canary(std::string("  provider: ") + name + "\n"), "");
    REQUIRE(!p.ok());
    CHECK(p.status().message() == std::string("canary.yaml:6:13: spec.provider: ") + name +
                                      " is not supported in git mode, which routes istio, linkerd, gatewayapi:v1, "
                                      "gatewayapi:v1beta1, nginx, kubernetes: use one of those, or --mode flagger to "
                                      "let Flagger route " + name);
  }
  // From gitcanary.yaml: the error is at the Canary and says where the provider came from.
  auto p = GitModeProvider(Canary(""), "contour");
  REQUIRE(!p.ok());
  CHECK(p.status().message().rfind("canary.yaml:1:1: spec.provider: unset, so defaults.provider of gitcanary.yaml "
                                   "applies: contour is not supported in git mode",
                                   0) == 0);
}

TEST_CASE("provider: a name Flagger does not know is refused with Flagger's list") {
  CHECK(FlaggerProviderProblem("istoi").rfind("unknown provider \"istoi\"; Flagger knows apisix, appmesh", 0) == 0);
}

TEST_CASE("provider: in flagger mode defaults.provider is written into a Canary that has none") {
  const std::string app =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
      "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: web:1}]}\n---\n"
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\nspec:\n"
      "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  service: {port: 80}\n"
      "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";
  auto provider_of = [&](const std::string& text, const std::string& default_provider) {
    auto parsed = ParseManifests(text, "app.yaml");
    REQUIRE(parsed.ok());
    AppConfig config;
    config.file = "gitcanary.yaml";
    config.default_provider = default_provider;
    RenderOptions options;
    options.mode = Mode::kFlagger;
    auto r = Render(std::move(*parsed), config, options);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    for (const Manifest& m : r->objects) {
      if (m.kind != "Canary") continue;
      const yaml::Node* p = m.doc.Path({"spec", "provider"});
      return p == nullptr ? std::string("(unset)") : p->value;
    }
    return std::string("(no Canary)");
  };
  CHECK(provider_of(app, "linkerd") == "linkerd");
  CHECK(provider_of(app, "") == "(unset)");  // Flagger's own -mesh-provider decides, as before
  std::string with_own = app;
  with_own.replace(with_own.find("  service:"), 0, "  provider: kubernetes\n");
  CHECK(provider_of(with_own, "linkerd") == "kubernetes");
}

TEST_CASE("provider: defaults.provider decides the Istio checks and the gateways default, as spec.provider does") {
  // Flagger's SMI router ignores service.timeout, so "1d" (no Istio duration) is fine under linkerd.
  const std::string text =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\nspec:\n"
      "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  service: {port: 80, timeout: 1d}\n"
      "  analysis: {interval: 1m, threshold: 5, stepWeight: 10}\n";
  auto normalised = [&](const std::string& default_provider) -> Result<Manifest> {
    auto parsed = ParseManifests(text, "canary.yaml");
    REQUIRE(parsed.ok());
    Manifest m = (*parsed)[0];
    auto info = NormaliseCanary(m, default_provider);
    if (!info.ok()) return info.status();
    CHECK(info->provider == (default_provider.empty() ? "istio" : default_provider));
    return m;
  };
  auto istio = normalised("");
  REQUIRE(!istio.ok());
  CHECK(istio.status().message().find("spec.service.timeout: not a duration") != std::string::npos);
  for (const char* provider : {"linkerd", "kubernetes"}) {
    CAPTURE(provider);
    auto m = normalised(provider);
    REQUIRE_MESSAGE(m.ok(), m.status().message());
    CHECK(m->doc.Path({"spec", "service", "gateways"}) == nullptr);  // the [mesh] default is Istio's
  }
}

TEST_CASE("provider: a kubernetes Canary without iterations is told that it runs blue/green") {
  auto parsed = ParseManifests("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: web}\nspec:\n"
                               "  provider: kubernetes\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
                               "  service: {port: 80}\n  analysis: {interval: 1m, threshold: 5}\n",
                               "canary.yaml");
  REQUIRE(parsed.ok());
  auto info = NormaliseCanary((*parsed)[0]);
  REQUIRE(!info.ok());
  CHECK(info.status().message() == "canary.yaml:8:13: spec.analysis: needs iterations: provider kubernetes shifts no "
                                   "traffic and runs blue/green (Flagger's default is iterations: 10)");
}

}  // namespace
}  // namespace gitcanary::render
