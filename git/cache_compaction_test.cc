// Tests for the cache's compaction (git/cache_compaction.h) through
// GitRemote, on real bare repositories made with the git CLI: the pack count
// stays bounded over many fetches, every ref and all history stay readable
// (git fsck agrees), removed packs are gone from disk and from the process's
// open files, young unpushed commits survive and old ones are pruned, and the
// cache still fetches and pushes afterwards.
#include "git/cache_compaction.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "git/git_remote.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary::git {
namespace {

using gitcanary::testing::Run;
using gitcanary::testing::ReadFile;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace fs = std::filesystem;

const std::map<std::string, std::string> kEnv = {
    {"GIT_CONFIG_GLOBAL", "/dev/null"}, {"GIT_CONFIG_NOSYSTEM", "1"},  {"GIT_AUTHOR_NAME", "Test"},
    {"GIT_AUTHOR_EMAIL", "t@example.com"}, {"GIT_COMMITTER_NAME", "Test"}, {"GIT_COMMITTER_EMAIL", "t@example.com"}};

// `git ARGS` in `dir`: standard output without the final newline, and the exit code.
std::pair<std::string, int> GitIn(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = Run(argv, "", kEnv, 60);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return {r.out + (r.exit_code == 0 ? "" : r.err), r.exit_code};
}

std::string Git(const std::string& dir, const std::vector<std::string>& args) {
  auto [out, code] = GitIn(dir, args);
  INFO("git -C " << dir << " " << args[0] << ": " << out);
  REQUIRE(code == 0);
  return out;
}

// A bare remote tmp/remote.git with one commit on main, and its work clone tmp/work.
struct Upstream {
  explicit Upstream(const TempDir& tmp) : bare(tmp / "remote.git"), work(tmp / "work") {
    Git(tmp.path(), {"init", "-q", "--bare", "-b", "main", bare});
    Git(tmp.path(), {"init", "-q", "-b", "main", work});
    Commit("a.txt", "0");
  }
  // One more commit on the remote's main, changing `path`.
  void Commit(const std::string& path, const std::string& content) {
    WriteFile(work + "/" + path, content);
    Git(work, {"add", "-A"});
    Git(work, {"commit", "-q", "-m", "change " + path});
    Git(work, {"push", "-q", "-f", bare, "main"});
  }
  std::string bare, work;
};

std::set<std::string> PackFiles(const std::string& cache) {
  std::set<std::string> out;
  for (const auto& f : fs::directory_iterator(fs::path(cache) / "objects" / "pack"))
    out.insert(f.path().filename().string());
  return out;
}

// Descriptors of this process open on files under `dir`; `deleted`: only
// those whose file is gone.
int OpenFilesUnder(const std::string& dir, bool deleted) {
  int n = 0;
  for (const auto& fd : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = fs::read_symlink(fd.path(), ec).string();
    if (ec || target.rfind(dir, 0) != 0) continue;
    if (!deleted || target.find(" (deleted)") != std::string::npos) ++n;
  }
  return n;
}

std::unique_ptr<GitRemote> OpenCache(const Upstream& up, const std::string& cache, CompactionPolicy policy) {
  auto remote = GitRemote::Open(up.bare, cache, {});
  INFO(remote.status().message());
  REQUIRE(remote.ok());
  (*remote)->SetCompaction(policy);
  return std::move(*remote);
}

std::string FetchMain(GitRemote& remote) {
  auto fetched = remote.Fetch({"refs/heads/main"});
  INFO(fetched.status().message());
  REQUIRE(fetched.ok());
  REQUIRE(fetched->at("refs/heads/main").has_value());
  return *fetched->at("refs/heads/main");
}

}  // namespace

TEST_CASE("cache compaction: many fetches keep the pack count bounded and every ref and file and commit readable") {
  TempDir tmp;
  Upstream up(tmp);
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.max_packs = 3;
  policy.max_loose = 1000000;  // packs alone trigger it here
  auto remote = OpenCache(up, cache, policy);
  std::set<std::string> seen;  // every pack file the cache ever held
  for (int i = 1; i <= 12; ++i) {
    up.Commit("f" + std::to_string(i % 4) + ".txt", std::to_string(i));
    const std::string head = FetchMain(*remote);
    const std::set<std::string> files = PackFiles(cache);
    seen.insert(files.begin(), files.end());
    CAPTURE(i);
    // A fetch adds one pack; the one that makes it max_packs + 1 compacts to one.
    CHECK(MeasureCache(cache).packs == static_cast<std::size_t>((i - 1) % 3 + 1));
    auto text = remote->ReadFile(head, "f" + std::to_string(i % 4) + ".txt");
    REQUIRE(text.ok());
    CHECK(text->value_or("") == std::to_string(i));
  }
  CHECK(remote->compactions() == 3);  // at fetches 4, 7 and 10
  CHECK(remote->compaction_error().empty());
  // Each removed pack is gone with its index, and no descriptor holds one.
  const std::set<std::string> now = PackFiles(cache);
  int removed = 0;
  for (const std::string& f : seen)
    if (now.count(f) == 0) ++removed;
  CHECK(removed >= 3 * 2);  // three packs' .pack and .idx at least
  CHECK(OpenFilesUnder(cache, true) == 0);
  // The whole history is there, and git finds nothing missing.
  CHECK(Git(cache, {"rev-list", "--count", "refs/heads/main"}) == "13");
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);

  // The cache still builds, pushes and fetches.
  auto commit = remote->WriteCommit(FetchMain(*remote), {{"pushed.txt", std::string("yes")}}, Author{}, 1700000000,
                                    "from the cache\n");
  REQUIRE(commit.ok());
  auto pushed = remote->Push({{"refs/heads/main", *commit}});
  REQUIRE(pushed.ok());
  CHECK(pushed->at("refs/heads/main") == PushResult::kPushed);
  CHECK(Git(up.bare, {"show", "main:pushed.txt"}) == "yes");
  up.Commit("after.txt", "after");
  (void)FetchMain(*remote);
  CHECK(Git(cache, {"show", "main:after.txt"}) == "after");

  // Forced, everything ends in one pack and no loose object is left.
  auto forced = remote->Compact(true);
  REQUIRE(forced.ok());
  CHECK(*forced);
  CHECK(MeasureCache(cache).packs == 1);
  CHECK(MeasureCache(cache).loose == 0);
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
  CHECK(Git(cache, {"rev-list", "--count", "refs/heads/main"}) == "14");  // the pushed commit was force-pushed away
}

TEST_CASE("cache compaction: loose objects past the bound trigger it and notes survive") {
  TempDir tmp;
  Upstream up(tmp);
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.max_packs = 100;
  policy.max_loose = 20;
  auto remote = OpenCache(up, cache, policy);
  std::string head = FetchMain(*remote);
  std::string notes;
  // Each note commit is 3 loose objects (commit, tree, blob).
  for (int i = 0; i < 6; ++i) {
    auto note = remote->WriteNote(notes, head, "note " + std::to_string(i), Author{}, 1700000000 + i);
    REQUIRE(note.ok());
    notes = *note;
  }
  CHECK(MeasureCache(cache).loose == 18);
  auto pushed = remote->Push({{"refs/notes/gitcanary", notes}});
  REQUIRE(pushed.ok());
  (void)FetchMain(*remote);
  CHECK(remote->compactions() == 0);  // 18 loose: not past 20
  for (int i = 6; i < 9; ++i) {
    auto note = remote->WriteNote(notes, head, "note " + std::to_string(i), Author{}, 1700000000 + i);
    REQUIRE(note.ok());
    notes = *note;
  }
  REQUIRE(remote->Push({{"refs/notes/gitcanary", notes}}).ok());
  (void)FetchMain(*remote);
  CHECK(remote->compactions() == 1);
  CHECK(MeasureCache(cache).loose == 0);
  auto text = remote->ReadNote(notes, head);
  REQUIRE(text.ok());
  CHECK(text->value_or("") == "note 8");
  CHECK(Git(cache, {"rev-list", "--count", "refs/notes/gitcanary"}) == "9");
}

TEST_CASE("cache compaction: an unpushed commit is kept while young and pruned when old") {
  struct Row {
    long long grace_seconds;
    bool kept;
  };
  for (const Row& row : {Row{600, true}, Row{0, false}}) {
    CAPTURE(row.grace_seconds);
    TempDir tmp;
    Upstream up(tmp);
    const std::string cache = tmp / "cache";
    CompactionPolicy policy;
    policy.grace_seconds = row.grace_seconds;
    auto remote = OpenCache(up, cache, policy);
    const std::string head = FetchMain(*remote);
    auto commit = remote->WriteCommit(head, {{"draft.txt", std::string("draft")}}, Author{}, 1700000000, "draft\n");
    REQUIRE(commit.ok());
    auto done = remote->Compact(true);
    REQUIRE(done.ok());
    CHECK(GitIn(cache, {"cat-file", "-e", *commit}).second == (row.kept ? 0 : 1));
    CHECK(GitIn(cache, {"cat-file", "-e", head}).second == 0);
    if (row.kept) {
      // Still usable: it pushes.
      auto pushed = remote->Push({{"refs/heads/main", *commit}});
      REQUIRE(pushed.ok());
      CHECK(pushed->at("refs/heads/main") == PushResult::kPushed);
    }
  }
}

TEST_CASE("cache compaction: leftovers of interrupted writes go once old and a kept pack stays") {
  TempDir tmp;
  Upstream up(tmp);
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.grace_seconds = 0;
  auto remote = OpenCache(up, cache, policy);
  (void)FetchMain(*remote);
  const std::string pack_dir = cache + "/objects/pack";
  WriteFile(pack_dir + "/pack_git2_leftover", "partial");
  fs::create_directories(cache + "/objects/ab");
  WriteFile(cache + "/objects/ab/tmp_obj_leftover", "partial");
  // A second pack marked .keep: compaction must not touch it.
  up.Commit("kept.txt", "kept");
  (void)FetchMain(*remote);
  std::string kept;
  for (const std::string& f : PackFiles(cache))
    if (f.size() > 5 && f.substr(f.size() - 5) == ".pack") kept = f.substr(0, f.size() - 5);  // any one
  REQUIRE(!kept.empty());
  WriteFile(pack_dir + "/" + kept + ".keep", "");
  auto done = remote->Compact(true);
  REQUIRE(done.ok());
  CHECK(!fs::exists(pack_dir + "/pack_git2_leftover"));
  CHECK(!fs::exists(cache + "/objects/ab/tmp_obj_leftover"));
  CHECK(fs::exists(pack_dir + "/" + kept + ".pack"));
  CHECK(fs::exists(pack_dir + "/" + kept + ".idx"));
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
}

TEST_CASE("cache compaction: layers: a compaction packs what arrived since the last, not the history") {
  TempDir tmp;
  Upstream up(tmp);
  for (int i = 0; i < 30; ++i) up.Commit("apps/a/f" + std::to_string(i) + ".txt", std::to_string(i));
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.max_packs = 16;
  policy.grace_seconds = 0;
  auto remote = OpenCache(up, cache, policy);
  const std::string first = FetchMain(*remote);
  // The first compaction has no record: full, one layer of every object the
  // history reaches (as git counts them).
  REQUIRE(PlanCompaction(cache, policy).full());
  REQUIRE(remote->Compact(true).ok());
  const std::string all = Git(cache, {"rev-list", "--objects", "--count", "refs/heads/main"});
  auto record = ParseLayers(testing::ReadFile(cache + "/" + kRecordFile));
  REQUIRE(record.has_value());
  REQUIRE(record->size() == 1);
  CHECK(std::to_string((*record)[0].objects) == all);
  REQUIRE((*record)[0].tips.size() == 1);
  CHECK((*record)[0].tips[0].id == first);
  CHECK((*record)[0].tips[0].ref == "refs/heads/main");

  // One commit changing one file in apps/a: the next compaction keeps the base
  // and packs only the commit, the root tree, apps, apps/a and the blob.
  up.Commit("apps/a/f3.txt", "changed");
  const std::string second = FetchMain(*remote);
  CompactionPlan plan = PlanCompaction(cache, policy);
  CHECK(plan.keep.size() == 1);
  CHECK(plan.rewritten == 0);
  CHECK(plan.incoming == 5);  // the fetched pack's objects
  REQUIRE(remote->Compact(true).ok());
  record = ParseLayers(testing::ReadFile(cache + "/" + kRecordFile));
  REQUIRE(record.has_value());
  REQUIRE(record->size() == 2);
  CHECK((*record)[1].objects == 5);
  CHECK((*record)[1].tips[0].id == second);
  CHECK(MeasureCache(cache).packs == 2);
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);

  // Twelve more, of at most 5 new objects each: the layers fold into each
  // other geometrically, and the base stays, as 12 x 5 is under half of it.
  const std::size_t base = (*record)[0].objects;
  std::size_t most_layers = 0;
  for (int i = 0; i < 12; ++i) {
    up.Commit("apps/b/g" + std::to_string(i % 7) + ".txt", "v" + std::to_string(i));
    (void)FetchMain(*remote);
    REQUIRE(remote->Compact(true).ok());
    record = ParseLayers(testing::ReadFile(cache + "/" + kRecordFile));
    REQUIRE(record.has_value());
    most_layers = std::max(most_layers, record->size());
    CHECK(MeasureCache(cache).packs == record->size());
    CHECK((*record)[0].objects == base);
  }
  CHECK(most_layers >= 3);
  CHECK(most_layers <= 8);
  // Once what came after the base reaches half of it, everything is packed
  // again: one layer of the whole history.
  bool full = false;
  for (int i = 0; i < 40 && !full; ++i) {
    up.Commit("apps/c/h" + std::to_string(i) + ".txt", "w" + std::to_string(i));
    (void)FetchMain(*remote);
    const CompactionPlan next = PlanCompaction(cache, policy);
    std::size_t newer = next.incoming;
    for (std::size_t j = 1; j < record->size(); ++j) newer += (*record)[j].objects;
    CHECK(next.full() == (2 * newer > base));
    REQUIRE(remote->Compact(true).ok());
    record = ParseLayers(testing::ReadFile(cache + "/" + kRecordFile));
    REQUIRE(record.has_value());
    full = next.full();
  }
  REQUIRE(full);
  REQUIRE(record->size() == 1);
  CHECK(std::to_string((*record)[0].objects) == Git(cache, {"rev-list", "--objects", "--count", "refs/heads/main"}));
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
  CHECK(Git(cache, {"show", "main:apps/a/f3.txt"}) == "changed");
}

TEST_CASE("cache compaction: layers: a record naming a missing pack, or a stray pack, leaves a valid cache") {
  TempDir tmp;
  Upstream up(tmp);
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.grace_seconds = 0;
  auto remote = OpenCache(up, cache, policy);
  (void)FetchMain(*remote);
  REQUIRE(remote->Compact(true).ok());
  // A record that names a pack the cache lacks: the next compaction is full.
  WriteFile(cache + "/" + kRecordFile,
            FormatLayers({Layer{"pack-" + std::string(40, '0'), 3, {{std::string(40, '1'), "refs/heads/main"}}}}));
  up.Commit("b.txt", "1");
  (void)FetchMain(*remote);
  CHECK(PlanCompaction(cache, policy).full());
  auto done = remote->Compact(true);
  REQUIRE(done.ok());
  CHECK(MeasureCache(cache).packs == 1);
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
  // Killed after writing a pack but before the record named it: that pack
  // is one more fetched pack to fold in, and goes.
  up.Commit("c.txt", "1");
  (void)FetchMain(*remote);
  const std::size_t before = MeasureCache(cache).packs;
  CHECK(before == 2);
  REQUIRE(remote->Compact(true).ok());
  auto record = ParseLayers(testing::ReadFile(cache + "/" + kRecordFile));
  REQUIRE(record.has_value());
  CHECK(record->size() == 2);
  CHECK(MeasureCache(cache).packs == 2);
  CHECK(Git(cache, {"show", "main:c.txt"}) == "1");
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
}

TEST_CASE("cache compaction: a helper process runs the compactions that rewrite layers") {
  TempDir tmp;
  Upstream up(tmp);
  for (int i = 0; i < 10; ++i) up.Commit("f" + std::to_string(i) + ".txt", "1");  // a base of 33 objects
  const std::string cache = tmp / "cache";
  CompactionPolicy policy;
  policy.grace_seconds = 0;
  auto remote = OpenCache(up, cache, policy);
  const std::string serve = (fs::path(GITCANARY_BINARY).parent_path() / "gitcanary-serve").string();
  REQUIRE(fs::exists(serve));
  remote->SetCompactionHelper({serve, "compact-cache"});
  (void)FetchMain(*remote);
  // The first is full: in the helper.
  REQUIRE(remote->Compact(true).ok());
  CHECK(remote->child_compactions() == 1);
  CHECK(fs::exists(cache + "/" + kRecordFile));
  // One new commit (3 objects) folds into a new layer, here.
  up.Commit("d.txt", "1");
  (void)FetchMain(*remote);
  REQUIRE(remote->Compact(true).ok());
  CHECK(remote->compactions() == 2);
  CHECK(remote->child_compactions() == 1);
  CHECK(GitIn(cache, {"fsck", "--full", "--no-dangling"}).second == 0);
  CHECK(OpenFilesUnder(cache, true) == 0);
  // The helper's own answers to bad input: usage (2), a directory that is not a cache (1).
  auto usage = Run({serve, "compact-cache", "--max-packs", "16"}, "", kEnv, 30);
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("usage: gitcanary-serve compact-cache") != std::string::npos);
  auto not_cache = Run({serve, "compact-cache", "--max-packs", "16", "--max-loose", "1024", "--grace-seconds", "600",
                        tmp / "work"},
                       "", kEnv, 30);
  CHECK(not_cache.exit_code == 1);
  CHECK(not_cache.err.find("is not serve's git cache") != std::string::npos);
  CHECK(not_cache.out.empty());
  // A helper that fails: its reason comes back, and the cache still works.
  remote->SetCompactionHelper({"/bin/sh", "-c", "echo no space left >&2; exit 1", "sh"});
  fs::remove(cache + "/" + kRecordFile);  // makes the next one full, so in the helper
  auto failed = remote->Compact(true);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message().find("no space left") != std::string::npos);
  up.Commit("e.txt", "1");
  CHECK(!FetchMain(*remote).empty());
  CHECK(Git(cache, {"show", "main:e.txt"}) == "1");
}

TEST_CASE("cache compaction: NeedsCompaction is strictly past the bounds and 0 packs turns it off") {
  struct Row {
    std::size_t packs, loose, max_packs, max_loose;
    bool needed;
  };
  const Row rows[] = {
      {3, 0, 3, 10, false}, {4, 0, 3, 10, true},   {1, 10, 3, 10, false},
      {1, 11, 3, 10, true}, {50, 5000, 0, 10, false},
  };
  for (const Row& r : rows) {
    CAPTURE(r.packs);
    CAPTURE(r.loose);
    CompactionPolicy policy;
    policy.max_packs = r.max_packs;
    policy.max_loose = r.max_loose;
    CHECK(NeedsCompaction(CacheShape{r.packs, r.loose}, policy) == r.needed);
  }
}

}  // namespace gitcanary::git
