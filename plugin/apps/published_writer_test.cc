#include "plugin/apps/published_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "render/loader.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using testing::TempDir;

render::PublishedApp App(const std::string& app) {
  auto objects = render::ParseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n", "in");
  REQUIRE(objects.ok());
  auto laid = render::LayOutApp(app, *objects, "");
  REQUIRE(laid.ok());
  return *laid;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

TEST_CASE("published writer: an app path that leaves DIR is refused and nothing is written") {
  for (const std::string bad : {"..", "../x", "a/../../x", "/etc", "a//b", "./a", ".git", "a/.git/hooks"}) {
    CAPTURE(bad);
    TempDir top;
    const std::string out = top / "out";
    auto report = WritePublishedDir(out, {App("good"), App(bad)}, "");
    CHECK_FALSE(report.ok());
    CHECK_FALSE(Exists(out + "/good"));  // planned before anything is written
    CHECK(std::filesystem::directory_iterator(top.path()) == std::filesystem::directory_iterator());
  }
}

TEST_CASE("published writer: a symbolic link anywhere below DIR is refused and its target untouched") {
  struct Row {
    const char* link;    // below DIR
    const char* target;  // "dir" or "file" outside
  };
  const Row rows[] = {{"apps", "dir"}, {"apps/web", "dir"}, {"apps/web/configmap_n_c.yaml", "file"},
                      {"apps/web/kustomization.yaml", "file"}};
  for (const Row& row : rows) {
    const std::string link = row.link;
    CAPTURE(link);
    TempDir top, outside;
    const std::string out = top / "out";
    const std::string target = std::string(row.target) == "dir" ? outside.path() : outside / "f.yaml";
    if (std::string(row.target) == "file") testing::WriteFile(target, "precious\n");
    std::filesystem::create_directories(std::filesystem::path(out + "/" + link).parent_path());
    REQUIRE(symlink(target.c_str(), (out + "/" + link).c_str()) == 0);
    auto report = WritePublishedDir(out, {App("apps/web")}, "");
    CHECK_FALSE(report.ok());
    if (std::string(row.target) == "file") CHECK(testing::ReadFile(target) == "precious\n");
    else CHECK(std::filesystem::is_empty(outside.path()));
  }
}

TEST_CASE("published writer: writes, leaves no temporary file, and removes only the apps inside the scope") {
  TempDir top;
  const std::string out = top / "out";
  auto first = WritePublishedDir(out, {App("apps/web"), App("apps/cache"), App("other/x")}, "");
  REQUIRE(first.ok());
  CHECK(first->written.size() == 6);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(out))
    CHECK(entry.path().filename().string().rfind(".gitcanary-write-", 0) != 0);
  // Publishing apps/ again without cache: cache goes, other/x (outside the scope) stays.
  auto second = WritePublishedDir(out, {App("apps/web")}, "apps");
  REQUIRE(second.ok());
  CHECK(second->written.empty());
  CHECK(second->removed == std::vector<std::string>{"apps/cache/configmap_n_c.yaml", "apps/cache/kustomization.yaml"});
  CHECK_FALSE(Exists(out + "/apps/cache"));  // emptied, so removed
  CHECK(Exists(out + "/other/x/kustomization.yaml"));
}

}  // namespace
}  // namespace gitcanary::plugin
