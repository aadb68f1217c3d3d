// deploy/argocd through the real `kubectl kustomize`: the components patch a
// stand-in for Argo CD's argocd-repo-server (the shape of Argo CD's install
// manifest: the repo-server container, the var-files and plugins volumes) and
// must add the CMP sidecar the way Argo CD's sidecar-plugin contract asks,
// with kustomize and helm copied from Argo CD's image; deploy/argocd/serve
// must add gitcanary serve as a Deployment of its own, and leave the
// repo-server's readiness alone.
// plugin.yaml and the Application example are checked against each other and
// against the binary.
#include <doctest/doctest.h>

#include <string>
#include <vector>

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

ObjectsByKey Kustomize(const std::vector<std::string>& components, const std::string& extra = "",
                       const std::vector<std::string>& resources = {}) {
  TempDir dir;
  WriteFile(dir / "base/repo-server.yaml", kRepoServer);
  WriteFile(dir / "base/kustomization.yaml", "resources:\n- repo-server.yaml\n");
  // kustomize takes components by relative path, as a user's overlay would.
  Sh("cp -R " + SourceDir() + "/deploy " + dir.path() + "/deploy");
  std::string overlay = "namespace: argocd\nresources:\n- base\n";
  for (const std::string& r : resources) overlay += "- " + r + "\n";
  overlay += "components:\n";
  for (const std::string& c : components) overlay += "- deploy/argocd" + c + "\n";
  overlay += extra;
  WriteFile(dir / "kustomization.yaml", overlay);
  RunResult run = Run({"kubectl", "kustomize", dir.path()});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return ParseObjects(run.out);
}

std::string EnvValue(const Node& container, const std::string& name) {
  const Node* entry = Named(container.Find("env"), name);
  return entry == nullptr || entry->Find("value") == nullptr ? "" : entry->Find("value")->value;
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

TEST_CASE("deploy/argocd: kustomize and helm are copied from Argo CD's image into the sidecar, which finds them") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  // The overlay that installs Argo CD pins its version once, for Argo CD's
  // containers and the tools' init container alike.
  ObjectsByKey objects = Kustomize({""}, "images:\n- name: quay.io/argoproj/argocd\n  newTag: v2.13.0\n");
  const Node* pod = objects.at("apps/v1 Deployment argocd/argocd-repo-server").Path({"spec", "template", "spec"});
  REQUIRE(pod != nullptr);
  const Node* repo_server = Named(pod->Find("containers"), "argocd-repo-server");
  const Node* tools = Named(pod->Find("initContainers"), "gitcanary-tools");
  const Node* sidecar = Named(pod->Find("containers"), "gitcanary-cmp");
  REQUIRE(repo_server != nullptr);
  REQUIRE(tools != nullptr);
  REQUIRE(sidecar != nullptr);
  // Argo CD's own init container still copies the cmp-server.
  CHECK(Named(pod->Find("initContainers"), "copyutil") != nullptr);
  CHECK(tools->Find("image")->value == repo_server->Find("image")->value);
  CHECK(tools->Path({"securityContext", "runAsNonRoot"})->value == "true");
  CHECK(tools->Path({"securityContext", "readOnlyRootFilesystem"})->value == "true");
  // The init container copies Argo CD's kustomize and helm into the volume.
  const std::string into = MountPath(*tools, "gitcanary-tools");
  REQUIRE_FALSE(into.empty());
  std::vector<std::string> command;
  for (const Node& word : tools->Find("command")->items) command.push_back(word.value);
  REQUIRE(command.size() == 4);
  CHECK(command[0] == "/bin/cp");
  CHECK(command[1] == "/usr/local/bin/kustomize");
  CHECK(command[2] == "/usr/local/bin/helm");
  CHECK((command[3] == into || command[3] == into + "/"));
  CHECK(Named(pod->Find("volumes"), "gitcanary-tools")->Find("emptyDir") != nullptr);
  // The sidecar mounts it read-only and names both tools there, and has the
  // directory first on PATH for kustomize --enable-helm, which runs `helm`.
  const std::string dir = MountPath(*sidecar, "gitcanary-tools");
  REQUIRE_FALSE(dir.empty());
  CHECK(Named(sidecar->Find("volumeMounts"), "gitcanary-tools")->Find("readOnly")->value == "true");
  CHECK(EnvValue(*sidecar, "GITCANARY_KUSTOMIZE") == dir + "/kustomize build");
  CHECK(EnvValue(*sidecar, "GITCANARY_HELM") == dir + "/helm");
  const std::string path = EnvValue(*sidecar, "PATH");
  CHECK(path.rfind(dir + ":", 0) == 0);
  CHECK(path.find(":/usr/local/bin:") != std::string::npos);  // where the image keeps gitcanary
  // Helm writes its cache and config; the root filesystem is read-only, /tmp is not.
  for (const char* var : {"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"}) {
    CAPTURE(var);
    CHECK(EnvValue(*sidecar, var).rfind(MountPath(*sidecar, "gitcanary-cmp-tmp") + "/", 0) == 0);
  }
}

TEST_CASE("deploy/argocd/serve: serve is a Deployment of its own, ready on /readyz, and the repo-server is untouched") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  ObjectsByKey objects = Kustomize({""}, "", {"deploy/argocd/serve"});
  // The repo-server gets the CMP sidecar only: no serve container, and no
  // readiness probe of ours, so git being unreachable never takes it out of service.
  const Node* repo_pod = objects.at("apps/v1 Deployment argocd/argocd-repo-server").Path({"spec", "template", "spec"});
  REQUIRE(repo_pod != nullptr);
  CHECK(Named(repo_pod->Find("containers"), "gitcanary-serve") == nullptr);
  for (const Node& c : repo_pod->Find("containers")->items) {
    CAPTURE(c.Find("name")->value);
    CHECK(c.Find("readinessProbe") == nullptr);
  }

  const Node& deployment = objects.at("apps/v1 Deployment argocd/gitcanary-serve");
  const Node* pod = deployment.Path({"spec", "template", "spec"});
  REQUIRE(pod != nullptr);
  const Node* serve = Named(pod->Find("containers"), "gitcanary-serve");
  REQUIRE(serve != nullptr);
  CHECK(serve->Find("args")->items[0].value == "serve");
  CHECK(serve->Path({"securityContext", "runAsUser"})->value == "999");
  CHECK(serve->Path({"securityContext", "readOnlyRootFilesystem"})->value == "true");
  CHECK(MountPath(*serve, "tmp") == "/tmp");
  // The probes and the Service reach the port serve listens on.
  std::string listen;
  for (const Node& arg : serve->Find("args")->items)
    if (arg.value.rfind("--listen=", 0) == 0) listen = arg.value.substr(9);
  REQUIRE_FALSE(listen.empty());
  const Node* port = Named(serve->Find("ports"), "http");
  REQUIRE(port != nullptr);
  CHECK(listen == "0.0.0.0:" + port->Find("containerPort")->value);
  CHECK(serve->Path({"livenessProbe", "httpGet", "path"})->value == "/healthz");
  CHECK(serve->Path({"livenessProbe", "httpGet", "port"})->value == "http");
  CHECK(serve->Path({"readinessProbe", "httpGet", "path"})->value == "/readyz");
  CHECK(serve->Path({"readinessProbe", "httpGet", "port"})->value == "http");
  const Node& service = objects.at("v1 Service argocd/gitcanary-serve");
  const Node* selector = service.Path({"spec", "selector"});
  REQUIRE(selector != nullptr);
  REQUIRE_FALSE(selector->fields.empty());
  const Node* labels = deployment.Path({"spec", "template", "metadata", "labels"});
  REQUIRE(labels != nullptr);
  for (const auto& field : selector->fields) {
    CAPTURE(field.key);
    const Node* label = labels->Find(field.key);
    REQUIRE(label != nullptr);
    CHECK(label->value == field.value.value);
  }
  REQUIRE(service.Path({"spec", "ports"})->items.size() == 1);
  CHECK(service.Path({"spec", "ports"})->items[0].Find("targetPort")->value == "http");
  // Its own ServiceAccount, with no token: serve needs no Kubernetes permission.
  CHECK(pod->Find("serviceAccountName")->value == "gitcanary-serve");
  CHECK(objects.count("v1 ServiceAccount argocd/gitcanary-serve") == 1);
  CHECK(pod->Find("automountServiceAccountToken")->value == "false");
  // Each lease holder is named by its pod.
  CHECK(Named(serve->Find("env"), "POD_NAME")->Path({"valueFrom", "fieldRef", "fieldPath"})->value == "metadata.name");

  // Every ConfigMap key it reads is generated; every Secret key it reads is in the example Secret.
  const Node& config = objects.at("v1 ConfigMap argocd/gitcanary-serve");
  ObjectsByKey example = ParseObjects(ReadFile(SourceDir() + "/deploy/argocd/serve/secret.example.yaml"));
  REQUIRE(example.size() == 1);
  const Node& secret = example.at("v1 Secret argocd/gitcanary-serve");
  int secret_keys = 0;
  for (const Node& env : serve->Find("env")->items) {
    CAPTURE(env.Find("name")->value);
    if (const Node* ref = env.Path({"valueFrom", "configMapKeyRef"})) {
      CHECK(ref->Find("name")->value == "gitcanary-serve");
      CHECK(config.Path({"data", ref->Find("key")->value}) != nullptr);
    }
    if (const Node* ref = env.Path({"valueFrom", "secretKeyRef"})) {
      ++secret_keys;
      CHECK(ref->Find("name")->value == "gitcanary-serve");
      const Node* value = secret.Path({"stringData", ref->Find("key")->value});
      REQUIRE(value != nullptr);
      CHECK(value->value.find("REPLACE") != std::string::npos);  // a placeholder, never a value
    }
  }
  CHECK(secret_keys == 1);
  // The Secret is the user's to create: the kustomization never generates one.
  for (const auto& [key, object] : objects) CHECK(key.find(" Secret ") == std::string::npos);

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

TEST_CASE("deploy/argocd/serve: it also builds alone, into namespace argocd") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  RunResult run = Run({"kubectl", "kustomize", SourceDir() + "/deploy/argocd/serve"});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  ObjectsByKey objects = ParseObjects(run.out);
  std::vector<std::string> keys;
  for (const auto& [key, object] : objects) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"apps/v1 Deployment argocd/gitcanary-serve", "v1 ConfigMap argocd/gitcanary-serve",
                                         "v1 Service argocd/gitcanary-serve", "v1 ServiceAccount argocd/gitcanary-serve"});
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
  // The discover rule is an opt-in in the comments; tests/cmp_discover_test.cc
  // runs it as Argo CD would.
  CHECK(cmp.Path({"spec", "discover"}) == nullptr);
  // The parameters the plugin declares are exactly the ones generate takes,
  // with the collection type generate reads them as.
  const std::string help = Gitcanary({"generate", "--help"}).out;
  std::vector<std::string> declared;
  for (const Node& p : cmp.Path({"spec", "parameters", "static"})->items) {
    const std::string name = p.Find("name")->value;
    CAPTURE(name);
    declared.push_back(name);
    CHECK(help.find("\"" + name + "\"") != std::string::npos);
    const Node* collection = p.Find("collectionType");
    const std::string kind = collection == nullptr ? "string" : collection->value;
    CHECK(kind == (name == "helm-values-files" ? "array" : name == "helm-parameters" ? "map" : "string"));
  }
  CHECK(declared == std::vector<std::string>{"mode", "namespace", "helm-values-files", "helm-parameters",
                                             "helm-release-name", "build-timeout"});
  ObjectsByKey app = ParseObjects(ReadFile(SourceDir() + "/deploy/argocd/application.yaml"));
  const Node& application = app.at("argoproj.io/v1alpha1 Application argocd/podinfo");
  const std::string expected = cmp.Path({"metadata", "name"})->value + "-" + cmp.Path({"spec", "version"})->value;
  CHECK(application.Path({"spec", "source", "plugin", "name"})->value == expected);
}
