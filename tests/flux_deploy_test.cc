// deploy/flux: the example for Flux users is checked against the published
// layout it relies on. A repository laid out as the example says (sources
// under apps/, the Flux objects under clusters/prod/) is published with
// `render --write published`: every Flux Kustomization path must then be a
// published directory of an app, built by the real `kubectl kustomize` to
// what `render` prints for that app, and never a source directory. The serve
// component runs `serve --publish` on the directory those paths start with.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "render/loader.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

namespace gitcanary::testing {
namespace {

using yaml::Node;

bool HaveKubectl() { return Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code == 0; }

std::vector<render::Manifest> Load(const std::string& path) {
  auto docs = render::ParseManifests(ReadFile(path), path);
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  return std::move(*docs);
}

std::string Scalar(const Node& doc, std::initializer_list<std::string_view> path) {
  const Node* n = doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "";
}

const char kFrontend[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend, namespace: shop}\n"
    "spec:\n  selector: {matchLabels: {app: frontend}}\n  template:\n    metadata: {labels: {app: frontend}}\n"
    "    spec: {containers: [{name: web, image: frontend:1}]}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: frontend, namespace: shop}\n"
    "spec: {selector: {app: frontend}, ports: [{port: 80}]}\n";

TEST_CASE("deploy/flux: every Kustomization path is a published app directory that builds to render's objects") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  const std::string flux = SourceDir() + "/deploy/flux";
  TempDir repo;
  // The repository the example describes: podinfo (a git-mode canary, with its
  // status) and frontend under apps/, the Flux objects under clusters/prod/.
  Sh("mkdir -p " + repo.path() + "/apps && cp -R " + SourceDir() + "/examples/podinfo-linkerd " + repo.path() +
     "/apps/podinfo");
  WriteFile(repo.path() + "/apps/frontend/app.yaml", kFrontend);
  Sh("mkdir -p " + repo.path() + "/clusters/prod && cp " + flux + "/source.yaml " + flux + "/apps.yaml " +
     repo.path() + "/clusters/prod/");
  Sh("cd " + repo.path() + " && git init -q -b main && git add -A && git -c user.name=t -c user.email=t@t commit -qm init");

  // The Kustomizations name the published paths and the GitRepository.
  std::set<std::string> sources;
  for (const render::Manifest& m : Load(flux + "/source.yaml")) {
    CHECK(m.api_version == "source.toolkit.fluxcd.io/v1");
    CHECK(m.kind == "GitRepository");
    sources.insert(m.name);
  }
  std::vector<std::string> apps;
  for (const render::Manifest& m : Load(flux + "/apps.yaml")) {
    CHECK(m.api_version == "kustomize.toolkit.fluxcd.io/v1");
    REQUIRE(m.kind == "Kustomization");
    CHECK(sources.count(Scalar(m.doc, {"spec", "sourceRef", "name"})) == 1);
    CHECK(Scalar(m.doc, {"spec", "sourceRef", "kind"}) == "GitRepository");
    const std::string path = Scalar(m.doc, {"spec", "path"});
    REQUIRE(path.rfind("./published/", 0) == 0);
    apps.push_back(path.substr(std::string("./published/").size()));
  }
  REQUIRE(apps.size() == 2);

  // Publishing the whole repository: the apps are found through the Flux
  // Kustomizations (their published paths stand for their sources).
  RunResult wrote = Gitcanary({"render", "--write", repo / "published", repo.path()});
  INFO(wrote.err);
  REQUIRE(wrote.exit_code == 0);
  for (const std::string& app : apps) {
    CAPTURE(app);
    const std::string published = repo / ("published/" + app);
    CHECK(ReadFile(published + "/kustomization.yaml").find("gitcanary.io/published-from: " + app + "\n") !=
          std::string::npos);
    RunResult built = Run({"kubectl", "kustomize", published});
    INFO(built.err);
    REQUIRE(built.exit_code == 0);
    RunResult rendered = Gitcanary({"render", repo / app});
    REQUIRE(rendered.exit_code == 0);
    CHECK(ParseObjects(built.out) == ParseObjects(rendered.out));
    // What Flux applies holds no gitcanary input or state.
    CHECK(built.out.find("kind: CanaryStatus") == std::string::npos);
    // The source directory would have: Flux must never apply it.
    RunResult source = Run({"/bin/sh", "-c", "cat " + repo.path() + "/" + app + "/*.yaml"});
    if (app == "apps/podinfo") CHECK(source.out.find("kind: Canary\n") != std::string::npos);
  }
  CHECK(Gitcanary({"lint", "--check-published", repo / "published", repo.path()}).exit_code == 0);
}

TEST_CASE("deploy/flux: the kustomization builds and serve publishes where the Kustomizations read") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  RunResult built = Run({"kubectl", "kustomize", SourceDir() + "/deploy/flux"});
  INFO(built.err);
  REQUIRE(built.exit_code == 0);
  ObjectsByKey objects = ParseObjects(built.out);
  CHECK(objects.count("source.toolkit.fluxcd.io/v1 GitRepository flux-system/shop-deploy") == 1);
  CHECK(objects.count("kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system/podinfo") == 1);
  REQUIRE(objects.count("v1 ConfigMap gitcanary/gitcanary-serve") == 1);
  CHECK(Scalar(objects.at("v1 ConfigMap gitcanary/gitcanary-serve"), {"data", "publish"}) == "published");
  REQUIRE(objects.count("apps/v1 Deployment gitcanary/gitcanary-serve") == 1);
  const Node& deployment = objects.at("apps/v1 Deployment gitcanary/gitcanary-serve");
  const Node* containers = deployment.Path({"spec", "template", "spec", "containers"});
  REQUIRE(containers != nullptr);
  REQUIRE(containers->items.size() == 1);
  const Node& serve = containers->items[0];
  std::vector<std::string> args;
  for (const Node& a : serve.Find("args")->items) args.push_back(a.value);
  REQUIRE(!args.empty());
  CHECK(args[0] == "serve");
  CHECK(std::find(args.begin(), args.end(), "--publish=$(GITCANARY_PUBLISH)") != args.end());
  CHECK(Scalar(serve, {"securityContext", "runAsUser"}) == "999");
  // Every flag is one serve accepts: parsing fails on an unknown one before --help answers.
  args.push_back("--help");
  RunResult help = Gitcanary(args);
  CHECK(help.exit_code == 0);
}

}  // namespace
}  // namespace gitcanary::testing
