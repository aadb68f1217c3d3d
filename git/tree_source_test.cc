// Tests for git::TreeSource on real repositories built with the git CLI under
// a fresh mkdtemp directory, including agreement with plugin::DiskSource.
#include "git/tree_source.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "plugin/sources/disk_source.h"
#include "tests/test_util.h"

namespace gitcanary::git {
namespace {

using gitcanary::testing::TempDir;

// `git ARGS` run in `dir` with a fixed identity and no user or system config.
std::string GitCommand(const std::string& dir, const std::string& args) {
  return "cd '" + dir +
         "' && GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com"
         " GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com"
         " GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1"
         " git -c init.defaultBranch=main -c commit.gpgsign=false -c tag.gpgsign=false"
         " -c core.symlinks=true " +
         args;
}

void Git(const std::string& dir, const std::string& args) {
  const std::string cmd = GitCommand(dir, args) + " >/dev/null 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
}

// Standard output of `git ARGS` without the final newline.
std::string GitOut(const std::string& dir, const std::string& args) {
  std::FILE* pipe = popen(GitCommand(dir, args).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[256];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  REQUIRE(pclose(pipe) == 0);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void Write(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// A work tree at TMP/work with two commits on main:
//   1 (branch `old`): apps/a/deployment.yaml "replicas: 1\n", README "v1\n"
//   2 (tag v2, annotated): replicas 2, nested dirs, a symlink, an executable,
//     a top-level gitcanary.yaml and a submodule entry `vendor/sub`.
struct FixtureRepo {
  TempDir tmp;
  std::string work = tmp / "work";
  std::string first_sha;

  FixtureRepo() {
    Git(tmp / "", "init -q work");
    Write(work + "/apps/a/deployment.yaml", "replicas: 1\n");
    Write(work + "/README", "v1\n");
    Git(work, "add -A");
    Git(work, "commit -q -m first");
    first_sha = GitOut(work, "rev-parse HEAD");
    Git(work, "branch old");
    Write(work + "/apps/a/deployment.yaml", "replicas: 2\n");
    Write(work + "/apps/a/overlays/prod/patch.yaml", "replicas: 5\n");
    Write(work + "/apps/a/run.sh", "#!/bin/sh\necho hi\n");
    REQUIRE(chmod((work + "/apps/a/run.sh").c_str(), 0755) == 0);
    REQUIRE(symlink("deployment.yaml", (work + "/apps/a/alias.yaml").c_str()) == 0);
    Write(work + "/gitcanary.yaml", "canary: true\n");
    Git(work, "add -A");
    Git(work, "update-index --add --cacheinfo 160000," + first_sha + ",vendor/sub");
    Git(work, "commit -q -m second");
    Git(work, "tag -a v2 -m v2");
  }
};

std::unique_ptr<TreeSource> MustOpen(const std::string& repo, const std::string& rev,
                                     const std::string& subdir = "") {
  auto src = TreeSource::OpenTree(repo, rev, subdir);
  INFO(src.status().message());
  REQUIRE(src.ok());
  return std::move(src).value();
}

std::string MustRead(const FileSource& src, const std::string& path) {
  auto text = src.Read(path);
  INFO(text.status().message());
  REQUIRE(text.ok());
  return *text;
}

using gitcanary::testing::Find;
using gitcanary::testing::Names;

// "type name -> target" lines for every entry below `dir`, recursively, and
// "name: contents" for every regular file.
void Walk(const FileSource& src, const std::string& dir, std::vector<std::string>& out) {
  auto entries = src.List(dir);
  REQUIRE(entries.ok());
  for (const DirEntry& e : *entries) {
    const std::string path = dir.empty() ? e.name : dir + "/" + e.name;
    out.push_back(std::to_string(static_cast<int>(e.type)) + " " + path + " -> " + e.link_target);
    if (e.type == EntryType::kDirectory) Walk(src, path, out);
    if (e.type == EntryType::kFile) out.push_back(path + ": " + MustRead(src, path));
  }
}

}  // namespace

TEST_CASE("TreeSource lists a commit's top-level tree with the type of each entry") {
  FixtureRepo repo;
  auto src = MustOpen(repo.work, "main");
  auto entries = src->List("");
  REQUIRE(entries.ok());
  CHECK(Names(*entries) == std::vector<std::string>{"README", "apps", "gitcanary.yaml", "vendor"});
  CHECK(Find(*entries, "README")->type == EntryType::kFile);
  CHECK(Find(*entries, "apps")->type == EntryType::kDirectory);
  CHECK(src->TypeOf("") == EntryType::kDirectory);
  CHECK(src->TypeOf("vendor/sub") == EntryType::kOther);  // a submodule
  auto vendor = src->List("vendor");
  REQUIRE(vendor.ok());
  REQUIRE(vendor->size() == 1);
  CHECK((*vendor)[0].type == EntryType::kOther);
}

TEST_CASE("TreeSource reads committed file contents and sizes without a checkout") {
  FixtureRepo repo;
  Write(repo.work + "/apps/a/deployment.yaml", "uncommitted: edit\n");
  auto src = MustOpen(repo.work, "main");
  CHECK(MustRead(*src, "apps/a/deployment.yaml") == "replicas: 2\n");
  CHECK(MustRead(*src, "gitcanary.yaml") == "canary: true\n");
  CHECK(MustRead(*src, "apps/a/run.sh") == "#!/bin/sh\necho hi\n");
  CHECK(src->TypeOf("apps/a/run.sh") == EntryType::kFile);
  const std::size_t size = std::string("replicas: 2\n").size();
  CHECK(src->Read("apps/a/deployment.yaml", size).ok());
  auto over = src->Read("apps/a/deployment.yaml", size - 1);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message().find("main:apps/a/deployment.yaml: file is 12 bytes, over the limit of 11") != std::string::npos);
}

TEST_CASE("TreeSource lists and reads nested directories") {
  FixtureRepo repo;
  auto src = MustOpen(repo.work, "HEAD");
  auto overlays = src->List("apps/a/overlays");
  REQUIRE(overlays.ok());
  CHECK(Names(*overlays) == std::vector<std::string>{"prod"});
  CHECK((*overlays)[0].type == EntryType::kDirectory);
  CHECK(MustRead(*src, "apps/a/overlays/prod/patch.yaml") == "replicas: 5\n");
  CHECK(MustRead(*src, "./apps//a/overlays/prod/patch.yaml") == "replicas: 5\n");
}

TEST_CASE("TreeSource reports symlinks with the blob text as target and does not follow them") {
  FixtureRepo repo;
  auto src = MustOpen(repo.work, "main");
  auto entries = src->List("apps/a");
  REQUIRE(entries.ok());
  const DirEntry* alias = Find(*entries, "alias.yaml");
  REQUIRE(alias != nullptr);
  CHECK(alias->type == EntryType::kSymlink);
  CHECK(alias->link_target == "deployment.yaml");
  CHECK(src->TypeOf("apps/a/alias.yaml") == EntryType::kSymlink);
  auto read = src->Read("apps/a/alias.yaml");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message() == "main:apps/a/alias.yaml: is a symbolic link (not followed)");
}

TEST_CASE("TreeSource resolves a branch, an annotated tag, full and short SHAs and HEAD~1") {
  FixtureRepo repo;
  const std::string path = "apps/a/deployment.yaml";
  CHECK(MustRead(*MustOpen(repo.work, "main"), path) == "replicas: 2\n");
  CHECK(MustRead(*MustOpen(repo.work, "old"), path) == "replicas: 1\n");
  CHECK(MustRead(*MustOpen(repo.work, "v2"), path) == "replicas: 2\n");
  CHECK(MustRead(*MustOpen(repo.work, repo.first_sha), path) == "replicas: 1\n");
  CHECK(MustRead(*MustOpen(repo.work, repo.first_sha.substr(0, 8)), path) == "replicas: 1\n");
  auto older = MustOpen(repo.work, "HEAD~1");
  CHECK(MustRead(*older, path) == "replicas: 1\n");
  CHECK(older->TypeOf("gitcanary.yaml") == EntryType::kOther);  // added later
  CHECK(older->Describe(path) == "HEAD~1:apps/a/deployment.yaml");
}

TEST_CASE("TreeSource opens a bare repository and a work tree's .git directory") {
  FixtureRepo repo;
  Git(repo.tmp / "", "clone -q --bare work bare.git");
  auto bare = MustOpen(repo.tmp / "bare.git", "v2", "apps/a");
  CHECK(MustRead(*bare, "deployment.yaml") == "replicas: 2\n");
  auto old = MustOpen(repo.tmp / "bare.git", "old");
  CHECK(MustRead(*old, "README") == "v1\n");
  auto dotgit = MustOpen(repo.work + "/.git", "HEAD~1");
  CHECK(MustRead(*dotgit, "apps/a/deployment.yaml") == "replicas: 1\n");
}

TEST_CASE("TreeSource with a subdir root serves paths relative to it and describes full paths") {
  FixtureRepo repo;
  auto opened = TreeSource::Open(repo.work, "HEAD~1", "apps/a/");
  REQUIRE(opened.ok());
  const FileSource& src = **opened;
  auto entries = src.List("");
  REQUIRE(entries.ok());
  CHECK(Names(*entries) == std::vector<std::string>{"deployment.yaml"});
  CHECK(MustRead(src, "deployment.yaml") == "replicas: 1\n");
  CHECK(src.Describe("deployment.yaml") == "HEAD~1:apps/a/deployment.yaml");
  CHECK(src.TypeOf("README") == EntryType::kOther);    // above the root: not visible
  CHECK(src.TypeOf("../README") == EntryType::kOther);  // and ".." does not escape
}

TEST_CASE("TreeSource AtRoot reaches config files above the subdir root of the same commit") {
  FixtureRepo repo;
  auto app = MustOpen(repo.work, "main", "apps/a");
  CHECK(app->RootPrefix() == "apps/a");
  CHECK(app->Revision() == "main");
  auto whole = app->AtRoot("");
  REQUIRE(whole.ok());
  CHECK((*whole)->RootPrefix() == "");
  CHECK(MustRead(**whole, "gitcanary.yaml") == "canary: true\n");
  CHECK(MustRead(**whole, app->RootPrefix() + "/deployment.yaml") == "replicas: 2\n");
  CHECK((*whole)->Describe("gitcanary.yaml") == "main:gitcanary.yaml");
  auto apps = app->AtRoot("apps");
  REQUIRE(apps.ok());
  CHECK(MustRead(**apps, "a/deployment.yaml") == "replicas: 2\n");
  app.reset();  // the shared repository outlives the source it came from
  CHECK(MustRead(**apps, "a/overlays/prod/patch.yaml") == "replicas: 5\n");
}

TEST_CASE("TreeSource reports a missing or non-directory subdir by name") {
  FixtureRepo repo;
  auto missing = TreeSource::Open(repo.work, "main", "apps/nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kInvalidInput);
  CHECK(missing.status().message() ==
        "no directory 'apps/nope' in revision 'main' of " + repo.work);
  auto file = TreeSource::Open(repo.work, "main", "README");
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().message().find("'README'") != std::string::npos);
}

TEST_CASE("TreeSource reports an unknown revision and a path that is not a repository") {
  FixtureRepo repo;
  auto unknown = TreeSource::Open(repo.work, "no-such-branch", "");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kInvalidInput);
  CHECK(unknown.status().message() == "unknown revision 'no-such-branch' in " + repo.work);
  CHECK_FALSE(TreeSource::Open(repo.work, "HEAD~5", "").ok());
  auto blob = TreeSource::Open(repo.work, "HEAD:README", "");
  REQUIRE_FALSE(blob.ok());
  CHECK(blob.status().message().find("does not name a commit") != std::string::npos);
  const std::string plain = repo.tmp / "plain";
  std::filesystem::create_directories(plain);
  auto not_repo = TreeSource::Open(plain, "HEAD", "");
  REQUIRE_FALSE(not_repo.ok());
  CHECK(not_repo.status().code() == Code::kInvalidInput);
  CHECK(not_repo.status().message().find("not a git repository: " + plain) == 0);
}

TEST_CASE("TreeSource reports missing paths and wrong types as errors naming REV:path") {
  FixtureRepo repo;
  auto src = MustOpen(repo.work, "main");
  CHECK(src->TypeOf("apps/missing.yaml") == EntryType::kOther);
  CHECK(src->TypeOf("README/below") == EntryType::kOther);
  auto missing = src->Read("apps/missing.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "main:apps/missing.yaml: no such file");
  auto dir = src->Read("apps");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().message() == "main:apps: not a regular file");
  auto list_file = src->List("README");
  REQUIRE_FALSE(list_file.ok());
  CHECK(list_file.status().message() == "main:README: not a directory");
  CHECK_FALSE(src->List("nope").ok());
}

TEST_CASE("DiskSource and TreeSource give the same List and Read results for a checkout") {
  FixtureRepo repo;
  auto tree = MustOpen(repo.work, "HEAD", "apps");
  plugin::DiskSource disk(repo.work + "/apps");
  std::vector<std::string> from_tree;
  std::vector<std::string> from_disk;
  Walk(*tree, "", from_tree);
  Walk(disk, "", from_disk);
  CHECK(from_tree.size() > 6);
  CHECK(from_tree == from_disk);
  for (const char* path : {"a/alias.yaml", "a/overlays", "a/run.sh", "a/nope"}) {
    CHECK(tree->TypeOf(path) == disk.TypeOf(path));
  }
}

}  // namespace gitcanary::git
