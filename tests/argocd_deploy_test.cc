// deploy/argocd through the real `kubectl kustomize`: the components patch a
// stand-in for Argo CD's argocd-repo-server (the shape of Argo CD's install
// manifest: the repo-server container, the var-files and plugins volumes) and
// must add the CMP sidecar the way Argo CD's sidecar-plugin contract asks.
// plugin.yaml and the Application example are checked against each other and
// against the binary.
#include <doctest/doctest.h>

#include <string>

#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
using gitcanary::yaml::Node;

namespace {

const char kRepoServer[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
  namespace: argocd
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      initContainers:
      - name: copyutil
        image: quay.io/argoproj/argocd:v2.13.0
        command: [/bin/cp, -n, /usr/local/bin/argocd, /var/run/argocd/argocd-cmp-server]
        volumeMounts:
        - name: var-files
          mountPath: /var/run/argocd
      containers:
      - name: argocd-repo-server
        image: quay.io/argoproj/argocd:v2.13.0
        volumeMounts:
        - name: var-files
          mountPath: /var/run/argocd
        - name: plugins
          mountPath: /home/argocd/cmp-server/plugins
      volumes:
      - name: var-files
        emptyDir: {}
      - name: plugins
        emptyDir: {}
)";

const Node* Named(const Node* list, const std::string& name) {
  if (list == nullptr) return nullptr;
  for (const Node& item : list->items)
    if (const Node* n = item.Find("name"); n != nullptr && n->value == name) return &item;
  return nullptr;
}

std::string MountPath(const Node& container, const std::string& volume) {
  const Node* mount = Named(container.Find("volumeMounts"), volume);
  return mount == nullptr ? "" : mount->Find("mountPath")->value;
}

ObjectsByKey Kustomize(const std::vector<std::string>& components) {
  TempDir dir;
  WriteFile(dir / "base/repo-server.yaml", kRepoServer);
  WriteFile(dir / "base/kustomization.yaml", "resources:\n- repo-server.yaml\n");
  // kustomize takes components by relative path, as a user's overlay would.
  Sh("cp -R " + SourceDir() + "/deploy " + dir.path() + "/deploy");
  std::string overlay = "namespace: argocd\nresources:\n- base\ncomponents:\n";
  for (const std::string& c : components) overlay += "- deploy/argocd" + c + "\n";
  WriteFile(dir / "kustomization.yaml", overlay);
  RunResult run = Run({"kubectl", "kustomize", dir.path()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return ParseObjects(run.out);
}

bool HaveKubectl() { return Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code == 0; }

}  // namespace

TEST_CASE("deploy/argocd: the component adds the CMP sidecar to argocd-repo-server") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  ObjectsByKey objects = Kustomize({""});
  const Node& deployment = objects.at("apps/v1 Deployment argocd/argocd-repo-server");
  const Node* pod = deployment.Path({"spec", "template", "spec"});
  REQUIRE(pod != nullptr);
  // Argo CD's own container is untouched; the sidecar is added beside it.
  REQUIRE(Named(pod->Find("containers"), "argocd-repo-server") != nullptr);
  const Node* sidecar = Named(pod->Find("containers"), "gitcanary-cmp");
  REQUIRE(sidecar != nullptr);
  REQUIRE(sidecar->Find("command")->items.size() == 1);
  CHECK(sidecar->Find("command")->items[0].value == "/var/run/argocd/argocd-cmp-server");
  CHECK(sidecar->Path({"securityContext", "runAsUser"})->value == "999");
  CHECK(sidecar->Path({"securityContext", "runAsNonRoot"})->value == "true");
  CHECK(MountPath(*sidecar, "var-files") == "/var/run/argocd");
  CHECK(MountPath(*sidecar, "plugins") == "/home/argocd/cmp-server/plugins");
  CHECK(MountPath(*sidecar, "gitcanary-cmp-plugin") == "/home/argocd/cmp-server/config/plugin.yaml");
  CHECK(Named(sidecar->Find("volumeMounts"), "gitcanary-cmp-plugin")->Find("subPath")->value == "plugin.yaml");
  CHECK(MountPath(*sidecar, "gitcanary-cmp-tmp") == "/tmp");
  CHECK(Named(pod->Find("volumes"), "gitcanary-cmp-tmp")->Find("emptyDir") != nullptr);
  CHECK(Named(pod->Find("volumes"), "gitcanary-cmp-plugin")->Path({"configMap", "name"})->value == "gitcanary-cmp-plugin");
  // The original volumes are kept, and the ConfigMap holds plugin.yaml verbatim.
  CHECK(Named(pod->Find("volumes"), "var-files") != nullptr);
  const Node& config = objects.at("v1 ConfigMap argocd/gitcanary-cmp-plugin");
  CHECK(config.Path({"data", "plugin.yaml"})->value == ReadFile(SourceDir() + "/deploy/argocd/plugin.yaml"));
  CHECK(Named(pod->Find("containers"), "gitcanary-serve") == nullptr);
}

TEST_CASE("deploy/argocd/serve: the serve sidecar runs as 999 with probes on /healthz and /readyz") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  ObjectsByKey objects = Kustomize({"", "/serve"});
  const Node* pod = objects.at("apps/v1 Deployment argocd/argocd-repo-server").Path({"spec", "template", "spec"});
  const Node* serve = Named(pod->Find("containers"), "gitcanary-serve");
  REQUIRE(serve != nullptr);
  REQUIRE(Named(pod->Find("containers"), "gitcanary-cmp") != nullptr);
  CHECK(serve->Find("args")->items[0].value == "serve");
  CHECK(serve->Path({"securityContext", "runAsUser"})->value == "999");
  CHECK(serve->Path({"livenessProbe", "httpGet", "path"})->value == "/healthz");
  CHECK(serve->Path({"readinessProbe", "httpGet", "path"})->value == "/readyz");
  CHECK(MountPath(*serve, "gitcanary-serve-tmp") == "/tmp");
  CHECK(objects.count("v1 ConfigMap argocd/gitcanary-serve") == 1);
  // Every flag in args is one that serve accepts: --help lists it.
  RunResult help = Gitcanary({"serve", "--help"});
  REQUIRE(help.exit_code == 0);
  for (const Node& arg : serve->Find("args")->items) {
    if (arg.value.rfind("--", 0) != 0) continue;
    const std::string flag = arg.value.substr(0, arg.value.find('='));
    CAPTURE(flag);
    CHECK(help.out.find("  " + flag + " ") != std::string::npos);
  }
}

TEST_CASE("deploy/argocd: plugin.yaml runs gitcanary generate with no discover, and the Application selects it") {
  ObjectsByKey plugin = ParseObjects(ReadFile(SourceDir() + "/deploy/argocd/plugin.yaml"));
  REQUIRE(plugin.size() == 1);
  const Node& cmp = plugin.begin()->second;
  CHECK(plugin.begin()->first == "argoproj.io/v1alpha1 ConfigManagementPlugin /gitcanary");
  const Node* command = cmp.Path({"spec", "generate", "command"});
  REQUIRE(command != nullptr);
  REQUIRE(command->items.size() == 2);
  CHECK(command->items[0].value == "gitcanary");
  CHECK(command->items[1].value == "generate");
  CHECK(cmp.Path({"spec", "discover"}) == nullptr);
  // The parameters the plugin declares are exactly the ones generate takes.
  for (const Node& p : cmp.Path({"spec", "parameters", "static"})->items) {
    const std::string name = p.Find("name")->value;
    CAPTURE(name);
    CHECK(Gitcanary({"generate", "--help"}).out.find("\"" + name + "\"") != std::string::npos);
  }
  ObjectsByKey app = ParseObjects(ReadFile(SourceDir() + "/deploy/argocd/application.yaml"));
  const Node& application = app.at("argoproj.io/v1alpha1 Application argocd/podinfo");
  const std::string expected = cmp.Path({"metadata", "name"})->value + "-" + cmp.Path({"spec", "version"})->value;
  CHECK(application.Path({"spec", "source", "plugin", "name"})->value == expected);
}
