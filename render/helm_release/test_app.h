// Test fixtures for HelmRelease canaries: the podinfo app of Flagger's Flux
// guide (HelmRepository, HelmRelease podinfo in prod with the chart's Service
// off, a Canary of Deployment podinfo), and a render helper. Header-only, for
// the *_test.cc files of this directory.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/loader.h"
#include "render/render.h"

namespace gitcanary::render::helm_test {

inline const std::string kRepository =
    "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: prod}\n"
    "spec: {interval: 5m, url: 'https://stefanprodan.github.io/podinfo'}\n";

// HelmRelease `name` of chart podinfo at `version`, with `extra` appended to its spec (indented 2).
inline std::string Release(const std::string& name = "podinfo", const std::string& version = "6.14.1",
                           const std::string& extra = "", const std::string& api = "v2") {
  return "apiVersion: helm.toolkit.fluxcd.io/" + api + "\nkind: HelmRelease\nmetadata: {name: " + name +
         ", namespace: prod}\nspec:\n  interval: 5m\n  chart:\n    spec:\n      chart: podinfo\n" +
         (version.empty() ? "" : "      version: '" + version + "'\n") +
         "      sourceRef: {kind: HelmRepository, name: podinfo}\n  values:\n    service: {enabled: false}\n" + extra;
}

// Canary `name` of Deployment `target`, with metadata annotations `annotations` (a flow mapping body).
inline std::string Canary(const std::string& target = "podinfo", const std::string& annotations = "",
                          const std::string& provider = "linkerd", const std::string& service_extra = "") {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + target + "\n  namespace: prod\n" +
         (annotations.empty() ? "" : "  annotations: {" + annotations + "}\n") + "spec:\n  provider: " + provider +
         "\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: " + target + "}\n  service:\n    port: 9898\n" +
         service_extra + "  analysis: {interval: 10s, threshold: 5, stepWeight: 5, maxWeight: 100}\n";
}

inline std::string Deployment(const std::string& name) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: prod}\nspec:\n"
         "  selector:\n    matchLabels: {app: " + name + "}\n  template:\n    metadata:\n      labels: {app: " + name +
         "}\n    spec:\n      containers:\n      - {name: c, image: 'c:1'}\n";
}

// A CanaryStatus of Canary podinfo: `body` is the status mapping's content, indented 2.
inline std::string Status(const std::string& body) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: podinfo, namespace: prod}\n"
         "status:\n" + body;
}

// The promoted snapshot of chart 6.14.0 with replicaCount 2, for Status().
inline const std::string kPromoted =
    "  promoted:\n    helmRelease:\n      chart:\n        spec:\n          chart: podinfo\n"
    "          version: '6.14.0'\n          sourceRef: {kind: HelmRepository, name: podinfo}\n"
    "      values:\n        service: {enabled: false}\n        replicaCount: 2\n";

inline Result<RenderResult> RenderDocs(const std::vector<std::string>& docs, Mode mode) {
  std::vector<Manifest> all;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto parsed = ParseManifests(docs[i], "f" + std::to_string(i) + ".yaml");
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    for (Manifest& m : *parsed) all.push_back(std::move(m));
  }
  RenderOptions options;
  options.mode = mode;
  options.app_namespace = "prod";
  return Render(std::move(all), AppConfig{}, options);
}

inline const Manifest* FindObject(const RenderResult& r, const std::string& kind, const std::string& name) {
  for (const Manifest& m : r.objects)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

}  // namespace gitcanary::render::helm_test
