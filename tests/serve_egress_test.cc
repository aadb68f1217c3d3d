// serve's egress policy end to end, on loopback only: serve allows 127.0.0.1
// (or 127.0.0.0/8) with --allow-egress, and a recorder listens on a loopback
// address the policy denies (127.0.0.2, or 127.0.0.3 standing for the
// Kubernetes API service through KUBERNETES_SERVICE_HOST). The canary's
// pre-rollout webhook points at the recorder: the recorder must receive
// nothing, and the refusal must be a failed check whose reason is in the
// output, the log and the analysis note.
#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <vector>
#include <chrono>
#include <string>
#include <thread>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

// Counts the requests that reach `address` (any path, any method).
class CountingServer {
 public:
  explicit CountingServer(const std::string& address) : address_(address) {
    auto count = [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      res.set_content("ok", "text/plain");
    };
    server_.Post(".*", count);
    server_.Get(".*", count);
    port_ = server_.bind_to_any_port(address);
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && port_ > 0 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~CountingServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ready() const { return port_ > 0 && server_.is_running(); }
  std::string Url() const { return "http://" + address_ + ":" + std::to_string(port_) + "/hook"; }
  int requests() const { return requests_.load(); }

 private:
  std::string address_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> requests_{0};
};

// Initialises the canary, releases 1.0.1, and runs two passes: the first
// starts the analysis, the second runs the pre-rollout hook.
RunResult ReleaseWithHook(const TempDir& dir, GitopsRemote& repo, const std::string& hook_url,
                          const std::vector<std::string>& allow, const std::map<std::string, std::string>& env) {
  const std::string hooks = testing::OneWebhook("load-test", "pre-rollout", hook_url);
  std::vector<std::string> once = {"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache", "--once",
                                   "--all-due", "--readiness", "none", "--min-interval", "1s"};
  for (const std::string& a : allow) once.insert(once.end(), {"--allow-egress", a});
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0", hooks)}},
                                         "add podinfo");
  RunResult init = testing::Gitcanary(once, "", env);
  REQUIRE_MESSAGE(init.exit_code == 0, init.err);
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1", hooks)}},
                                         "podinfo 1.0.1");
  RunResult start = testing::Gitcanary(once, "", env);
  REQUIRE_MESSAGE(start.exit_code == 0, start.err);
  return testing::Gitcanary(once, "", env);
}

std::string Note(const GitopsRemote& repo) {
  return testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "notes", "--ref=gitcanary", "show", "main"}).out;
}

}  // namespace

TEST_CASE("serve egress: a webhook to a denied loopback address is a failed check and the recorder gets nothing") {
  CountingServer recorder("127.0.0.2");
  REQUIRE(recorder.ready());
  TempDir dir;
  GitopsRemote repo(dir);
  RunResult pass = ReleaseWithHook(dir, repo, recorder.Url(), {"127.0.0.1"}, {});
  INFO(pass.out);
  INFO(pass.err);
  const std::string reason = "egress denied: 127.0.0.2 is loopback (allow it with --allow-egress 127.0.0.2)";
  CHECK(recorder.requests() == 0);
  CHECK(repo.LatestStatus("podinfo").phase == "Progressing");
  CHECK(repo.LatestStatus("podinfo").failed_checks == 1);
  CHECK(pass.err.find(reason) != std::string::npos);  // logged
  const std::string note = Note(repo);
  INFO(note);
  CHECK(note.find("  webhook load-test: " + recorder.Url() + ": " + reason + "\n") != std::string::npos);
  CHECK(note.find("  failed checks: 1\n") != std::string::npos);
}

TEST_CASE("serve egress: the API service from KUBERNETES_SERVICE_HOST is refused under 127.0.0.0/8 and reached when allowed exactly") {
  CountingServer api("127.0.0.3");
  REQUIRE(api.ready());
  const std::map<std::string, std::string> env = {{"KUBERNETES_SERVICE_HOST", "127.0.0.3"}};
  {
    TempDir dir;
    GitopsRemote repo(dir);
    RunResult pass = ReleaseWithHook(dir, repo, api.Url(), {"127.0.0.0/8"}, env);
    INFO(pass.err);
    CHECK(api.requests() == 0);
    CHECK(repo.LatestStatus("podinfo").failed_checks == 1);
    CHECK(Note(repo).find("egress denied: 127.0.0.3 is the Kubernetes API service (KUBERNETES_SERVICE_HOST; allow "
                          "exactly this address with --allow-egress 127.0.0.3)") != std::string::npos);
  }
  {
    TempDir dir;
    GitopsRemote repo(dir);
    RunResult pass = ReleaseWithHook(dir, repo, api.Url(), {"127.0.0.0/8", "127.0.0.3"}, env);
    INFO(pass.err);
    CHECK(api.requests() == 1);
    CHECK(repo.LatestStatus("podinfo").failed_checks == 0);
  }
}

TEST_CASE("serve egress: a bad --allow-egress entry is a usage error before anything runs") {
  RunResult r = testing::Gitcanary({"serve", "--repo", "/nonexistent", "--once", "--allow-egress", "http://x/"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("--allow-egress: \"http://x/\" is not a host name, an IP address or a CIDR") != std::string::npos);
}

}  // namespace gitcanary
