#include "tests/e2e/release_run.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "render/canary_status.h"
#include "render/loader.h"

namespace gitcanary::e2e {

using testing::ChildProcess;

ReleaseRun::ReleaseRun(int seconds, Traffic traffic)
    : repo(dir),
      cluster(dir, repo, "podinfo", traffic),
      deadline(Clock::now() + std::chrono::seconds(seconds)),
      helm_release_(traffic.helm_release) {}

ReleaseRun::~ReleaseRun() {
  for (auto& s : serve_) s.reset();  // SIGTERM, then SIGKILL after 5 s
}

void ReleaseRun::Start(int replicas) {
  cluster.Start(deadline);
  repo.Commit({{"apps/podinfo/app.yaml", cluster.Manifests({"1.0.0"})}}, "add podinfo 1.0.0");
  cluster.Sync();  // the bootstrap render: the primary and the canary run 1.0.0
  serve_.resize(static_cast<std::size_t>(replicas));
  for (std::size_t i = 0; i < serve_.size(); ++i) StartServe(i);
  Require(WaitForPhase("Initialized"), "the canary was not initialized");
  // Applied: the idle canary is scaled to zero.
  Require(cluster.WaitFor([&] { return !cluster.applied().empty() && cluster.applied().back().canary.image.empty(); },
                          deadline),
          "the idle canary was not scaled to zero");
}

void ReleaseRun::Release(const AppVersion& version, const std::string& message) {
  repo.Commit({{"apps/podinfo/app.yaml", cluster.Manifests(version)}}, message);
  cluster.Sync();
}

void ReleaseRun::StartServe(std::size_t i) {
  const std::string id = "replica-" + std::to_string(i);
  serve_[i].reset();
  serve_[i] = std::make_unique<ChildProcess>(cluster.ServeArgs(id), dir.path(), dir / ("serve-" + id + ".log"));
}

void ReleaseRun::StopServe(std::size_t i, int signal) { serve_[i]->Stop(signal, std::chrono::seconds(5)); }

bool ReleaseRun::WaitForStep(const std::string& phase, long long weight) {
  return cluster.WaitFor(
      [&] {
        const testing::StatusAt s = repo.LatestStatus("podinfo");
        return s.phase == phase && s.weight == weight;
      },
      deadline);
}

std::string ReleaseRun::StatusSteps() const { return Steps(repo.StatusHistory("podinfo")); }

std::vector<std::string> ReleaseRun::AppliedSpecs() const {
  std::vector<std::string> out;
  for (const testing::StatusAt& s : repo.StatusHistory("podinfo")) {
    testing::RunResult show = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show",
                                            s.commit + ":apps/podinfo/podinfo.gitcanary-status.yaml"});
    REQUIRE(show.exit_code == 0);
    auto docs = render::ParseManifests(show.out, s.commit);
    REQUIRE(docs.ok());
    for (const render::Manifest& m : *docs) {
      if (!render::IsStatusDocument(m)) continue;
      auto record = render::ParseStatusDocument(m);
      REQUIRE_MESSAGE(record.ok(), record.status().message());
      out.push_back(record->status.last_applied_spec);
    }
  }
  return out;
}

std::string ReleaseRun::HistoryJson() const {
  testing::RunResult r = testing::Gitcanary({"history", "test/podinfo", "--repo", repo.remote(), "--cache-dir",
                                             dir / "history-cache", "-o", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

std::string ReleaseRun::HistoryShape() const {
  std::string out;
  for (const auto& row : nlohmann::json::parse(HistoryJson())) {
    out += out.empty() ? "" : ", ";
    if (row["kind"] == "change") {
      out += "change";
      continue;
    }
    out += row["phase"].get<std::string>() + " " + std::to_string(row["weight"].get<long long>());
    if (row["failed_checks"].get<long long>() > 0) out += " (" + std::to_string(row["failed_checks"].get<long long>()) + " failed)";
  }
  return out;
}

std::string ReleaseRun::Routing() const {
  std::string out, last;
  for (const Applied& a : cluster.applied()) {
    const std::string state = std::to_string(a.primary_weight) + "/" + std::to_string(a.canary_weight) +
                              (a.matched.empty() ? "" : " [" + a.matched + "]") + " primary=" + (a.primary.image.empty() ? "-" : a.primary.Version()) +
                              " canary=" + (a.canary.image.empty() ? "-" : a.canary.Version());
    if (state == last) continue;
    out += (out.empty() ? "" : "; ") + state;
    last = state;
  }
  return out;
}

std::string ReleaseRun::Answers(int n, const std::map<std::string, std::string>& headers) const {
  std::string out;
  for (const auto& [answer, count] : cluster.Sample(n, headers))
    out += (out.empty() ? "" : ", ") + answer + " x" + std::to_string(count);
  return out;
}

void ReleaseRun::ExpectHealthyRelease(int load_tests) {
  const bool succeeded = WaitForPhase("Succeeded");
  const std::string logs = Logs();  // Logs() asserts: evaluate it here, not lazily in INFO
  INFO(logs);
  REQUIRE(succeeded);
  CHECK(StatusSteps() == kHealthyRelease);
  CHECK(HistoryShape() == kHealthyHistory);
  CHECK(Routing() == kHealthyRouting);
  CHECK(cluster.HookStarts() == load_tests);
  CHECK(Answers(20) == "version=2.0.0 x20");
  CHECK(cluster.errors().empty());
}

void ReleaseRun::Require(bool ok, const std::string& what) const {
  if (ok) return;
  const std::string logs = Logs();
  FAIL(what << "\n" << logs);
}

std::string ReleaseRun::Logs() const {
  std::string out = "statuses: " + Steps(repo.StatusHistory("podinfo")) + "\nrouting: " + Routing() + "\n" +
                    cluster.Logs();
  for (std::size_t i = 0; i < serve_.size(); ++i) {
    const std::string log = dir / ("serve-replica-" + std::to_string(i) + ".log");
    out += "--- " + log + "\n" + testing::Tail(testing::ReadFile(log)) + "\n";
  }
  return out;
}

}  // namespace gitcanary::e2e
