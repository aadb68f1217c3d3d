// `gitcanary dashboard` as a real process over a local bare repository: it
// shows the canaries serve initialised, follows a pushed status commit, links
// commits through --commit-url, answers only GET, and never shows the
// userinfo of the repository URL. Flag errors are usage errors.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::ChildProcess;
using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

// The overview once `ready` holds for it, within `seconds`; null otherwise.
nlohmann::json WaitForOverview(httplib::Client& client, int seconds, const std::function<bool(const nlohmann::json&)>& ready) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (auto res = client.Get("/api/overview"); res && res->status == 200) {
      nlohmann::json j = nlohmann::json::parse(res->body, nullptr, false);
      if (!j.is_discarded() && ready(j)) return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

}  // namespace

TEST_CASE("dashboard command: flag errors are usage errors with nothing on stdout") {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"dashboard", "--repo", ".", "--commit-url", "javascript:alert(1)//{sha}"},
           {"dashboard", "--repo", ".", "--commit-url", "https://git.example.com/commit/"},
           {"dashboard", "--repo", ".", "--interval", "soon"},
           {"dashboard", "--repo", ".", "--listen", "9798"},
           {"dashboard", "extra"},
           {"serve", "--repo", ".", "--commit-url", "ftp://git.example.com/{sha}"},
       }) {
    CAPTURE(args);
    RunResult r = testing::Gitcanary(args);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(!r.err.empty());
  }
  RunResult help = testing::Gitcanary({"dashboard", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--commit-url") != std::string::npos);
  CHECK(testing::Gitcanary({"--help"}).out.find("dashboard") != std::string::npos);
}

TEST_CASE("dashboard command: follows the branch, links commits and stays read-only") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  RunResult init = testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", dir / "serve-cache", "--once",
                                       "--readiness", "none"});
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  const int port = testing::FreePort();
  ChildProcess dashboard({GITCANARY_BINARY, "dashboard", "--repo", repo.remote(), "--cache-dir", dir / "cache",
                          "--listen", "127.0.0.1:" + std::to_string(port), "--interval", "200ms", "--commit-url",
                          "https://git.example.com/org/repo/commit/{sha}"},
                         dir.path(), dir / "dashboard.log");
  httplib::Client client("127.0.0.1", port);
  nlohmann::json first = WaitForOverview(client, 20, [](const nlohmann::json& j) { return j["canaries"].size() == 1; });
  REQUIRE_MESSAGE(!first.is_null(), testing::ReadFile(dir / "dashboard.log"));
  CHECK(first["canaries"][0]["id"] == "test/podinfo");
  CHECK(first["canaries"][0]["phase"] == "Initialized");
  CHECK(first["standalone"] == true);
  CHECK(first["repo"] == repo.remote());

  // A status commit pushed by someone else shows at the next read.
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main && sed -i -e 's/^  phase: .*/  phase: Progressing/' "
              "-e 's/^  canaryWeight: .*/  canaryWeight: 20/' apps/podinfo/podinfo.gitcanary-status.yaml && "
              "git commit -qam 'canary test/podinfo: weight 0 -> 20' && git push -q origin HEAD:main");
  nlohmann::json moved = WaitForOverview(client, 5, [](const nlohmann::json& j) {
    return j["canaries"].size() == 1 && j["canaries"][0]["weight"] == 20;
  });
  REQUIRE(!moved.is_null());
  CHECK(moved["canaries"][0]["phase"] == "Progressing");
  const std::string head = moved["head"];
  CHECK(moved["head_url"] == "https://git.example.com/org/repo/commit/" + head);

  auto page = client.Get("/api/canary/test/podinfo");
  REQUIRE(page);
  REQUIRE(page->status == 200);
  const nlohmann::json j = nlohmann::json::parse(page->body);
  REQUIRE(j["decisions"].size() >= 2);
  CHECK(j["decisions"][0]["commit"] == head);
  CHECK(j["decisions"][0]["weight"] == 20);
  CHECK(j["decisions"][0]["url"] == "https://git.example.com/org/repo/commit/" + head);
  CHECK(j["decisions"].back()["phase"] == "Initialized");
  CHECK(!j["decisions"].back()["evidence"].empty());  // serve's analysis note
  CHECK(client.Get("/api/chart/test/podinfo.svg")->get_header_value("Content-Type") == "image/svg+xml");

  auto post = client.Post("/api/overview", "", "text/plain");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(client.Get("/healthz")->status == 200);
}

TEST_CASE("dashboard in serve: every replica shows the canaries, the one without the lease too") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  const int port_a = testing::FreePort(), port_b = testing::FreePort();
  auto serve = [&](const std::string& name, int port) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{GITCANARY_BINARY, "serve", "--repo", repo.remote(), "--cache-dir", dir / ("cache-" + name),
                                 "--replica-id", name, "--listen", "127.0.0.1:" + std::to_string(port), "--poll", "200ms",
                                 "--readiness", "none", "--min-interval", "1s"},
        dir.path(), dir / (name + ".log"));
  };
  auto a = serve("a", port_a);
  httplib::Client client_a("127.0.0.1", port_a);
  auto initialized = [](const nlohmann::json& j) {
    return j["canaries"].size() == 1 && j["canaries"][0]["phase"] == "Initialized";
  };
  REQUIRE_MESSAGE(!WaitForOverview(client_a, 20, initialized).is_null(), testing::ReadFile(dir / "a.log"));
  auto b = serve("b", port_b);  // a holds the lease
  httplib::Client client_b("127.0.0.1", port_b);
  nlohmann::json seen = WaitForOverview(client_b, 10, initialized);
  REQUIRE_MESSAGE(!seen.is_null(), testing::ReadFile(dir / "b.log"));
  CHECK(testing::ReadFile(dir / "b.log").find("status committed") == std::string::npos);  // b decided nothing
  auto page = client_b.Get("/api/canary/test/podinfo");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(nlohmann::json::parse(page->body)["decisions"][0]["phase"] == "Initialized");
}

TEST_CASE("dashboard command: a repository URL's userinfo is never shown or logged") {
  TempDir dir;
  const int port = testing::FreePort();
  ChildProcess dashboard({GITCANARY_BINARY, "dashboard", "--repo", "http://deploy:s3cret@127.0.0.1:1/org/repo.git",
                          "--cache-dir", dir / "cache", "--listen", "127.0.0.1:" + std::to_string(port), "--interval",
                          "200ms"},
                         dir.path(), dir / "dashboard.log");
  httplib::Client client("127.0.0.1", port);
  nlohmann::json j = WaitForOverview(client, 10, [](const nlohmann::json&) { return true; });
  REQUIRE(!j.is_null());
  CHECK(j["repo"] == "http://127.0.0.1:1/org/repo.git");
  CHECK(j["canaries"].empty());  // the remote cannot be reached
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(dashboard.Stop(SIGTERM, std::chrono::seconds(5)) == 0);
  const std::string log = testing::ReadFile(dir / "dashboard.log");
  CHECK(log.find("cannot read the branch") != std::string::npos);
  CHECK(log.find("s3cret") == std::string::npos);
}

}  // namespace gitcanary
