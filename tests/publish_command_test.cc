// `gitcanary render --write DIR` and `gitcanary lint --check-published DIR`
// through the real binary: the published layout builds with the real
// `kubectl kustomize` to exactly render's objects, stale files are removed
// and nothing else, nothing is written when an app fails, links out of DIR are
// refused, and lint names each stale app.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <filesystem>

#include "tests/rendered_objects.h"
#include "tests/test_util.h"

namespace gitcanary::testing {
namespace {

bool HaveKubectl() { return Run({"/bin/sh", "-c", "command -v kubectl"}).exit_code == 0; }

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

const char kWeb[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
    "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
    "    spec: {containers: [{name: web, image: web:1}]}\n---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n";
const char kCache[] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cache, namespace: shop}\ndata: {size: \"10\"}\n";

// A repository of two plain apps, apps/web and apps/cache.
void WriteRepo(const std::string& top) {
  WriteFile(top + "/apps/web/app.yaml", kWeb);
  WriteFile(top + "/apps/cache/cache.yaml", kCache);
}

TEST_CASE("render --write: every published app builds with real kubectl kustomize to what render prints") {
  if (!HaveKubectl()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  if (!std::filesystem::exists(SourceDir() + "/.git")) {  // app paths are from the repository top
    MESSAGE("skipped: the source tree is not a git checkout, so its examples have no repository top");
    return;
  }
  // Examples in both modes: a repository of templated apps (flagger mode),
  // overlays of one base, and a git-mode canary with its routing.
  for (const std::string example : {"examples/monorepo", "examples/kustomize-overlays", "examples/podinfo-linkerd",
                                    "examples/bookinfo-reviews", "examples/podinfo-gatewayapi"}) {
    CAPTURE(example);
    TempDir out;
    RunResult wrote = Gitcanary({"render", "--write", out.path() + "/pub", SourceDir() + "/" + example});
    INFO(wrote.err);
    REQUIRE(wrote.exit_code == 0);
    int apps = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(out.path() + "/pub")) {
      if (entry.path().filename() != "kustomization.yaml") continue;
      ++apps;
      const std::string dir = entry.path().parent_path().string();
      const std::string app = dir.substr(out.path().size() + 5);  // the path from the repository top
      CAPTURE(app);
      CHECK(app.rfind(example, 0) == 0);  // DIR mirrors the source tree
      RunResult built = Run({"kubectl", "kustomize", dir});
      INFO(built.err);
      REQUIRE(built.exit_code == 0);
      RunResult rendered = Gitcanary({"render", SourceDir() + "/" + app});
      REQUIRE(rendered.exit_code == 0);
      CHECK(ParseObjects(built.out) == ParseObjects(rendered.out));
      CHECK(built.out.find("kind: CanaryStatus") == std::string::npos);
    }
    CHECK(apps > 0);
  }
}

TEST_CASE("render --write: objects and apps no longer rendered are removed and nothing else") {
  TempDir repo;
  WriteRepo(repo.path());
  const std::string out = repo / "out";
  RunResult first = Gitcanary({"render", "--write", out, repo.path()});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(Exists(out + "/apps/web/deployment.apps_shop_web.yaml"));
  CHECK(Exists(out + "/apps/web/service_shop_web.yaml"));
  CHECK(Exists(out + "/apps/cache/configmap_shop_cache.yaml"));
  WriteFile(out + "/apps/web/NOTES.md", "mine");
  WriteFile(out + "/apps/cache/extra.yaml", "kind: ConfigMap\n");

  // The Service is gone from web, and the cache app is gone.
  WriteFile(repo.path() + "/apps/web/app.yaml", std::string(kWeb).substr(0, std::string(kWeb).find("---")));
  Sh("rm -r " + repo.path() + "/apps/cache");
  RunResult second = Gitcanary({"render", "--write", out, repo.path()});
  INFO(second.err);
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("removed " + out + "/apps/web/service_shop_web.yaml") != std::string::npos);
  CHECK_FALSE(Exists(out + "/apps/web/service_shop_web.yaml"));
  CHECK(Exists(out + "/apps/web/deployment.apps_shop_web.yaml"));
  CHECK(ReadFile(out + "/apps/web/kustomization.yaml").find("service_shop_web") == std::string::npos);
  CHECK(ReadFile(out + "/apps/web/NOTES.md") == "mine");
  CHECK_FALSE(Exists(out + "/apps/cache/configmap_shop_cache.yaml"));
  CHECK_FALSE(Exists(out + "/apps/cache/kustomization.yaml"));
  CHECK(ReadFile(out + "/apps/cache/extra.yaml") == "kind: ConfigMap\n");  // never gitcanary's

  // Unchanged: nothing written.
  RunResult third = Gitcanary({"render", "--write", out, repo.path()});
  CHECK(third.exit_code == 0);
  CHECK(third.out.find("up to date") != std::string::npos);
}

TEST_CASE("render --write: nothing is written when any app fails to render") {
  TempDir repo;
  WriteRepo(repo.path());
  const std::string out = repo / "out";
  REQUIRE(Gitcanary({"render", "--write", out, repo.path()}).exit_code == 0);
  const std::string before = ReadFile(out + "/apps/web/deployment.apps_shop_web.yaml");
  WriteFile(repo.path() + "/apps/web/app.yaml", std::string(kWeb) + "---\n" + "apiVersion: v1\nkind: [\n");
  WriteFile(repo.path() + "/apps/cache/cache.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cache, namespace: shop}\ndata: {other: \"1\"}\n");
  RunResult failed = Gitcanary({"render", "--write", out, repo.path()});
  CHECK(failed.exit_code == 1);
  CHECK(failed.out.empty());
  CHECK(failed.err.find("apps/web/app.yaml:") != std::string::npos);
  CHECK(ReadFile(out + "/apps/web/deployment.apps_shop_web.yaml") == before);
  CHECK(ReadFile(out + "/apps/cache/configmap_shop_cache.yaml").find("other") == std::string::npos);

  TempDir fresh;
  RunResult none = Gitcanary({"render", "--write", fresh / "new", repo.path()});
  CHECK(none.exit_code == 1);
  CHECK_FALSE(Exists(fresh / "new"));
}

TEST_CASE("render --write: a symbolic link below DIR is refused and nothing outside DIR changes") {
  TempDir repo, outside;
  WriteRepo(repo.path());
  const std::string out = repo / "out";
  std::filesystem::create_directories(out + "/apps");
  REQUIRE(symlink(outside.path().c_str(), (out + "/apps/web").c_str()) == 0);
  RunResult run = Gitcanary({"render", "--write", out, repo.path()});
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  CHECK(run.err.find("symbolic link") != std::string::npos);
  CHECK(std::filesystem::is_empty(outside.path()));
  CHECK_FALSE(Exists(out + "/apps/cache"));  // nothing of the other app either

  // A kustomization.yaml that is a link to a file outside: refused, the file untouched.
  Sh("rm " + out + "/apps/web");
  std::filesystem::create_directories(out + "/apps/web");
  WriteFile(outside / "k.yaml", "precious\n");
  REQUIRE(symlink((outside / "k.yaml").c_str(), (out + "/apps/web/kustomization.yaml").c_str()) == 0);
  RunResult linked = Gitcanary({"render", "--write", out, repo.path()});
  CHECK(linked.exit_code == 1);
  CHECK(ReadFile(outside / "k.yaml") == "precious\n");
}

TEST_CASE("lint --check-published: passes when fresh and names each stale app with the fix") {
  TempDir repo;
  WriteRepo(repo.path());
  Sh("cd " + repo.path() + " && git init -q -b main && git add -A && git -c user.name=t -c user.email=t@t commit -qm init");
  const std::string out = repo / "published";
  REQUIRE(Gitcanary({"render", "--write", out, repo.path()}).exit_code == 0);
  RunResult fresh = Gitcanary({"lint", "--check-published", out, repo.path()});
  INFO(fresh.out, fresh.err);
  CHECK(fresh.exit_code == 0);
  CHECK(fresh.out.empty());

  // web changed in its sources, cache's published file edited by hand, a new app never published.
  WriteFile(repo.path() + "/apps/web/app.yaml", std::string(kWeb) + "---\n" + kCache);
  Sh("sed -i 's/10/11/' " + out + "/apps/cache/configmap_shop_cache.yaml");
  WriteFile(repo.path() + "/apps/queue/q.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: q, namespace: shop}\n");
  RunResult stale = Gitcanary({"lint", "--check-published", out, repo.path()});
  INFO(stale.out, stale.err);
  CHECK(stale.exit_code == 1);
  CHECK(stale.out.find(out + "/apps/web: error: app apps/web: published output differs from its sources (changed "
                             "kustomization.yaml; missing configmap_shop_cache.yaml); run: gitcanary render --write " +
                       out + " [published-stale]\n") != std::string::npos);
  CHECK(stale.out.find(out + "/apps/cache: error: app apps/cache: published output differs from its sources (changed "
                             "configmap_shop_cache.yaml)") != std::string::npos);
  CHECK(stale.out.find("app apps/queue: published output differs from its sources (missing configmap_shop_q.yaml, "
                       "kustomization.yaml)") != std::string::npos);

  // An app removed from the sources leaves its published directory extra.
  REQUIRE(Gitcanary({"render", "--write", out, repo.path()}).exit_code == 0);
  Sh("rm -r " + repo.path() + "/apps/queue");
  RunResult extra = Gitcanary({"lint", "--check-published", out, repo.path()});
  CHECK(extra.exit_code == 1);
  CHECK(extra.out.find("app apps/queue: published output differs from its sources (extra configmap_shop_q.yaml, "
                       "kustomization.yaml)") != std::string::npos);

  // With --repo and --revision, DIR is read from the same commit, relative to its top.
  Sh("cd " + repo.path() + " && git add -A && git -c user.name=t -c user.email=t@t commit -qm stale");
  RunResult at_head = Gitcanary({"lint", "--check-published", "published", "--repo", repo.path()});
  CHECK(at_head.exit_code == 1);
  CHECK(at_head.out.find("published/apps/queue: error: app apps/queue") != std::string::npos);
  REQUIRE(Gitcanary({"render", "--write", out, repo.path()}).exit_code == 0);
  Sh("cd " + repo.path() + " && git add -A && git -c user.name=t -c user.email=t@t commit -qm fresh");
  CHECK(Gitcanary({"lint", "--check-published", "published", "--repo", repo.path()}).exit_code == 0);
  RunResult before = Gitcanary({"lint", "--check-published", "published", "--repo", repo.path(), "--revision", "HEAD~1"});
  CHECK(before.exit_code == 1);
  CHECK(Gitcanary({"lint", "--check-published", "../x", "--repo", repo.path()}).exit_code == 1);
}

}  // namespace
}  // namespace gitcanary::testing
