// Reconciler passes with in-process webhooks and a real bare remote. A lease
// lost during a pass (ExecutorDeps::still_held): the pass stops before the
// next webhook or before the push, sends and pushes nothing, and the next pass
// with the lease decides the step afresh. A push race lost during a pass: the
// pass decides again at the new head without sending a webhook twice.
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "plugin/serve/reconciler.h"
#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using testing::GitopsRemote;
using testing::TempDir;

class FakeWebhooks : public WebhookCaller {
 public:
  std::vector<std::string> urls;
  std::function<void()> on_call;  // runs before answering, e.g. to move the branch
  Result<WebhookResponse> Post(const WebhookRequest& r) override {
    urls.push_back(r.url);
    if (on_call) on_call();
    return WebhookResponse{200, ""};
  }
};

long long WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Two pre-rollout hooks; nothing listens at these addresses, and the fake sends nothing.
const char kTwoHooks[] =
    "    webhooks:\n"
    "      - name: first\n"
    "        type: pre-rollout\n"
    "        url: http://127.0.0.1:9/first\n"
    "      - name: second\n"
    "        type: pre-rollout\n"
    "        url: http://127.0.0.1:9/second\n";

// Every ref of the remote with its commit.
std::string Refs(const GitopsRemote& repo) {
  return testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "for-each-ref", "--format=%(refname) %(objectname)"})
      .out;
}

struct Setup {
  TempDir dir;
  GitopsRemote repo{dir};
  FakeWebhooks hooks;
  int lose_after_calls = -1;  // still_held fails once the fake had this many calls; -1: never
  std::unique_ptr<git::GitRemote> remote;
  std::unique_ptr<Reconciler> reconciler;

  Setup() {
    auto opened = git::GitRemote::Open(repo.remote(), dir / "cache", {});
    REQUIRE(opened.ok());
    remote = std::move(*opened);
    ReconcilerOptions options;
    options.all_due = true;
    options.catalog.min_interval_ms = 1000;
    ExecutorDeps deps;
    deps.webhooks = &hooks;
    deps.metrics = [](const policies::MetricTemplate*, const std::string&) -> Result<MetricsProvider*> {
      return Status::Internal("no metrics in this test");
    };
    deps.still_held = [this]() -> Status {
      if (lose_after_calls >= 0 && static_cast<int>(hooks.urls.size()) >= lose_after_calls)
        return Status::Io("replica-2 holds it until 2026-12-07T01:00:00.000Z");
      return Status::Ok();
    };
    reconciler = std::make_unique<Reconciler>(options, remote.get(), deps, WallMs);
  }

  // podinfo released and its analysis started: the next pass runs the pre-rollout hooks.
  void StartAnalysis() {
    repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", kTwoHooks)}}, "add podinfo");
    Status s = reconciler->Pass();
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(repo.LatestStatus("podinfo").phase == "Initialized");
    repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", kTwoHooks)}}, "podinfo 1.0.1");
    s = reconciler->Pass();
    REQUIRE_MESSAGE(s.ok(), s.message());
    REQUIRE(repo.LatestStatus("podinfo").phase == "Progressing");
    REQUIRE(hooks.urls.empty());
  }
};

TEST_CASE("reconciler lease: a pass that loses the lease stops before the next webhook or the push") {
  struct Row {
    int lose_after_calls;
    std::vector<std::string> calls;
    std::string stopped_before;
  };
  const std::vector<Row> rows = {
      {1, {"http://127.0.0.1:9/first"}, "pre-rollout webhook second of canary test/podinfo"},
      {2, {"http://127.0.0.1:9/first", "http://127.0.0.1:9/second"}, "pushing the status commit"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.lose_after_calls);
    Setup s;
    s.StartAnalysis();
    const std::string refs = Refs(s.repo);
    s.lose_after_calls = row.lose_after_calls;
    Status pass = s.reconciler->Pass();
    CHECK(pass.message() == "lease lost during the pass: replica-2 holds it until 2026-12-07T01:00:00.000Z; "
                            "stopped before " + row.stopped_before + "; nothing of this pass was committed");
    CHECK(s.hooks.urls == row.calls);
    CHECK(s.reconciler->LastReport().pushed.empty());
    CHECK(Refs(s.repo) == refs);  // no status commit, no note, nothing
    // With the lease back, the next pass runs both hooks again and commits the step.
    s.lose_after_calls = -1;
    s.hooks.urls.clear();
    Status again = s.reconciler->Pass();
    CHECK_MESSAGE(again.ok(), again.message());
    CHECK(s.hooks.urls == std::vector<std::string>{"http://127.0.0.1:9/first", "http://127.0.0.1:9/second"});
    CHECK_FALSE(s.reconciler->LastReport().pushed.empty());
    CHECK(Refs(s.repo) != refs);
  }
}

TEST_CASE("reconciler: a pass that loses a push race decides again without sending a webhook twice") {
  Setup s;
  s.StartAnalysis();
  // Someone pushes an unrelated change while the first hook is being answered,
  // once: the status commit built on the old head is rejected.
  int pushes = 0;
  s.hooks.on_call = [&] {
    if (pushes++ == 0) s.repo.Commit({{"README.md", "moved meanwhile\n"}}, "an unrelated change");
  };
  Status pass = s.reconciler->Pass();
  REQUIRE_MESSAGE(pass.ok(), pass.message());
  CHECK(s.reconciler->LastReport().conflicts == 1);  // the race happened and was retried
  CHECK_FALSE(s.reconciler->LastReport().pushed.empty());
  // Decided twice, each hook sent once: the second decision got the first answers.
  CHECK(s.hooks.urls == std::vector<std::string>{"http://127.0.0.1:9/first", "http://127.0.0.1:9/second"});
}

}  // namespace
}  // namespace gitcanary::plugin
