// `gitcanary diff --worktree`: the base revision against the work tree as it
// is on disk, uncommitted edits, deletions and untracked files included,
// ignored files left out; the plain diff unchanged by them.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/test_util.h"

using namespace gitcanary::testing;
using nlohmann::json;

namespace {

// A repository with examples/ at its top, committed once, plus an app that
// does not render (identical on both sides, so never rendered).
struct Repo {
  TempDir dir;
  Repo() {
    Sh("cp -R " + SourceDir() + "/examples/. " + path());
    WriteFile(path() + "/broken/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n");
    WriteFile(path() + "/.gitignore", "scratch/\n");
    Sh("cd " + path() + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  }
  std::string path() const { return dir.path() + "/repo"; }
};

std::vector<std::string> Apps(const json& report) {
  std::vector<std::string> out;
  for (const json& app : report["apps"]) out.push_back(app["app"]);
  return out;
}

std::string Deployment(const std::string& name) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: extra\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
         "\n  template:\n    metadata:\n      labels:\n        app: " + name +
         "\n    spec:\n      containers:\n      - name: app\n        image: example/" + name + ":1\n";
}

}  // namespace

TEST_CASE("diff --worktree compares the base with uncommitted edits, deletions and untracked apps") {
  Repo repo;
  const std::string p = repo.path();
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + p + "/podinfo/deployment.yaml");  // edited, not staged
  Sh("rm -r " + p + "/hello-world");                                                   // deleted
  WriteFile(p + "/extra/deployment.yaml", Deployment("extra"));                        // untracked
  WriteFile(p + "/scratch/deployment.yaml", Deployment("scratch"));                    // ignored
  Sh("cd " + p + " && git add extra");                                                 // staged
  // Without the flag nothing committed changed: the work tree is not looked at.
  RunResult plain = Gitcanary({"diff", "--repo", p, "--base", "HEAD", "--format", "json"});
  CHECK(plain.exit_code == 0);
  CHECK(json::parse(plain.out)["apps"].empty());
  RunResult markdown = Gitcanary({"diff", "--repo", p, "--base", "HEAD"});
  CHECK(markdown.exit_code == 0);
  CHECK(markdown.out.find("No app changed") != std::string::npos);

  RunResult run = Gitcanary({"diff", "--repo", p, "--base", "HEAD", "--worktree", "--format", "json"});
  INFO(run.err);
  REQUIRE(run.exit_code == 1);
  const json report = json::parse(run.out);
  CHECK(report["base"] == "HEAD");
  CHECK(report["head"] == "work tree");
  CHECK(Apps(report) == std::vector<std::string>{"extra", "hello-world", "podinfo"});
  bool image = false;
  for (const json& app : report["apps"]) {
    if (app["app"] == "hello-world") {
      CHECK(app["added"] == 0);
      CHECK(app["removed"].get<int>() > 0);
    }
    if (app["app"] == "extra") CHECK(app["added"].get<int>() > 0);
    if (app["app"] != "podinfo") continue;
    for (const json& r : app["resources"])
      for (const json& f : r["fields"])
        image = image || (f["path"] == "spec.template.spec.containers[name=podinfod].image" &&
                          f["before"] == "ghcr.io/stefanprodan/podinfo:6.0.0" &&
                          f["after"] == "ghcr.io/stefanprodan/podinfo:6.1.0");
  }
  CHECK(image);

  // From a subdirectory, with --repo . and without --repo.
  for (const std::string& repo_flag : {std::string("--repo . "), std::string()}) {
    CAPTURE(repo_flag);
    RunResult below = Run({"/bin/sh", "-c", "cd '" + p + "/monorepo/apps' && exec '" GITCANARY_BINARY "' diff " +
                                                repo_flag + "--base HEAD --worktree --format json"});
    CHECK_MESSAGE(below.exit_code == 1, below.err);
    CHECK(below.out == run.out);
  }
}

TEST_CASE("diff --worktree: usage errors, a bare repository, and a clean work tree") {
  Repo repo;
  RunResult clean = Gitcanary({"diff", "--repo", repo.path(), "--base", "HEAD", "--worktree"});
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find("No app changed") != std::string::npos);
  RunResult both = Gitcanary({"diff", "--repo", repo.path(), "--base", "HEAD", "--head", "HEAD", "--worktree"});
  CHECK(both.exit_code == 2);
  CHECK(both.out.empty());
  CHECK(both.err.find("give no --head") != std::string::npos);
  Sh("git clone -q --bare " + repo.path() + " " + repo.dir.path() + "/bare.git");
  RunResult bare = Gitcanary({"diff", "--repo", repo.dir.path() + "/bare.git", "--base", "HEAD", "--worktree"});
  CHECK(bare.exit_code == 2);
  CHECK(bare.out.empty());
  CHECK(bare.err.find("--worktree: ") != std::string::npos);
  CHECK(bare.err.find("no work tree") != std::string::npos);
}
