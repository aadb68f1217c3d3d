// Golden tests for the examples, and the render contract that goldens alone
// cannot show: idempotence, independence from file names and order on disk,
// JSON carrying the same objects, and rendering from a commit without checkout.
//
// A golden file is the reviewed flagger-mode render of one example; when a
// change alters it on purpose, regenerate with
//   build/gitcanary render --mode flagger examples/NAME > tests/golden/NAME.flagger.yaml
// and review the diff like any code change.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace gitcanary::testing;

namespace {

const char* const kExamples[] = {"hello-world", "podinfo", "bookinfo-reviews", "monorepo", "podinfo-ab", "podinfo-mirror",
                                  "podinfo-gatewayapi", "podinfo-gatewayapi-ab", "podinfo-linkerd-gatewayapi",
                                  "podinfo-linkerd", "podinfo-bluegreen",
                                  "podinfo-nginx", "podinfo-nginx-ab", "kurator-rollout", "flux-helmrelease/app"};

std::string Example(const std::string& name) { return SourceDir() + "/examples/" + name; }

// The golden file of an example: examples/a/b is tests/golden/a-b.flagger.yaml.
std::string Golden(std::string name) {
  std::replace(name.begin(), name.end(), '/', '-');
  return ReadFile(SourceDir() + "/tests/golden/" + name + ".flagger.yaml");
}

// Every manifest file of an example, relative to it.
std::vector<std::string> ManifestFiles(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && e.path().extension() == ".yaml" && name != "gitcanary.yaml")
      out.push_back(fs::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A YAML value converted to JSON with the same typing rules the renderer uses.
nlohmann::json ToJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = ToJson(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& item : n) j.push_back(ToJson(item));
    return j;
  }
  if (n.IsNull()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "?") {
    if (s == "true" || s == "false") return s == "true";
    try {
      std::size_t used = 0;
      long long v = std::stoll(s, &used);
      if (used == s.size()) return v;
    } catch (...) {
    }
  }
  return s;
}

}  // namespace

TEST_CASE("examples: flagger-mode render matches the reviewed golden file") {
  for (const char* name : kExamples) {
    CAPTURE(name);
    RunResult r = Gitcanary({"render", "--mode", "flagger", Example(name)});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out == Golden(name));
  }
}

TEST_CASE("examples: rendering the output again changes nothing (idempotent)") {
  for (const char* name : kExamples) {
    CAPTURE(name);
    TempDir dir;
    WriteFile(dir / "rendered.yaml", Golden(name));
    RunResult again = Gitcanary({"render", "--mode", "flagger", dir.path()});
    REQUIRE(again.exit_code == 0);
    CHECK(again.out == Golden(name));
  }
}

TEST_CASE("examples: output does not depend on file names or their order on disk") {
  for (const char* name : kExamples) {
    CAPTURE(name);
    std::vector<std::string> files = ManifestFiles(Example(name));
    TempDir scattered, single;
    // Each file under a name that sorts in reverse, and all of them in one stream, last first.
    std::string stream;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::string text = ReadFile(Example(name) + "/" + files[i]);
      WriteFile(scattered / ("z" + std::to_string(files.size() - i) + "/" + fs::path(files[i]).filename().string()), text);
      stream = text + "\n---\n" + stream;
    }
    WriteFile(single / "all.yaml", stream);
    // The config file is looked up upward from the app directory.
    std::string config = ReadFile(Example(name) + "/gitcanary.yaml");
    WriteFile(scattered / "gitcanary.yaml", config);
    WriteFile(single / "gitcanary.yaml", config);
    CHECK(Gitcanary({"render", "--mode", "flagger", scattered.path()}).out == Golden(name));
    CHECK(Gitcanary({"render", "--mode", "flagger", single.path()}).out == Golden(name));
  }
}

TEST_CASE("examples: -o json carries the same objects as the YAML stream") {
  for (const char* name : kExamples) {
    CAPTURE(name);
    RunResult r = Gitcanary({"render", "--mode", "flagger", "-o", "json", Example(name)});
    REQUIRE(r.exit_code == 0);
    nlohmann::json list = nlohmann::json::parse(r.out);
    CHECK(list["apiVersion"] == "v1");
    CHECK(list["kind"] == "List");
    std::vector<YAML::Node> docs = YAML::LoadAll(Golden(name));
    REQUIRE(list["items"].size() == docs.size());
    for (std::size_t i = 0; i < docs.size(); ++i) CHECK(list["items"][i] == ToJson(docs[i]));
  }
}

TEST_CASE("examples: render --repo --revision reads the commit, not the working tree") {
  TempDir repo;
  fs::copy(SourceDir() + "/examples", repo / "examples", fs::copy_options::recursive);
  Sh("cd " + repo.path() + " && git -c init.defaultBranch=main init -q && git add -A && "
     "git -c user.name=t -c user.email=t@example.com commit -qm examples");
  // Change the working tree after the commit: the commit's render must not see it.
  WriteFile(repo / "examples/hello-world/deployment.yaml", "not: [valid");
  for (const char* name : kExamples) {
    CAPTURE(name);
    RunResult r = Gitcanary({"render", "--mode", "flagger", "--repo", repo.path(), "--revision", "HEAD",
                             std::string("examples/") + name});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == Golden(name));
  }
  RunResult bad = Gitcanary({"render", "--mode", "flagger", "--repo", repo.path(), "--revision", "no-such-branch", "examples/podinfo"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("unknown revision 'no-such-branch'") != std::string::npos);
}

TEST_CASE("render: the app namespace comes from --namespace, then ARGOCD_APP_NAMESPACE, then default") {
  // A namespace-less Canary targets a Deployment written into namespace "web":
  // it resolves only when the app namespace is "web".
  TempDir dir;
  std::string dep = ReadFile(Example("hello-world") + "/deployment.yaml");
  dep.replace(dep.find("  name: hello-world\n"), 0, "  namespace: web\n");
  WriteFile(dir / "deployment.yaml", dep);
  WriteFile(dir / "canary.yaml", ReadFile(Example("hello-world") + "/canary.yaml"));
  RunResult by_default = Gitcanary({"render", "--mode", "flagger", dir.path()});
  CHECK(by_default.exit_code == 1);
  CHECK(by_default.err.find("not found in namespace default") != std::string::npos);
  RunResult by_env = Gitcanary({"render", "--mode", "flagger", dir.path()}, "", {{"ARGOCD_APP_NAMESPACE", "web"}});
  CHECK(by_env.exit_code == 0);
  RunResult by_flag = Gitcanary({"render", "--mode", "flagger", "-n", "web", dir.path()}, "", {{"ARGOCD_APP_NAMESPACE", "other"}});
  CHECK(by_flag.exit_code == 0);
  // Namespace-less input stays namespace-less: only the Deployment carries one.
  CHECK(by_flag.out.find("namespace: web") != std::string::npos);
  CHECK(by_flag.out.find("namespace: web") == by_flag.out.rfind("namespace: web"));
}

TEST_CASE("render: *.json manifests load like YAML ones, kind List included") {
  // hello-world with its Deployment as JSON and its Service inside a v1 List: same render.
  TempDir dir;
  for (const char* f : {"gitcanary.yaml", "canary.yaml", "ingress.yaml"})
    WriteFile(dir / f, ReadFile(Example("hello-world") + "/" + f));
  std::vector<YAML::Node> dep = YAML::LoadAll(ReadFile(Example("hello-world") + "/deployment.yaml"));
  REQUIRE(dep.size() == 1);
  nlohmann::json as_json = ToJson(dep[0]);
  WriteFile(dir / "deployment.json", as_json.dump(2));
  std::string service = ReadFile(Example("hello-world") + "/service.yaml");
  std::string indented;
  for (std::size_t start = 0; start < service.size();) {
    std::size_t end = service.find('\n', start);
    std::string line = service.substr(start, end - start);
    if (!line.empty() && line[0] != '#') indented += "  " + line + "\n";
    start = end == std::string::npos ? service.size() : end + 1;
  }
  WriteFile(dir / "list.yaml", "apiVersion: v1\nkind: List\nitems:\n- " + indented.substr(2));
  RunResult r = Gitcanary({"render", dir.path()});
  REQUIRE(r.exit_code == 0);
  // The same objects (key order follows the source, which the JSON writer above sorted).
  std::vector<YAML::Node> got = YAML::LoadAll(r.out), want = YAML::LoadAll(Golden("hello-world"));
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(ToJson(got[i]) == ToJson(want[i]));
}

TEST_CASE("render: gitcanary.yaml is found from the app directory up to the repository root, not beyond") {
  TempDir top;
  // A config above the repository must not be used; the one at the repository root must be.
  // The outer config has a "web" template too: were it read, the last render below would succeed.
  WriteFile(top / "gitcanary.yaml",
            "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ndefaults:\n  mode: flagger\ntemplates:\n  web:\n"
            "    spec:\n      service: {port: 80, targetPort: 8080}\n      analysis: {stepWeight: 10}\n");
  fs::copy(Example("monorepo"), top / "repo", fs::copy_options::recursive);
  fs::create_directory(top / "repo/.git");
  RunResult app = Gitcanary({"render", "--explain", top / "repo/apps/frontend"});
  REQUIRE_MESSAGE(app.exit_code == 0, app.err);
  CHECK(app.err.find("generated Canary shop/frontend from template \"web\"") != std::string::npos);
  CHECK(app.out.find("kind: Canary") != std::string::npos);  // flagger mode from the repository's config
  fs::remove(top / "repo/gitcanary.yaml");
  RunResult bare = Gitcanary({"render", top / "repo/apps/frontend"});
  CHECK(bare.exit_code == 1);
  CHECK(bare.err.find("no canary template \"web\"") != std::string::npos);
}
