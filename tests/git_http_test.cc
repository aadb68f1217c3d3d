// GitRemote over http:// against `git http-backend`, run as a CGI program
// behind an httplib server on 127.0.0.1 that requires HTTP Basic auth with a
// token: fetch and push with the right token (including racing pushers, where
// git-receive-pack is the compare-and-swap), ReplaceRef's compare-and-swap
// on a ref that does not fast-forward (also raced), and errors with a wrong
// or missing token that name the redacted URL and never the token.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "git/git_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary::git {
namespace {

using gitcanary::testing::Run;
using gitcanary::testing::ServerThread;
using gitcanary::testing::TempDir;

const std::map<std::string, std::string> kGitEnv = {
    {"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"},   {"GIT_AUTHOR_NAME", "Test"},
    {"GIT_AUTHOR_EMAIL", "t@example.com"}, {"GIT_COMMITTER_NAME", "Test"}, {"GIT_COMMITTER_EMAIL", "t@example.com"}};

std::string Git(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, "", kGitEnv, 60);
  INFO("git " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

std::string Base64(const std::string& in) {
  static const char* kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < in.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

// Runs `git http-backend` for one request and copies its CGI reply into `res`.
void ServeCgi(const std::string& root, const httplib::Request& req, httplib::Response& res) {
  const std::size_t query = req.target.find('?');
  std::map<std::string, std::string> env = kGitEnv;
  env["GIT_PROJECT_ROOT"] = root;
  env["GIT_HTTP_EXPORT_ALL"] = "1";
  env["REMOTE_USER"] = "git";
  env["REQUEST_METHOD"] = req.method;
  env["PATH_INFO"] = req.path;
  env["QUERY_STRING"] = query == std::string::npos ? "" : req.target.substr(query + 1);
  env["CONTENT_TYPE"] = req.get_header_value("Content-Type");
  env["CONTENT_LENGTH"] = std::to_string(req.body.size());
  if (req.has_header("Content-Encoding")) env["HTTP_CONTENT_ENCODING"] = req.get_header_value("Content-Encoding");
  auto cgi = Run({"git", "http-backend"}, req.body, env, 60);
  std::size_t split = cgi.out.find("\r\n\r\n"), skip = 4;
  if (split == std::string::npos) split = cgi.out.find("\n\n"), skip = 2;
  if (cgi.exit_code != 0 || split == std::string::npos) {
    res.status = 500;
    res.set_content("http-backend failed: " + cgi.err, "text/plain");
    return;
  }
  std::istringstream headers(cgi.out.substr(0, split));
  std::string content_type = "application/octet-stream";
  res.status = 200;
  for (std::string line; std::getline(headers, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon), value = line.substr(colon + 2);
    if (name == "Status") res.status = std::stoi(value);
    else if (name == "Content-Type") content_type = value;
    else res.set_header(name, value);
  }
  res.set_content(cgi.out.substr(split + skip), content_type);
}

// Serves the repositories under `root` to clients that send `token`.
std::unique_ptr<ServerThread> GitServer(const std::string& root, const std::string& token) {
  return std::make_unique<ServerThread>([root, token](httplib::Server& server) {
    auto handler = [root, token](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Basic " + Base64("git:" + token)) {
        res.status = 401;
        res.set_header("WWW-Authenticate", "Basic realm=\"git\"");
        return;
      }
      ServeCgi(root, req, res);
    };
    server.Get(R"(/.*)", handler);
    server.Post(R"(/.*)", handler);
  });
}

std::string MakeRemote(const TempDir& tmp) {
  const std::string bare = tmp / "repos/remote.git", work = tmp / "work";
  Git(tmp.path(), {"init", "-q", "--bare", "-b", "main", bare});
  Git(tmp.path(), {"init", "-q", "-b", "main", work});
  gitcanary::testing::WriteFile(work + "/f", "0\n");
  Git(work, {"add", "-A"});
  Git(work, {"commit", "-q", "-m", "initial"});
  Git(work, {"push", "-q", bare, "main"});
  return Git(bare, {"rev-parse", "main"});
}

TEST_CASE("GitRemote over http: the right token fetches and pushes with compare-and-swap") {
  TempDir tmp;
  const std::string head = MakeRemote(tmp), bare = tmp / "repos/remote.git";
  auto server = GitServer(tmp / "repos", "tok-right-123");
  const std::string url = server->url() + "/remote.git";
  auto opened = GitRemote::Open(url, tmp / "cache", Credentials{"", "tok-right-123", "", ""});
  REQUIRE(opened.ok());
  GitRemote& remote = **opened;
  auto fetched = remote.Fetch({"refs/heads/main", "refs/notes/gitcanary"});
  INFO(fetched.status().message());
  REQUIRE(fetched.ok());
  CHECK(fetched->at("refs/heads/main") == head);
  CHECK_FALSE(fetched->at("refs/notes/gitcanary").has_value());
  auto commit = remote.WriteCommit(head, {{"f", "1\n"}}, Author{}, 1700000000, "one\n");
  REQUIRE(commit.ok());
  auto pushed = remote.Push({{"refs/heads/main", *commit}});
  INFO(pushed.status().message());
  REQUIRE(pushed.ok());
  CHECK(pushed->at("refs/heads/main") == PushResult::kPushed);
  CHECK(Git(bare, {"rev-parse", "main"}) == *commit);

  auto stale = remote.WriteCommit(head, {{"f", "2\n"}}, Author{}, 1700000001, "stale\n");
  REQUIRE(stale.ok());
  auto both = remote.Push({{"refs/heads/main", *stale}, {"refs/gitcanary/other", *stale}});
  INFO(both.status().message());
  REQUIRE(both.ok());
  CHECK(both->at("refs/heads/main") == PushResult::kRejected);
  CHECK(both->at("refs/gitcanary/other") == PushResult::kPushed);
  CHECK(Git(bare, {"rev-parse", "main"}) == *commit);
  CHECK(Git(bare, {"rev-parse", "refs/gitcanary/other"}) == *stale);
}

TEST_CASE("GitRemote over http: racing pushers never lose an update") {
  TempDir tmp;
  const std::string initial = MakeRemote(tmp), bare = tmp / "repos/remote.git";
  auto server = GitServer(tmp / "repos", "tok");
  const std::string url = server->url() + "/remote.git";
  constexpr int kThreads = 3, kWins = 3, kMaxAttempts = 60;
  std::mutex mu;
  std::vector<std::string> pushed, failures;
  auto worker = [&](int id) {
    auto opened = GitRemote::Open(url, tmp / ("cache" + std::to_string(id)), Credentials{"", "tok", "", ""});
    int wins = 0;
    for (int attempt = 0; opened.ok() && attempt < kMaxAttempts && wins < kWins; ++attempt) {
      auto fetched = (*opened)->Fetch({"refs/heads/main"});
      Result<std::string> commit = fetched.ok() ? (*opened)->WriteCommit(*fetched->at("refs/heads/main"),
                                                                         {{"f", std::to_string(id * 100 + attempt)}},
                                                                         Author{}, 1700000000 + attempt, "step\n")
                                                : Result<std::string>(fetched.status());
      auto result = commit.ok() ? (*opened)->Push({{"refs/heads/main", *commit}})
                                : Result<std::map<std::string, PushResult>>(commit.status());
      std::lock_guard<std::mutex> lock(mu);
      if (!result.ok()) { failures.push_back(result.status().message()); return; }
      if (result->at("refs/heads/main") == PushResult::kPushed) pushed.push_back(*commit), ++wins;
    }
    if (!opened.ok()) { std::lock_guard<std::mutex> lock(mu); failures.push_back(opened.status().message()); }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (std::thread& t : threads) t.join();
  for (const std::string& f : failures) FAIL_CHECK(f);
  CHECK(pushed.size() == static_cast<std::size_t>(kThreads * kWins));
  std::istringstream lines(Git(bare, {"rev-list", "--first-parent", "main"}));
  std::set<std::string> history, expected(pushed.begin(), pushed.end());
  for (std::string line; std::getline(lines, line);) history.insert(line);
  expected.insert(initial);
  CHECK(history == expected);
}

TEST_CASE("GitRemote over http: ReplaceRef replaces only from the expected old id") {
  TempDir tmp;
  const std::string head = MakeRemote(tmp), bare = tmp / "repos/remote.git";
  auto server = GitServer(tmp / "repos", "tok");
  auto opened = GitRemote::Open(server->url() + "/remote.git", tmp / "cache", Credentials{"", "tok", "", ""});
  REQUIRE(opened.ok());
  GitRemote& remote = **opened;
  const std::string ref = "refs/gitcanary/lease";
  auto root = [&](const std::string& message) {
    auto commit = remote.WriteCommit("", {}, Author{}, 1700000000, message);
    REQUIRE(commit.ok());
    return *commit;
  };
  auto replace = [&](const std::string& expected, const std::string& commit) {
    auto result = remote.ReplaceRef(ref, expected, commit);
    INFO(result.status().message());
    REQUIRE(result.ok());
    return *result;
  };
  const std::string one = root("one\n"), two = root("two\n"), three = root("three\n");
  CHECK(replace("", one) == PushResult::kPushed);
  CHECK(Git(bare, {"rev-parse", ref}) == one);
  CHECK(replace("", two) == PushResult::kRejected);    // the ref exists
  CHECK(replace(head, two) == PushResult::kRejected);  // stale
  CHECK(Git(bare, {"rev-parse", ref}) == one);
  auto pushed = remote.Push({{ref, two}});  // Push never forces: `two` is unrelated to `one`
  REQUIRE(pushed.ok());
  CHECK(pushed->at(ref) == PushResult::kRejected);
  CHECK(Git(bare, {"rev-parse", ref}) == one);
  CHECK(replace(one, two) == PushResult::kPushed);  // not a fast-forward, replaced
  CHECK(Git(bare, {"rev-parse", ref}) == two);
  CHECK(Git(tmp / "cache", {"rev-parse", ref}) == two);  // the cache follows
  CHECK(replace(one, three) == PushResult::kRejected);
  CHECK(Git(bare, {"rev-parse", ref}) == two);
  const std::string objects = Git(bare, {"rev-list", "--objects", ref});
  CHECK(std::count(objects.begin(), objects.end(), '\n') == 1);  // two lines: the commit and the empty tree
  CHECK(Git(bare, {"log", "-1", "--format=%P", ref}).empty());
  CHECK(Git(bare, {"rev-parse", "main"}) == head);
  // git-receive-pack's receive.denyNonFastForwards guards branches only, so it leaves the lease alone.
  Git(bare, {"config", "receive.denyNonFastForwards", "true"});
  CHECK(replace(two, three) == PushResult::kPushed);
  CHECK(Git(bare, {"rev-parse", ref}) == three);
  CHECK(replace(two, three) == PushResult::kPushed);  // already there
}

TEST_CASE("GitRemote over http: racing ReplaceRef callers win at most once from each value") {
  TempDir tmp;
  MakeRemote(tmp);
  const std::string bare = tmp / "repos/remote.git";
  auto server = GitServer(tmp / "repos", "tok");
  const std::string url = server->url() + "/remote.git", ref = "refs/gitcanary/race";
  constexpr int kThreads = 3, kRounds = 8;
  std::mutex mu;
  std::map<std::string, std::string> next;  // won: old -> new
  std::vector<std::string> failures;
  int won = 0;
  auto worker = [&](int id) {
    auto opened = GitRemote::Open(url, tmp / ("cache" + std::to_string(id)), Credentials{"", "tok", "", ""});
    for (int round = 0; opened.ok() && round < kRounds; ++round) {
      // A fetch is two requests; one that races a replacement fails (the commit
      // it was first told about is gone from the server's refs), so retry.
      auto fetched = (*opened)->Fetch({ref});
      for (int retry = 0; !fetched.ok() && retry < 5; ++retry) fetched = (*opened)->Fetch({ref});
      const std::string old = fetched.ok() ? fetched->at(ref).value_or("") : "";
      Result<std::string> commit = fetched.ok() ? (*opened)->WriteCommit("", {}, Author{}, 1700000000 + round,
                                                                         "by " + std::to_string(id) + " round " +
                                                                             std::to_string(round) + "\n")
                                                : Result<std::string>(fetched.status());
      auto result = commit.ok() ? (*opened)->ReplaceRef(ref, old, *commit) : Result<PushResult>(commit.status());
      std::lock_guard<std::mutex> lock(mu);
      if (!result.ok()) { failures.push_back(result.status().message()); return; }
      if (*result != PushResult::kPushed) continue;
      ++won;
      if (!next.emplace(old, *commit).second) failures.push_back("two replacements won from '" + old + "'");
    }
    if (!opened.ok()) { std::lock_guard<std::mutex> lock(mu); failures.push_back(opened.status().message()); }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (std::thread& t : threads) t.join();
  for (const std::string& f : failures) FAIL_CHECK(f);
  // The wins form one line from "" (absent) to the ref's final value. A thread's
  // attempts are sequential, and each one it lost was lost to a win inside it,
  // so there are at least kRounds wins.
  std::string at;
  int steps = 0;
  for (auto it = next.find(at); it != next.end(); it = next.find(at)) at = it->second, ++steps;
  CHECK(steps == won);
  CHECK(won >= kRounds);
  CHECK(Git(bare, {"rev-parse", ref}) == at);
}

TEST_CASE("GitRemote over http: a wrong or missing token fails without leaking it") {
  TempDir tmp;
  MakeRemote(tmp);
  auto server = GitServer(tmp / "repos", "tok-right-123");
  const std::string url = server->url() + "/remote.git";
  auto wrong = GitRemote::Open(url, tmp / "cache1", Credentials{"", "tok-WRONG-456", "", ""});
  REQUIRE(wrong.ok());
  auto fetched = (*wrong)->Fetch({"refs/heads/main"});
  REQUIRE_FALSE(fetched.ok());
  std::string message = fetched.status().message();
  CAPTURE(message);
  CHECK(message.find("fetch from " + url + ": ") == 0);
  CHECK(message.find("authentication failed") != std::string::npos);
  CHECK(message.find("tok-WRONG-456") == std::string::npos);
  CHECK(message.find("tok-right-123") == std::string::npos);

  const std::string userinfo_url = "http://git:tok-WRONG-456@127.0.0.1:" + std::to_string(server->port()) + "/remote.git";
  auto in_url = GitRemote::Open(userinfo_url, tmp / "cache2", Credentials{});
  REQUIRE(in_url.ok());
  auto root = (*in_url)->WriteCommit("", {}, Author{}, 1, "m");
  REQUIRE(root.ok());
  auto pushed = (*in_url)->Push({{"refs/heads/main", *root}});
  REQUIRE_FALSE(pushed.ok());
  message = pushed.status().message();
  CHECK(message.find("push to " + RedactUrl(userinfo_url) + ": ") == 0);
  CHECK(message.find("tok-WRONG-456") == std::string::npos);

  // A rotated token in the URL reuses the cache; another remote does not.
  const std::string rotated = "http://git:tok-right-123@127.0.0.1:" + std::to_string(server->port()) + "/remote.git";
  auto reopened = GitRemote::Open(rotated, tmp / "cache2", Credentials{});
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Fetch({"refs/heads/main"}).ok());
  CHECK_FALSE(GitRemote::Open(url + "/other", tmp / "cache2", Credentials{}).ok());

  auto none = GitRemote::Open(url, tmp / "cache3", Credentials{});
  REQUIRE(none.ok());
  auto anonymous = (*none)->Fetch({"refs/heads/main"});
  REQUIRE_FALSE(anonymous.ok());
  CHECK(anonymous.status().message().find("no token is set") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::git
