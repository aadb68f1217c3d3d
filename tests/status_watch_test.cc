// `gitcanary status --watch` as a process against a bare repository on disk:
// its first lines, a line within a bound after a status commit lands, the
// broken status with its `git revert` line, no CPU while the branch stands
// still, and a prompt exit 0 on SIGINT and SIGTERM. stdout goes to a file, so
// the watch prints one line per change (the terminal redraw is tested with a
// pseudo-terminal).
#include <doctest/doctest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::Clock;
using testing::GitopsRemote;
using testing::TempDir;
using testing::WaitFor;

const char kStatusPath[] = "apps/podinfo/podinfo.gitcanary-status.yaml";

std::string StatusDoc(const std::string& phase, long long weight, long long failed = 0) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "status:\n  phase: " + phase + "\n  canaryWeight: " + std::to_string(weight) +
         "\n  failedChecks: " + std::to_string(failed) +
         "\n  iterations: 0\n  lastTransitionTime: \"2026-12-01T10:00:00Z\"\n"
         "  promoted:\n    template:\n      metadata:\n        labels: {app: podinfo}\n      spec:\n"
         "        containers:\n          - name: app\n            image: ghcr.io/example/podinfo:1.0.0\n";
}

std::string Head(const GitopsRemote& repo) {
  return testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"}).out.substr(0, 40);
}

// utime + stime of `pid` in clock ticks, from /proc/PID/stat.
long long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(f);
    if (i == 15) {
      stime = std::stoll(f);
      break;
    }
  }
  return utime + stime;
}

std::vector<std::string> Watch(const GitopsRemote& repo, const TempDir& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{GITCANARY_BINARY, "status",        "--watch", "--interval", "200ms",
                                "--repo",         repo.remote(),   "--cache-dir", dir / "cache"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

bool Exited0(int wait_status) { return wait_status >= 0 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

}  // namespace

TEST_CASE("status --watch: a line per change within a second, none while idle, exit 0 on SIGINT") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {kStatusPath, StatusDoc("Initialized", 0)}},
              "podinfo");
  const std::string first = Head(repo);
  const std::string log = dir / "watch.log";
  ChildProcess watch(Watch(repo, dir), dir.path(), log);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  auto shows = [&](const std::string& what) { return testing::ReadFile(log).find(what) != std::string::npos; };
  REQUIRE_MESSAGE(WaitFor([&] { return shows(" test/podinfo Initialized weight=0 failed=0 commit=" + first.substr(0, 7)); },
                          deadline),
                  testing::ReadFile(log));

  // Idle: the branch stands still for 3 s (15 polls); each poll reads one
  // ref, a millisecond or two of CPU at most. (That the table is not drawn
  // again while idle is checked on a terminal below.)
  const long long before = CpuTicks(watch.pid());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const long long idle_ms = (CpuTicks(watch.pid()) - before) * 1000 / sysconf(_SC_CLK_TCK);
  MESSAGE("CPU over a 3 s idle window at a 200ms interval: " << idle_ms << " ms");
  CHECK(idle_ms <= 60);
  const std::string idle_log = testing::ReadFile(log);
  const auto lines_before = std::count(idle_log.begin(), idle_log.end(), '\n');
  CHECK(lines_before == 1);  // nothing printed while nothing moved

  const auto pushed = Clock::now();
  repo.Commit({{kStatusPath, StatusDoc("Progressing", 10, 1)}}, "canary test/podinfo: weight 0 -> 10");
  const std::string second = Head(repo);
  REQUIRE_MESSAGE(WaitFor([&] { return shows(" test/podinfo Progressing weight=10 failed=1 commit=" + second.substr(0, 7)); },
                          pushed + std::chrono::seconds(5)),
                  testing::ReadFile(log));
  MESSAGE("line seen " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - pushed).count()
                       << " ms after the push returned");

  // A person's commit breaks the status: the line says Halted, the error and the revert.
  repo.Commit({{kStatusPath, StatusDoc("Progressing", 150)}}, "tune: weight 150");
  const std::string broken = Head(repo);
  REQUIRE_MESSAGE(WaitFor([&] { return shows("recover=\"git revert " + broken + "\""); }, deadline),
                  testing::ReadFile(log));
  CHECK(shows(" test/podinfo Halted weight=0 failed=0 commit=" + broken.substr(0, 7) + " error=\""));
  CHECK(shows("apps/podinfo/podinfo.gitcanary-status.yaml:8:17: status.canaryWeight: must be between 0 and 100, got "
              "150\" recover="));

  const auto stop = Clock::now();
  const int status = watch.Stop(SIGINT, std::chrono::milliseconds(2000));
  CHECK_MESSAGE(Exited0(status), "wait status " << status << "\n" << testing::ReadFile(log));
  CHECK(Clock::now() - stop < std::chrono::milliseconds(1000));
}

TEST_CASE("status --watch -o json over a file:// URL: JSON lines, a Deleted line, exit 0 on SIGTERM") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {"apps/other/app.yaml", testing::CanaryApp("other", "1.0.0")}},
              "two apps");
  const std::string log = dir / "watch.log";
  std::vector<std::string> args = Watch(repo, dir, {"-o", "json"});
  args[6] = "file://" + repo.remote();
  ChildProcess watch(args, dir.path(), log);
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  auto shows = [&](const std::string& what) { return testing::ReadFile(log).find(what) != std::string::npos; };
  REQUIRE_MESSAGE(WaitFor([&] { return shows("\"name\":\"podinfo\"") && shows("\"name\":\"other\""); }, deadline),
                  testing::ReadFile(log));
  CHECK(shows(",\"commit\":\"" + Head(repo) + "\",\"namespace\":\"test\",\"name\":\"other\",\"status\":\"Initializing\""
              ",\"weight\":0,\"failed_checks\":0,"));
  testing::Sh("cd " + repo.work() + " && git rm -q -r apps/other && git commit -qm 'drop other' && git push -q origin HEAD:main");
  REQUIRE_MESSAGE(WaitFor([&] { return shows("\"name\":\"other\",\"status\":\"Deleted\""); }, deadline),
                  testing::ReadFile(log));
  // podinfo did not change: still its one line.
  std::string text = testing::ReadFile(log);
  std::size_t podinfo = 0;
  for (std::size_t at = text.find("\"name\":\"podinfo\""); at != std::string::npos; at = text.find("\"name\":\"podinfo\"", at + 1))
    ++podinfo;
  CHECK(podinfo == 1);
  const int status = watch.Stop(SIGTERM, std::chrono::milliseconds(2000));
  CHECK_MESSAGE(Exited0(status), "wait status " << status << "\n" << testing::ReadFile(log));
}

TEST_CASE("status --watch on a terminal clears the screen and draws the table again when the branch moves") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")},
               {kStatusPath, StatusDoc("Initialized", 0)}},
              "podinfo");
  std::vector<std::string> args = Watch(repo, dir);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::string screen;
  auto read_until = [&](const std::string& what, Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      if (screen.find(what) != std::string::npos) return true;
      struct pollfd fd {master, POLLIN, 0};
      if (poll(&fd, 1, 100) > 0) {
        char buf[4096];
        const ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) return false;
        screen.append(buf, static_cast<std::size_t>(n));
      }
    }
    return screen.find(what) != std::string::npos;
  };
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  CHECK_MESSAGE(read_until("Initialized", deadline), screen);
  CHECK(screen.find("\033[H\033[2J") != std::string::npos);
  CHECK(screen.find("NAMESPACE") != std::string::npos);
  CHECK(screen.find("branch main of ") != std::string::npos);
  // While the branch stands still (5 polls), nothing is drawn.
  screen.clear();
  CHECK_FALSE(read_until("\033[H", Clock::now() + std::chrono::seconds(1)));
  CHECK(screen.empty());
  repo.Commit({{kStatusPath, StatusDoc("Progressing", 20)}}, "canary test/podinfo: weight 10 -> 20");
  CHECK_MESSAGE(read_until("Progressing", deadline), screen);
  CHECK(screen.rfind("\033[H\033[2J", 0) == 0);  // a whole new screen
  kill(pid, SIGINT);
  int status = -1;
  for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
  if (!WIFEXITED(status)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(master);
  CHECK(Exited0(status));
}

}  // namespace gitcanary
