// The apps of one repository rendered one at a time, as Argo CD renders them
// (`render DIR` from disk, `render --repo --revision` from a commit, and
// `generate` in the app directory of the checkout): no object may come out of
// two apps unless both render it identically, and a Gateway that several
// apps' Canaries name comes out of exactly one of them, with all their hosts.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/cmp_server_emulation.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
namespace cmp = gitcanary::testing::argocd;

namespace {

// A git repository holding a copy of examples/, committed.
struct ExamplesRepo {
  TempDir dir;
  ExamplesRepo() {
    Sh("cp -R " + SourceDir() + "/examples " + dir.path() + "/repo");
    Sh("cd " + dir.path() + "/repo && git init -q && git add -A && "
       "git -c user.name=t -c user.email=t@e commit -q -m examples");
  }
  std::string repo() const { return dir.path() + "/repo"; }
};

struct MonorepoApp {
  const char* dir;
  const char* ns;  // the Argo CD Application's destination namespace
};
const MonorepoApp kApps[] = {{"monorepo/apps/catalog", "shop-data"}, {"monorepo/apps/checkout", "shop"},
                             {"monorepo/apps/frontend", "shop"}, {"monorepo/apps/legacy-batch", "shop"}};

// "apiVersion kind ns/name" -> "kind ns/name": one object whatever its version.
std::string KindNamespaceName(const std::string& key) { return key.substr(key.find(' ') + 1); }

ObjectsByKey Rendered(const RunResult& r) {
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return ParseObjects(r.out);
}

RunResult Generate(const std::string& repo, const MonorepoApp& app) {
  const std::map<std::string, std::string> env = {{"ARGOCD_APP_NAME", "shop"},
                                                  {"ARGOCD_APP_NAMESPACE", app.ns},
                                                  {"ARGOCD_APP_SOURCE_PATH", app.dir}};
  return Run({"/bin/sh", "-c", "cd '" + repo + "/" + app.dir + "' && exec '" GITCANARY_BINARY "' generate"}, "", env);
}

// The hosts of a Gateway's only server.
std::vector<std::string> ServerHosts(const gitcanary::yaml::Node& gw) {
  std::vector<std::string> out;
  for (const auto& server : gw.Path({"spec", "servers"})->items)
    for (const auto& h : server.Find("hosts")->items) out.push_back(h.value);
  return out;
}

// Every app's objects, checked: shared keys are identical; returns which apps
// emitted each key.
std::map<std::string, std::vector<std::string>> CheckApart(const std::map<std::string, ObjectsByKey>& by_app) {
  std::map<std::string, std::vector<std::string>> emitted_by;
  std::map<std::string, const gitcanary::yaml::Node*> first;
  for (const auto& [app, objects] : by_app) {
    for (const auto& [key, doc] : objects) {
      const std::string k = KindNamespaceName(key);
      emitted_by[k].push_back(app);
      auto [it, fresh] = first.emplace(k, &doc);
      CAPTURE(app);
      CAPTURE(k);
      if (!fresh) CHECK(*it->second == doc);
    }
  }
  return emitted_by;
}

}  // namespace

TEST_CASE("monorepo apps rendered one by one: the shared Gateway comes from exactly one app") {
  ExamplesRepo examples;
  const std::string repo = examples.repo();
  TempDir sidecar_base;
  const cmp::CmpServer sidecar(SourceDir() + "/deploy/argocd/plugin.yaml", cmp::CmpServerEnv(sidecar_base.path()));
  // Through Argo CD's cmp-server: the repository tarred, extracted below the
  // work directory without .git, generate run in the app directory.
  auto via_argocd = [&](const MonorepoApp& app) {
    cmp::App application;
    application.ns = app.ns;
    const cmp::Generated g = sidecar.Generate(cmp::Source(repo, app.dir), cmp::GenerateEnv(application, app.dir));
    INFO(g.err);
    REQUIRE(g.status.ok());
    std::string stream;
    for (const std::string& m : g.manifests) stream += "---\n" + m + "\n";
    ObjectsByKey objects = ParseObjects(stream);
    RemoveAnnotation(objects, "gitcanary.io/source-revision", application.revision);
    return objects;
  };
  // A copy outside any git repository: the lookup's root is then "/", and the
  // other apps must still be found below the topmost gitcanary.yaml only.
  TempDir plain;
  Sh("cp -R " + SourceDir() + "/examples " + plain.path() + "/examples");
  for (const char* way : {"render", "render --repo", "generate", "render --mode git", "argocd", "render outside git"}) {
    CAPTURE(way);
    std::map<std::string, ObjectsByKey> by_app;
    for (const MonorepoApp& app : kApps) {
      CAPTURE(app.dir);
      const std::string w = way;
      if (w == "argocd") {
        by_app[app.dir] = via_argocd(app);
        continue;
      }
      RunResult r = w == "render"         ? Gitcanary({"render", repo + "/" + app.dir, "-n", app.ns})
                    : w == "render outside git" ? Gitcanary({"render", plain.path() + "/examples/" + app.dir, "-n", app.ns})
                    : w == "render --repo" ? Gitcanary({"render", "--repo", repo, "--revision", "HEAD", app.dir, "-n", app.ns})
                    : w == "generate"      ? Generate(repo, app)
                                           : Gitcanary({"render", repo + "/" + app.dir, "-n", app.ns, "--mode", "git"});
      by_app[app.dir] = Rendered(r);
    }
    auto emitted_by = CheckApart(by_app);
    const std::string gateway = "Gateway istio-system/public-gateway";
    REQUIRE(emitted_by.count(gateway) == 1);
    // The first app in path order that names it.
    CHECK(emitted_by[gateway] == std::vector<std::string>{"monorepo/apps/catalog"});
    const auto& catalog = by_app["monorepo/apps/catalog"];
    for (const auto& [key, doc] : catalog) {
      if (KindNamespaceName(key) != gateway) continue;
      // Every server of gitcanary.yaml, each with the hosts of all three apps.
      const auto* servers = doc.Path({"spec", "servers"});
      REQUIRE(servers != nullptr);
      CHECK(servers->items.size() == 2);
      CHECK(ServerHosts(doc) == std::vector<std::string>{"catalog.example.com", "checkout.example.com",
                                                           "frontend.example.com", "catalog.example.com",
                                                           "checkout.example.com", "frontend.example.com"});
    }
  }
}

TEST_CASE("a repository's own Gateway is never generated, and gitcanary.yaml names the owner") {
  TempDir dir;
  const std::string repo = dir.path() + "/repo";
  auto app = [&](const std::string& name) {
    const std::string d = repo + "/apps/" + name;
    Sh("mkdir -p " + d);
    WriteFile(d + "/app.yaml",
              "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: web\nspec:\n"
              "  selector:\n    matchLabels:\n      app: " + name + "\n  template:\n    metadata:\n      labels:\n"
              "        app: " + name + "\n    spec:\n      containers:\n        - name: app\n          image: x/y:1\n"
              "---\napiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: " + name + "\n  namespace: web\n"
              "spec:\n  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: " + name + "\n"
              "  service:\n    port: 80\n    gateways: [istio-system/public-gateway]\n    hosts: [" + name +
              ".example.com]\n  analysis:\n    stepWeight: 10\n");
  };
  app("a");
  app("b");
  const std::string config = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ndefaults:\n  mode: flagger\n";
  WriteFile(repo + "/gitcanary.yaml", config + "gateways:\n  istio-system/public-gateway:\n    owner: apps/b\n");
  Sh("cd " + repo + " && git init -q");
  auto gateways = [&](const std::string& name) {
    RunResult r = Gitcanary({"render", repo + "/apps/" + name});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    int count = 0;
    for (const auto& [key, doc] : ParseObjects(r.out))
      if (KindNamespaceName(key) == "Gateway istio-system/public-gateway") {
        ++count;
        CHECK(ServerHosts(doc) == std::vector<std::string>{"a.example.com", "b.example.com"});
      }
    return count;
  };
  CHECK(gateways("a") == 0);
  CHECK(gateways("b") == 1);
  // The owner must name the gateway.
  WriteFile(repo + "/gitcanary.yaml", config + "gateways:\n  istio-system/public-gateway:\n    owner: apps/c\n");
  RunResult wrong = Gitcanary({"render", repo + "/apps/a"});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.out.empty());
  CHECK(wrong.err.find("gitcanary.yaml:7:12: gateways.istio-system/public-gateway.owner: no app at \"apps/c\"") !=
        std::string::npos);
  // A real Gateway elsewhere in the repository wins over generating one.
  WriteFile(repo + "/gitcanary.yaml", config);
  Sh("mkdir -p " + repo + "/infra/istio");
  WriteFile(repo + "/infra/istio/gateway.yaml",
            "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: public-gateway\n"
            "  namespace: istio-system\nspec:\n  selector:\n    istio: ingressgateway\n  servers:\n"
            "    - port: {number: 443, name: https, protocol: HTTPS}\n      hosts: [\"*\"]\n"
            "      tls: {mode: SIMPLE, credentialName: wildcard}\n");
  CHECK(gateways("a") == 0);
  CHECK(gateways("b") == 0);
  // Opting out in gitcanary.yaml: the Gateway is managed elsewhere.
  Sh("rm -r " + repo + "/infra");
  WriteFile(repo + "/gitcanary.yaml", config + "gateways:\n  istio-system/public-gateway:\n    external: true\n");
  CHECK(gateways("a") == 0);
  CHECK(gateways("b") == 0);
  // Without any setting, the first app in path order emits it.
  WriteFile(repo + "/gitcanary.yaml", config);
  CHECK(gateways("a") == 1);
  CHECK(gateways("b") == 0);
  // Without a gitcanary.yaml the tree is not a repository of apps: each app
  // stands alone and emits the Gateway with its own hosts.
  Sh("rm " + repo + "/gitcanary.yaml");
  for (const char* name : {"a", "b"}) {
    RunResult r = Gitcanary({"render", repo + "/apps/" + name, "--mode", "flagger"});
    REQUIRE(r.exit_code == 0);
    int count = 0;
    for (const auto& [key, doc] : ParseObjects(r.out))
      if (KindNamespaceName(key) == "Gateway istio-system/public-gateway") {
        ++count;
        CHECK(ServerHosts(doc) == std::vector<std::string>{std::string(name) + ".example.com"});
      }
    CHECK(count == 1);
  }
}
