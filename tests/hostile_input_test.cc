// Hostile input through every entry point that reads manifests, beyond what
// render's own bad-input tests cover: paths and symlinks out of the app
// directory in generate, krm and diff; NUL bytes, deep nesting, alias bombs,
// huge documents and bad UTF-8 through the stream commands. Each must fail
// with a clear one-line error, print nothing on stdout, never read or write
// outside the app, and stay fast.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::RunResult;
using testing::Sh;
using testing::TempDir;
using testing::WriteFile;

const char kDeployment[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: test\nspec:\n  selector:\n"
    "    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n"
    "      containers:\n        - name: web\n          image: ghcr.io/example/web:1.0.0\n";

// Text that only a file outside the app holds: it must never reach any output.
const char kOutsideMarker[] = "outside-the-app-5c1d";

const char kOutside[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside-the-app-5c1d\n  namespace: test\n";

RunResult GenerateIn(const std::string& dir) {
  return testing::Run({"/bin/sh", "-c", "cd '" + dir + "' && exec '" GITCANARY_BINARY "' generate"}, "",
                      {{"ARGOCD_APP_NAME", "web"}, {"ARGOCD_APP_NAMESPACE", "test"}});
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A stream command's failure: exit 1, nothing on stdout, one line naming `what`.
void ExpectStreamError(const RunResult& r, const std::string& what) {
  CAPTURE(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(what) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

// A ConfigMap whose data expands to 9^9 nodes, its lines indented by `indent`
// and the first one prefixed with `first` ("- " for a ResourceList item).
std::string AliasBomb(const std::string& first = "", const std::string& indent = "") {
  std::string bomb = first + "apiVersion: v1\n" + indent + "kind: ConfigMap\n" + indent + "metadata:\n" + indent +
                     "  name: lol\n" + indent + "data:\n" + indent + "  a: &a [x,x,x,x,x,x,x,x,x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    bomb += indent + "  " + c + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + static_cast<char>(c - 1);
    bomb += "]\n";
  }
  return bomb;
}

std::string ResourceList(const std::string& items) {
  return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + items;
}

}  // namespace

TEST_CASE("generate: a symlink out of the app directory is refused and its target never printed") {
  TempDir dir;
  WriteFile(dir / "outside.yaml", kOutside);
  WriteFile(dir / "app/deployment.yaml", kDeployment);
  std::filesystem::create_symlink("../outside.yaml", dir / "app/linked.yaml");
  RunResult r = GenerateIn(dir / "app");
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("symlink points outside the app directory") != std::string::npos);
  CHECK(r.err.find(kOutsideMarker) == std::string::npos);
}

TEST_CASE("generate: a symlink to an absolute path is refused") {
  TempDir dir;
  WriteFile(dir / "app/deployment.yaml", kDeployment);
  std::filesystem::create_symlink("/etc", dir / "app/etc");
  RunResult r = GenerateIn(dir / "app");
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("symlink points outside the app directory") != std::string::npos);
}

TEST_CASE("diff: a committed symlink out of the app is an error for that app, and its target is never shown") {
  TempDir dir;
  const std::string repo = dir / "repo";
  WriteFile(repo + "/outside.yaml", kOutside);
  WriteFile(repo + "/apps/web/deployment.yaml", kDeployment);
  Sh("cd " + repo + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  std::filesystem::create_symlink("../../outside.yaml", repo + "/apps/web/linked.yaml");
  Sh("cd " + repo + " && git add -A && git -c user.name=t -c user.email=t@e commit -qm link");
  for (const char* format : {"markdown", "unified", "json"}) {
    CAPTURE(format);
    RunResult r = testing::Gitcanary({"diff", "--repo", repo, "--base", "HEAD~1", "--head", "HEAD", "--format",
                                      format, "apps/web"});
    CHECK(r.exit_code == 2);
    CHECK((r.out + r.err).find("symlink") != std::string::npos);
    CHECK(r.out.find(kOutsideMarker) == std::string::npos);
    CHECK(r.err.find(kOutsideMarker) == std::string::npos);
  }
}

TEST_CASE("diff: a PATH out of the repository is a usage error") {
  TempDir dir;
  const std::string repo = dir / "repo";
  WriteFile(repo + "/apps/web/deployment.yaml", kDeployment);
  Sh("cd " + repo + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  for (const char* path : {"../outside", "apps/../../outside", "/etc"}) {
    CAPTURE(path);
    RunResult r = testing::Gitcanary({"diff", "--repo", repo, "--base", "HEAD", "--head", "HEAD", path});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(path) != std::string::npos);
  }
}

TEST_CASE("krm: item paths are data: a path out of the package is neither read nor written") {
  TempDir dir;
  const std::string escape = "../krm-escape-7e2b.yaml";
  std::string deployment = kDeployment;
  deployment.replace(deployment.find("  namespace: test\n"), 0,
                     "  annotations:\n    config.kubernetes.io/path: '" + escape + "'\n");
  std::string item;
  for (std::size_t start = 0; start < deployment.size();) {
    const std::size_t end = deployment.find('\n', start);
    item += (start == 0 ? "- " : "  ") + deployment.substr(start, end - start) + "\n";
    start = end + 1;
  }
  std::filesystem::create_directories(dir / "pkg");
  RunResult r = testing::Run({"/bin/sh", "-c", "cd '" + (dir / "pkg") + "' && exec '" GITCANARY_BINARY "' krm"},
                             ResourceList(item));
  CAPTURE(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("config.kubernetes.io/path: ") != std::string::npos);
  CHECK(r.out.find(escape) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "krm-escape-7e2b.yaml"));
}

TEST_CASE("render: a NUL byte is reported at its position") {
  TempDir dir;
  const std::string deployment = kDeployment;
  const std::size_t at = deployment.find("web:1.0.0");
  WriteFile(dir / "deployment.yaml", deployment.substr(0, at) + '\0' + deployment.substr(at));
  RunResult r = testing::Gitcanary({"render", dir.path()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("deployment.yaml:17:") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("post-render: NUL bytes, bad UTF-8, deep nesting and alias bombs on stdin are refused quickly") {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {std::string(kDeployment) + "  x: \"a\0b\"\n", "stdin"},
      {std::string(kDeployment) + "---\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n", "UTF-8"},
      {std::string(100000, '['), "nested too deeply"},
      {AliasBomb(), "(alias expansion?)"},
  };
  for (const auto& [input, what] : inputs) {
    CAPTURE(what);
    const auto start = std::chrono::steady_clock::now();
    ExpectStreamError(testing::Gitcanary({"post-render"}, input), what);
    CHECK(Seconds(start) < 5.0);
  }
}

TEST_CASE("krm: bad UTF-8, deep nesting and an alias bomb become an error result, quickly") {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {ResourceList("- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: \"\xc3\x28\"\n"), "UTF-8"},
      {ResourceList("- " + std::string(5000, '[')), "nested too deeply"},
      {ResourceList(AliasBomb("- ", "  ")), "(alias expansion?)"},
  };
  for (const auto& [input, what] : inputs) {
    CAPTURE(what);
    const auto start = std::chrono::steady_clock::now();
    RunResult r = testing::Gitcanary({"krm"}, input);
    CHECK(Seconds(start) < 5.0);
    CHECK(r.exit_code == 1);
    CHECK((r.out + r.err).find(what) != std::string::npos);
  }
}

TEST_CASE("post-render: a stream of alias bombs, each under the document limit, is refused") {
  std::string doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x]\n";
  for (char c = 'b'; c <= 'e'; ++c) {
    doc += std::string("  ") + c + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) doc += std::string(i ? "," : "") + "*" + static_cast<char>(c - 1);
    doc += "]\n";
  }
  doc += "  f: [*e, *e]\n";
  std::string stream;
  for (int i = 0; i < 20; ++i) stream += "---\n" + doc;
  const auto start = std::chrono::steady_clock::now();
  ExpectStreamError(testing::Gitcanary({"post-render"}, stream), "too many nodes from aliases");
  CHECK(Seconds(start) < 10.0);
}

TEST_CASE("generate: a huge document is refused unread") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "big.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: \"" +
                                  std::string(9 * 1024 * 1024, 'x') + "\"\n");
  RunResult r = GenerateIn(dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("big.yaml") != std::string::npos);
  CHECK(r.err.find("over the limit of 8388608") != std::string::npos);
}

}  // namespace gitcanary
