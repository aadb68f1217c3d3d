// Tests for git::GitRemote and CommitToLocalBranch against real bare
// repositories made with the git CLI in temporary directories: fetch, commit
// building, compare-and-swap pushes (including a multi-threaded race), notes,
// history, signing and error messages.
#include "git/git_remote.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "git/tree_source.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary::git {
namespace {

using gitcanary::testing::ReadFile;
using gitcanary::testing::Run;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

const std::map<std::string, std::string> kGitEnv = {
    {"GIT_CONFIG_GLOBAL", "/dev/null"},     {"GIT_CONFIG_NOSYSTEM", "1"},
    {"GIT_AUTHOR_NAME", "Test"},            {"GIT_AUTHOR_EMAIL", "test@example.com"},
    {"GIT_COMMITTER_NAME", "Test"},         {"GIT_COMMITTER_EMAIL", "test@example.com"}};

// Standard output of `git -C dir ARGS`, without the final newline; fails the
// test unless git exits 0.
std::string Git(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, "", kGitEnv, 60);
  INFO("git -C " << dir << " " << args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// A bare repository tmp/NAME whose main holds `files` in one commit made in
// the work clone tmp/NAME-work; returns that commit.
std::string MakeRemote(const TempDir& tmp, const std::string& name, const std::map<std::string, std::string>& files) {
  const std::string bare = tmp / name, work = tmp / (name + "-work");
  Git(tmp.path(), {"init", "-q", "--bare", "-b", "main", bare});
  Git(tmp.path(), {"init", "-q", "-b", "main", work});
  for (const auto& [path, content] : files) WriteFile(work + "/" + path, content);
  Git(work, {"add", "-A"});
  Git(work, {"commit", "-q", "-m", "initial"});
  Git(work, {"push", "-q", bare, "main"});
  return Git(bare, {"rev-parse", "main"});
}

std::unique_ptr<GitRemote> OpenOk(const std::string& url, const std::string& cache, Credentials creds = {}) {
  auto remote = GitRemote::Open(url, cache, creds);
  INFO(remote.status().message());
  REQUIRE(remote.ok());
  return std::move(*remote);
}

std::string Head(GitRemote& remote, const std::string& ref = "refs/heads/main") {
  auto fetched = remote.Fetch({ref});
  INFO(fetched.status().message());
  REQUIRE(fetched.ok());
  REQUIRE(fetched->at(ref).has_value());
  return *fetched->at(ref);
}

std::string CommitOk(GitRemote& remote, const std::string& parent, const std::vector<FileChange>& changes,
                     const std::string& message = "change\n") {
  auto commit = remote.WriteCommit(parent, changes, Author{"Tester", "tester@example.com"}, 1700000000, message);
  INFO(commit.status().message());
  REQUIRE(commit.ok());
  return *commit;
}

PushResult PushOk(GitRemote& remote, const std::string& ref, const std::string& commit) {
  auto pushed = remote.Push({{ref, commit}});
  INFO(pushed.status().message());
  REQUIRE(pushed.ok());
  return pushed->at(ref);
}

PushResult ReplaceOk(GitRemote& remote, const std::string& ref, const std::string& expected_old,
                     const std::string& commit) {
  auto replaced = remote.ReplaceRef(ref, expected_old, commit);
  INFO(replaced.status().message());
  REQUIRE(replaced.ok());
  return *replaced;
}

TEST_CASE("GitRemote: RedactUrl hides passwords and tokens") {
  CHECK(RedactUrl("https://user:s3cret@example.com/r.git") == "https://user:***@example.com/r.git");
  CHECK(RedactUrl("https://ghp_token@example.com/r.git") == "https://***@example.com/r.git");
  CHECK(RedactUrl("https://example.com/a@b.git") == "https://example.com/a@b.git");
  CHECK(RedactUrl("ssh://git@example.com/r.git") == "ssh://git@example.com/r.git");
  CHECK(RedactUrl("ssh://git:pw@example.com/r.git") == "ssh://git:***@example.com/r.git");
  CHECK(RedactUrl("git@example.com:org/r.git") == "git@example.com:org/r.git");
  CHECK(RedactUrl("/srv/git/r.git") == "/srv/git/r.git");
}

TEST_CASE("GitRemote: Open and Fetch from a local path and a file:// URL") {
  TempDir tmp;
  const std::string head = MakeRemote(tmp, "remote.git", {{"apps/a/x.yaml", "a: 1\n"}});
  int n = 0;
  for (const std::string& url : {tmp / "remote.git", "file://" + tmp / "remote.git"}) {
    CAPTURE(url);
    const std::string cache = tmp / ("cache" + std::to_string(n++));
    auto remote = OpenOk(url, cache);
    auto fetched = remote->Fetch({"refs/heads/main", "refs/notes/gitcanary"});
    REQUIRE(fetched.ok());
    CHECK(fetched->at("refs/heads/main") == head);
    CHECK_FALSE(fetched->at("refs/notes/gitcanary").has_value());
    CHECK(Git(cache, {"rev-parse", "refs/heads/main"}) == head);
    auto file = remote->ReadFile(head, "apps/a/x.yaml");
    REQUIRE(file.ok());
    CHECK(file->value_or("") == "a: 1\n");
    CHECK_FALSE(remote->ReadFile(head, "apps/a/none.yaml")->has_value());
    CHECK_FALSE(remote->ReadFile(head, "apps/a").ok());
    auto tree = TreeSource::Open(remote->path(), head, "apps/a");
    REQUIRE(tree.ok());
    CHECK(*(*tree)->Read("x.yaml") == "a: 1\n");
    remote.reset();
    CHECK(GitRemote::Open(url, cache, {}).ok());  // reopening is fine
    auto other = GitRemote::Open(tmp / "other.git", cache, {});
    REQUIRE_FALSE(other.ok());
    CHECK(other.status().message().find("belongs to remote") != std::string::npos);
  }
}

TEST_CASE("GitRemote: a local fetch copies only what the fetched refs reach") {
  // The cache of a lease holds one ref; fetching it must not copy the
  // branch's history, at every renewal, as libgit2's local transport would.
  TempDir tmp;
  const std::string main_head = MakeRemote(tmp, "remote.git", {{"apps/a/x.yaml", "a: 1\n"}});
  const std::string work = tmp / "remote.git-work";
  Git(work, {"checkout", "-q", "--orphan", "side"});
  WriteFile(work + "/apps/a/x.yaml", "a: 2\n");
  WriteFile(work + "/only-on-side.txt", "side\n");
  Git(work, {"add", "-A"});
  Git(work, {"commit", "-q", "-m", "side"});
  Git(work, {"push", "-q", tmp / "remote.git", "side"});
  const std::string side_head = Git(tmp / "remote.git", {"rev-parse", "side"});
  const std::string side_blob = Git(tmp / "remote.git", {"rev-parse", "side:only-on-side.txt"});
  for (const std::string& url : {tmp / "remote.git", "file://" + tmp / "remote.git"}) {
    CAPTURE(url);
    const std::string cache = tmp / (url.rfind("file", 0) == 0 ? "cache-url" : "cache-path");
    auto remote = OpenOk(url, cache);
    CHECK(Head(*remote, "refs/heads/side") == side_head);
    CHECK(Git(cache, {"cat-file", "-t", side_blob}) == "blob");
    // main's commit is not in the cache: only side was fetched.
    auto probe = Run({"git", "-C", cache, "cat-file", "-e", main_head}, "", kGitEnv, 60);
    CHECK(probe.exit_code != 0);
    CHECK(Head(*remote) == main_head);
    CHECK(Git(cache, {"cat-file", "-t", main_head}) == "commit");
    CHECK(Git(cache, {"rev-parse", "refs/heads/main"}) == main_head);
    // Fetching again copies nothing: the pack count stays.
    const std::string before = Git(cache, {"count-objects", "-v"});
    CHECK(Head(*remote) == main_head);
    CHECK(Git(cache, {"count-objects", "-v"}) == before);
  }
}

TEST_CASE("GitRemote: WriteCommit applies nested adds, edits and deletes") {
  TempDir tmp;
  const std::string head = MakeRemote(tmp, "remote.git",
                                      {{"top.txt", "top\n"},
                                       {"tool.sh", "#!/bin/sh\n"},
                                       {"apps/a/one.yaml", "one\n"},
                                       {"apps/a/two.yaml", "two\n"},
                                       {"apps/b/deep/three.yaml", "three\n"}});
  Git(tmp / "remote.git-work", {"update-index", "--chmod=+x", "tool.sh"});
  Git(tmp / "remote.git-work", {"commit", "-q", "-m", "exec"});
  Git(tmp / "remote.git-work", {"push", "-q", tmp / "remote.git", "main"});
  auto remote = OpenOk(tmp / "remote.git", tmp / "cache");
  const std::string base = Head(*remote);
  CHECK(base != head);
  const std::string commit = CommitOk(*remote, base,
                                      {{"apps/a/one.yaml", "edited\n"},
                                       {"apps/a/two.yaml", std::nullopt},
                                       {"apps/b/deep/three.yaml", std::nullopt},
                                       {"apps/c/new/four.yaml", "four\n"},
                                       {"top.txt", std::nullopt},
                                       {"missing.txt", std::nullopt},
                                       {"tool.sh", "#!/bin/sh\necho hi\n"}},
                                      "update things\n\nbody\n");
  const std::string cache = remote->path();
  std::string listing = Git(cache, {"ls-tree", "-r", "--format=%(objectmode) %(path)", commit});
  CHECK(listing == "100644 apps/a/one.yaml\n100644 apps/c/new/four.yaml\n100755 tool.sh");
  CHECK(Git(cache, {"ls-tree", "--name-only", commit, "apps/"}) == "apps/a\napps/c");
  CHECK(Git(cache, {"show", commit + ":apps/a/one.yaml"}) == "edited");
  CHECK(Git(cache, {"log", "-1", "--format=%an <%ae> %at %P %s", commit}) ==
        "Tester <tester@example.com> 1700000000 " + base + " update things");
  CHECK(Git(cache, {"fsck", "--no-progress", "--no-dangling"}).empty());

  const std::string root = CommitOk(*remote, "", {});
  CHECK(Git(cache, {"rev-parse", root + "^{tree}"}) == "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
  CHECK(Git(cache, {"log", "-1", "--format=%P", root}).empty());

  const Author author;
  auto into_file = remote->WriteCommit(base, {{"top.txt/x", "y"}}, author, 1, "m");
  REQUIRE_FALSE(into_file.ok());
  CHECK(into_file.status().message().find("top.txt: it is a file") != std::string::npos);
  auto over_dir = remote->WriteCommit(base, {{"apps", "y"}}, author, 1, "m");
  REQUIRE_FALSE(over_dir.ok());
  CHECK(over_dir.status().message().find("apps: it is a directory") != std::string::npos);
  for (const char* bad : {"../x", "/abs", "a//b", ".git/config", ""})
    CHECK_FALSE(remote->WriteCommit(base, {{bad, "y"}}, author, 1, "m").ok());
  CHECK_FALSE(remote->WriteCommit("1234", {}, author, 1, "m").ok());
}

TEST_CASE("GitRemote: a push wins, a push on a stale parent is rejected, missing refs are created") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git";
  const std::string head = MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  auto first = OpenOk(bare, tmp / "cache1");
  auto second = OpenOk(bare, tmp / "cache2");
  CHECK(Head(*first) == head);
  CHECK(Head(*second) == head);
  const std::string winner = CommitOk(*first, head, {{"f", "1\n"}});
  CHECK(PushOk(*first, "refs/heads/main", winner) == PushResult::kPushed);
  CHECK(Git(bare, {"rev-parse", "main"}) == winner);
  CHECK(Git(first->path(), {"rev-parse", "main"}) == winner);  // the cache follows

  const std::string stale = CommitOk(*second, head, {{"f", "2\n"}});
  CHECK(PushOk(*second, "refs/heads/main", stale) == PushResult::kRejected);
  CHECK(Git(bare, {"rev-parse", "main"}) == winner);
  CHECK(Git(second->path(), {"rev-parse", "main"}) == head);
  CHECK(PushOk(*first, "refs/heads/main", winner) == PushResult::kPushed);  // already there

  CHECK(Head(*second) == winner);
  const std::string retry = CommitOk(*second, winner, {{"f", "2\n"}});
  // One push, two refs: a new ref is created, a stale one is refused.
  auto both = second->Push({{"refs/gitcanary/new", retry}, {"refs/heads/main", stale}});
  REQUIRE(both.ok());
  CHECK(both->at("refs/gitcanary/new") == PushResult::kPushed);
  CHECK(both->at("refs/heads/main") == PushResult::kRejected);
  CHECK(Git(bare, {"rev-parse", "refs/gitcanary/new"}) == retry);
  CHECK(PushOk(*second, "refs/heads/main", retry) == PushResult::kPushed);
  // Creating a ref that exists meanwhile with an unrelated commit is refused.
  const std::string unrelated = CommitOk(*first, "", {{"g", "x"}});
  CHECK(PushOk(*first, "refs/gitcanary/new", unrelated) == PushResult::kRejected);
  CHECK(Git(bare, {"fsck", "--no-progress", "--no-dangling"}).empty());
  CHECK(Git(bare, {"show", "main:f"}) == "2");
}

TEST_CASE("GitRemote: ReplaceRef swaps against the expected old id whether or not it fast-forwards") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git";
  const std::string head = MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  const std::string ref = "refs/gitcanary/lease";
  int n = 0;
  for (const std::string& url : {bare, "file://" + bare}) {
    CAPTURE(url);
    auto remote = OpenOk(url, tmp / ("cache" + std::to_string(n++)));
    // Three unrelated root commits: none is an ancestor of another.
    const std::string one = CommitOk(*remote, "", {}, "one " + url + "\n");
    const std::string two = CommitOk(*remote, "", {}, "two " + url + "\n");
    const std::string three = CommitOk(*remote, "", {}, "three " + url + "\n");
    Git(bare, {"update-ref", "-d", ref});

    CHECK(ReplaceOk(*remote, ref, "", one) == PushResult::kPushed);  // absent, as expected: created
    CHECK(Git(bare, {"rev-parse", ref}) == one);
    CHECK(Git(remote->path(), {"rev-parse", ref}) == one);  // the cache follows
    CHECK(ReplaceOk(*remote, ref, "", two) == PushResult::kRejected);  // "" but the ref exists
    CHECK(ReplaceOk(*remote, ref, head, two) == PushResult::kRejected);  // stale: another id
    CHECK(Git(bare, {"rev-parse", ref}) == one);
    CHECK(Git(remote->path(), {"rev-parse", ref}) == one);
    // Push stays a fast-forward only: `two` does not descend from `one`.
    CHECK(PushOk(*remote, ref, two) == PushResult::kRejected);
    CHECK(Git(bare, {"rev-parse", ref}) == one);

    CHECK(ReplaceOk(*remote, ref, one, two) == PushResult::kPushed);  // not a fast-forward, yet replaced
    CHECK(Git(bare, {"rev-parse", ref}) == two);
    CHECK(Git(bare, {"log", "-1", "--format=%P", ref}).empty());  // no parent: `one` is gone from the ref
    CHECK(ReplaceOk(*remote, ref, one, three) == PushResult::kRejected);  // `one` is stale now
    CHECK(Git(bare, {"rev-parse", ref}) == two);
    CHECK(ReplaceOk(*remote, ref, one, two) == PushResult::kPushed);  // already there
    CHECK(Git(bare, {"rev-parse", "main"}) == head);

    auto bad = remote->ReplaceRef(ref, "abc", three);
    CHECK_FALSE(bad.ok());
    CHECK(bad.status().message().find("'abc'") != std::string::npos);
  }
  CHECK(Git(bare, {"fsck", "--no-progress", "--no-dangling"}).empty());
}

// Threads repeatedly read `ref` and replace it from what they read. A correct
// compare-and-swap lets at most one replacement win from each value, so the
// won (old, new) pairs form one unbroken line from "" (absent) to the final
// value.
void CheckReplaceRace(const std::string& url, const TempDir& tmp, const std::string& bare, const Credentials& creds,
                      int threads_n, int rounds) {
  const std::string ref = "refs/gitcanary/race";
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> won;  // (old, new)
  std::vector<std::string> failures;
  auto worker = [&](int id) {
    auto opened = GitRemote::Open(url, tmp / ("race-cache" + std::to_string(id)), creds);
    if (!opened.ok()) { std::lock_guard<std::mutex> lock(mu); failures.push_back(opened.status().message()); return; }
    GitRemote& remote = **opened;
    for (int round = 0; round < rounds; ++round) {
      auto fetched = remote.Fetch({ref});
      if (!fetched.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        failures.push_back(fetched.status().message());
        return;
      }
      const std::string old = fetched->at(ref).value_or("");
      auto commit = remote.WriteCommit("", {}, Author{}, 1700000000 + round,
                                       "by " + std::to_string(id) + " round " + std::to_string(round) + "\n");
      auto result = commit.ok() ? remote.ReplaceRef(ref, old, *commit) : Result<PushResult>(commit.status());
      std::lock_guard<std::mutex> lock(mu);
      if (!result.ok()) { failures.push_back(result.status().message()); return; }
      if (*result == PushResult::kPushed) won.emplace_back(old, *commit);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < threads_n; ++i) threads.emplace_back(worker, i);
  for (std::thread& t : threads) t.join();
  for (const std::string& f : failures) FAIL_CHECK(f);
  std::map<std::string, std::string> next;  // old -> new
  for (const auto& [old, now] : won) {
    INFO("two replacements won from '" << old << "'");
    CHECK(next.emplace(old, now).second);
  }
  std::string at;
  std::size_t steps = 0;
  for (auto it = next.find(at); it != next.end(); it = next.find(at)) at = it->second, ++steps;
  CHECK(steps == won.size());
  CHECK(won.size() >= static_cast<std::size_t>(rounds));  // each round someone wins
  CHECK(Git(bare, {"rev-parse", ref}) == at);
}

TEST_CASE("GitRemote: racing ReplaceRef callers win at most once from each value") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git";
  MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  CheckReplaceRace(bare, tmp, bare, {}, 4, 40);
}

TEST_CASE("GitRemote: concurrent pushers to one bare repository never lose an update") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git";
  const std::string initial = MakeRemote(tmp, "remote.git", {{"counter", "0"}});
  constexpr int kThreads = 4, kWins = 6, kMaxAttempts = 200;
  std::mutex mu;
  std::vector<std::string> pushed, failures;
  auto worker = [&](int id) {
    auto opened = GitRemote::Open(bare, tmp / ("cache" + std::to_string(id)), {});
    if (!opened.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failures.push_back(opened.status().message());
      return;
    }
    GitRemote& remote = **opened;
    int wins = 0;
    for (int attempt = 0; attempt < kMaxAttempts && wins < kWins; ++attempt) {
      auto fetched = remote.Fetch({"refs/heads/main"});
      if (!fetched.ok()) { std::lock_guard<std::mutex> lock(mu); failures.push_back(fetched.status().message()); return; }
      const std::string head = *fetched->at("refs/heads/main");
      const std::string tag = std::to_string(id) + "-" + std::to_string(attempt);
      auto commit = remote.WriteCommit(head, {{"counter", tag}, {"by/" + tag, tag}}, Author{}, 1700000000 + attempt,
                                       "step " + tag + "\n");
      auto result = commit.ok() ? remote.Push({{"refs/heads/main", *commit}})
                                : Result<std::map<std::string, PushResult>>(commit.status());
      std::lock_guard<std::mutex> lock(mu);
      if (!result.ok()) { failures.push_back(result.status().message()); return; }
      if (result->at("refs/heads/main") == PushResult::kPushed) {
        pushed.push_back(*commit);
        ++wins;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) threads.emplace_back(worker, i);
  for (std::thread& t : threads) t.join();
  for (const std::string& f : failures) FAIL_CHECK(f);
  CHECK(pushed.size() == static_cast<std::size_t>(kThreads * kWins));
  std::istringstream lines(Git(bare, {"rev-list", "--first-parent", "main"}));
  std::set<std::string> history;
  for (std::string line; std::getline(lines, line);) history.insert(line);
  std::set<std::string> expected(pushed.begin(), pushed.end());
  expected.insert(initial);
  CHECK(history == expected);
  CHECK(Git(bare, {"rev-list", "--count", "main"}) == std::to_string(expected.size()));
  CHECK(Git(bare, {"fsck", "--no-progress", "--no-dangling"}).empty());
}

TEST_CASE("GitRemote: notes are written, read back and readable by git notes") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git";
  const std::string head = MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  auto remote = OpenOk(bare, tmp / "cache");
  auto fetched = remote->Fetch({"refs/heads/main", "refs/notes/gitcanary"});
  REQUIRE(fetched.ok());
  CHECK_FALSE(fetched->at("refs/notes/gitcanary").has_value());
  auto first = remote->WriteNote("", head, "weight 10\n", Author{}, 1700000000);
  REQUIRE(first.ok());
  CHECK(remote->ReadNote(*first, head)->value_or("") == "weight 10\n");
  auto second = remote->WriteNote(*first, head, "weight 20\n", Author{}, 1700000001);
  REQUIRE(second.ok());
  CHECK(remote->ReadNote(*second, head)->value_or("") == "weight 20\n");
  CHECK(remote->ReadNote(*first, head)->value_or("") == "weight 10\n");
  const std::string other = CommitOk(*remote, head, {{"g", "1"}});
  CHECK_FALSE(remote->ReadNote(*second, other)->has_value());
  CHECK(Git(remote->path(), {"rev-parse", *second + "^"}) == *first);
  CHECK(PushOk(*remote, "refs/notes/gitcanary", *second) == PushResult::kPushed);
  CHECK(Git(bare, {"notes", "--ref=gitcanary", "show", head}) == "weight 20");
  auto reader = OpenOk(bare, tmp / "cache2");
  CHECK(Head(*reader, "refs/notes/gitcanary") == *second);
  CHECK(reader->ReadNote(*second, head)->value_or("") == "weight 20\n");
}

TEST_CASE("GitRemote: FirstParentLog and IsAncestor, also after a force-push") {
  TempDir tmp;
  const std::string bare = tmp / "remote.git", work = tmp / "remote.git-work";
  const std::string head = MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  auto remote = OpenOk(bare, tmp / "cache");
  CHECK(Head(*remote) == head);
  const std::string c1 = CommitOk(*remote, head, {{"f", "1\n"}}, "one\n");
  const std::string c2 = CommitOk(*remote, c1, {{"f", "2\n"}}, "two\n\nbody\n");
  CHECK(PushOk(*remote, "refs/heads/main", c2) == PushResult::kPushed);
  auto log = remote->FirstParentLog(c2, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 3);
  CHECK((*log)[0].id == c2);
  CHECK((*log)[0].message == "two\n\nbody\n");
  CHECK((*log)[0].author == "Tester <tester@example.com>");
  CHECK((*log)[0].time == 1700000000);
  CHECK((*log)[0].parents == std::vector<std::string>{c1});
  CHECK((*log)[1].id == c1);
  CHECK((*log)[2].id == head);
  CHECK((*log)[2].parents.empty());
  CHECK(remote->FirstParentLog(c2, 2)->size() == 2);
  CHECK(*remote->IsAncestor(head, c2));
  CHECK(*remote->IsAncestor(c2, c2));
  CHECK_FALSE(*remote->IsAncestor(c2, head));
  CHECK_FALSE(*remote->IsAncestor(std::string(40, 'a'), c2));
  CHECK_FALSE(remote->IsAncestor(head, std::string(40, 'a')).ok());

  // Someone rewrites main with the git CLI.
  Git(work, {"commit", "-q", "--allow-empty", "-m", "rewrite"});
  Git(work, {"push", "-q", "--force", bare, "main"});
  const std::string rewritten = Head(*remote);
  CHECK(rewritten == Git(bare, {"rev-parse", "main"}));
  CHECK_FALSE(*remote->IsAncestor(c2, rewritten));
  CHECK(*remote->IsAncestor(head, rewritten));
}

TEST_CASE("GitRemote: unreachable remotes and missing paths give clear errors") {
  TempDir tmp;
  auto missing = OpenOk(tmp / "nowhere.git", tmp / "cache1");
  auto fetched = missing->Fetch({"refs/heads/main"});
  REQUIRE_FALSE(fetched.ok());
  CHECK(fetched.status().message().find("fetch from " + tmp / "nowhere.git") != std::string::npos);
  CHECK(fetched.status().message().find("no git repository") != std::string::npos);
  const std::string root = CommitOk(*missing, "", {});
  auto pushed = missing->Push({{"refs/heads/main", root}});
  REQUIRE_FALSE(pushed.ok());
  CHECK(pushed.status().message().find("push to " + tmp / "nowhere.git") != std::string::npos);
  CHECK_FALSE(missing->Fetch({"main"}).ok());  // not a full ref name

  const std::string port = std::to_string(gitcanary::testing::FreePort());
  const std::string url = "http://user:hunter2pass@127.0.0.1:" + port + "/repo.git";
  auto http = OpenOk(url, tmp / "cache2", Credentials{"user", "tok-abcdef-123456", "", ""});
  auto refused = http->Fetch({"refs/heads/main"});
  REQUIRE_FALSE(refused.ok());
  const std::string message = refused.status().message();
  CAPTURE(message);
  CHECK(message.find("fetch from http://user:***@127.0.0.1:" + port + "/repo.git: ") == 0);
  CHECK(message.find("hunter2pass") == std::string::npos);
  CHECK(message.find("tok-abcdef-123456") == std::string::npos);
  CHECK(message.size() > std::string("fetch from " + RedactUrl(url) + ": ").size());

  auto ssh = OpenOk("ssh://git@127.0.0.1:" + port + "/repo.git", tmp / "cache3");
  auto no_ssh = ssh->Fetch({"refs/heads/main"});
  REQUIRE_FALSE(no_ssh.ok());
  CHECK(no_ssh.status().message().find("fetch from ssh://git@127.0.0.1:" + port) == 0);
}

TEST_CASE("GitRemote: WriteCommit signs with an ssh key") {
  if (Run({"sh", "-c", "command -v ssh-keygen"}).exit_code != 0) {
    MESSAGE("ssh-keygen is not installed; skipping");
    return;
  }
  TempDir tmp;
  const std::string head = MakeRemote(tmp, "remote.git", {{"f", "0\n"}});
  const std::string key = tmp / "signing_key";
  REQUIRE(Run({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", key}).exit_code == 0);
  WriteFile(tmp / "allowed_signers", "tester@example.com " + ReadFile(key + ".pub"));
  auto remote = OpenOk(tmp / "remote.git", tmp / "cache");
  CHECK(Head(*remote) == head);
  auto signed_commit = remote->WriteCommit(head, {{"f", "1\n"}}, Author{"Tester", "tester@example.com"}, 1700000000,
                                           "signed\n", Signer{Signer::Kind::kSsh, key});
  INFO(signed_commit.status().message());
  REQUIRE(signed_commit.ok());
  auto verify = Run({"git", "--git-dir", remote->path(), "-c", "gpg.format=ssh", "-c",
                     "gpg.ssh.allowedSignersFile=" + tmp / "allowed_signers", "verify-commit", *signed_commit},
                    "", kGitEnv);
  INFO(verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.err.find("Good \"git\" signature for tester@example.com") != std::string::npos);
  CHECK(Git(remote->path(), {"show", *signed_commit + ":f"}) == "1");

  auto bad = remote->WriteCommit(head, {}, Author{}, 1, "m", Signer{Signer::Kind::kSsh, tmp / "no_such_key"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("signing with ssh-keygen failed") == 0);
}

TEST_CASE("Git CommitToLocalBranch keeps a work tree clean and refuses to overwrite local edits") {
  TempDir tmp;
  const std::string work = tmp / "remote.git-work";
  const std::string head =
      MakeRemote(tmp, "remote.git", {{"apps/a/x.yaml", "a: 1\n"}, {"top.txt", "top\n"}, {"old/only.txt", "x\n"}});
  const Author author{"Operator", "op@example.com"};
  auto commit = CommitToLocalBranch(work, "main",
                                    {{"apps/a/x.yaml", "a: 2\n"}, {"new/dir/file.txt", "hello\n"},
                                     {"top.txt", std::nullopt}, {"old/only.txt", std::nullopt}},
                                    author, 1700000000, "approve canary\n");
  INFO(commit.status().message());
  REQUIRE(commit.ok());
  CHECK(Git(work, {"rev-parse", "HEAD"}) == *commit);
  CHECK(Git(work, {"rev-parse", "HEAD^"}) == head);
  CHECK(Git(work, {"status", "--porcelain", "--untracked-files=all"}).empty());
  CHECK(ReadFile(work + "/apps/a/x.yaml") == "a: 2\n");
  CHECK(ReadFile(work + "/new/dir/file.txt") == "hello\n");
  CHECK_FALSE(std::filesystem::exists(work + "/top.txt"));
  CHECK_FALSE(std::filesystem::exists(work + "/old"));
  CHECK(Git(work, {"log", "-1", "--format=%an %s"}) == "Operator approve canary");

  Git(work, {"branch", "side", head});
  auto side = CommitToLocalBranch(work, "refs/heads/side", {{"side.txt", "s\n"}}, author, 1700000001, "side\n");
  REQUIRE(side.ok());
  CHECK(Git(work, {"rev-parse", "side"}) == *side);
  CHECK(Git(work, {"rev-parse", "HEAD"}) == *commit);
  CHECK_FALSE(std::filesystem::exists(work + "/side.txt"));

  auto bare = CommitToLocalBranch(tmp / "remote.git", "main", {{"b.txt", "b\n"}}, author, 1700000002, "bare\n");
  REQUIRE(bare.ok());
  CHECK(Git(tmp / "remote.git", {"show", "main:b.txt"}) == "b");

  WriteFile(work + "/apps/a/x.yaml", "local edit\n");
  auto dirty = CommitToLocalBranch(work, "main", {{"apps/a/x.yaml", "a: 3\n"}}, author, 1700000003, "m\n");
  REQUIRE_FALSE(dirty.ok());
  CHECK(dirty.status().message().find("apps/a/x.yaml has uncommitted changes") == 0);
  CHECK(Git(work, {"rev-parse", "HEAD"}) == *commit);
  CHECK(ReadFile(work + "/apps/a/x.yaml") == "local edit\n");
  CHECK_FALSE(CommitToLocalBranch(work, "nope", {}, author, 1, "m").ok());
}

}  // namespace
}  // namespace gitcanary::git
