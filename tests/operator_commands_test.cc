// Integration tests of the operator commands (`gitcanary approve|abort|promote|
// retry|status`) on real processes: a bare remote with a work clone, serve
// stepped one pass at a time (`--once --all-due`), webhook gates on loopback.
//
// Each action runs three ways: against the bare remote's path (used in place),
// against its file:// URL (fetched into a cache, the commit pushed), and
// against a person's work clone (the commit lands on the clone's branch with a
// clean work tree; the test then pushes it as the person would).
#include <doctest/doctest.h>

#include <atomic>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "render/canary_status.h"
#include "render/loader.h"
#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::ServerThread;
using testing::StatusAt;
using testing::TempDir;

const char kStatusFile[] = "apps/podinfo/podinfo.gitcanary-status.yaml";

// One serve pass over every canary, whatever its interval.
RunResult Serve(const GitopsRemote& repo, const std::string& cache) {
  return testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once", "--all-due",
                             "--min-interval", "1s", "--readiness", "none", "--listen", "off", "--allow-egress", "127.0.0.0/8"});
}

// `serve` passes until canary test/NAME shows `phase` (at most `passes`).
void ServeUntil(const GitopsRemote& repo, const std::string& cache, const std::string& name,
                const std::string& phase, int passes = 10) {
  for (int i = 0; i < passes && repo.LatestStatus(name).phase != phase; ++i) {
    RunResult r = Serve(repo, cache);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  REQUIRE_MESSAGE(repo.LatestStatus(name).phase == phase, testing::Sequence(repo.StatusHistory(name)));
}

// Standard output of git (without the final newline); fails unless it exits 0.
std::string Git(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/git"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = testing::Run(argv);
  REQUIRE_MESSAGE(r.exit_code == 0, "git " << args[0] << " " << args[1] << ": " << r.err);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

std::string RemoteHead(const GitopsRemote& repo) { return Git({"--git-dir", repo.remote(), "rev-parse", "main"}); }
std::string Message(const GitopsRemote& repo, const std::string& rev) {
  return Git({"--git-dir", repo.remote(), "log", "-1", "--format=%B", rev});
}
std::string Subject(const GitopsRemote& repo, const std::string& rev) {
  return Git({"--git-dir", repo.remote(), "log", "-1", "--format=%s", rev});
}

// The status record of test/NAME at `rev` of the remote.
render::CanaryStatus StatusRecordAt(const GitopsRemote& repo, const std::string& rev, const std::string& name) {
  const std::string text =
      Git({"--git-dir", repo.remote(), "show", rev + ":apps/" + name + "/" + name + ".gitcanary-status.yaml"});
  auto docs = render::ParseManifests(text, "status");
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  REQUIRE(docs->size() == 1);
  auto record = render::ParseStatusDocument((*docs)[0]);
  REQUIRE_MESSAGE(record.ok(), record.status().message());
  return record->status;
}

// The image of Deployment NAME-primary as `gitcanary render` gives it at `rev`.
std::string PrimaryImage(const GitopsRemote& repo, const std::string& rev, const std::string& name) {
  RunResult r = testing::Gitcanary({"render", "--repo", repo.remote(), "--revision", rev, "apps/" + name});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = render::ParseManifests(r.out, "render output");
  REQUIRE(docs.ok());
  for (const render::Manifest& m : *docs) {
    if (m.kind != "Deployment" || m.name != name + "-primary") continue;
    const yaml::Node* containers = m.doc.Path({"spec", "template", "spec", "containers"});
    REQUIRE(containers != nullptr);
    REQUIRE(!containers->items.empty());
    const yaml::Node* image = containers->items[0].Find("image");
    REQUIRE(image != nullptr);
    return image->value;
  }
  FAIL("no Deployment " << name << "-primary in the render of " << rev);
  return "";
}

enum class Via { kRemotePath, kRemoteUrl, kWorkClone };

// Runs operator commands against the repository one way, and checks what a
// successful one leaves behind.
class Operator {
 public:
  Operator(GitopsRemote& repo, const TempDir& dir, Via via) : repo_(repo), dir_(dir), via_(via) {
    testing::Sh("mkdir -p " + dir_ / "tmp");
  }

  struct Done {
    RunResult run;
    std::string commit;  // the new head of the remote's main ("" when refused)
  };

  // `gitcanary ARGS --repo ...`. On success the commit is on the remote's main
  // (pushed from the work clone after the checks on it).
  Done Run(std::vector<std::string> args) {
    if (via_ == Via::kWorkClone) testing::Sh("cd " + repo_.work() + " && git pull -q --rebase origin main");
    const std::string before = via_ == Via::kWorkClone ? Git({"-C", repo_.work(), "rev-parse", "HEAD"}) : RemoteHead(repo_);
    switch (via_) {
      case Via::kRemotePath: args.insert(args.end(), {"--repo", repo_.remote()}); break;
      case Via::kRemoteUrl:
        args.insert(args.end(), {"--repo", "file://" + repo_.remote(), "--cache-dir", dir_ / "op-cache"});
        break;
      case Via::kWorkClone: args.insert(args.end(), {"--repo", repo_.work()}); break;
    }
    Done out;
    out.run = testing::Gitcanary(args, "", {{"TMPDIR", dir_ / "tmp"}, {"GIT_AUTHOR_NAME", "Olga Operator"},
                                            {"GIT_AUTHOR_EMAIL", "olga@example.com"}});
    if (out.run.exit_code != 0) {
      CHECK(out.run.out.empty());
      const std::string after = via_ == Via::kWorkClone ? Git({"-C", repo_.work(), "rev-parse", "HEAD"}) : RemoteHead(repo_);
      CHECK_MESSAGE(after == before, "a refused action committed");
      return out;
    }
    if (via_ == Via::kWorkClone) CheckWorkClone(before);
    out.commit = RemoteHead(repo_);
    CHECK(Git({"--git-dir", repo_.remote(), "rev-parse", out.commit + "^"}) == before);
    CHECK(Git({"--git-dir", repo_.remote(), "log", "-1", "--format=%an <%ae>", out.commit}) ==
          "Olga Operator <olga@example.com>");
    CHECK(out.run.out.find("(commit " + out.commit + ")") != std::string::npos);
    return out;
  }

 private:
  // The commit is on the clone's checked-out branch, the work tree is clean
  // and holds the new contents; then the person pushes it.
  void CheckWorkClone(const std::string& before) {
    const std::string& work = repo_.work();
    CHECK(Git({"-C", work, "rev-parse", "--abbrev-ref", "HEAD"}) == "main");
    CHECK(Git({"-C", work, "rev-parse", "HEAD^"}) == before);
    CHECK(Git({"-C", work, "status", "--porcelain", "--untracked-files=all"}).empty());
    const std::string changed = Git({"-C", work, "diff", "--name-only", "HEAD^", "HEAD"});
    CHECK(!changed.empty());
    std::istringstream files(changed);
    for (std::string file; std::getline(files, file);) {
      CAPTURE(file);
      RunResult committed = testing::Run({"/usr/bin/git", "-C", work, "show", "HEAD:" + file});
      REQUIRE(committed.exit_code == 0);
      CHECK(testing::ReadFile(work + "/" + file) == committed.out);
    }
    testing::Sh("cd " + work + " && git push -q origin HEAD:main");
  }

  GitopsRemote& repo_;
  const TempDir& dir_;
  Via via_;
};

// podinfo at 1.0.0, initialised, then 1.0.1 committed: the next pass starts its analysis.
void NewRevision(GitopsRemote& repo, const std::string& cache, const std::string& extra_analysis = "") {
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", extra_analysis)}}, "add podinfo");
  ServeUntil(repo, cache, "podinfo", "Initialized", 1);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", extra_analysis)}}, "podinfo 1.0.1");
}

// A loopback webhook receiver that answers `status` (changeable) and counts calls.
struct Hook {
  std::atomic<int> status{403};
  std::atomic<int> calls{0};
  ServerThread server{[this](httplib::Server& s) {
    s.Post("/hook", [this](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = status;
      res.set_content("answer", "text/plain");
    });
  }};
  std::string Analysis(const std::string& type) const {
    return testing::OneWebhook("gate", type, server.url() + "/hook");
  }
};

#define FOR_EACH_WAY(via)                                             \
  Via via = Via::kRemotePath;                                         \
  SUBCASE("against the bare remote's path") { via = Via::kRemotePath; } \
  SUBCASE("against the remote's file:// URL") { via = Via::kRemoteUrl; } \
  SUBCASE("against a person's work clone") { via = Via::kWorkClone; }

}  // namespace

TEST_CASE("operator abort while Progressing rolls back to Failed, and serve does not restart the revision") {
  FOR_EACH_WAY(via);
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache");
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing");
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  REQUIRE(repo.LatestStatus("podinfo").weight == 10);
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"abort", "test/podinfo", "-m", "users see errors"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(done.run.out.find("canary test/podinfo: aborted by Olga Operator: rolled back (commit ") == 0);
  CHECK(Subject(repo, done.commit) ==
        "canary test/podinfo: aborted by Olga Operator: rolled back (Progressing -> Failed, weight 10 -> 0)");
  CHECK(Message(repo, done.commit).find("\n\nusers see errors\n\nRequested with `gitcanary abort`.") !=
        std::string::npos);
  CHECK(Git({"--git-dir", repo.remote(), "diff", "--name-only", done.commit + "^", done.commit}) == kStatusFile);
  const StatusAt aborted = repo.LatestStatus("podinfo");
  CHECK(aborted.phase == "Failed");
  CHECK(aborted.weight == 0);
  CHECK(repo.RenderedWeights(done.commit, "podinfo") == std::pair<long long, long long>{100, 0});
  CHECK(PrimaryImage(repo, done.commit, "podinfo") == "ghcr.io/example/podinfo:1.0.0");
  // Later passes leave it alone: the failed revision is not new.
  for (int i = 0; i < 2; ++i) {
    RunResult r = Serve(repo, dir / "cache");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out.find("no change (no new revision)") != std::string::npos);
  }
  CHECK(RemoteHead(repo) == done.commit);
}

TEST_CASE("operator abort while Waiting at confirm-rollout sticks: serve does not wait again") {
  FOR_EACH_WAY(via);
  Hook hook;
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache", hook.Analysis("confirm-rollout"));
  ServeUntil(repo, dir / "cache", "podinfo", "Waiting", 1);
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"abort", "test/podinfo"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: aborted by Olga Operator: rolled back (Waiting -> Failed)");
  CHECK(repo.LatestStatus("podinfo").phase == "Failed");
  const int calls = hook.calls;
  RunResult r = Serve(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("no change (no new revision)") != std::string::npos);
  CHECK(RemoteHead(repo) == done.commit);
  CHECK(hook.calls == calls);
}

TEST_CASE("operator retry after Failed runs the analysis of the same revision again, to Succeeded") {
  FOR_EACH_WAY(via);
  // The load test fails until its backend is fixed: two failed checks roll back.
  Hook load;
  load.status = 500;
  TempDir dir;
  GitopsRemote repo(dir);
  const std::string analysis = testing::OneWebhook("load-test", "rollout", load.server.url() + "/hook");
  NewRevision(repo, dir / "cache", analysis);
  ServeUntil(repo, dir / "cache", "podinfo", "Failed");
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 10, Progressing 10, Failed 0");
  const render::CanaryStatus failed = StatusRecordAt(repo, "main", "podinfo");
  load.status = 200;
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"retry", "test/podinfo", "-m", "load tester fixed"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: retry by Olga Operator: the analysis of revision " +
                                          failed.last_applied_spec + " runs again at the next tick");
  // Only the status changed: the pod template is as it was.
  CHECK(Git({"--git-dir", repo.remote(), "diff", "--name-only", done.commit + "^", done.commit}) == kStatusFile);
  CHECK(repo.LatestStatus("podinfo").phase == "Failed");
  RunResult r = Serve(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(Subject(repo, "main") == "canary test/podinfo: Failed -> Progressing, failed checks 2 -> 0 (new revision " +
                                     failed.last_applied_spec + " detected: starting the analysis of test/podinfo)");
  const StatusAt restarted = repo.LatestStatus("podinfo");
  CHECK(restarted.phase == "Progressing");
  CHECK(restarted.weight == 0);
  CHECK(restarted.failed_checks == 0);
  ServeUntil(repo, dir / "cache", "podinfo", "Succeeded");
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 10, Progressing 10, Failed 0, Failed 0, "
        "Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, Succeeded 0");
  CHECK(PrimaryImage(repo, "main", "podinfo") == "ghcr.io/example/podinfo:1.0.1");
}

TEST_CASE("operator promote while Progressing skips the analysis: Promoting at the weight, then Finalising, Succeeded") {
  FOR_EACH_WAY(via);
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache");
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing");
  for (int i = 0; i < 2; ++i) REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  REQUIRE(repo.LatestStatus("podinfo").weight == 20);
  CHECK(PrimaryImage(repo, "main", "podinfo") == "ghcr.io/example/podinfo:1.0.0");
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"promote", "test/podinfo"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) ==
        "canary test/podinfo: promoted by Olga Operator: the rest of the analysis is skipped (Progressing -> Promoting)");
  const StatusAt promoting = repo.LatestStatus("podinfo");
  CHECK(promoting.phase == "Promoting");
  CHECK(promoting.weight == 20);
  // The primary now runs the new revision; traffic still splits 80/20 until serve shifts it back.
  CHECK(repo.RenderedWeights(done.commit, "podinfo") == std::pair<long long, long long>{80, 20});
  CHECK(PrimaryImage(repo, done.commit, "podinfo") == "ghcr.io/example/podinfo:1.0.1");
  const render::CanaryStatus record = StatusRecordAt(repo, done.commit, "podinfo");
  CHECK(record.last_promoted_spec == record.last_applied_spec);
  for (int i = 0; i < 2; ++i) REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Promoting 20, Finalising 0, Succeeded 0");
  CHECK(repo.RenderedWeights("main", "podinfo") == std::pair<long long, long long>{100, 0});
  CHECK(PrimaryImage(repo, "main", "podinfo") == "ghcr.io/example/podinfo:1.0.1");
}

TEST_CASE("operator approve opens confirm-promotion once: WaitingPromotion -> Promoting without asking the gate") {
  FOR_EACH_WAY(via);
  Hook gate;  // always 403
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache", gate.Analysis("confirm-promotion"));
  ServeUntil(repo, dir / "cache", "podinfo", "WaitingPromotion");
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, WaitingPromotion 30");
  // It stays there, asking the gate each pass.
  const std::string waiting = RemoteHead(repo);
  int calls = gate.calls;
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(RemoteHead(repo) == waiting);
  CHECK(gate.calls == calls + 1);
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"approve", "test/podinfo", "-m", "numbers look fine"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: approved confirm-promotion by Olga Operator");
  const render::CanaryStatus approved = StatusRecordAt(repo, done.commit, "podinfo");
  CHECK(approved.phase == Phase::kWaitingPromotion);
  CHECK(approved.approved_revision == approved.last_applied_spec);
  calls = gate.calls;
  RunResult r = Serve(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(gate.calls == calls);  // the approval answered the gate
  const render::CanaryStatus promoting = StatusRecordAt(repo, "main", "podinfo");
  CHECK(promoting.phase == Phase::kPromoting);
  CHECK(promoting.approved_revision.empty());
  CHECK(Git({"--git-dir", repo.remote(), "show", "main:" + std::string(kStatusFile)}).find("approvedRevision") ==
        std::string::npos);
  RunResult note = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "notes", "--ref=gitcanary", "show", "main"});
  CHECK(note.out.find("approved in git by an operator") != std::string::npos);
  ServeUntil(repo, dir / "cache", "podinfo", "Succeeded");
  CHECK(gate.calls == calls);
}

TEST_CASE("operator promote from WaitingPromotion passes the gate without asking it") {
  Hook gate;
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache", gate.Analysis("confirm-promotion"));
  ServeUntil(repo, dir / "cache", "podinfo", "WaitingPromotion");
  Operator op(repo, dir, Via::kRemotePath);
  Operator::Done done = op.Run({"promote", "test/podinfo"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: promoted by Olga Operator: the rest of the analysis is "
                                      "skipped (WaitingPromotion -> Promoting)");
  CHECK(repo.RenderedWeights(done.commit, "podinfo") == std::pair<long long, long long>{70, 30});
  CHECK(PrimaryImage(repo, done.commit, "podinfo") == "ghcr.io/example/podinfo:1.0.1");
  const int calls = gate.calls;
  ServeUntil(repo, dir / "cache", "podinfo", "Succeeded");
  CHECK(gate.calls == calls);
  CHECK(testing::Sequence(repo.StatusHistory("podinfo")) ==
        "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, WaitingPromotion 30, "
        "Promoting 30, Finalising 0, Succeeded 0");
}

TEST_CASE("operator approve opens confirm-rollout: Waiting -> Progressing, and the approval is used once") {
  FOR_EACH_WAY(via);
  Hook gate;
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache", gate.Analysis("confirm-rollout"));
  ServeUntil(repo, dir / "cache", "podinfo", "Waiting", 1);
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(repo.LatestStatus("podinfo").phase == "Waiting");
  Operator op(repo, dir, via);
  Operator::Done done = op.Run({"approve", "test/podinfo"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: approved confirm-rollout by Olga Operator");
  const int calls = gate.calls;
  RunResult r = Serve(repo, dir / "cache");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(gate.calls == calls);
  const render::CanaryStatus progressing = StatusRecordAt(repo, "main", "podinfo");
  CHECK(progressing.phase == Phase::kProgressing);
  CHECK(progressing.canary_weight == 0);
  CHECK(progressing.approved_revision.empty());
  ServeUntil(repo, dir / "cache", "podinfo", "Succeeded");
  CHECK(gate.calls == calls);  // confirm-rollout gates the start only
}

TEST_CASE("operator approve opens confirm-traffic-increase for one step only") {
  Hook gate;
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache", gate.Analysis("confirm-traffic-increase"));
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing", 1);
  const std::string held = RemoteHead(repo);
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(RemoteHead(repo) == held);  // the gate holds weight 0
  Operator op(repo, dir, Via::kRemotePath);
  Operator::Done done = op.Run({"approve", "test/podinfo"});
  REQUIRE_MESSAGE(done.run.exit_code == 0, done.run.err);
  CHECK(Subject(repo, done.commit) == "canary test/podinfo: approved confirm-traffic-increase by Olga Operator");
  int calls = gate.calls;
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(gate.calls == calls);
  const render::CanaryStatus stepped = StatusRecordAt(repo, "main", "podinfo");
  CHECK(stepped.canary_weight == 10);
  CHECK(stepped.approved_revision.empty());
  const std::string after = RemoteHead(repo);
  REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  CHECK(gate.calls == calls + 1);
  CHECK(RemoteHead(repo) == after);  // held again at 10
}

TEST_CASE("operator actions that make no sense are refused with the reason, and commit nothing") {
  FOR_EACH_WAY(via);
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ServeUntil(repo, dir / "cache", "podinfo", "Initialized", 1);
  Operator op(repo, dir, via);
  auto refused = [&](const std::vector<std::string>& args, int code, const std::string& message) {
    Operator::Done done = op.Run(args);
    CAPTURE(args[0]);
    CHECK(done.run.exit_code == code);
    CHECK_MESSAGE(done.run.err.find(message) != std::string::npos, done.run.err);
  };
  refused({"promote", "test/podinfo"}, 1,
          "gitcanary: canary test/podinfo is Initialized: nothing to promote (promote works while Progressing or "
          "WaitingPromotion)");
  refused({"approve", "test/podinfo"}, 1, "canary test/podinfo is Initialized: no gate to approve");
  refused({"abort", "test/nope"}, 1, "no canary test/nope on branch main of ");
  refused({"abort", "podinfo"}, 2, "gitcanary: give the canary as NAMESPACE/NAME");
  refused({"abort", "test/podinfo", "test/other"}, 2, "give the canary as NAMESPACE/NAME");
  refused({"abort"}, 2, "Usage: gitcanary abort NAMESPACE/NAME");

  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing", 1);
  refused({"approve", "test/podinfo"}, 1,
          "canary test/podinfo is Progressing: it has no confirm-traffic-increase webhook, so nothing waits for "
          "approval");
  refused({"retry", "test/podinfo"}, 1, "canary test/podinfo is Progressing: only a Failed canary can be retried");

  ServeUntil(repo, dir / "cache", "podinfo", "Succeeded");
  refused({"abort", "test/podinfo"}, 1,
          "canary test/podinfo is Succeeded: nothing to abort (abort works while Waiting, Progressing or "
          "WaitingPromotion)");
  refused({"retry", "test/podinfo"}, 1, "canary test/podinfo is Succeeded: only a Failed canary can be retried");
  refused({"promote", "test/podinfo"}, 1, "canary test/podinfo is Succeeded: nothing to promote");
}

TEST_CASE("operator promote is refused when the target changed since the analysis began") {
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache");
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing", 1);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.2")}}, "podinfo 1.0.2");
  Operator op(repo, dir, Via::kRemotePath);
  Operator::Done done = op.Run({"promote", "test/podinfo"});
  CHECK(done.run.exit_code == 1);
  CHECK(done.run.err.find("the target changed (revision ") != std::string::npos);
  CHECK(done.run.err.find("let serve start the new analysis first") != std::string::npos);
}

TEST_CASE("operator status lists every canary as git records it, a corrupt status shows Halted with its error") {
  Hook load;
  load.status = 500;
  TempDir dir;
  GitopsRemote repo(dir);
  const std::string flaky = testing::OneWebhook("load-test", "rollout", load.server.url() + "/hook");
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {"apps/flaky/app.yaml", testing::CanaryApp("flaky", "1.0.0", flaky)},
               {"apps/calm/app.yaml", testing::CanaryApp("calm", "1.0.0")}},
              "three apps");
  ServeUntil(repo, dir / "cache", "podinfo", "Initialized", 1);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")},
               {"apps/flaky/app.yaml", testing::CanaryApp("flaky", "1.0.1", flaky)}},
              "podinfo and flaky 1.0.1");
  for (int i = 0; i < 3; ++i) REQUIRE(Serve(repo, dir / "cache").exit_code == 0);
  // A canary whose status file was damaged by hand.
  repo.Commit({{"apps/broken/app.yaml", testing::CanaryApp("broken", "1.0.0")},
               {"apps/broken/broken.gitcanary-status.yaml",
                "apiVersion: gitcanary.io/v1alpha1\n"
                "kind: CanaryStatus\n"
                "metadata: {name: broken, namespace: test}\n"
                "status:\n"
                "  phase: Sideways\n"
                "  canaryWeight: 10\n"},
               // Never seen by serve: no status yet.
               {"apps/fresh/app.yaml", testing::CanaryApp("fresh", "1.0.0")},
               // Does not load at all.
               {"apps/garbage/app.yaml", "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: [\n"}},
              "broken by hand, fresh, garbage");

  struct Row {
    std::string phase;
    long long weight, failed;
    std::string when;
  };
  std::map<std::string, Row> expected;
  for (const std::string name : {"calm", "flaky", "podinfo"}) {
    const render::CanaryStatus s = StatusRecordAt(repo, "main", name);
    expected[name] = Row{std::string(PhaseName(s.phase)), s.canary_weight, s.failed_checks, s.last_transition_time};
  }
  CHECK(expected["calm"].phase == "Initialized");
  CHECK(expected["podinfo"].phase == "Progressing");
  CHECK(expected["podinfo"].weight == 20);
  CHECK(expected["flaky"].phase == "Progressing");
  CHECK(expected["flaky"].weight == 10);
  CHECK(expected["flaky"].failed == 1);
  expected["fresh"] = Row{"Initializing", 0, 0, ""};

  // A table, like `kubectl get canaries`, then the errors.
  RunResult table = testing::Gitcanary({"status", "--repo", repo.remote()}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(table.exit_code == 0, table.err);
  std::istringstream lines(table.out);
  std::string line;
  REQUIRE(std::getline(lines, line));
  std::istringstream header(line);
  std::vector<std::string> columns{std::istream_iterator<std::string>(header), std::istream_iterator<std::string>()};
  CHECK(columns == std::vector<std::string>{"NAMESPACE", "NAME", "STATUS", "WEIGHT", "FAILED", "LASTTRANSITION"});
  std::vector<std::string> names;
  while (std::getline(lines, line) && !line.empty()) {
    std::istringstream row(line);
    std::vector<std::string> f{std::istream_iterator<std::string>(row), std::istream_iterator<std::string>()};
    REQUIRE(f.size() == 6);
    CAPTURE(line);
    CHECK(f[0] == "test");
    names.push_back(f[1]);
    if (f[1] == "broken") {
      CHECK(f[2] == "Halted");
      continue;
    }
    const Row& want = expected[f[1]];
    CHECK(f[2] == want.phase);
    CHECK(f[3] == std::to_string(want.weight));
    CHECK(f[4] == std::to_string(want.failed));
    CHECK(f[5] == (want.when.empty() ? "-" : want.when));
  }
  CHECK(names == std::vector<std::string>{"broken", "calm", "flaky", "fresh", "podinfo"});
  std::string rest((std::istreambuf_iterator<char>(lines)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(rest.find("test/broken: ") == 0, rest);
  CHECK(rest.find("Sideways") != std::string::npos);
  CHECK(rest.find("\n\napps/garbage: ") != std::string::npos);

  RunResult json = testing::Gitcanary({"status", "--repo", repo.remote(), "-o", "json"}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(json.exit_code == 0, json.err);
  nlohmann::json parsed;
  REQUIRE_NOTHROW(parsed = nlohmann::json::parse(json.out));
  REQUIRE(parsed.is_array());
  REQUIRE(parsed.size() == 5);
  CHECK(json.err.find("gitcanary: apps/garbage: ") != std::string::npos);
  for (const nlohmann::json& c : parsed) {
    const std::string name = c.at("name");
    CAPTURE(name);
    CHECK(c.at("namespace") == "test");
    if (name == "broken") {
      CHECK(c.at("status") == "Halted");
      CHECK(c.at("error").get<std::string>().find("Sideways") != std::string::npos);
      continue;
    }
    const Row& want = expected[name];
    CHECK(c.at("status") == want.phase);
    CHECK(c.at("weight") == want.weight);
    CHECK(c.at("failed_checks") == want.failed);
    CHECK(c.at("last_transition_time") == want.when);
    CHECK(c.at("error") == "");
    CHECK(c.at("revision").get<std::string>().size() == 16);
  }
  // The same from a work clone, and the broken canary's actions say what is wrong.
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main");
  RunResult local = testing::Gitcanary({"status", "--repo", repo.work()}, "", {{"TMPDIR", dir.path()}});
  CHECK(local.out == table.out);
  Operator op(repo, dir, Via::kRemotePath);
  Operator::Done done = op.Run({"abort", "test/broken"});
  CHECK(done.run.exit_code == 1);
  CHECK(done.run.err.find("Sideways") != std::string::npos);
  RunResult usage = testing::Gitcanary({"status", "--repo", repo.remote(), "-o", "yaml"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("unknown output format \"yaml\"") != std::string::npos);
}

TEST_CASE("operator commands on a work clone keep the person's other edits and refuse to overwrite the status file's") {
  TempDir dir;
  GitopsRemote repo(dir);
  NewRevision(repo, dir / "cache");
  ServeUntil(repo, dir / "cache", "podinfo", "Progressing", 1);
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main");
  const std::map<std::string, std::string> env{{"TMPDIR", dir / "tmp"}};
  testing::Sh("mkdir -p " + dir / "tmp");
  // An edit of the status file itself: refused, nothing committed, the edit kept.
  const std::string status_path = repo.work() + "/" + kStatusFile;
  const std::string committed = testing::ReadFile(status_path);
  testing::WriteFile(status_path, committed + "# a note\n");
  const std::string head = Git({"-C", repo.work(), "rev-parse", "HEAD"});
  RunResult refused = testing::Gitcanary({"abort", "test/podinfo", "--repo", repo.work()}, "", env);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find(std::string(kStatusFile) + " has uncommitted changes in ") != std::string::npos);
  CHECK(Git({"-C", repo.work(), "rev-parse", "HEAD"}) == head);
  CHECK(testing::ReadFile(status_path) == committed + "# a note\n");
  // An unrelated edit, staged or not, stays as it was and out of the commit.
  testing::WriteFile(status_path, committed);
  testing::WriteFile(repo.work() + "/README.md", "draft\n");
  testing::WriteFile(repo.work() + "/apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.2"));
  testing::Sh("cd " + repo.work() + " && git add README.md");
  RunResult abort = testing::Gitcanary({"abort", "test/podinfo", "--repo", repo.work()}, "", env);
  REQUIRE_MESSAGE(abort.exit_code == 0, abort.err);
  CHECK(Git({"-C", repo.work(), "rev-parse", "HEAD^"}) == head);
  CHECK(Git({"-C", repo.work(), "diff", "--name-only", "HEAD^", "HEAD"}) == kStatusFile);
  CHECK(Git({"-C", repo.work(), "status", "--porcelain"}) == "A  README.md\n M apps/podinfo/app.yaml");
  CHECK(testing::ReadFile(repo.work() + "/apps/podinfo/app.yaml") == testing::CanaryApp("podinfo", "1.0.2"));
}

TEST_CASE("operator commands find a local repository by relative or absolute path alike") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ServeUntil(repo, dir / "cache", "podinfo", "Initialized", 1);
  const std::map<std::string, std::string> env{{"TMPDIR", dir.path()}};
  RunResult absolute = testing::Gitcanary({"status", "--repo", repo.remote()}, "", env);
  REQUIRE_MESSAGE(absolute.exit_code == 0, absolute.err);
  RunResult relative = testing::Run({"/bin/sh", "-c", "cd " + dir.path() + " && " + GITCANARY_BINARY +
                                                          " status --repo remote.git && " + GITCANARY_BINARY +
                                                          " status --repo ./remote.git/"},
                                    "", env);
  CHECK_MESSAGE(relative.exit_code == 0, relative.err);
  CHECK(relative.out == absolute.out + absolute.out);
}

}  // namespace gitcanary
