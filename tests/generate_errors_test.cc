// Every error of `gitcanary generate` starts with "app NAME:", as the README's
// Argo CD section documents (ARGOCD_APP_NAME starts every error message), so
// Argo CD's UI shows which app failed: bad YAML, a missing or empty app
// directory, a bad Canary, bad plugin environment and parameters, a missing
// build tool, and usage errors. Run as the cmp-server runs it: in the app's
// directory below $ARGOCD_CMP_WORKDIR/_cmp_server/ID.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

RunResult GenerateIn(const std::string& dir, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", dir, GITCANARY_BINARY,
                                   "generate"};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, "", env);
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("generate: every error starts with app NAME") {
  TempDir work;
  const std::string top = work / "_cmp_server/req";
  WriteFile(top + "/ok/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
  WriteFile(top + "/broken/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: [\n");
  WriteFile(top + "/empty/README.md", "no manifests here\n");
  WriteFile(top + "/kust/kustomization.yaml", "namePrefix: x-\nresources:\n- ../ok/cm.yaml\n");
  std::string canary = ReadFile(SourceDir() + "/examples/podinfo/canary.yaml");
  const std::size_t step = canary.find("stepWeight: ");
  REQUIRE(step != std::string::npos);
  canary.replace(step, canary.find('\n', step) - step, "stepWeight: ten");
  WriteFile(top + "/canary/canary.yaml", canary);
  WriteFile(top + "/canary/deployment.yaml", ReadFile(SourceDir() + "/examples/podinfo/deployment.yaml"));
  Sh("mkdir -p " + top + "/gone");

  struct Row {
    const char* what;
    const char* dir;
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    int exit_code;
    std::string starts;    // the first stderr line starts so, after "gitcanary: "
    std::string contains;  // and holds this
  };
  const std::string shop = "app shop: ";
  const Row rows[] = {
      {"bad YAML", "broken", {}, {}, 1, shop + "broken/deployment.yaml:4:1: invalid YAML", ""},
      {"bad Canary", "canary", {}, {}, 1, shop + "canary/canary.yaml:",
       ": spec.analysis.stepWeight: expected a number, got string \"ten\""},
      {"an app directory with no manifests", "empty", {}, {}, 1, shop + "the app directory: no manifests found", ""},
      {"an app path that is not the working directory", "ok", {}, {{"ARGOCD_APP_SOURCE_PATH", "apps/missing"}}, 1,
       shop + "the working directory does not end in ARGOCD_APP_SOURCE_PATH \"apps/missing\"", ""},
      {"an app path out of the repository", "ok", {}, {{"ARGOCD_APP_SOURCE_PATH", "../../x"}}, 1,
       shop + "ARGOCD_APP_SOURCE_PATH \"../../x\" leaves the repository", ""},
      {"a working directory that is gone", "gone", {}, {{"ARGOCD_APP_SOURCE_PATH", "gone"}}, 1,
       shop + "cannot resolve the working directory", ""},
      {"an unknown plugin env", "ok", {}, {{"ARGOCD_ENV_GITCANARY_MOED", "git"}}, 1,
       shop + "unknown plugin env ARGOCD_ENV_GITCANARY_MOED", ""},
      {"parameters that are not JSON", "ok", {}, {{"ARGOCD_APP_PARAMETERS", "[{"}}, 1,
       shop + "ARGOCD_APP_PARAMETERS: not valid JSON", ""},
      {"an unknown parameter", "ok", {}, {{"ARGOCD_APP_PARAMETERS", R"([{"name":"replicas","string":"3"}])"}}, 1,
       shop + "unknown plugin parameter \"replicas\"", ""},
      {"a bad mode", "ok", {}, {{"ARGOCD_ENV_GITCANARY_MODE", "canary"}}, 1, shop + "unknown mode \"canary\"", ""},
      {"a bad build timeout", "ok", {}, {{"ARGOCD_ENV_GITCANARY_BUILD_TIMEOUT", "soon"}}, 1,
       shop + "ARGOCD_ENV_GITCANARY_BUILD_TIMEOUT: \"soon\" is not a duration", ""},
      {"a missing build tool", "kust", {}, {{"GITCANARY_KUSTOMIZE", "/nonexistent/kustomize"}}, 1, shop,
       "/nonexistent/kustomize not found"},
      {"an argument", "ok", {"somewhere"}, {}, 2,
       shop + "generate takes no arguments; it renders the working directory", ""},
      {"an unknown flag", "ok", {"--bogus"}, {}, 2, shop + "unknown flag --bogus", ""},
      {"no ARGOCD_APP_NAME: the directory's name", "canary", {}, {{"ARGOCD_APP_NAME", ""}}, 1,
       "app canary: canary/canary.yaml:", ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    std::map<std::string, std::string> env = {{"ARGOCD_CMP_WORKDIR", work.path()},
                                              {"ARGOCD_APP_NAME", "shop"},
                                              {"ARGOCD_APP_SOURCE_PATH", row.dir}};
    for (const auto& [name, value] : row.env) env[name] = value;
    const std::string dir = top + "/" + row.dir;
    if (std::string(row.dir) == "gone") Sh("mkdir -p " + dir);
    RunResult run = std::string(row.dir) == "gone"
                        ? Run({"/bin/sh", "-c", "cd \"$1\" && rmdir \"$1\" && exec \"$2\" generate", "sh", dir,
                               GITCANARY_BINARY},
                              "", env)
                        : GenerateIn(dir, row.args, env);
    const std::string line = FirstLine(run.err);
    CAPTURE(line);
    CHECK(run.exit_code == row.exit_code);
    CHECK(run.out.empty());
    CHECK(line.rfind("gitcanary: " + row.starts, 0) == 0);
    CHECK(line.find(row.contains) != std::string::npos);
    if (row.exit_code == 1) CHECK(run.err == line + "\n");
  }
  RunResult ok = GenerateIn(top + "/ok", {}, {{"ARGOCD_CMP_WORKDIR", work.path()}, {"ARGOCD_APP_SOURCE_PATH", "ok"}});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("name: a\n") != std::string::npos);
}
