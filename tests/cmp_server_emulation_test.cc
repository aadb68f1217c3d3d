// The Argo CD stand-in of tests/cmp_server_emulation.h checked against the
// behaviour argo-cd documents in its own code and tests: the tarball root
// with manifest-generate-paths (reposerver/repository/utils_test.go
// TestGetCommonRootPath's table), the extraction (util/io/files/tar.go), and
// the output splitter (kube.SplitYAMLToString).

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/cmp_server_emulation.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
using namespace gitcanary::testing::argocd;

TEST_CASE("cmp emulation: the tarball root is the common root of the app and manifest-generate-paths") {
  const std::string repo = "/tmp/_argocd-repo/7a58c52a-0030-4fd9-8cc5-35b2d8b4e731";
  struct Row {
    const char* annotation;
    const char* app;   // below repo
    const char* root;  // below repo
  };
  const Row rows[] = {
      {".", "services/helloworld", "services/helloworld"},
      {"../../overlays;.", "services/helloworld", ""},
      {"/services;.", "services/helloworld", "services"},
      {"../../;..;.", "services/team/helloworld", "services"},
      {"", "services/helloworld", ""},
      {"./manifests", "services/team/helloworld", "services/team/helloworld"},
      {"/services/shared/*-secret.yaml", "services/helloworld", "services"},
      {"../*", "services/helloworld", "services"},
      {"//services/shared/*-secret.yaml", "services/helloworld", "services"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.annotation);
    const std::string root = std::string(row.root).empty() ? repo : repo + "/" + row.root;
    CHECK(ApplicationRootPath(repo, repo + "/" + row.app, row.annotation) == root);
  }
}

TEST_CASE("cmp emulation: extraction sets 0644 and 0755, and writes symlinks relative, refusing ones out of the root") {
  TempDir dir;
  WriteFile(dir / "repo/apps/shared/cm.yaml", "kind: ConfigMap\n");
  WriteFile(dir / "repo/bin/run.sh", "#!/bin/sh\n");
  chmod((dir / "repo/bin/run.sh").c_str(), 0750);
  std::filesystem::create_directory_symlink("shared", dir / "repo/apps/podinfo");
  auto tar = Tgz(dir / "repo", {});
  REQUIRE(tar.ok());
  std::vector<std::string> names;
  for (const TarEntry& e : *tar) names.push_back(e.name);
  // filepath.Walk order; the symlinked directory is one entry, not followed.
  CHECK(names == std::vector<std::string>{".", "apps", "apps/podinfo", "apps/shared", "apps/shared/cm.yaml", "bin",
                                          "bin/run.sh"});
  for (bool preserve : {false, true}) {
    CAPTURE(preserve);
    TempDir out;
    const std::string root = std::filesystem::canonical(out.path()).string() + "/x";
    REQUIRE(Untgz(root, *tar, preserve).ok());
    struct stat st;
    REQUIRE(stat((root + "/bin/run.sh").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (preserve ? 0750u : 0644u));
    CHECK(std::filesystem::read_symlink(root + "/apps/podinfo") == "shared");
    CHECK(std::filesystem::exists(root + "/apps/podinfo/cm.yaml"));
  }
  // A symlink out of the root (which the repo-server would refuse before) is refused here too.
  std::vector<TarEntry> hostile = {{TarEntry::Type::kSymlink, "etc", 0777, "../../../../etc", ""}};
  TempDir out;
  gitcanary::Status refused = Untgz(std::filesystem::canonical(out.path()).string(), hostile, false);
  CHECK(refused.message().find("illegal filepath in symlink") != std::string::npos);
}

TEST_CASE("cmp emulation: the output splitter drops null documents and wants a kind in every other one") {
  auto two = SplitYamlToString("# head\n---\napiVersion: v1\nkind: A\n--- # c\n---\n# only\n---\nkind: B\n");
  REQUIRE(two.ok());
  CHECK(*two == std::vector<std::string>{"apiVersion: v1\nkind: A", "kind: B"});
  auto none = SplitYamlToString("");
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK_FALSE(SplitYamlToString("---\nmetadata: {}\n").ok());
  CHECK_FALSE(SplitYamlToString("kind: A\n--- x\n").ok());
}
