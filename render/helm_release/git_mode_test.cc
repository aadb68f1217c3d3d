// Tests of git mode for a HelmRelease canary, one row per phase, each
// expected value reasoned from the per-phase table of the design (canary
// release scaled to 0 exactly when the Deployment path scales its canary to 0:
// Initialized, Succeeded, Failed at weight 0; the primary release from the
// promoted snapshot, or from the user's spec before any status), and the
// objects every phase renders (H-primary's fixed fields, the Services).
#include <doctest/doctest.h>

#include <set>
#include <tuple>

#include "render/helm_release/test_app.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using namespace helm_test;
using yaml::Node;

std::string Scalar(const Node& doc, std::initializer_list<std::string_view> path) {
  const Node* n = doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "<none>";
}

// The parsed patch text of patch `i` of the last postRenderers entry of a HelmRelease.
Node LastPatch(const Manifest& release, std::size_t i, Node* target = nullptr) {
  const Node* list = release.doc.Path({"spec", "postRenderers"});
  REQUIRE(list != nullptr);
  REQUIRE(!list->items.empty());
  const Node* patches = list->items.back().Path({"kustomize", "patches"});
  REQUIRE(patches != nullptr);
  REQUIRE(i < patches->items.size());
  if (target != nullptr) *target = *patches->items[i].Find("target");
  auto docs = yaml::ParseYamlStream(patches->items[i].Find("patch")->value, "patch");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  return docs->front();
}

const std::string kApp[] = {kRepository, Release(), Canary()};

Result<RenderResult> RenderWithStatus(const std::string& status_body) {
  std::vector<std::string> docs(std::begin(kApp), std::end(kApp));
  if (!status_body.empty()) docs.push_back(Status(status_body));
  return RenderDocs(docs, Mode::kGit);
}

TEST_CASE("git mode renders a HelmRelease canary per phase") {
  struct Row {
    const char* phase;
    std::string status;   // "" = none yet
    bool scaled_to_zero;  // replicas: 0 in the canary release's Deployment patch
    const char* weight;   // gitcanary.io/canary-weight
    const char* primary_version;  // chart version of H-primary
  } rows[] = {
      {"Initializing", "", false, "0", "6.14.1"},  // bootstrap: H-primary from the user's spec
      {"Initialized", "  phase: Initialized\n" + kPromoted, true, "0", "6.14.0"},
      {"Waiting", "  phase: Waiting\n" + kPromoted, false, "0", "6.14.0"},
      {"Progressing", "  phase: Progressing\n  canaryWeight: 20\n" + kPromoted, false, "20", "6.14.0"},
      {"WaitingPromotion", "  phase: WaitingPromotion\n  canaryWeight: 100\n" + kPromoted, false, "100", "6.14.0"},
      {"Promoting", "  phase: Promoting\n  canaryWeight: 50\n" + kPromoted, false, "50", "6.14.0"},
      {"Finalising", "  phase: Finalising\n" + kPromoted, false, "0", "6.14.0"},
      {"Succeeded", "  phase: Succeeded\n" + kPromoted, true, "0", "6.14.0"},
      {"Failed", "  phase: Failed\n" + kPromoted, true, "0", "6.14.0"},
      {"Failed", "  phase: Failed\n  canaryWeight: 100\n" + kPromoted, false, "100", "6.14.0"},  // failed promotion
  };
  for (const Row& row : rows) {
    INFO("row: " << row.phase);
    INFO("row: " << row.weight);
    auto r = RenderWithStatus(row.status);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const Manifest* canary = FindObject(*r, "HelmRelease", "podinfo");
    const Manifest* primary = FindObject(*r, "HelmRelease", "podinfo-primary");
    REQUIRE(canary != nullptr);
    REQUIRE(primary != nullptr);
    CHECK(FindObject(*r, "Canary", "podinfo") == nullptr);
    CHECK(FindObject(*r, "CanaryStatus", "podinfo") == nullptr);
    // the canary release: the user's spec, status in metadata, our post-renderer last
    CHECK(Scalar(canary->doc, {"metadata", "annotations", "gitcanary.io/phase"}) == row.phase);
    CHECK(Scalar(canary->doc, {"metadata", "annotations", "gitcanary.io/canary-weight"}) == row.weight);
    CHECK(Scalar(canary->doc, {"spec", "chart", "spec", "version"}) == "6.14.1");
    CHECK(Scalar(canary->doc, {"spec", "values", "service", "enabled"}) == "false");
    Node target;
    Node patch = LastPatch(*canary, 0, &target);
    CHECK(Scalar(target, {"kind"}) == "Deployment");
    CHECK(Scalar(target, {"group"}) == "apps");
    CHECK(Scalar(target, {"version"}) == "v1");
    CHECK(Scalar(target, {"name"}) == "podinfo");
    CHECK(Scalar(patch, {"spec", "template", "metadata", "labels", "gitcanary.io/workload"}) == "podinfo");
    CHECK(Scalar(patch, {"spec", "replicas"}) == (row.scaled_to_zero ? "0" : "<none>"));
    CHECK(patch.Path({"spec", "selector"}) == nullptr);  // immutable: never patched
    // the primary release
    CHECK(Scalar(primary->doc, {"apiVersion"}) == "helm.toolkit.fluxcd.io/v2");
    CHECK(Scalar(primary->doc, {"metadata", "namespace"}) == "prod");
    CHECK(Scalar(primary->doc, {"metadata", "annotations", "gitcanary.io/phase"}) == row.phase);
    CHECK(Scalar(primary->doc, {"spec", "releaseName"}) == "podinfo-primary");
    CHECK(Scalar(primary->doc, {"spec", "interval"}) == "5m");
    CHECK(Scalar(primary->doc, {"spec", "chart", "spec", "version"}) == row.primary_version);
    CHECK(Scalar(primary->doc, {"spec", "values", "fullnameOverride"}) == "podinfo-primary");
    CHECK(Scalar(primary->doc, {"spec", "values", "replicaCount"}) == (row.status.empty() ? "<none>" : "2"));
    CHECK(Scalar(primary->doc, {"spec", "install", "disableTakeOwnership"}) == "true");
    CHECK(Scalar(primary->doc, {"spec", "upgrade", "disableTakeOwnership"}) == "true");
    CHECK(Scalar(primary->doc, {"spec", "test", "enable"}) == "false");
    Node primary_patch = LastPatch(*primary, 0, &target);
    CHECK(Scalar(target, {"name"}) == "podinfo-primary");
    CHECK(Scalar(primary_patch, {"spec", "template", "metadata", "labels", "gitcanary.io/workload"}) ==
          "podinfo-primary");
    CHECK(primary_patch.Path({"spec", "replicas"}) == nullptr);
    // the Services select the pod label the post-renderers add
    const Manifest* apex = FindObject(*r, "Service", "podinfo");
    const Manifest* svc_primary = FindObject(*r, "Service", "podinfo-primary");
    const Manifest* svc_canary = FindObject(*r, "Service", "podinfo-canary");
    REQUIRE((apex && svc_primary && svc_canary));
    CHECK(Scalar(apex->doc, {"spec", "selector", "gitcanary.io/workload"}) == "podinfo-primary");
    CHECK(Scalar(svc_primary->doc, {"spec", "selector", "gitcanary.io/workload"}) == "podinfo-primary");
    CHECK(Scalar(svc_canary->doc, {"spec", "selector", "gitcanary.io/workload"}) == "podinfo");
    CHECK(FindObject(*r, "Deployment", "podinfo-primary") == nullptr);
    CHECK(FindObject(*r, "HorizontalPodAutoscaler", "podinfo-primary") == nullptr);
  }
}

TEST_CASE("the HelmRelease canary's post-renderers delete the colliding Services but never hooks") {
  auto r = RenderWithStatus("");
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  struct Row {
    const char* release;
    std::size_t patch;
    const char* kind;
    const char* name;
  } rows[] = {
      {"podinfo", 1, "Service", "podinfo"},          {"podinfo", 2, "Service", "podinfo-primary"},
      {"podinfo", 3, "Service", "podinfo-canary"},   {"podinfo-primary", 1, "Service", "podinfo"},
      {"podinfo-primary", 2, "Service", "podinfo-primary"}, {"podinfo-primary", 3, "Service", "podinfo-canary"},
      {"podinfo-primary", 4, "Ingress", "podinfo"},  {"podinfo-primary", 6, "Ingress", "podinfo-canary"},
      {"podinfo-primary", 7, "HTTPRoute", "podinfo"}, {"podinfo-primary", 9, "HTTPRoute", "podinfo-canary"},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.release);
    CAPTURE(row.patch);
    Node target;
    Node patch = LastPatch(*FindObject(*r, "HelmRelease", row.release), row.patch, &target);
    CHECK(Scalar(patch, {"$patch"}) == "delete");
    CHECK(Scalar(patch, {"kind"}) == row.kind);
    CHECK(Scalar(target, {"kind"}) == row.kind);
    CHECK(Scalar(target, {"name"}) == row.name);
    CHECK(Scalar(target, {"annotationSelector"}) == "!helm.sh/hook");
  }
}

// The (kind, name, target group) of every delete patch of gitcanary's
// post-renderer of `release`.
std::set<std::tuple<std::string, std::string, std::string>> Deletes(const Manifest& release) {
  std::set<std::tuple<std::string, std::string, std::string>> out;
  const Node* list = release.doc.Path({"spec", "postRenderers"});
  REQUIRE(list != nullptr);
  const Node* patches = list->items.back().Path({"kustomize", "patches"});
  REQUIRE(patches != nullptr);
  for (std::size_t i = 0; i < patches->items.size(); ++i) {
    Node target;
    Node patch = LastPatch(release, i, &target);
    if (Scalar(patch, {"$patch"}) != "delete") continue;
    CHECK(Scalar(target, {"annotationSelector"}) == "!helm.sh/hook");
    CHECK(Scalar(target, {"kind"}) == Scalar(patch, {"kind"}));
    out.emplace(Scalar(target, {"kind"}), Scalar(target, {"name"}), Scalar(target, {"group"}));
  }
  return out;
}

TEST_CASE("a chart's routing object named like the rendered one is deleted from both releases") {
  // Each provider's routing objects (README, "Traffic providers in git mode"):
  // a chart that renders one of the same kind and name (podinfo's chart has
  // httpRoute.enabled, for example) would give the object two owners, Flux's
  // kustomize-controller and helm-controller.
  struct Row {
    const char* provider;
    const char* service_extra;
    std::vector<std::tuple<std::string, std::string, std::string>> routes;
  } rows[] = {
      {"istio", "",
       {{"VirtualService", "podinfo", "networking.istio.io"},
        {"DestinationRule", "podinfo-canary", "networking.istio.io"},
        {"DestinationRule", "podinfo-primary", "networking.istio.io"}}},
      {"linkerd", "", {{"TrafficSplit", "podinfo", "split.smi-spec.io"}}},
      {"gatewayapi:v1", "    gatewayRefs: [{name: gw, namespace: gateways}]\n",
       {{"HTTPRoute", "podinfo", "gateway.networking.k8s.io"}}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.provider);
    auto r = RenderDocs({kRepository, Release(), Canary("podinfo", "", row.provider, row.service_extra)}, Mode::kGit);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    const auto canary = Deletes(*FindObject(*r, "HelmRelease", "podinfo"));
    const auto primary = Deletes(*FindObject(*r, "HelmRelease", "podinfo-primary"));
    for (const auto& route : row.routes) {
      CAPTURE(std::get<0>(route));
      CAPTURE(std::get<1>(route));
      CHECK(canary.count(route) == 1);
      CHECK(primary.count(route) == 1);
    }
    // Each object is deleted once: the primary's own HTTPRoute podinfo delete covers the rendered one.
    CHECK(canary.size() == 3 + row.routes.size());
    CHECK(primary.size() == 9 + row.routes.size() - (std::string(row.provider) == "gatewayapi:v1" ? 1 : 0));
  }
}

TEST_CASE("a weight step changes only the canary release metadata and never its spec") {
  auto at5 = RenderWithStatus("  phase: Progressing\n  canaryWeight: 5\n" + kPromoted);
  auto at20 = RenderWithStatus("  phase: Progressing\n  canaryWeight: 20\n" + kPromoted);
  auto idle = RenderWithStatus("  phase: Succeeded\n" + kPromoted);
  REQUIRE((at5.ok() && at20.ok() && idle.ok()));
  const Manifest* a = FindObject(*at5, "HelmRelease", "podinfo");
  const Manifest* b = FindObject(*at20, "HelmRelease", "podinfo");
  const Manifest* c = FindObject(*idle, "HelmRelease", "podinfo");
  CHECK(*a->doc.Find("spec") == *b->doc.Find("spec"));
  CHECK(!(*a->doc.Find("metadata") == *b->doc.Find("metadata")));
  CHECK(!(*a->doc.Find("spec") == *c->doc.Find("spec")));  // idle <-> running: replicas 0 comes and goes
  CHECK(*FindObject(*at5, "HelmRelease", "podinfo-primary")->doc.Find("spec") ==
        *FindObject(*at20, "HelmRelease", "podinfo-primary")->doc.Find("spec"));
}

TEST_CASE("the primary release keeps the user's post-renderers out and its own release name rules") {
  struct Row {
    const char* name;
    std::string extra;
    const char* release_name;
  } rows[] = {
      {"releaseName", "  releaseName: web\n", "web-primary"},
      {"targetNamespace", "  targetNamespace: prod\n", "prod-podinfo-primary"},  // helm-controller: <ns>-<name>
      {"neither", "", "podinfo-primary"},
  };
  for (const Row& row : rows) {
    INFO("row: " << row.name);
    auto r = RenderDocs({kRepository, Release("podinfo", "6.14.1", row.extra), Canary()}, Mode::kGit);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(Scalar(FindObject(*r, "HelmRelease", "podinfo-primary")->doc, {"spec", "releaseName"}) == row.release_name);
  }
}

TEST_CASE("valuesFrom ConfigMaps are copied to -primary from the snapshot and Secrets are shared") {
  const std::string extra =
      "  valuesFrom:\n  - {kind: ConfigMap, name: podinfo-values}\n  - {kind: Secret, name: podinfo-secret}\n";
  const std::string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: podinfo-values, namespace: prod}\n"
                         "data: {values.yaml: 'replicaCount: 3'}\n";
  const std::string status = "  phase: Progressing\n  canaryWeight: 10\n" + kPromoted +
                             "    configMaps:\n      podinfo-values: {values.yaml: 'replicaCount: 1'}\n";
  auto r = RenderDocs({kRepository, Release("podinfo", "6.14.1", extra), cm, Canary(), Status(status)}, Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Manifest* primary = FindObject(*r, "HelmRelease", "podinfo-primary");
  const Node* from = primary->doc.Path({"spec", "valuesFrom"});
  REQUIRE(from != nullptr);
  REQUIRE(from->items.size() == 2);
  CHECK(Scalar(from->items[0], {"name"}) == "podinfo-values-primary");
  CHECK(Scalar(from->items[1], {"name"}) == "podinfo-secret");
  const Manifest* copy = FindObject(*r, "ConfigMap", "podinfo-values-primary");
  REQUIRE(copy != nullptr);
  CHECK(Scalar(copy->doc, {"data", "values.yaml"}) == "replicaCount: 1");  // promoted, not the current 3
  CHECK(FindObject(*r, "ConfigMap", "podinfo-values") != nullptr);       // the canary reads the user's
}

TEST_CASE("git mode explains the valuesFrom of a HelmRelease canary that are not in git") {
  const std::string extra =
      "  valuesFrom:\n  - {kind: ConfigMap, name: in-git}\n  - {kind: Secret, name: live}\n"
      "  - {kind: ConfigMap, name: elsewhere}\n";
  const std::string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: in-git, namespace: prod}\ndata: {a: b}\n";
  auto r = RenderDocs({kRepository, Release("podinfo", "6.14.1", extra), cm, Canary()}, Mode::kGit);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  std::vector<std::string> lines;
  for (const std::string& e : r->explain)
    if (e.find("valuesFrom") != std::string::npos) lines.push_back(e);
  const std::string tail = " of HelmRelease podinfo is not in git: the revision covers its name only, and the primary "
                           "release reads it live";
  CHECK(lines == std::vector<std::string>{"Canary prod/podinfo: valuesFrom ConfigMap elsewhere" + tail,
                                          "Canary prod/podinfo: valuesFrom Secret live" + tail});
}

}  // namespace
}  // namespace gitcanary::render
