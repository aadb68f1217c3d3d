// deploy/argocd/plugin.yaml's discover rule (the opt-in between its comment
// markers, added under spec: as the file says) run the way Argo CD runs it
// (tests/cmp_server_emulation.h): the whole repository is tarred and
// extracted, the find command runs in the app directory with the request's
// env, and the plugin is taken when it prints something. An app opts in with a
// gitcanary.yaml in its directory or in one above it, up to the repository
// top, never above; plain, kustomize and Helm apps alike.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/cmp_server_emulation.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
namespace cmp = gitcanary::testing::argocd;
namespace fs = std::filesystem;

namespace {

const char kConfig[] = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\n";
const char kManifest[] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n";

// One app of each kind in `dir`.
void WriteApps(const std::string& dir) {
  WriteFile(dir + "/plain/cm.yaml", kManifest);
  WriteFile(dir + "/kustom/kustomization.yaml", "resources:\n- cm.yaml\n");
  WriteFile(dir + "/kustom/cm.yaml", kManifest);
  WriteFile(dir + "/chart/Chart.yaml", "apiVersion: v2\nname: chart\nversion: 0.1.0\n");
  WriteFile(dir + "/chart/templates/cm.yaml", kManifest);
}

// plugin.yaml with the commented rule added under spec:, as an operator would.
std::string WithDiscoverRule(const std::string& dir) {
  const std::string shipped = ReadFile(SourceDir() + "/deploy/argocd/plugin.yaml");
  const std::string begin = "# ----- discover rule: begin -----\n", end = "# ----- discover rule: end -----\n";
  const std::size_t from = shipped.find(begin), to = shipped.find(end);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  std::string rule;
  std::size_t at = from + begin.size();
  while (at < to) {
    std::size_t eol = shipped.find('\n', at);
    const std::string line = shipped.substr(at, eol - at);
    REQUIRE(line.rfind("#", 0) == 0);
    rule += (line.size() > 1 ? line.substr(2) : "") + "\n";
    at = eol + 1;
  }
  std::string text = shipped;
  const std::size_t spec = text.find("\nspec:\n");
  REQUIRE(spec != std::string::npos);
  text.insert(spec + 7, rule);
  WriteFile(dir + "/plugin.yaml", text);
  return dir + "/plugin.yaml";
}

struct Sidecar {
  TempDir base;
  cmp::CmpServer server;
  explicit Sidecar(const cmp::Env& extra = {}) : server(WithDiscoverRule(base.path()), ServerEnv(base, extra)) {}
  static cmp::Env ServerEnv(const TempDir& base, const cmp::Env& extra) {
    cmp::Env env = cmp::CmpServerEnv(base.path());
    for (const auto& [k, v] : extra) env[k] = v;
    return env;
  }
};

}  // namespace

TEST_CASE("cmp discover: an app with gitcanary.yaml in its directory or above it is taken, any other is not") {
  TempDir dir;
  const std::string repo = dir / "repo";
  WriteApps(repo + "/own");  // each app holds its own gitcanary.yaml
  for (const char* app : {"plain", "kustom", "chart"}) WriteFile(repo + "/own/" + app + "/gitcanary.yaml", kConfig);
  WriteApps(repo + "/mono/apps");  // one gitcanary.yaml above them all
  WriteFile(repo + "/mono/gitcanary.yaml", kConfig);
  WriteApps(repo + "/other");  // none: not gitcanary apps
  // Look-alikes that opt nothing in: another name, a directory, one below.
  WriteFile(repo + "/other/plain/gitcanary.yaml.bak", kConfig);
  fs::create_directories(repo + "/other/kustom/gitcanary.yaml");
  WriteFile(repo + "/other/chart/templates/gitcanary.yaml", kConfig);
  WriteFile(repo + "/other/gitcanary.yml", kConfig);
  fs::create_directory_symlink("own/plain", repo + "/linked");  // a symlinked app directory
  Sh("cd " + repo + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -q -m apps");
  // Both ways the cmp-server can be told where to extract.
  TempDir tmp;
  for (bool by_tmpdir : {false, true}) {
    CAPTURE(by_tmpdir);
    Sidecar sidecar(by_tmpdir ? cmp::Env{{"ARGOCD_CMP_WORKDIR", ""}, {"TMPDIR", tmp.path()}} : cmp::Env{});
    // A gitcanary.yaml above the extracted root is nobody's.
    WriteFile(sidecar.base / "gitcanary.yaml", kConfig);
    WriteFile(sidecar.base / "_cmp_server/gitcanary.yaml", kConfig);
    WriteFile(tmp / "gitcanary.yaml", kConfig);
    WriteFile(tmp / "_cmp_server/gitcanary.yaml", kConfig);
    struct Row {
      const char* path;  // spec.source.path, as a user may write it
      bool taken;
    };
    const Row rows[] = {{"own/plain", true},       {"own/kustom", true},        {"own/chart/", true},
                        {"mono/apps/plain", true}, {"./mono/apps/kustom", true}, {"mono/apps/chart", true},
                        {"mono/apps", true},       {"linked", true},             {"other/plain", false},
                        {"other/kustom", false},   {"other/chart", false},       {"other", false},
                        {"", false},               {"own/../other/plain", false}};
    for (const Row& row : rows) {
      CAPTURE(row.path);
      cmp::App app;
      app.has_plugin = false;
      const cmp::Source source{repo, row.path};
      // Automatic discovery (GetAppSourceType: newEnv only).
      auto unnamed = sidecar.server.Supports(source, cmp::DiscoverEnv(app, row.path), false);
      INFO(unnamed.status().message());
      REQUIRE(unnamed.ok());
      CHECK(*unnamed == row.taken);
      // An Application that names the plugin gets the same answer, as an error when not taken.
      app.has_plugin = true;
      auto named = sidecar.server.Supports(source, cmp::GenerateEnv(app, row.path), true);
      CHECK(named.ok() == row.taken);
      if (!row.taken) CHECK(named.status().message().find("could not find cmp-server plugin with name \"gitcanary-v1\"") != std::string::npos);
    }
  }
}

TEST_CASE("cmp discover: as shipped, plugin.yaml has no rule, so Argo CD uses it for apps that name it and for no other") {
  TempDir dir;
  WriteApps(dir / "repo");
  WriteFile(dir / "repo/gitcanary.yaml", kConfig);
  TempDir base;
  cmp::CmpServer shipped(SourceDir() + "/deploy/argocd/plugin.yaml", cmp::CmpServerEnv(base.path()));
  cmp::App app;
  for (bool named : {false, true}) {
    auto taken = shipped.Supports({dir / "repo", "plain"}, cmp::GenerateEnv(app, "plain"), named);
    REQUIRE(taken.ok());
    CHECK(*taken == named);
  }
}

TEST_CASE("cmp discover: a gitcanary.yaml at the repository top opts in every app, also when Argo CD lists the apps") {
  TempDir dir;
  const std::string repo = dir / "repo";
  WriteApps(repo + "/apps");
  WriteFile(repo + "/gitcanary.yaml", kConfig);
  WriteFile(repo + "/cm.yaml", kManifest);
  Sidecar sidecar;
  cmp::App app;
  app.has_plugin = false;
  for (const char* path : {"", ".", "apps/plain", "apps/kustom", "apps/chart"}) {
    CAPTURE(path);
    auto taken = sidecar.server.Supports({repo, path}, cmp::DiscoverEnv(app, path), false);
    INFO(taken.status().message());
    REQUIRE(taken.ok());
    CHECK(*taken);
  }
  // ListApps asks with no env at all, for the repository top.
  auto listed = sidecar.server.Match({repo, ""}, {});
  REQUIRE(listed.ok());
  CHECK(*listed);
}
