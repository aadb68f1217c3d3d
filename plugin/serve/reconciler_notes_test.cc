// The notes ref grows only with decisions: a Reconciler over a real bare
// remote writes one notes commit per status commit it pushes, and none for
// passes that change nothing, however many there are.
#include <doctest/doctest.h>

#include <string>

#include "plugin/serve/reconciler.h"
#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using testing::TempDir;

// `git --git-dir=DIR ARGS` output without the final newline; "" on failure.
std::string GitDir(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "--git-dir", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::Run(argv);
  if (r.exit_code != 0) return "";
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

int Count(const std::string& dir, const std::string& ref) {
  const std::string n = GitDir(dir, {"rev-list", "--count", ref});
  return n.empty() ? 0 : std::stoi(n);
}

// Commits on main made by the reconciler (author gitcanary).
int StatusCommits(const std::string& dir) {
  const std::string n = GitDir(dir, {"rev-list", "--count", "--author=gitcanary", "refs/heads/main"});
  return n.empty() ? 0 : std::stoi(n);
}

}  // namespace

TEST_CASE("serve notes: idle passes add no notes commit and each status commit adds exactly one") {
  TempDir dir;
  testing::GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  auto remote = git::GitRemote::Open(repo.remote(), dir / "cache", {});
  REQUIRE(remote.ok());
  ExecutorDeps deps;
  deps.readiness = [](const policies::AnalysisSpec&, bool) { return policies::Readiness{true, ""}; };
  deps.metrics = [](const policies::MetricTemplate*, const std::string&) -> Result<MetricsProvider*> {
    return Status::Invalid("no metrics in this test");
  };
  ReconcilerOptions options;
  options.catalog.min_interval_ms = 1000;
  long long now = 1'700'000'000'000;
  Reconciler reconciler(options, remote->get(), deps, [&] { return now; });

  auto pass = [&] {
    Status s = reconciler.Pass();
    INFO(s.message());
    REQUIRE(s.ok());
    now += 1000;  // the canary's interval: due again at every pass
  };
  // Until the canary is initialised (a decision per pass, each committed).
  for (int i = 0; i < 5 && repo.LatestStatus("podinfo").phase != "Initialized"; ++i) pass();
  REQUIRE(repo.LatestStatus("podinfo").phase == "Initialized");
  const int decisions = StatusCommits(repo.remote());
  REQUIRE(decisions >= 1);
  CHECK(Count(repo.remote(), "refs/notes/gitcanary") == decisions);

  const std::string head = GitDir(repo.remote(), {"rev-parse", "refs/heads/main"});
  const std::string notes = GitDir(repo.remote(), {"rev-parse", "refs/notes/gitcanary"});
  for (int i = 0; i < 20; ++i) {
    pass();
    CHECK(reconciler.LastReport().decided.size() == 1);  // it was due, and decided "no change"
    CHECK(reconciler.LastReport().pushed.empty());
  }
  CHECK(GitDir(repo.remote(), {"rev-parse", "refs/heads/main"}) == head);
  CHECK(GitDir(repo.remote(), {"rev-parse", "refs/notes/gitcanary"}) == notes);

  // A release: the next decision is committed, with its one note.
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  pass();
  CHECK(!reconciler.LastReport().pushed.empty());
  CHECK(StatusCommits(repo.remote()) == decisions + 1);
  CHECK(Count(repo.remote(), "refs/notes/gitcanary") == decisions + 1);
}

}  // namespace gitcanary::plugin
