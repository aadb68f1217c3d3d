// The namespace rules of gitcanary.yaml through the commands: `render` and
// `lint` of a repository on disk refuse an app that renders into a namespace
// its path may not use (exit 1, one error line naming the rule, nothing on
// stdout), leave apps outside every rule alone, and refuse rules written in a
// gitcanary.yaml below the top; `serve` halts such an app and keeps
// analysing the others.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

const char kTopConfig[] =
    "apiVersion: gitcanary.io/v1alpha1\n"
    "kind: Config\n"
    "namespaces:\n"
    "  - path: apps/team-a/**\n"
    "    allow: [team-a]\n";

std::string ConfigMapIn(const std::string& ns) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n" +
         (ns.empty() ? std::string() : "  namespace: " + ns + "\n") + "data: {a: b}\n";
}

std::string DeploymentIn(const std::string& ns) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: " + ns +
         "\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n"
         "    spec:\n      containers:\n      - name: web\n        image: web:1\n";
}

// A git work tree with the rule at its top.
void MakeRepo(const TempDir& dir) {
  testing::Sh("git init -q " + dir.path());
  WriteFile(dir / "gitcanary.yaml", kTopConfig);
}

TEST_CASE("tenancy: render refuses an app under apps/team-a rendering a Deployment into team-b") {
  TempDir dir;
  MakeRepo(dir);
  WriteFile(dir / "apps/team-a/web/deploy.yaml", DeploymentIn("team-b"));
  RunResult r = testing::Gitcanary({"render", "--mode", "flagger", dir / "apps/team-a/web"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("apps/team-a/web/deploy.yaml:5:14: metadata.namespace: Deployment team-b/web: namespace "
                   "\"team-b\" is not allowed for the app at \"apps/team-a/web\" by ") != std::string::npos);
  CHECK(r.err.find("gitcanary.yaml:4:5 namespaces[0] (path \"apps/team-a/**\": allow team-a); use one of: team-a") !=
        std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);

  RunResult lint = testing::Gitcanary({"lint", dir / "apps/team-a/web"});
  CHECK(lint.exit_code == 1);
  CHECK(lint.out.empty());
  CHECK(lint.err.find("namespace \"team-b\" is not allowed for the app at \"apps/team-a/web\"") != std::string::npos);
}

TEST_CASE("tenancy: render accepts an app in its namespace and leaves apps outside every rule alone") {
  TempDir dir;
  MakeRepo(dir);
  WriteFile(dir / "apps/team-a/web/deploy.yaml", DeploymentIn("team-a"));
  WriteFile(dir / "apps/ops/web/deploy.yaml", DeploymentIn("team-b"));  // no rule for apps/ops
  WriteFile(dir / "apps/team-a/settings/config.yaml", ConfigMapIn(""));
  for (const char* app : {"apps/team-a/web", "apps/ops/web"}) {
    CAPTURE(app);
    RunResult r = testing::Gitcanary({"render", "--mode", "flagger", dir / app});
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("kind: Deployment") != std::string::npos);
  }
  // A namespace-less object goes to the app's namespace: -n decides.
  RunResult in_team = testing::Gitcanary({"render", "-n", "team-a", dir / "apps/team-a/settings"});
  CHECK_MESSAGE(in_team.exit_code == 0, in_team.err);
  RunResult in_default = testing::Gitcanary({"render", dir / "apps/team-a/settings"});
  CHECK(in_default.exit_code == 1);
  CHECK(in_default.out.empty());
  CHECK(in_default.err.find("apps/team-a/settings/config.yaml:4:3: metadata.namespace: ConfigMap settings: without "
                            "metadata.namespace it goes to the app's namespace \"default\", which is not allowed") !=
        std::string::npos);
}

// As Argo CD's cmp-server runs it: in the app's directory of the extracted
// repository, with the app's path and destination namespace in the environment.
TEST_CASE("tenancy: generate refuses an app rendering into a namespace its path may not use") {
  TempDir work;
  const std::string top = work / "_cmp_server/req";
  WriteFile(top + "/gitcanary.yaml", kTopConfig);
  WriteFile(top + "/apps/team-a/web/deploy.yaml", DeploymentIn("team-b"));
  WriteFile(top + "/apps/team-a/api/deploy.yaml", DeploymentIn("team-a"));
  auto generate = [&](const std::string& app) {
    return testing::Run({"/bin/sh", "-c", "cd \"$1\" && exec \"$2\" generate", "sh", top + "/" + app,
                         GITCANARY_BINARY},
                        "",
                        {{"ARGOCD_CMP_WORKDIR", work.path()}, {"ARGOCD_APP_NAME", "web"},
                         {"ARGOCD_APP_SOURCE_PATH", app}, {"ARGOCD_APP_NAMESPACE", "team-a"}});
  };
  RunResult refused = generate("apps/team-a/web");
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(refused.err.find("app web: apps/team-a/web/deploy.yaml:5:14: metadata.namespace: Deployment team-b/web: "
                         "namespace \"team-b\" is not allowed for the app at \"apps/team-a/web\"") !=
        std::string::npos);
  RunResult ok = generate("apps/team-a/api");
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
  CHECK(ok.out.find("namespace: team-a") != std::string::npos);
}

TEST_CASE("tenancy: serve --secrets-layout takes namespaced or flat") {
  RunResult r = testing::Gitcanary({"serve", "--repo", "/nonexistent", "--once", "--secrets-layout", "nested"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--secrets-layout takes namespaced or flat, got \"nested\"") != std::string::npos);
}

TEST_CASE("tenancy: namespace rules below the top gitcanary.yaml are refused") {
  TempDir dir;
  MakeRepo(dir);
  WriteFile(dir / "apps/team-a/gitcanary.yaml",
            "apiVersion: gitcanary.io/v1alpha1\nkind: Config\nnamespaces:\n  - path: \"**\"\n    allow: [team-b]\n");
  WriteFile(dir / "apps/team-a/web/deploy.yaml", DeploymentIn("team-b"));
  RunResult r = testing::Gitcanary({"render", "--mode", "flagger", dir / "apps/team-a/web"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("namespaces: namespace rules are read only from the repository's top gitcanary.yaml") !=
        std::string::npos);
}

TEST_CASE("tenancy: serve halts an app that breaks a namespace rule and analyses the others") {
  TempDir dir;
  GitopsRemote repo(dir);
  // CanaryApp's objects are in namespace test, which apps/team-a/** may not use.
  repo.Commit({{"gitcanary.yaml", kTopConfig},
               {"apps/team-a/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {"apps/web/app.yaml", testing::CanaryApp("web", "1.0.0")}},
              "two apps");
  RunResult r = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                    "--min-interval", "1s", "--readiness", "none"});
  CHECK(r.exit_code == 1);  // an app does not load
  CHECK(r.err.find("namespace \\\"test\\\" is not allowed for the app at \\\"apps/team-a/podinfo\\\"") !=
        std::string::npos);
  CHECK(repo.LatestStatus("podinfo").phase == "");
  CHECK(repo.LatestStatus("web").phase == "Initialized");
}

}  // namespace
}  // namespace gitcanary
