// Tests for Canaries generated from gitcanary.yaml templates: what the
// generated Canary holds, what happens to the annotated Deployment, and the
// errors for unknown templates, unknown variables and ambiguous Deployments.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "render/canary_templates.h"
#include "render/loader.h"
#include "render/output.h"
#include "render/render.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

// Lines 1-11; the host string of template "web" is on line 9, column 13.
constexpr const char* kConfig =
    "apiVersion: gitcanary.io/v1alpha1\n"
    "kind: Config\n"
    "templates:\n"
    "  web:\n"
    "    spec:\n"
    "      service:\n"
    "        port: 80\n"
    "        hosts:\n"
    "          - \"HOST\"\n"
    "      analysis:\n"
    "        stepWeight: 20\n"
    "      autoscalerRef: SCALER\n";

AppConfig Config(const std::string& host = "{{ name }}.{{ namespace }}.example.com", const std::string& scaler = "{}") {
  std::string text = kConfig;
  text.replace(text.find("HOST"), 4, host);
  text.replace(text.find("SCALER"), 6, scaler);
  auto c = ParseAppConfig(text, "gitcanary.yaml");
  REQUIRE_MESSAGE(c.ok(), c.status().message());
  return *c;
}

// The template annotation value is on line 6, column 35 (namespace-less).
std::string Deployment(const std::string& name, const std::string& ns = "", const std::string& tmpl = "web",
                       const std::string& more_annotations = "") {
  std::string s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n";
  if (!tmpl.empty() || !more_annotations.empty()) s += "  annotations:\n";
  if (!tmpl.empty()) s += "    gitcanary.io/canary-template: " + tmpl + "\n";
  s += more_annotations;
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  return s + "spec:\n  replicas: 6\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n";
}

std::string Canary(const std::string& name, const std::string& target, const std::string& ns = "") {
  std::string s = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name + "\n";
  if (!ns.empty()) s += "  namespace: " + ns + "\n";
  return s + "spec:\n  targetRef:\n    kind: Deployment\n    name: " + target +
         "\n  service:\n    port: 80\n  analysis:\n    iterations: 5\n";
}

std::vector<Manifest> Parse(const std::vector<std::string>& docs, const std::string& file = "deploy.yaml") {
  std::string text;
  for (const std::string& d : docs) text += (text.empty() ? "" : "---\n") + d;
  auto parsed = ParseManifests(text, file);
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  return std::move(*parsed);
}

const Manifest* Find(const std::vector<Manifest>& ms, const std::string& kind, const std::string& name) {
  for (const Manifest& m : ms)
    if (m.kind == kind && m.name == name) return &m;
  return nullptr;
}

std::string Str(const Manifest& m, std::initializer_list<std::string_view> path) {
  const Node* n = m.doc.Path(path);
  REQUIRE(n != nullptr);
  return n->value;
}

Result<RenderResult> RenderDocs(const std::vector<std::string>& docs, const AppConfig& config) {
  RenderOptions options;
  options.mode = Mode::kFlagger;
  return Render(Parse(docs), config, options);
}

TEST_CASE("an annotated Deployment gets a Canary named like it that targets it") {
  std::vector<Manifest> ms = Parse({Deployment("catalog", "shop-data", "web", "    team: data\n")});
  std::vector<std::string> explain;
  REQUIRE(ExpandCanaryTemplates(ms, Config(), "default", &explain).ok());
  REQUIRE(ms.size() == 2);
  const Manifest* canary = Find(ms, "Canary", "catalog");
  REQUIRE(canary != nullptr);
  CHECK(canary->api_version == "flagger.app/v1beta1");
  CHECK(canary->ns == "shop-data");
  CHECK(Str(*canary, {"spec", "targetRef", "apiVersion"}) == "apps/v1");
  CHECK(Str(*canary, {"spec", "targetRef", "kind"}) == "Deployment");
  CHECK(Str(*canary, {"spec", "targetRef", "name"}) == "catalog");
  CHECK(Str(*canary, {"spec", "autoscalerRef", "kind"}) == "HorizontalPodAutoscaler");
  CHECK(Str(*canary, {"spec", "autoscalerRef", "name"}) == "catalog");
  CHECK(Str(*canary, {"metadata", "annotations", "gitcanary.io/template"}) == "web");
  CHECK(canary->doc.Path({"spec", "service", "hosts"})->items.at(0).value == "catalog.shop-data.example.com");
  CHECK(Str(*canary, {"spec", "analysis", "stepWeight"}) == "20");
  const Node* annotations = Find(ms, "Deployment", "catalog")->doc.Path({"metadata", "annotations"});
  REQUIRE(annotations != nullptr);
  CHECK(annotations->Find("gitcanary.io/canary-template") == nullptr);
  CHECK(annotations->Find("team") != nullptr);
  REQUIRE(explain.size() == 1);
  CHECK(explain[0].find("template \"web\"") != std::string::npos);
}

TEST_CASE("template variables take the Deployment name and its effective namespace") {
  struct Row { const char* name; std::string ns; std::string app_ns; std::string host; std::string expected; };
  const Row rows[] = {
      {"namespace written", "shop", "default", "{{ name }}.{{ namespace }}", "web.shop"},
      {"app namespace", "", "prod", "{{ namespace }}/{{ name }}", "prod/web"},
      {"no spaces and repeats", "", "default", "{{name}}-{{name}}.{{  namespace  }}", "web-web.default"},
      {"no placeholder", "", "default", "static.example.com", "static.example.com"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    std::vector<Manifest> ms = Parse({Deployment("web", row.ns)});
    std::vector<std::string> explain;
    REQUIRE(ExpandCanaryTemplates(ms, Config(row.host), row.app_ns, &explain).ok());
    const Manifest* canary = Find(ms, "Canary", "web");
    REQUIRE(canary != nullptr);
    CHECK(canary->ns == row.ns);  // namespace-less stays namespace-less
    CHECK(canary->doc.Path({"spec", "service", "hosts"})->items.at(0).value == row.expected);
  }
}

TEST_CASE("autoscalerRef name in a template defaults to the Deployment and may use variables") {
  struct Row { const char* scaler; const char* expected; };
  for (const Row& row : {Row{"{}", "web"}, Row{"~", "web"}, Row{"{name: \"{{ name }}-hpa\"}", "web-hpa"},
                         Row{"{name: shared}", "shared"}}) {
    CAPTURE(row.scaler);
    std::vector<Manifest> ms = Parse({Deployment("web")});
    std::vector<std::string> explain;
    REQUIRE(ExpandCanaryTemplates(ms, Config("h", row.scaler), "default", &explain).ok());
    const Manifest* canary = Find(ms, "Canary", "web");
    REQUIRE(canary != nullptr);
    CHECK(Str(*canary, {"spec", "autoscalerRef", "name"}) == row.expected);
    CHECK(Str(*canary, {"spec", "autoscalerRef", "apiVersion"}) == "autoscaling/v2");
  }
}

TEST_CASE("Deployments without the annotation get no Canary and keep their annotations") {
  std::vector<Manifest> ms = Parse({Deployment("web", "", "", "    team: data\n")});
  const Node before = ms[0].doc;
  std::vector<std::string> explain;
  REQUIRE(ExpandCanaryTemplates(ms, Config(), "default", &explain).ok());
  CHECK(ms.size() == 1);
  CHECK(ms[0].doc == before);
  CHECK(explain.empty());
}

TEST_CASE("a rendered template Canary is normalised, drives the rewrites and re-renders to itself") {
  auto r = RenderDocs({Deployment("web")}, Config());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Manifest* deployment = Find(r->objects, "Deployment", "web");
  const Manifest* canary = Find(r->objects, "Canary", "web");
  REQUIRE(deployment != nullptr);
  REQUIRE(canary != nullptr);
  CHECK(deployment->doc.Path({"metadata", "annotations"}) == nullptr);  // emptied, so dropped
  CHECK(deployment->doc.Path({"spec", "replicas"}) == nullptr);
  CHECK(Str(*canary, {"spec", "analysis", "interval"}) == "1m");
  CHECK(Str(*canary, {"metadata", "annotations", "gitcanary.io/template"}) == "web");
  const Manifest* hpa = Find(r->objects, "HorizontalPodAutoscaler", "web");
  REQUIRE(hpa != nullptr);
  CHECK(Str(*hpa, {"spec", "maxReplicas"}) == "6");

  const std::string first = ToYamlStream(r->objects);
  auto again = ParseManifests(first, "out.yaml");
  REQUIRE(again.ok());
  RenderOptions options;
  options.mode = Mode::kFlagger;
  auto second = Render(std::move(*again), Config(), options);
  REQUIRE_MESSAGE(second.ok(), second.status().message());
  CHECK(ToYamlStream(second->objects) == first);
}

TEST_CASE("template errors name the place and the problem") {
  AppConfig none;  // no gitcanary.yaml found
  struct Row { const char* name; std::vector<std::string> docs; AppConfig config; std::string expected; };
  const Row rows[] = {
      {"unknown template", {Deployment("web", "", "api")}, Config(),
       "deploy.yaml:6:35: metadata.annotations.gitcanary.io/canary-template: no canary template \"api\" in gitcanary.yaml"},
      {"no config file", {Deployment("web")}, none, "no canary template \"web\" in gitcanary.yaml (none found)"},
      {"template name not a string", {Deployment("web", "", "5")}, Config(),
       "deploy.yaml:6:35: metadata.annotations: template name must be a string"},
      {"unknown variable", {Deployment("web")}, Config("{{ foo }}.example.com"),
       "gitcanary.yaml:9:13: unknown template variable \"foo\""},
      {"unclosed placeholder", {Deployment("web")}, Config("{{ name .example.com"),
       "gitcanary.yaml:9:13: unclosed \"{{\""},
      {"annotated and targeted", {Deployment("web"), Canary("manual", "web")}, Config(),
       "deploy.yaml:6:35: metadata.annotations: Deployment web has a canary template annotation and is also the target "
       "of a Canary"},
      {"annotated and targeted, namespace-less Canary in the app namespace",
       {Deployment("web", "default"), Canary("manual", "web")}, Config(), "is also the target of a Canary"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    auto r = RenderDocs(row.docs, row.config);
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find(row.expected) != std::string::npos,
                  "message: " << r.status().message() << "\nexpected: " << row.expected);
  }
}

TEST_CASE("a Canary targeting a same-named Deployment in another namespace is not a conflict") {
  std::vector<Manifest> ms = Parse({Deployment("web", "shop"), Canary("manual", "web", "other")});
  std::vector<std::string> explain;
  Status s = ExpandCanaryTemplates(ms, Config(), "default", &explain);
  REQUIRE_MESSAGE(s.ok(), s.message());
  CHECK(ms.size() == 3);
  CHECK(Find(ms, "Canary", "web") != nullptr);
}

TEST_CASE("a generated Canary clashing with a written one is a duplicate") {
  auto r = RenderDocs({Deployment("web"), Deployment("api", "", ""), Canary("web", "api")}, Config());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("duplicate object Canary web") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render
