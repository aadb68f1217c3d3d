// A real `gitcanary serve` under a steady stream of releases keeps its local
// cache and its open files bounded: with --cache-max-packs 3, the cache never
// holds more than a fetch's worth past the bound, serve keeps no more than a
// few descriptors into the cache (none to a removed pack for long), and the
// cache is a valid repository throughout. Without compaction the cache gains a
// pack per fetch and serve keeps each one open.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "git/cache_compaction.h"
#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::Clock;
using testing::GitopsRemote;
using testing::TempDir;

namespace fs = std::filesystem;

struct Fds {
  int total = 0, cache = 0, cache_deleted = 0;
};

// Descriptors of process `pid`: all, those on files under `cache`/, and those
// among them whose file was removed.
Fds OpenFiles(pid_t pid, const std::string& cache) {
  Fds out;
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    ++out.total;
    std::error_code link;
    const std::string target = fs::read_symlink(fd.path(), link).string();
    if (link || target.rfind(cache + "/", 0) != 0) continue;
    ++out.cache;
    if (target.find(" (deleted)") != std::string::npos) ++out.cache_deleted;
  }
  return out;
}

}  // namespace

TEST_CASE("serve under a stream of releases keeps its cache's packs and its open files bounded") {
  TempDir dir;
  GitopsRemote repo(dir);
  const std::vector<std::string> names = {"a", "b", "c", "d"};
  std::vector<std::pair<std::string, std::string>> apps;
  for (const std::string& n : names) apps.push_back({"apps/" + n + "/app.yaml", testing::CanaryApp(n, "1.0.0")});
  repo.Commit(apps, "four apps");
  const std::string cache = dir / "cache";
  const std::size_t max_packs = 3;
  ChildProcess serve({GITCANARY_BINARY, "serve", "--repo", repo.remote(), "--cache-dir", cache, "--min-interval",
                      "1s", "--poll", "200ms", "--readiness", "none", "--listen", "off", "--lease-ttl", "2s",
                      "--cache-max-packs", std::to_string(max_packs)},
                     dir.path(), dir / "serve.log");
  auto log = [&] { return testing::Tail(testing::ReadFile(dir / "serve.log")); };
  REQUIRE_MESSAGE(testing::WaitForPhase(repo, "a", "Initialized", Clock::now() + std::chrono::seconds(30)), log());

  // 20 s of releases, one canary after another, each a fetch (a pack) for serve.
  std::size_t most_packs = 0, most_loose = 0;
  int most_cache_fds = 0, first_total = -1, most_total = 0, deleted_seen_late = 0, samples = 0;
  const auto start = Clock::now();
  for (int release = 0; Clock::now() - start < std::chrono::seconds(20); ++release) {
    const std::string& n = names[release % names.size()];
    repo.Commit({{"apps/" + n + "/app.yaml", testing::CanaryApp(n, "1.0." + std::to_string(release + 1))}},
                "release " + n);
    for (int i = 0; i < 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      REQUIRE_MESSAGE(!serve.Exited(), log());
      const git::CacheShape shape = git::MeasureCache(cache);
      const Fds fds = OpenFiles(serve.pid(), cache);
      ++samples;
      most_packs = std::max(most_packs, shape.packs);
      most_loose = std::max(most_loose, shape.loose);
      most_cache_fds = std::max(most_cache_fds, fds.cache);
      if (first_total < 0) first_total = fds.total;
      most_total = std::max(most_total, fds.total);
      // A removed pack may stay open until the tree it was read for is
      // replaced at the next head; never for several samples in a row.
      deleted_seen_late = fds.cache_deleted > 0 ? deleted_seen_late + 1 : 0;
      CHECK(deleted_seen_late < 6);
    }
  }
  const int stopped = serve.Stop(SIGTERM, std::chrono::seconds(10));
  const std::string text = log();
  INFO(text);
  INFO("samples " << samples << ", packs at most " << most_packs << ", loose at most " << most_loose
                  << ", fds into the cache at most " << most_cache_fds << ", fds " << first_total << " -> at most "
                  << most_total);
  // Serve kept deciding meanwhile: many status commits, so many fetches.
  const std::string commits =
      testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-list", "--count", "--author=gitcanary", "main"}).out;
  CHECK(std::stoi(commits) >= 10);
  // The notes ref grew by one commit per status commit, with lease renewals every second besides.
  CHECK(testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-list", "--count", "refs/notes/gitcanary"}).out ==
        commits);
  // A fetch adds a pack and compacts when that makes max_packs + 1: a sample
  // between the two can see max_packs + 1, and one during the compaction
  // (run by the helper process) its new pack beside those it replaces.
  CHECK(most_packs <= max_packs + 2);
  CHECK(most_loose <= 64 * max_packs + 64);
  // The packs of the cache (at most max_packs + 1), and those of the tree of
  // the head before a compaction, until the next head.
  CHECK(most_cache_fds <= static_cast<int>(2 * (max_packs + 1)));
  CHECK(most_total <= first_total + 12);
  CHECK(testing::Run({"/usr/bin/git", "--git-dir", cache, "fsck", "--no-dangling"}).exit_code == 0);
  CHECK(stopped == 0);
}

}  // namespace gitcanary
