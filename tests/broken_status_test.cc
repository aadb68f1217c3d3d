// A status of record broken by a person's commit (`canaryWeight: 150`):
// `history` shows that commit as an error row, `status` and the operator
// commands name it with the exact `git revert` line, and running that line
// brings the canary back.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

const char kStatusPath[] = "apps/podinfo/podinfo.gitcanary-status.yaml";

// canaryWeight is on line 8 of this document, its value at column 17.
std::string StatusDoc(const std::string& phase, const std::string& weight) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "status:\n  phase: " + phase + "\n  canaryWeight: " + weight +
         "\n  failedChecks: 0\n  iterations: 0\n  lastTransitionTime: \"2026-12-01T10:00:00Z\"\n"
         "  promoted:\n    template:\n      metadata:\n        labels: {app: podinfo}\n      spec:\n"
         "        containers:\n          - name: app\n            image: ghcr.io/example/podinfo:1.0.0\n";
}

std::string Head(const GitopsRemote& repo) {
  return testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"}).out.substr(0, 40);
}

RunResult Cli(const GitopsRemote& repo, const TempDir& dir, std::vector<std::string> args) {
  args.insert(args.end(), {"--repo", repo.remote(), "--cache-dir", dir / "cache"});
  return testing::Gitcanary(args);
}

const char kWeightError[] = "podinfo.gitcanary-status.yaml:8:17: status.canaryWeight: must be between 0 and 100, got 150";

}  // namespace

TEST_CASE("a broken status: history's error row, status and approve name the commit, git revert recovers") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {kStatusPath, StatusDoc("Progressing", "10")}},
              "podinfo");
  repo.Commit({{kStatusPath, StatusDoc("Progressing", "150")}}, "tune: weight 150");
  const std::string broke = Head(repo);
  repo.Commit({{"README.md", "docs\n"}}, "docs: a readme");  // a later commit that does not touch the status

  const std::string revert = "git revert " + broke;
  RunResult table = Cli(repo, dir, {"status"});
  REQUIRE_MESSAGE(table.exit_code == 0, table.err);
  CHECK(table.out.find("test        podinfo             Halted") != std::string::npos);
  CHECK(table.out.find(kWeightError) != std::string::npos);
  CHECK_MESSAGE(table.out.find("\n  the status broke in commit " + broke.substr(0, 7) +
                               " (\"tune: weight 150\"); recover with: " + revert + "\n") != std::string::npos,
                table.out);

  RunResult json = Cli(repo, dir, {"status", "-o", "json"});
  REQUIRE_MESSAGE(json.exit_code == 0, json.err);
  const nlohmann::json rows = nlohmann::json::parse(json.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["status"] == "Halted");
  CHECK(rows[0]["broken_by"] == broke);
  CHECK(rows[0]["recovery"] == revert);
  CHECK(rows[0]["error"].get<std::string>().find(kWeightError) != std::string::npos);
  CHECK(rows[0]["error"].get<std::string>().find('\n') == std::string::npos);

  RunResult approve = Cli(repo, dir, {"approve", "test/podinfo"});
  CHECK(approve.exit_code == 1);
  CHECK(approve.out.empty());
  CHECK_MESSAGE(approve.err.find(kWeightError) != std::string::npos, approve.err);
  CHECK_MESSAGE(approve.err.find("; the status broke in commit " + broke.substr(0, 7) + " (\"tune: weight 150\"); "
                                 "recover with: " + revert + "\n") != std::string::npos,
                approve.err);

  RunResult history = Cli(repo, dir, {"history", "test/podinfo", "-o", "json"});
  REQUIRE_MESSAGE(history.exit_code == 0, history.err);
  const nlohmann::json timeline = nlohmann::json::parse(history.out);
  REQUIRE(timeline.size() == 2);
  CHECK(timeline[0]["kind"] == "status");
  CHECK(timeline[0]["weight"] == 10);
  CHECK(timeline[1]["kind"] == "error");
  CHECK(timeline[1]["commit"] == broke);
  CHECK(timeline[1]["subject"] == "tune: weight 150");
  CHECK(timeline[1]["phase"].is_null());
  CHECK(timeline[1]["weight"].is_null());
  CHECK(timeline[1]["error"] == "apps/podinfo/" + std::string(kWeightError));
  RunResult history_table = Cli(repo, dir, {"history", "test/podinfo", "--svg", dir / "chart.svg"});
  REQUIRE_MESSAGE(history_table.exit_code == 0, history_table.err);
  CHECK(history_table.out.find("  error  ") != std::string::npos);
  CHECK(history_table.out.find(broke.substr(0, 7) + "  tune: weight 150 [status broken: apps/podinfo/" + kWeightError + "]\n") !=
        std::string::npos);
  const std::string svg = testing::ReadFile(dir / "chart.svg");
  CHECK(svg.find(">test/podinfo: status broken at " + broke.substr(0, 7) + "<") != std::string::npos);
  CHECK(svg.find("<rect class=\"phase broken\"") != std::string::npos);

  // The line works: run it in the work clone, push, and the canary is back.
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main && " + revert +
              " --no-edit >/dev/null && git push -q origin HEAD:main");
  RunResult fixed = Cli(repo, dir, {"status", "-o", "json"});
  REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.err);
  const nlohmann::json after = nlohmann::json::parse(fixed.out);
  CHECK(after[0]["status"] == "Progressing");
  CHECK(after[0]["weight"] == 10);
  CHECK(after[0]["broken_by"] == "");
  CHECK(after[0]["recovery"] == "");
  RunResult later = Cli(repo, dir, {"history", "test/podinfo", "-o", "json"});
  const nlohmann::json rows_after = nlohmann::json::parse(later.out);
  REQUIRE(rows_after.size() == 3);
  CHECK(rows_after[2]["kind"] == "status");
  CHECK(rows_after[2]["weight"] == 10);
}

TEST_CASE("a status broken twice in a row: the revert line undoes both, newest first and an abort is marked") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {kStatusPath, StatusDoc("Progressing", "10")}},
              "podinfo");
  RunResult abort = Cli(repo, dir, {"abort", "test/podinfo", "-m", "enough"});
  REQUIRE_MESSAGE(abort.exit_code == 0, abort.err);
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main");
  repo.Commit({{kStatusPath, StatusDoc("Progressing", "150")}}, "tune: weight 150");
  const std::string first = Head(repo);
  repo.Commit({{kStatusPath, StatusDoc("Sideways", "150")}}, "tune: phase too");
  const std::string second = Head(repo);
  RunResult json = Cli(repo, dir, {"status", "-o", "json"});
  REQUIRE_MESSAGE(json.exit_code == 0, json.err);
  const nlohmann::json rows = nlohmann::json::parse(json.out);
  CHECK(rows[0]["broken_by"] == first);
  CHECK(rows[0]["recovery"] == "git revert " + second + " " + first);
  RunResult history = Cli(repo, dir, {"history", "test/podinfo", "-o", "json"});
  const nlohmann::json timeline = nlohmann::json::parse(history.out);
  REQUIRE(timeline.size() == 4);
  CHECK(timeline[1]["kind"] == "status");
  CHECK(timeline[1]["phase"] == "Failed");
  CHECK(timeline[1]["action"] == "abort");  // made by `gitcanary abort`
  CHECK(timeline[0]["action"].is_null());
  CHECK(timeline[2]["kind"] == "error");
  CHECK(timeline[3]["kind"] == "error");
  CHECK(timeline[3]["error"].get<std::string>().find("status.phase") != std::string::npos);
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main && git revert --no-edit " + second + " " +
              first + " >/dev/null && git push -q origin HEAD:main");
  RunResult fixed = Cli(repo, dir, {"status", "-o", "json"});
  CHECK(nlohmann::json::parse(fixed.out)[0]["status"] == "Failed");
}

}  // namespace gitcanary
