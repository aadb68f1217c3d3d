// `gitcanary lint` end to end through the real binary: exit codes (0 for
// warnings alone, 1 for an error finding or invalid input, 2 for usage), the
// text and JSON formats, --namespace and --repo/--revision, and every example
// under examples/ linting without an error finding.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tests/test_util.h"

using gitcanary::testing::Gitcanary;
using gitcanary::testing::RunResult;
using gitcanary::testing::Sh;
using gitcanary::testing::SourceDir;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace {

constexpr const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - {name: web, image: 'web:1', ports: [{containerPort: 8080}]}
)";

// Line 9 holds ANALYSIS: the analysis fields, one per line.
constexpr const char* kCanary = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: web
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  service: {port: 80, targetPort: 8080}
  analysis:
ANALYSIS)";

constexpr const char* kClean =
    "    maxWeight: 50\n"
    "    stepWeight: 10\n"
    "    metrics: [{name: request-success-rate, thresholdRange: {min: 99}}]\n";

void WriteApp(const TempDir& dir, const std::string& analysis) {
  std::string canary = kCanary;
  canary.replace(canary.find("ANALYSIS"), 8, analysis);
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "canary.yaml", canary);
}

RunResult Lint(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"lint"};
  all.insert(all.end(), args.begin(), args.end());
  return Gitcanary(all);
}

}  // namespace

TEST_CASE("lint: a clean app exits 0 with no findings") {
  TempDir dir;
  WriteApp(dir, kClean);
  RunResult r = Lint({dir.path()});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err == "lint: 0 errors, 0 warnings\n");
}

TEST_CASE("lint: warnings alone exit 0, printed gcc-style") {
  TempDir dir;
  WriteApp(dir, "    interval: 5s\n    maxWeight: 50\n    stepWeight: 10\n");
  RunResult r = Lint({dir.path()});
  CHECK(r.exit_code == 0);
  const std::string file = dir / "canary.yaml";
  CHECK(r.out == file + ":8: warning: canary default/web: the analysis has no metrics, so a bad version is "
                        "promoted unless a webhook fails; add metrics such as request-success-rate and "
                        "request-duration [no-metrics]\n" +
                     file + ":9: warning: canary default/web: analysis.interval 5s is under Flagger's 10s floor, "
                            "where Flagger runs it every 10s anyway; set 10s or more [interval-too-short]\n");
  CHECK(r.err == "lint: 0 errors, 2 warnings\n");
}

TEST_CASE("lint: an error finding exits 1, and -n names the canary's namespace") {
  TempDir dir;
  WriteApp(dir, "    maxWeight: 30\n    stepWeight: 40\n    metrics: [{name: request-success-rate}]\n");
  RunResult r = Lint({dir.path(), "-n", "shop"});
  CHECK(r.exit_code == 1);
  CHECK(r.out == dir / "canary.yaml" + ":10: error: canary shop/web: analysis.stepWeight 40 is above maxWeight 30; "
                                       "lower it or raise maxWeight [step-over-max]\n");
  CHECK(r.err == "lint: 1 error, 0 warnings\n");
}

TEST_CASE("lint: -o json lists the findings with every field") {
  TempDir dir;
  WriteApp(dir, std::string(kClean) + "    webhooks:\n    - name: smoke\n      url: https://ci:hunter2@ci.example.com/?token=t0k\n");
  RunResult r = Lint({"-o", "json", dir.path()});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("hunter2") == std::string::npos);
  CHECK(r.out.find("t0k") == std::string::npos);
  auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["findings"].size() == 1);
  const auto& f = doc["findings"][0];
  CHECK(f["severity"] == "error");
  CHECK(f["file"] == dir / "canary.yaml");
  CHECK(f["line"] == 14);
  CHECK(f["rule"] == "webhook-credentials");
  CHECK(f["message"].get<std::string>().find("https://***@ci.example.com/?token=***") != std::string::npos);
  RunResult clean_dir = Lint({"--output=json", SourceDir() + "/examples/podinfo"});
  CHECK(clean_dir.exit_code == 0);
  CHECK(nlohmann::json::parse(clean_dir.out) == nlohmann::json::parse(R"({"findings": []})"));
}

TEST_CASE("lint: usage errors exit 2 with nothing on stdout") {
  TempDir dir;
  WriteApp(dir, kClean);
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {dir.path(), "-o", "yaml"}, {dir.path(), "--mode", "git"}, {dir.path(), dir.path()}, {dir.path(), "--revision", "HEAD"}}) {
    RunResult r = Lint(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
  }
  RunResult help = Lint({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Usage: gitcanary lint [DIR]") == 0);
}

TEST_CASE("lint: invalid input and an empty directory exit 1 like render") {
  TempDir dir;
  WriteApp(dir, "    stepWeight: ten\n");
  RunResult bad = Lint({dir.path()});
  CHECK(bad.exit_code == 1);
  CHECK(bad.out.empty());
  CHECK_MESSAGE(bad.err.find(dir / "canary.yaml" + ":9:17: spec.analysis.stepWeight") != std::string::npos, bad.err);
  TempDir empty;
  RunResult none = Lint({empty.path()});
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());
  CHECK(none.err.find("no manifests found") != std::string::npos);
}

TEST_CASE("lint: strict input errors are the ones render reports, in both modes") {
  TempDir dir;
  WriteApp(dir, "    stepWeight: 10\n    metrics:\n    - name: request-success-rate\n      thresholdRnage: {min: 99}\n");
  const std::string expected =
      dir / "canary.yaml" + ":12:7: spec.analysis.metrics[0].thresholdRnage: unknown field (did you mean thresholdRange?)\n";
  for (const char* mode : {"git", "flagger"}) {
    CAPTURE(mode);
    WriteFile(dir / "gitcanary.yaml", std::string("apiVersion: gitcanary.io/v1alpha1\nkind: Config\ndefaults:\n  mode: ") +
                                          mode + "\n");
    RunResult lint = Lint({dir.path()});
    CHECK(lint.exit_code == 1);
    CHECK(lint.out.empty());
    CHECK(lint.err.find(expected) != std::string::npos);
    RunResult render = Gitcanary({"render", dir.path()});
    CHECK(render.exit_code == 1);
    CHECK(render.err.find(expected) != std::string::npos);
  }
}

TEST_CASE("lint: --repo --revision reads the commit, not the working tree") {
  TempDir repo;
  WriteApp(repo, "    maxWeight: 30\n    stepWeight: 40\n    metrics: [{name: request-success-rate}]\n");
  Sh("cd " + repo.path() + " && git -c init.defaultBranch=main init -q && git add -A && "
     "git -c user.name=t -c user.email=t@example.com commit -qm app");
  WriteApp(repo, kClean);  // the working tree is clean, the commit is not
  RunResult r = Lint({"--repo", repo.path(), "--revision", "main", "."});
  CHECK(r.exit_code == 1);
  CHECK(r.out == "main:canary.yaml:10: error: canary default/web: analysis.stepWeight 40 is above maxWeight 30; "
                 "lower it or raise maxWeight [step-over-max]\n");
  CHECK(Lint({repo.path()}).exit_code == 0);
}

TEST_CASE("lint: every example lints without an error finding") {
  for (const char* name : {"hello-world", "podinfo", "podinfo-ab", "podinfo-mirror", "podinfo-nginx", "podinfo-nginx-ab", "bookinfo-reviews", "monorepo",
                           "podinfo-gatewayapi", "podinfo-gatewayapi-ab", "podinfo-linkerd-gatewayapi",
                           "monorepo/apps/catalog", "monorepo/apps/checkout", "monorepo/apps/frontend"}) {
    CAPTURE(name);
    RunResult r = Lint({"-o", "json", SourceDir() + "/examples/" + name});
    CHECK(r.exit_code == 0);
    auto doc = nlohmann::json::parse(r.out);
    for (const auto& f : doc["findings"]) CHECK_MESSAGE(f["severity"] != "error", f.dump());
    CHECK(doc["findings"].empty());  // today they are all clean
  }
}
