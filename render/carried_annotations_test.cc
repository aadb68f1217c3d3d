#include "render/carried_annotations.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "render/loader.h"

namespace gitcanary::render {

namespace {

std::vector<Manifest> Parse(const char* text) {
  auto m = ParseManifests(text, "in.yaml");
  REQUIRE(m.ok());
  return std::move(*m);
}

const yaml::Node* Annotation(const Manifest& m, std::string_view key) {
  const yaml::Node* a = m.doc.Path({"metadata", "annotations"});
  return a == nullptr ? nullptr : a->Find(key);
}

}  // namespace

TEST_CASE("carried annotations are lifted off before a render and put back on the same objects only") {
  auto objects = Parse(R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: templates/web.yaml
    team: shop
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    postrenderer.helm.sh/postrender-filename: templates/svc.yaml
)");
  auto marks = CarriedAnnotations::Take(objects, IsHelmMark);
  CHECK(Annotation(objects[0], "postrenderer.helm.sh/postrender-filename") == nullptr);
  CHECK(Annotation(objects[0], "team")->value == "shop");
  // The Service had only the mark: its annotations map is gone, not left empty.
  CHECK(objects[1].doc.Path({"metadata", "annotations"}) == nullptr);

  // A generated copy under another name must not inherit the mark.
  Manifest copy = objects[0];
  copy.doc.Find("metadata")->Set("name", yaml::Node::String("web-primary"));
  copy.RefreshIdentity();
  objects.push_back(copy);
  marks.Restore(objects);
  CHECK(Annotation(objects[0], "postrenderer.helm.sh/postrender-filename")->value == "templates/web.yaml");
  CHECK(Annotation(objects[1], "postrenderer.helm.sh/postrender-filename")->value == "templates/svc.yaml");
  CHECK(Annotation(objects[2], "postrenderer.helm.sh/postrender-filename") == nullptr);
}

TEST_CASE("carried annotations tell objects of the same kind and name in different API groups apart") {
  // An Istio Gateway and a Gateway API Gateway, both "public": each keeps its own path.
  auto objects = Parse(R"(apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: public
  annotations:
    config.kubernetes.io/path: istio.yaml
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: public
  annotations:
    config.kubernetes.io/path: gwapi.yaml
)");
  auto marks = CarriedAnnotations::Take(objects, IsKrmMark);
  std::reverse(objects.begin(), objects.end());
  marks.Restore(objects);
  CHECK(Annotation(objects[0], "config.kubernetes.io/path")->value == "gwapi.yaml");
  CHECK(Annotation(objects[1], "config.kubernetes.io/path")->value == "istio.yaml");
}

TEST_CASE("carried annotations go back to one object only, even when the render emits the identity twice") {
  auto objects = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    config.k8s.io/id: '1'\n");
  auto marks = CarriedAnnotations::Take(objects, IsKrmMark);
  objects.push_back(objects[0]);
  marks.Restore(objects);
  CHECK(Annotation(objects[0], "config.k8s.io/id")->value == "1");
  CHECK(Annotation(objects[1], "config.k8s.io/id") == nullptr);
}

TEST_CASE("kustomize's and KRM's marks are recognised, others are not") {
  CHECK(IsKrmMark("config.kubernetes.io/path"));
  CHECK(IsKrmMark("config.kubernetes.io/index"));
  CHECK(IsKrmMark("internal.config.kubernetes.io/path"));
  CHECK(IsKrmMark("internal.config.kubernetes.io/annotations-migration-resource-id"));
  CHECK(IsKrmMark("config.k8s.io/id"));
  CHECK(IsKrmMark("kustomize.config.k8s.io/id"));
  CHECK_FALSE(IsKrmMark("gitcanary.io/status"));
  CHECK_FALSE(IsKrmMark("kubernetes.io/change-cause"));
  CHECK(IsHelmMark("postrenderer.helm.sh/postrender-filename"));
  CHECK_FALSE(IsHelmMark("helm.sh/hook"));
}

TEST_CASE("AnnotateAll adds the annotation to objects with and without annotations") {
  auto objects = Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
                       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    x: y\n");
  AnnotateAll(objects, "gitcanary.io/source-revision", "abc");
  CHECK(Annotation(objects[0], "gitcanary.io/source-revision")->value == "abc");
  CHECK(Annotation(objects[1], "gitcanary.io/source-revision")->value == "abc");
  CHECK(Annotation(objects[1], "x")->value == "y");
}

}  // namespace gitcanary::render
