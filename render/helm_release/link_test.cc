// Tests of the Canary -> HelmRelease link (link.h) through Render, in both
// modes: which links are accepted, the --explain line of an implicit link, the
// errors of every ambiguity, and flagger mode's pass-through.
#include <doctest/doctest.h>

#include "render/helm_release/link.h"
#include "render/helm_release/test_app.h"

namespace gitcanary::render {
namespace {

using namespace helm_test;

const std::string kLink = "gitcanary.io/helmrelease: podinfo";

TEST_CASE("a Canary whose Deployment a HelmRelease renders is linked in both modes") {
  struct Row {
    const char* name;
    std::vector<std::string> docs;
    bool implicit;  // linked as the only HelmRelease: explained
  } rows[] = {
      {"by annotation among two releases", {kRepository, Release("podinfo"), Release("other"), Canary("podinfo", kLink)},
       false},
      {"the only release of the namespace", {kRepository, Release("podinfo"), Canary("podinfo")}, true},
      {"v2beta2 is read as v2", {kRepository, Release("podinfo", "6.14.1", "", "v2beta2"), Canary("podinfo")}, true},
      {"v2beta1 is read as v2", {kRepository, Release("podinfo", "6.14.1", "", "v2beta1"), Canary("podinfo")}, true},
  };
  for (const Row& row : rows) {
    for (Mode mode : {Mode::kFlagger, Mode::kGit}) {
      INFO("row: " << row.name);
      CAPTURE(static_cast<int>(mode));
      auto r = RenderDocs(row.docs, mode);
      REQUIRE_MESSAGE(r.ok(), r.status().message());
      bool explained = false;
      for (const std::string& line : r->explain)
        explained |= line == "Canary prod/podinfo: target Deployment podinfo is rendered by HelmRelease podinfo, the "
                             "only HelmRelease of namespace prod (annotate the Canary gitcanary.io/helmrelease to name it)";
      CHECK(explained == row.implicit);
    }
  }
}

TEST_CASE("flagger mode passes a HelmRelease canary through with its HelmRelease untouched") {
  const std::string release = Release("podinfo", "6.14.1", "  postRenderers: []\n");
  auto r = RenderDocs({kRepository, release, Canary("podinfo", kLink)}, Mode::kFlagger);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  auto input = ParseManifests(release, "in.yaml");
  REQUIRE(input.ok());
  const Manifest* out = FindObject(*r, "HelmRelease", "podinfo");
  REQUIRE(out != nullptr);
  CHECK(out->doc == input->front().doc);  // no replicas rewrite, no post-renderer: Flagger works in the cluster
  CHECK(FindObject(*r, "Canary", "podinfo") != nullptr);
  CHECK(FindObject(*r, "Deployment", "podinfo") == nullptr);
  CHECK(FindObject(*r, "HelmRelease", "podinfo-primary") == nullptr);
  CHECK(r->objects.size() == 3);  // HelmRepository, HelmRelease, Canary
}

TEST_CASE("ambiguous or broken HelmRelease links are errors at the Canary in both modes") {
  struct Row {
    const char* name;
    std::vector<std::string> docs;
    const char* error;
  } rows[] = {
      {"annotation names a missing release",
       {Release("podinfo"), Canary("podinfo", "gitcanary.io/helmrelease: other")},
       "f1.yaml:6:43: metadata.annotations.gitcanary.io/helmrelease: HelmRelease \"other\" not found in namespace "
       "prod (HelmReleases there: podinfo (f0.yaml)); name one of them or remove the annotation"},
      {"no Deployment and no release",
       {Canary("podinfo")},
       "f0.yaml:8:60: spec.targetRef.name: Deployment \"podinfo\" not found in namespace prod, and no HelmRelease of "
       "that namespace could render it; add the Deployment, or a HelmRelease whose chart renders it"},
      {"no Deployment and a release of another namespace only",
       {"apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: dev}\n"
        "spec: {chart: {spec: {chart: podinfo, version: 1.0.0}}}\n",
        Canary("podinfo")},
       "f1.yaml:8:60: spec.targetRef.name: Deployment \"podinfo\" not found in namespace prod, and no HelmRelease"},
      {"no Deployment and two releases",
       {Release("a"), Release("b"), Canary("podinfo")},
       "f2.yaml:8:60: spec.targetRef.name: Deployment \"podinfo\" not found in namespace prod, and several "
       "HelmReleases could render it: a (f0.yaml), b (f1.yaml); name one with the Canary annotation "
       "gitcanary.io/helmrelease"},
      {"one release linked by two Canaries",
       {Release("podinfo"), Canary("podinfo", kLink), Canary("web", kLink)},
       "f2.yaml:6:43: metadata.annotations.gitcanary.io/helmrelease: HelmRelease podinfo is already linked to Canary "
       "prod/podinfo (f1.yaml); give each Canary its own HelmRelease"},
      {"annotated and its Deployment in the input",
       {Release("podinfo"), Deployment("podinfo"), Canary("podinfo", kLink)},
       "f2.yaml:6:43: metadata.annotations.gitcanary.io/helmrelease: the Canary is linked to two sources: HelmRelease "
       "podinfo (this annotation) and Deployment podinfo of the input; remove the annotation or the Deployment"},
      {"annotation that is not a name",
       {Release("podinfo"), Canary("podinfo", "gitcanary.io/helmrelease: ''")},
       "f1.yaml:6:43: metadata.annotations.gitcanary.io/helmrelease: expected the name of a HelmRelease of namespace prod"},
  };
  for (const Row& row : rows) {
    for (Mode mode : {Mode::kFlagger, Mode::kGit}) {
      INFO("row: " << row.name);
      CAPTURE(static_cast<int>(mode));
      auto r = RenderDocs(row.docs, mode);
      REQUIRE_FALSE(r.ok());
      CHECK_MESSAGE(r.status().message().rfind(row.error, 0) == 0, r.status().message());
    }
  }
}

TEST_CASE("a Canary with its Deployment in the input and a HelmRelease beside it is not linked") {
  auto r = RenderDocs({Release("podinfo"), Deployment("web"), Canary("web")}, Mode::kFlagger);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  for (const std::string& line : r->explain) CHECK(line.find("rendered by HelmRelease") == std::string::npos);
}

}  // namespace
}  // namespace gitcanary::render
