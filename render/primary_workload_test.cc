// Tests for git mode's primary workloads beyond Flagger's own tests (those are
// in tests/flagger_canary_parity_test.cc): the selector label setting and its
// errors, and a ConfigMap that two Canaries track.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/loader.h"
#include "render/output.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

std::string Target(const std::string& name, const std::string& selector, const std::string& config = "") {
  std::string env = config.empty() ? "" : "\n        envFrom: [{configMapRef: {name: " + config + "}}]";
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + "}\nspec:\n  selector:\n    matchLabels: " +
         selector + "\n  template:\n    metadata:\n      labels: " + selector +
         "\n    spec:\n      containers:\n      - name: web\n        image: web:1" + env + "\n";
}

std::string CanaryFor(const std::string& name) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: " + name +
         "}\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: " + name +
         "}\n  service: {port: 80}\n  analysis: {threshold: 1, stepWeight: 10, maxWeight: 50}\n";
}

std::string Snapshot(const std::string& canary, const std::string& config, const std::string& color,
                     const std::string& when) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata: {name: " + canary +
         "}\nstatus:\n  phase: Succeeded\n  lastTransitionTime: \"" + when +
         "\"\n  promoted:\n    template:\n      metadata: {labels: {app: " + canary +
         "}}\n      spec:\n        containers:\n        - name: web\n          image: web:1\n"
         "          envFrom: [{configMapRef: {name: " + config + "}}]\n    configMaps: {" + config +
         ": {color: " + color + "}}\n";
}

Result<RenderResult> RenderGit(const std::vector<std::string>& docs, const AppConfig& config = {}) {
  std::vector<Manifest> all;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto parsed = ParseManifests(docs[i], "f" + std::to_string(i) + ".yaml");
    REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
    for (Manifest& m : *parsed) all.push_back(std::move(m));
  }
  RenderOptions options;
  options.mode = Mode::kGit;
  return Render(std::move(all), config, options);
}

const Manifest* Find(const RenderResult& r, const std::string& kind, const std::string& name) {
  for (const Manifest& m : r.objects)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

TEST_CASE("a target without a selector label is an error that names the labels and the setting") {
  auto r = RenderGit({Target("web", "{tier: web}"), CanaryFor("web")});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() ==
        "f0.yaml:6:5: spec.selector.matchLabels: git mode needs one of the selector labels app, name, "
        "app.kubernetes.io/name here (its value v becomes v-primary on the primary); list other labels in "
        "gitcanary.yaml defaults.selectorLabels");
}

TEST_CASE("defaults.selectorLabels picks the label, and the first configured one found wins") {
  AppConfig config;
  config.labels.selector = {"tier", "app"};
  auto r = RenderGit({Target("web", "{app: web, tier: frontend}"), CanaryFor("web")}, config);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Manifest* primary = Find(*r, "Deployment", "web-primary");
  REQUIRE(primary != nullptr);
  const yaml::Node* match = primary->doc.Path({"spec", "selector", "matchLabels"});
  REQUIRE(match != nullptr);
  CHECK(match->fields.size() == 1);
  CHECK(match->Find("tier")->value == "frontend-primary");
  CHECK(primary->doc.Path({"spec", "template", "metadata", "labels", "app"})->value == "web");
}

TEST_CASE("a primary label value over 63 characters is an error at the label") {
  const std::string long_value(60, 'a');
  auto r = RenderGit({Target("web", "{app: " + long_value + "}"), CanaryFor("web")});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("spec.selector.matchLabels.app: \"" + long_value +
                                  "-primary\" (the primary's label value) is longer than 63 characters") !=
        std::string::npos);
}

TEST_CASE("a ConfigMap two Canaries track gets one -primary copy: the latest promotion's") {
  auto r = RenderGit({Target("a", "{app: a}", "shared"), CanaryFor("a"), Target("b", "{app: b}", "shared"), CanaryFor("b"),
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared}\ndata: {color: green}\n",
                      Snapshot("a", "shared", "red", "2026-11-22T10:00:00Z"),
                      Snapshot("b", "shared", "blue", "2026-11-22T11:00:00Z")});
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  int copies = 0;
  for (const Manifest& m : r->objects) copies += m.kind == "ConfigMap" && m.name == "shared-primary" ? 1 : 0;
  CHECK(copies == 1);
  const Manifest* copy = Find(*r, "ConfigMap", "shared-primary");
  REQUIRE(copy != nullptr);
  CHECK(copy->doc.Path({"data", "color"})->value == "blue");
}

}  // namespace
}  // namespace gitcanary::render
