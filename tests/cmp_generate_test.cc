// `gitcanary generate` the way Argo CD's cmp-server runs it: the repository is
// tarred (with and without .git), extracted to a fresh directory with the
// default 0644/0755 modes, and generate runs from the app path with the
// environment Argo CD sets. Its output must be the same objects as `render` of
// the same tree, each stamped with the revision, and every error or empty
// result must leave stdout empty with a non-zero exit.
//
// The later cases run through tests/cmp_server_emulation.h, which also
// follows the cmp-server's work directory, manifest-generate-paths, symlinks
// and output splitting: layouts the hand-made tarball above does not cover.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>
#include <sys/wait.h>
#include <string>

#include "tests/cmp_server_emulation.h"
#include "tests/process_harness.h"
#include "tests/rendered_objects.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
namespace cmp = gitcanary::testing::argocd;
namespace fs = std::filesystem;

namespace {

const char kRevision[] = "4f2d8c0e9a1b7d3c5e6f8a9b0c1d2e3f4a5b6c7d";

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

// What the cmp-server does with the tarball: a fresh directory, files 0644,
// directories 0755 (modes from the archive are not kept).
std::string TarAndExtract(const std::string& repo, const TempDir& into, bool with_git) {
  const std::string tgz = into.path() + "/repo.tgz";
  const std::string root = into.path() + "/_cmp_server/3f1c";
  Sh("tar -C " + repo + (with_git ? "" : " --exclude=./.git") + " -czf " + tgz + " .");
  Sh("mkdir -p " + root + " && tar -C " + root + " --no-same-permissions -xzf " + tgz);
  Sh("find " + root + " -type f -exec chmod 0644 {} + && find " + root + " -type d -exec chmod 0755 {} +");
  return root;
}

std::map<std::string, std::string> ArgoEnv(const std::string& app_path, const std::string& ns) {
  return {{"ARGOCD_APP_NAME", "shop-" + ns},
          {"ARGOCD_APP_NAMESPACE", ns},
          {"ARGOCD_APP_REVISION", kRevision},
          {"ARGOCD_APP_REVISION_SHORT", std::string(kRevision).substr(0, 7)},
          {"ARGOCD_APP_SOURCE_PATH", app_path},
          {"ARGOCD_APP_SOURCE_REPO_URL", "https://git.example.com/shop/deploy.git"},
          {"ARGOCD_APP_SOURCE_TARGET_REVISION", "main"},
          {"KUBE_VERSION", "1.32.4"},
          {"KUBE_API_VERSIONS", "v1,apps/v1,autoscaling/v2"}};
}

RunResult GenerateIn(const std::string& dir, const std::map<std::string, std::string>& env) {
  return Run({"/bin/sh", "-c", "cd '" + dir + "' && exec '" GITCANARY_BINARY "' generate"}, "", env);
}

// generate's objects, with the revision annotation checked on every one and
// then removed, so they can be compared with render's.
ObjectsByKey GeneratedObjects(const RunResult& run) {
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());
  ObjectsByKey objects = ParseObjects(run.out);
  REQUIRE_FALSE(objects.empty());
  CHECK(RemoveAnnotation(objects, "gitcanary.io/source-revision", kRevision) == static_cast<int>(objects.size()));
  return objects;
}

// The cmp-server of deploy/argocd/plugin.yaml, extracting below its own
// temporary directory (its ARGOCD_CMP_WORKDIR).
struct Sidecar {
  TempDir base;
  cmp::CmpServer server{SourceDir() + "/deploy/argocd/plugin.yaml", cmp::CmpServerEnv(base.path())};
};

// The objects Argo CD got, each checked for the revision annotation, which is
// then removed so they compare with render's.
ObjectsByKey Objects(const cmp::Generated& generated) {
  INFO(generated.status.message());
  INFO(generated.err);
  REQUIRE(generated.status.ok());
  CHECK(generated.err.empty());
  std::string stream;
  for (const std::string& m : generated.manifests) stream += "---\n" + m + "\n";
  ObjectsByKey objects = ParseObjects(stream);
  CHECK(RemoveAnnotation(objects, "gitcanary.io/source-revision", kRevision) == static_cast<int>(objects.size()));
  return objects;
}

// A generate that Argo CD reports as failed, with one line naming the app.
void CheckRefused(const cmp::Generated& generated, const std::string& message) {
  INFO(generated.err);
  CHECK_FALSE(generated.status.ok());
  CHECK(generated.out.empty());
  CHECK(generated.err.rfind("gitcanary: app shop-app: ", 0) == 0);
  CHECK(generated.err.find(message) != std::string::npos);
}

const char kFlaggerConfig[] = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ndefaults:\n  mode: flagger\n";

}  // namespace

TEST_CASE("generate from an extracted tarball gives render's objects, with and without .git") {
  ExamplesRepo examples;
  struct App {
    const char* path;  // in the repository
    const char* ns;
    const char* mode;  // as the Application's plugin parameter
  };
  // monorepo/apps/catalog takes its canary from monorepo/gitcanary.yaml, two
  // levels up, which generate must find with no .git to stop at.
  const App apps[] = {{"podinfo", "test", "git"}, {"monorepo/apps/catalog", "shop", "flagger"},
                      {"hello-world", "demo", "git"}, {"bookinfo-reviews", "bookinfo", "flagger"}};
  for (bool with_git : {false, true}) {
    TempDir work;
    const std::string root = TarAndExtract(examples.repo(), work, with_git);
    CHECK(std::filesystem::is_directory(root + "/.git") == with_git);
    for (const App& app : apps) {
      CAPTURE(with_git);
      CAPTURE(app.path);
      auto env = ArgoEnv(app.path, app.ns);
      env["ARGOCD_APP_PARAMETERS"] = std::string(R"([{"name":"mode","string":")") + app.mode + "\"}]";
      env["PARAM_MODE"] = app.mode;
      ObjectsByKey generated = GeneratedObjects(GenerateIn(root + "/" + app.path, env));
      RunResult rendered = Gitcanary({"render", examples.repo() + "/" + app.path, "--mode", app.mode, "-n", app.ns});
      REQUIRE(rendered.exit_code == 0);
      CHECK(generated == ParseObjects(rendered.out));
    }
  }
}

TEST_CASE("generate takes the mode from the Application's plugin env when no parameter is set") {
  ExamplesRepo examples;
  TempDir work;
  const std::string root = TarAndExtract(examples.repo(), work, false);
  // Argo CD's path as the user wrote it (Argo CD cleans it the same way), and
  // the null it sends for an Application without parameters.
  auto env = ArgoEnv("./monorepo//apps/checkout/", "shop");
  env["ARGOCD_APP_PARAMETERS"] = "null";
  env["ARGOCD_ENV_GITCANARY_MODE"] = "git";
  ObjectsByKey generated = GeneratedObjects(GenerateIn(root + "/monorepo/apps/checkout", env));
  // The monorepo's gitcanary.yaml says flagger; the env entry turns it to git
  // mode, which renders the primary Deployment and no Canary.
  CHECK(generated.count("apps/v1 Deployment shop/checkout-primary") == 1);
  CHECK(generated.count("flagger.app/v1beta1 Canary shop/checkout") == 0);
  RunResult rendered = Gitcanary({"render", examples.repo() + "/monorepo/apps/checkout", "--mode", "git", "-n", "shop"});
  CHECK(generated == ParseObjects(rendered.out));
}

TEST_CASE("generate's errors and empty results leave stdout empty and exit non-zero") {
  TempDir dir;
  WriteFile(dir / "empty/README.md", "no manifests here\n");
  WriteFile(dir / "comments/only.yaml", "# nothing\n---\n");
  WriteFile(dir / "broken/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: [\n");
  WriteFile(dir / "ok/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
  struct Row {
    std::string dir;
    std::map<std::string, std::string> env;
    const char* message;
  };
  const Row rows[] = {
      {dir / "empty", {{"ARGOCD_APP_NAME", "shop"}}, "app shop: the app directory: no manifests found"},
      {dir / "comments", {}, "no manifests found"},
      {dir / "broken", {}, "deployment.yaml:4:1: invalid YAML"},
      {dir / "ok", {{"ARGOCD_APP_PARAMETERS", "[{\"name\":\"mode\"}"}}, "ARGOCD_APP_PARAMETERS: not valid JSON"},
      {dir / "ok", {{"ARGOCD_APP_PARAMETERS", R"([{"name":"replicas","string":"3"}])"}}, "unknown plugin parameter \"replicas\""},
      {dir / "ok", {{"ARGOCD_ENV_GITCANARY_MOED", "git"}}, "unknown plugin env ARGOCD_ENV_GITCANARY_MOED"},
      {dir / "ok", {{"PARAM_MODE", "canary"}}, "unknown mode \"canary\""},
      {dir / "ok", {{"ARGOCD_APP_SOURCE_PATH", "apps/elsewhere"}}, "does not end in ARGOCD_APP_SOURCE_PATH"},
      {dir / "ok", {{"ARGOCD_APP_SOURCE_PATH", "../ok"}}, "ARGOCD_APP_SOURCE_PATH \"../ok\" leaves the repository"},
  };
  for (const Row& row : rows) {
    RunResult run = GenerateIn(row.dir, row.env);
    const std::string context = std::string(row.message) + " <- " + run.err;
    INFO(context);
    CHECK(run.exit_code == 1);
    CHECK(run.out.empty());
    CHECK(run.err.find(row.message) != std::string::npos);
  }
  RunResult ok = GenerateIn(dir / "ok", {});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("name: a") != std::string::npos);
  RunResult usage = Gitcanary({"generate", "somewhere"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.out.empty());
}

TEST_CASE("generate exits within 5 s of SIGTERM, printing nothing") {
  TempDir dir;
  // Big enough that the render is still running when the signal arrives.
  std::string text;
  for (int i = 0; i < 4000; ++i)
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" + std::to_string(i) +
            "\ndata:\n  a: \"" + std::string(200, 'x') + "\"\n";
  for (int f = 0; f < 20; ++f) WriteFile(dir / ("app/f" + std::to_string(f) + ".yaml"), text);
  ChildProcess generate({"/bin/sh", "-c", "exec '" GITCANARY_BINARY "' generate > '" + dir.path() + "/out'"},
                        dir / "app", dir / "err");
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto start = std::chrono::steady_clock::now();
  int status = generate.Stop(SIGTERM, std::chrono::seconds(5));
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(status != -1);
  CHECK(elapsed < std::chrono::seconds(5));
  // Either the signal ended it, or it had already finished whole.
  if (WIFSIGNALED(status)) {
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(ReadFile(dir / "out").empty());
  } else {
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_CASE("generate with manifest-generate-paths reads the tree Argo CD roots at the common root, and its gitcanary.yaml") {
  ExamplesRepo examples;
  Sidecar sidecar;
  struct Row {
    const char* path;
    const char* annotation;
    const char* root_holds;  // what the extracted top holds: the common root's content
    const char* ns;
  };
  // monorepo/gitcanary.yaml (flagger) is inside the common root of the first
  // two; podinfo's own is in the app directory, the whole tarball.
  const Row rows[] = {{"monorepo/apps/catalog", "../..", "apps/catalog/deployment.yaml", "shop"},
                      {"monorepo/apps/catalog", "/monorepo;.", "gitcanary.yaml", "shop"},
                      {"podinfo", ".", "canary.yaml", "test"}};
  for (const Row& row : rows) {
    CAPTURE(row.annotation);
    cmp::App app;
    app.ns = row.ns;
    const cmp::Source source{examples.repo(), row.path, row.annotation, true};
    auto layout = [&](const std::string& root, const std::string&) {
      CHECK(fs::exists(root + "/" + row.root_holds));
      CHECK_FALSE(fs::exists(root + "/.git"));
    };
    ObjectsByKey generated = Objects(sidecar.server.Generate(source, cmp::GenerateEnv(app, row.path), layout));
    RunResult rendered = Gitcanary({"render", examples.repo() + "/" + row.path, "-n", row.ns});
    REQUIRE(rendered.exit_code == 0);
    CHECK(generated == ParseObjects(rendered.out));
  }
  // With "." alone the tarball is the app directory: monorepo/gitcanary.yaml
  // is not in it, and rendering without it would silently switch the mode.
  cmp::App app;
  CheckRefused(sidecar.server.Generate({examples.repo(), "monorepo/apps/catalog", ".", true},
                                       cmp::GenerateEnv(app, "monorepo/apps/catalog")),
               "no gitcanary.yaml in the part of the repository Argo CD sent, \"monorepo/apps/catalog\" and below");
}

TEST_CASE("generate follows an app directory that is a symlink inside the repository, and refuses one leading out") {
  TempDir dir;
  const std::string repo = dir / "repo";
  Sh("mkdir -p " + repo + "/shared/podinfo " + repo + "/apps && cp -R " + SourceDir() + "/examples/podinfo/. " + repo +
     "/shared/podinfo && rm " + repo + "/shared/podinfo/gitcanary.yaml && ln -s ../shared/podinfo " + repo + "/apps/podinfo");
  // The app's settings sit along its path in the repository, apps/podinfo.
  WriteFile(repo + "/apps/gitcanary.yaml", kFlaggerConfig);
  Sidecar sidecar;
  cmp::App app;
  app.ns = "test";
  const cmp::Source source{repo, "apps/podinfo"};
  auto symlinked = [](const std::string& root, const std::string&) {
    CHECK(fs::read_symlink(root + "/apps/podinfo") == "../shared/podinfo");
  };
  ObjectsByKey generated = Objects(sidecar.server.Generate(source, cmp::GenerateEnv(app, "apps/podinfo"), symlinked));
  CHECK(generated.count("flagger.app/v1beta1 Canary test/podinfo") == 1);
  RunResult rendered = Gitcanary({"render", SourceDir() + "/examples/podinfo", "--mode", "flagger", "-n", "test"});
  CHECK(generated == ParseObjects(rendered.out));
  // Argo CD extracts no symlink out of the tree; if one were there, generate
  // must not read the directory it leads to, even one shaped like the app.
  const std::string outside = sidecar.base / "outside/apps/podinfo";
  Sh("mkdir -p " + outside + " && cp -R " + repo + "/shared/podinfo/. " + outside);
  auto out_of_tree = [&](const std::string& root, const std::string&) {
    fs::remove(root + "/apps/podinfo");
    fs::create_directory_symlink(outside, root + "/apps/podinfo");
  };
  CheckRefused(sidecar.server.Generate(source, cmp::GenerateEnv(app, "apps/podinfo"), out_of_tree),
               "leads out of the extracted repository");
  fs::remove(repo + "/apps/podinfo");
  fs::create_directory_symlink(fs::relative(outside, repo + "/apps"), repo + "/apps/podinfo");
  auto refused = sidecar.server.Generate(source, cmp::GenerateEnv(app, "apps/podinfo"));
  CHECK(refused.status.message().find("illegal filepath in symlink") != std::string::npos);
}

TEST_CASE("generate takes an empty plugin parameter as not set, so the env entry or gitcanary.yaml applies") {
  ExamplesRepo examples;
  Sidecar sidecar;
  cmp::App app;
  app.ns = "shop";
  app.plugin_env = {{"GITCANARY_MODE", "git"}};
  app.parameters = R"([{"name":"mode","string":""}])";
  const cmp::Source source{examples.repo(), "monorepo/apps/checkout"};
  RunResult git = Gitcanary({"render", examples.repo() + "/monorepo/apps/checkout", "--mode", "git", "-n", "shop"});
  ObjectsByKey from_env = Objects(sidecar.server.Generate(source, cmp::GenerateEnv(app, source.path)));
  CHECK(from_env.count("apps/v1 Deployment shop/checkout-primary") == 1);
  CHECK(from_env.count("flagger.app/v1beta1 Canary shop/checkout") == 0);
  CHECK(from_env == ParseObjects(git.out));
  // Argo CD's UI sends every declared parameter, the blank ones as "", [] or {}.
  app.parameters = R"([{"name":"mode","string":""},{"name":"namespace","string":""},)"
                   R"({"name":"helm-release-name","string":""},)"
                   R"({"name":"build-timeout","string":""},{"name":"helm-values-files","array":[]},)"
                   R"({"name":"helm-parameters","map":{}}])";
  CHECK(Objects(sidecar.server.Generate(source, cmp::GenerateEnv(app, source.path))) == from_env);
  // Without the env entry: the monorepo's gitcanary.yaml, flagger.
  app.plugin_env.clear();
  ObjectsByKey from_config = Objects(sidecar.server.Generate(source, cmp::GenerateEnv(app, source.path)));
  CHECK(from_config.count("flagger.app/v1beta1 Canary shop/checkout") == 1);
  RunResult flagger = Gitcanary({"render", examples.repo() + "/monorepo/apps/checkout", "-n", "shop"});
  CHECK(from_config == ParseObjects(flagger.out));
}

TEST_CASE("generate takes an empty or \".\" ARGOCD_APP_SOURCE_PATH as the repository top and reads nothing above it") {
  TempDir dir;
  const std::string repo = dir / "repo";
  Sh("mkdir -p " + repo + " && cp -R " + SourceDir() + "/examples/podinfo/. " + repo + " && rm " + repo + "/gitcanary.yaml");
  Sidecar sidecar;
  // Settings above the extracted root belong to nobody's repository.
  WriteFile(sidecar.base / "gitcanary.yaml", kFlaggerConfig);
  WriteFile(sidecar.base / "_cmp_server/gitcanary.yaml", kFlaggerConfig);
  RunResult rendered = Gitcanary({"render", repo, "--mode", "git", "-n", "test"});
  REQUIRE(rendered.exit_code == 0);
  for (const char* path : {"", ".", "./"}) {
    CAPTURE(path);
    cmp::App app;
    app.ns = "test";
    ObjectsByKey generated = Objects(sidecar.server.Generate({repo, path}, cmp::GenerateEnv(app, path)));
    CHECK(generated.count("flagger.app/v1beta1 Canary test/podinfo") == 0);
    CHECK(generated == ParseObjects(rendered.out));
  }
}

TEST_CASE("generate starts every error with the app's name, parameter errors included") {
  TempDir dir;
  WriteFile(dir / "ok/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
  struct Row {
    std::map<std::string, std::string> env;
    const char* message;
  };
  const Row rows[] = {
      {{{"ARGOCD_APP_PARAMETERS", "[{"}}, "ARGOCD_APP_PARAMETERS: not valid JSON"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"replicas","string":"3"}])"}}, "unknown plugin parameter \"replicas\""},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"helm-values-files","string":"prod.yaml"}])"}}, "must be an array"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"build-timeout","string":"soon"}])"}}, "\"soon\" is not a duration"},
      {{{"ARGOCD_ENV_GITCANARY_MOED", "git"}}, "unknown plugin env ARGOCD_ENV_GITCANARY_MOED"},
      {{{"PARAM_MODE", "canary"}}, "unknown mode \"canary\""},
      {{{"ARGOCD_APP_SOURCE_PATH", "../ok"}}, "ARGOCD_APP_SOURCE_PATH \"../ok\" leaves the repository"},
  };
  for (const Row& row : rows) {
    auto env = row.env;
    env["ARGOCD_APP_NAME"] = "shop-app";
    RunResult run = GenerateIn(dir / "ok", env);
    INFO(run.err);
    CHECK(run.exit_code == 1);
    CHECK(run.out.empty());
    CHECK(run.err.rfind("gitcanary: app shop-app: ", 0) == 0);
    CHECK(run.err.find(row.message) != std::string::npos);
    CHECK(run.err.find('\n') == run.err.size() - 1);
  }
  RunResult usage = Run({"/bin/sh", "-c", "cd '" + dir.path() + "/ok' && exec '" GITCANARY_BINARY "' generate extra"}, "",
                        {{"ARGOCD_APP_NAME", "shop-app"}});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.rfind("gitcanary: app shop-app: generate takes no arguments", 0) == 0);
}
