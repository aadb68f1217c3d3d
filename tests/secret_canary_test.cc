// A canary secret: one distinctive value placed everywhere a credential or
// Secret data can enter gitcanary (a Secret's stringData and data, the
// userinfo of a webhook URL, a webhook's metadata), then every command run
// over that repository, and everything they print, log, commit, note or diff
// grepped for it, in plain text and in base64. The only place it may appear
// is where it has to: the webhook request itself, and git's own objects.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "tests/gitops_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

const char kSecret[] = "gc-canary-secret-9d4e1b";
const char kSecretBase64[] = "Z2MtY2FuYXJ5LXNlY3JldC05ZDRlMWI=";  // base64 of kSecret

std::string SecretManifest(const std::string& version) {
  return std::string("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: test\n") +
         "stringData:\n  password: " + kSecret + "-" + version + "\n" + "data:\n  token: " + kSecretBase64 + "\n";
}

// Every output collected, labelled, for one grep at the end.
struct Outputs {
  std::vector<std::pair<std::string, std::string>> all;
  void Add(const std::string& what, const RunResult& r) {
    all.push_back({what + " stdout", r.out});
    all.push_back({what + " stderr", r.err});
  }
  void AddStderr(const std::string& what, const RunResult& r) { all.push_back({what + " stderr", r.err}); }
};

}  // namespace

TEST_CASE("a canary secret value appears in no output, log, commit message, note or diff") {
  std::mutex mu;
  std::string received;  // what the webhook was sent
  testing::ServerThread hook([&](httplib::Server& s) {
    s.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu);
      received += req.body + "\n" + req.get_header_value("Authorization") + "\n";
      res.status = 500;
      res.set_content(std::string("upstream said no"), "text/plain");
    });
  });
  const std::string hook_url =
      "http://hook:" + std::string(kSecret) + "@127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  const std::string webhooks =
      "    webhooks:\n"
      "      - name: check\n"
      "        type: pre-rollout\n"
      "        url: " + hook_url + "\n"
      "        metadata:\n"
      "          token: " + kSecret + "\n";
  auto app = [&](const std::string& tag) {
    return testing::CanaryApp("podinfo", tag, webhooks) + SecretManifest(tag);
  };

  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/app.yaml", app("1.0.0")}}, "add podinfo");
  Outputs out;
  const std::vector<std::string> once = {"serve", "--repo", repo.remote(), "--cache-dir", dir / "cache",
                                         "--once", "--all-due", "--readiness", "none", "--allow-egress", "127.0.0.0/8"};
  out.Add("serve init", testing::Gitcanary(once));
  repo.Commit({{"apps/podinfo/app.yaml", app("1.0.1")}}, "podinfo 1.0.1");
  // The hook fails: two failed checks (threshold 2), then the rollback.
  for (int i = 0; i < 4; ++i) out.Add("serve pass " + std::to_string(i), testing::Gitcanary(once));
  REQUIRE(repo.LatestStatus("podinfo").phase == "Failed");
  {
    std::lock_guard<std::mutex> lock(mu);
    // The hook did get its metadata: the secret went where it was meant to.
    CHECK(received.find(kSecret) != std::string::npos);
  }

  // A running serve's JSON log, through one more release.
  repo.Commit({{"apps/podinfo/app.yaml", app("1.0.2")}}, "podinfo 1.0.2");
  {
    testing::ChildProcess serve({GITCANARY_BINARY, "serve", "--repo", repo.remote(), "--cache-dir", dir / "cache",
                                 "--min-interval", "1s", "--poll", "200ms", "--readiness", "none", "--listen", "off",
                                 "--allow-egress", "127.0.0.0/8"},
                                dir.path(), dir / "serve.log");
    testing::WaitFor([&] { return repo.StatusHistory("podinfo").size() >= 8; },
                     testing::Clock::now() + std::chrono::seconds(20));
  }
  out.all.push_back({"serve log", testing::ReadFile(dir / "serve.log")});

  const std::string remote = repo.remote();
  const std::string cache = dir / "operator-cache";
  out.Add("status", testing::Gitcanary({"status", "test/podinfo", "--repo", remote, "--cache-dir", cache}));
  out.Add("history", testing::Gitcanary({"history", "test/podinfo", "--repo", remote, "--cache-dir", cache}));
  out.Add("history json",
          testing::Gitcanary({"history", "test/podinfo", "--repo", remote, "--cache-dir", cache, "-o", "json"}));
  out.Add("retry", testing::Gitcanary({"retry", "test/podinfo", "--repo", remote, "--cache-dir", cache, "-m",
                                       "again"}));
  out.all.push_back({"commit messages and notes",
                     testing::Run({"/usr/bin/git", "--git-dir", remote, "log", "--all", "--format=%B%n%N",
                                   "--notes=gitcanary"})
                         .out});
  for (const char* format : {"markdown", "unified", "json"})
    out.Add(std::string("diff ") + format,
            testing::Gitcanary({"diff", "--repo", repo.work(), "--base", "HEAD~1", "--head", "HEAD", "--format",
                                format}));
  out.Add("lint", testing::Gitcanary({"lint", repo.work() + "/apps/podinfo"}));
  // render and generate print the Secret itself on stdout (that is their job): their stderr must not.
  out.AddStderr("render", testing::Gitcanary({"render", repo.work() + "/apps/podinfo"}));
  out.AddStderr("generate", testing::Run({"/bin/sh", "-c", "cd '" + repo.work() + "/apps/podinfo' && exec '"
                                          GITCANARY_BINARY "' generate"}));

  for (const auto& [what, text] : out.all) {
    CAPTURE(what);
    CHECK(text.find(kSecret) == std::string::npos);
    CHECK(text.find(kSecretBase64) == std::string::npos);
  }
  // And the outputs were not empty: the commands ran and said something about podinfo.
  int mentioning = 0;
  for (const auto& [what, text] : out.all) mentioning += text.find("podinfo") != std::string::npos;
  CHECK(mentioning >= 12);
}

}  // namespace gitcanary
