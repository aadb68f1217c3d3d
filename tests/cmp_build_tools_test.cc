// generate builds a kustomization or a Helm chart with the tools and options
// the Application and the sidecar give it: plugin parameters, plugin env
// entries (ARGOCD_ENV_GITCANARY_*) and the sidecar's own GITCANARY_*, in that
// order. Stand-in tools print a ConfigMap holding the arguments they got and
// the directory they ran in, so every option can be read back from the
// objects Argo CD receives (tests/cmp_server_emulation.h).
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>

#include "tests/cmp_server_emulation.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
namespace cmp = gitcanary::testing::argocd;

namespace {

const char kFakeTool[] = R"sh(#!/bin/sh
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: built-by-%s\ndata:\n  args: "%s"\n  cwd: "%s"\n' "${0##*/}" "$*" "$(pwd -P)"
)sh";
const char kManifest[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";

struct Setup {
  TempDir base;  // the cmp-server's work base, and the tools
  TempDir dir;   // the repository
  std::string tools = base / "tools";
  std::string repo = dir / "repo";
  Setup() {
    for (const char* name : {"fake-kustomize", "fake-helm", "fake-helm2"}) WriteTool(name, kFakeTool);
    WriteTool("fake-slow", "#!/bin/sh\nsleep 30\n");
    WriteFile(repo + "/gitcanary.yaml", "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n");
    // More than a list of resources, so that kustomize runs (plugin/apps/app_build.h).
    WriteFile(repo + "/kustom/kustomization.yaml", "namePrefix: x-\nresources:\n- cm.yaml\n");
    WriteFile(repo + "/kustom/cm.yaml", kManifest);
    WriteFile(repo + "/chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\n");
    WriteFile(repo + "/chart/values.yaml", "replicas: 1\n");
    WriteFile(repo + "/chart/values-prod.yaml", "replicas: 3\n");
    WriteFile(repo + "/chart/templates/cm.yaml", kManifest);
  }
  void WriteTool(const std::string& name, const std::string& text) {
    WriteFile(tools + "/" + name, text);
    chmod((tools + "/" + name).c_str(), 0755);
  }
  // The cmp-server, with the sidecar's helm, and `extra` sidecar variables.
  cmp::CmpServer Server(const std::map<std::string, std::string>& extra = {}) const {
    cmp::Env env = cmp::CmpServerEnv(base.path());
    env["GITCANARY_HELM"] = tools + "/fake-helm";
    for (const auto& [k, v] : extra) env[k] = v;
    return cmp::CmpServer(SourceDir() + "/deploy/argocd/plugin.yaml", env);
  }
};

// The stand-in tool's ConfigMap among the objects: {args, cwd}.
std::pair<std::string, std::string> Built(const cmp::Generated& generated, const std::string& name) {
  INFO(generated.status.message());
  INFO(generated.err);
  REQUIRE(generated.status.ok());
  std::string stream;
  for (const std::string& m : generated.manifests) stream += "---\n" + m + "\n";
  ObjectsByKey objects = ParseObjects(stream);
  auto it = objects.find(name);
  INFO(stream);
  REQUIRE(it != objects.end());
  return {it->second.Path({"data", "args"})->value, it->second.Path({"data", "cwd"})->value};
}

}  // namespace

TEST_CASE("generate builds a kustomization with the sidecar's kustomize command and build options") {
  Setup setup;
  cmp::CmpServer server = setup.Server({{"GITCANARY_KUSTOMIZE", setup.tools + "/fake-kustomize build"},
                                        {"GITCANARY_KUSTOMIZE_BUILD_OPTIONS", "--enable-helm --load-restrictor LoadRestrictionsNone"}});
  cmp::App app;
  std::string app_dir;
  auto at = [&app_dir](const std::string&, const std::string& dir) { app_dir = dir; };
  auto [args, cwd] = Built(server.Generate({setup.repo, "kustom"}, cmp::GenerateEnv(app, "kustom"), at),
                           "v1 ConfigMap /built-by-fake-kustomize");
  // --enable-helm gets the sidecar's helm.
  CHECK(args == "build --enable-helm --load-restrictor LoadRestrictionsNone --helm-command " + setup.tools + "/fake-helm .");
  CHECK(cwd == app_dir);
  // An Application cannot choose what the sidecar runs, nor turn on exec plugins.
  app.plugin_env = {{"GITCANARY_KUSTOMIZE", "/bin/sh -c evil"}};
  cmp::Generated refused = server.Generate({setup.repo, "kustom"}, cmp::GenerateEnv(app, "kustom"));
  CHECK_FALSE(refused.status.ok());
  CHECK(refused.err.find("never by an Application") != std::string::npos);
  app.plugin_env.clear();
  app.parameters = R"([{"name":"kustomize-build-options","string":"--enable-alpha-plugins --enable-exec"}])";
  refused = server.Generate({setup.repo, "kustom"}, cmp::GenerateEnv(app, "kustom"));
  CHECK_FALSE(refused.status.ok());
  CHECK(refused.err.find("is refused") != std::string::npos);
}

TEST_CASE("generate builds a chart with the values files, parameters, release name and namespace the Application gives") {
  Setup setup;
  cmp::CmpServer server = setup.Server();
  cmp::App app;
  app.parameters = R"([{"name":"helm-values-files","array":["values-prod.yaml"]},)"
                   R"({"name":"helm-parameters","map":{"image.tag":"1.2.3","replicas":"2"}},)"
                   R"({"name":"build-timeout","string":"30s"}])";
  // The sidecar's helm, the Application's name as the release, its namespace.
  auto [args, cwd] = Built(server.Generate({setup.repo, "chart"}, cmp::GenerateEnv(app, "chart")),
                           "v1 ConfigMap /built-by-fake-helm");
  CHECK(args == "template shop-app . --namespace shop --include-crds --values values-prod.yaml --set image.tag=1.2.3 "
                "--set replicas=2");
  // The env entries name the release and the namespace (a sidecar with
  // another helm); blank parameters leave them be, a set one wins.
  server = setup.Server({{"GITCANARY_HELM", setup.tools + "/fake-helm2"}});
  app.plugin_env = {{"GITCANARY_HELM_RELEASE_NAME", "web"}, {"GITCANARY_NAMESPACE", "shop-canary"}};
  app.parameters = R"([{"name":"helm-release-name","string":""},{"name":"namespace","string":""}])";
  auto [env_args, env_cwd] = Built(server.Generate({setup.repo, "chart"}, cmp::GenerateEnv(app, "chart")),
                                   "v1 ConfigMap /built-by-fake-helm2");
  CHECK(env_args == "template web . --namespace shop-canary --include-crds");
  app.parameters = R"([{"name":"helm-release-name","string":"api"},{"name":"namespace","string":"shop"}])";
  auto [param_args, param_cwd] = Built(server.Generate({setup.repo, "chart"}, cmp::GenerateEnv(app, "chart")),
                                       "v1 ConfigMap /built-by-fake-helm2");
  CHECK(param_args == "template api . --namespace shop --include-crds");
}

TEST_CASE("generate stops a build at the build-timeout parameter") {
  Setup setup;
  cmp::CmpServer server = setup.Server({{"GITCANARY_HELM", setup.tools + "/fake-slow"}});
  cmp::App app;
  app.parameters = R"([{"name":"build-timeout","string":"1s"}])";
  const auto start = std::chrono::steady_clock::now();
  cmp::Generated slow = server.Generate({setup.repo, "chart"}, cmp::GenerateEnv(app, "chart"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  INFO(slow.err);
  CHECK_FALSE(slow.status.ok());
  CHECK(slow.out.empty());
  CHECK(slow.err.rfind("gitcanary: app shop-app: ", 0) == 0);
  CHECK(slow.err.find("did not finish in 1s") != std::string::npos);
}
