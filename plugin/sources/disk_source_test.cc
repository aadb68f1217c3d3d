// Tests for DiskSource, FindRepoRoot, ParentDir and PathBelow on real
// directories created under a fresh mkdtemp directory.
#include "plugin/sources/disk_source.h"
#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace gitcanary::plugin {
namespace {

using gitcanary::testing::TempDir;


void Link(const std::string& target, const std::string& path) {
  REQUIRE(symlink(target.c_str(), path.c_str()) == 0);
}

using gitcanary::testing::Find;
using gitcanary::testing::Names;

}  // namespace

TEST_CASE("DiskSource lists files, directories and symlinks with their link text") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "app/deployment.yaml", "kind: Deployment\n");
  gitcanary::testing::WriteFile(tmp / "app/overlays/prod/patch.yaml", "replicas: 3\n");
  Link("deployment.yaml", tmp / "app/alias.yaml");
  Link("../../nowhere", tmp / "app/dangling");
  DiskSource src(tmp / "app");

  auto entries = src.List("");
  REQUIRE(entries.ok());
  CHECK(Names(*entries) == std::vector<std::string>{"alias.yaml", "dangling", "deployment.yaml",
                                                     "overlays"});
  CHECK(Find(*entries, "deployment.yaml")->type == EntryType::kFile);
  CHECK(Find(*entries, "overlays")->type == EntryType::kDirectory);
  CHECK(Find(*entries, "alias.yaml")->type == EntryType::kSymlink);
  CHECK(Find(*entries, "alias.yaml")->link_target == "deployment.yaml");
  CHECK(Find(*entries, "dangling")->type == EntryType::kSymlink);
  CHECK(Find(*entries, "dangling")->link_target == "../../nowhere");
  CHECK(Find(*entries, "deployment.yaml")->link_target.empty());
}

TEST_CASE("DiskSource reads whole file contents and sizes, including binary and empty files") {
  TempDir tmp;
  const std::string binary("a\0b\nc", 5);
  gitcanary::testing::WriteFile(tmp / "bin.dat", binary);
  gitcanary::testing::WriteFile(tmp / "empty.yaml", "");
  gitcanary::testing::WriteFile(tmp / "text.yaml", "name: demo\n");
  DiskSource src(tmp.path());

  auto text = src.Read("text.yaml");
  REQUIRE(text.ok());
  CHECK(*text == "name: demo\n");
  auto bin = src.Read("bin.dat");
  REQUIRE(bin.ok());
  CHECK(*bin == binary);
  auto empty = src.Read("empty.yaml");
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  CHECK(src.Read("bin.dat", 5).ok());
  auto over = src.Read("bin.dat", 4);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message().find("bin.dat: file is 5 bytes, over the limit of 4") != std::string::npos);
  CHECK(src.TypeOf("text.yaml") == EntryType::kFile);
}

TEST_CASE("DiskSource lists and reads nested directories by relative path") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "a/b/c/deep.yaml", "deep: true\n");
  gitcanary::testing::WriteFile(tmp / "a/top.yaml", "top: true\n");
  DiskSource src(tmp.path());

  auto level = src.List("a/b");
  REQUIRE(level.ok());
  CHECK(Names(*level) == std::vector<std::string>{"c"});
  CHECK(src.TypeOf("a/b/c") == EntryType::kDirectory);
  CHECK(src.TypeOf("") == EntryType::kDirectory);
  auto deep = src.Read("a/b/c/deep.yaml");
  REQUIRE(deep.ok());
  CHECK(*deep == "deep: true\n");
}

TEST_CASE("DiskSource never follows a final symlink in TypeOf, Read or List") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "real/file.yaml", "x: 1\n");
  Link("real", tmp / "dirlink");
  Link("real/file.yaml", tmp / "filelink");
  DiskSource src(tmp.path());

  CHECK(src.TypeOf("dirlink") == EntryType::kSymlink);
  CHECK(src.TypeOf("filelink") == EntryType::kSymlink);
  auto read = src.Read("filelink");
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().message() == tmp / "filelink" + ": is a symbolic link (not followed)");
  auto list = src.List("dirlink");
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().message() == tmp / "dirlink" + ": is a symbolic link (not followed)");
}

TEST_CASE("DiskSource reports missing paths and wrong types as errors") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "dir/file.yaml", "x: 1\n");
  REQUIRE(mkfifo((tmp / "fifo").c_str(), 0600) == 0);
  DiskSource src(tmp.path());

  CHECK(src.TypeOf("missing.yaml") == EntryType::kOther);
  CHECK(src.TypeOf("fifo") == EntryType::kOther);
  auto missing = src.Read("missing.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kIo);
  CHECK(missing.status().message().find(tmp / "missing.yaml") != std::string::npos);
  auto list_file = src.List("dir/file.yaml");
  REQUIRE_FALSE(list_file.ok());
  CHECK(list_file.status().message() == tmp / "dir/file.yaml" + ": not a directory");
  auto read_dir = src.Read("dir");
  REQUIRE_FALSE(read_dir.ok());
  CHECK(read_dir.status().message() == tmp / "dir" + ": not a regular file");
  CHECK_FALSE(src.Read("fifo").ok());  // and does not block on the pipe
  CHECK_FALSE(src.List("missing").ok());
}

TEST_CASE("DiskSource describes paths joined onto its root as the user typed it") {
  CHECK(DiskSource(".").Describe("a/b.yaml") == "a/b.yaml");
  CHECK(DiskSource(".").Describe("") == ".");
  CHECK(DiskSource("examples/x").Describe("deployment.yaml") == "examples/x/deployment.yaml");
  CHECK(DiskSource("examples/x/").Describe("deployment.yaml") == "examples/x/deployment.yaml");
  CHECK(DiskSource("examples/x").Describe("") == "examples/x");
  CHECK(DiskSource("/srv/repo").Describe("apps/a.yaml") == "/srv/repo/apps/a.yaml");
  CHECK(DiskSource("/").Describe("etc/x") == "/etc/x");
  CHECK(DiskSource("").Describe("a.yaml") == "a.yaml");
}

TEST_CASE("ParentDir walks up lexically past the current directory, as repo root lookup needs") {
  CHECK(ParentDir("a/b") == "a");
  CHECK(ParentDir("a/b/") == "a");
  CHECK(ParentDir("a") == ".");
  CHECK(ParentDir(".") == "..");
  CHECK(ParentDir("") == "..");
  CHECK(ParentDir("..") == "../..");
  CHECK(ParentDir("../x") == "..");
  CHECK(ParentDir("./a/./b") == "a");
  CHECK(ParentDir("/a/b") == "/a");
  CHECK(ParentDir("/a") == "/");
  CHECK(ParentDir("/") == "/");
}

TEST_CASE("FindRepoRoot returns the directory itself or the nearest ancestor holding .git") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "repo/apps/a/deployment.yaml", "x: 1\n");
  REQUIRE(mkdir((tmp / "repo/.git").c_str(), 0700) == 0);
  gitcanary::testing::WriteFile(tmp / "repo/apps/sub/.git", "gitdir: ../../.git/modules/sub\n");  // a .git file

  auto from_app = FindRepoRoot(tmp / "repo/apps/a");
  REQUIRE(from_app.ok());
  CHECK(*from_app == tmp / "repo");
  auto from_root = FindRepoRoot(tmp / "repo");
  REQUIRE(from_root.ok());
  CHECK(*from_root == tmp / "repo");
  auto from_submodule = FindRepoRoot(tmp / "repo/apps/sub/");
  REQUIRE(from_submodule.ok());
  CHECK(*from_submodule == tmp / "repo/apps/sub");
}

TEST_CASE("FindRepoRoot returns an empty string outside any repository") {
  TempDir tmp;  // /tmp and / hold no .git
  REQUIRE(mkdir((tmp / "plain").c_str(), 0700) == 0);
  auto root = FindRepoRoot(tmp / "plain");
  REQUIRE(root.ok());
  CHECK(*root == "");
}

TEST_CASE("FindRepoRoot fails for a directory that does not exist") {
  TempDir tmp;
  auto root = FindRepoRoot(tmp / "missing");
  REQUIRE_FALSE(root.ok());
  CHECK(root.status().message().find(tmp / "missing") != std::string::npos);
}

TEST_CASE("PathBelow gives the path of a directory inside a repository root") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "repo/apps/a/x.yaml", "x: 1\n");
  REQUIRE(mkdir((tmp / "other").c_str(), 0700) == 0);

  auto below = PathBelow(tmp / "repo", tmp / "repo/apps/./a/");
  REQUIRE(below.ok());
  CHECK(*below == "apps/a");
  auto same = PathBelow(tmp / "repo", tmp / "repo/apps/..");
  REQUIRE(same.ok());
  CHECK(*same == "");
  CHECK_FALSE(PathBelow(tmp / "repo", tmp / "other").ok());
  CHECK_FALSE(PathBelow(tmp / "repo", tmp / "repository-missing").ok());
}

}  // namespace gitcanary::plugin
