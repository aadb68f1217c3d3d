// GitRemote: the git repository that holds gitcanary's state, seen through a
// local bare cache.
//
// Replicas read and write canary state only through one remote: they fetch
// the refs they need into the cache, build commits there (status commits,
// notes, lease commits), and push them back. A push is never forced, so the
// remote takes an update only when it fast-forwards the value the remote has
// at that instant: a commit built on a stale head comes back kRejected and the
// caller fetches, recomputes and retries. That compare-and-swap is what lets
// several replicas share one repository without losing or double-applying a
// step. The one exception is ReplaceRef, a compare-and-swap against an
// explicit old id that may replace a ref with an unrelated commit (the
// lease, which is one parentless commit rewritten in place). For smart
// transports (http, https, ssh) git-receive-pack checks the old value under
// the ref lock; for local paths and file:// URLs, where libgit2's local
// transport overwrites the ref without that check, GitRemote copies the
// objects and moves the ref itself with a locked compare-and-swap.
//
// Object ids are 40-character hex strings throughout. In the cache, a fetched
// or pushed ref has the remote's own name ("refs/heads/main"), so
// TreeSource::Open(path(), id, subdir) and `git --git-dir=path()` both read it.
// A GitRemote is not thread-safe, and one cache directory serves one
// GitRemote at a time; separate GitRemotes may run on separate threads.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "git/cache_compaction.h"
#include "git/libgit2_handle.h"

namespace gitcanary::git {

struct Credentials {
  std::string username;  // https user (default "git"); ssh user (default: from the URL, else "git")
  std::string token;     // https password or token; "" = none
  std::string ssh_key;   // private key file for ssh; "" = try ssh-agent
  std::string ssh_passphrase;
};

// `url` with any password/token in userinfo replaced by "***", for logs and
// errors. For http(s), a userinfo without ':' is taken to be a token and is
// replaced whole ("https://***@host/repo").
std::string RedactUrl(const std::string& url);

struct Author {
  std::string name = "gitcanary";
  std::string email = "gitcanary@localhost";
};

// One file to write (content) or delete (nullopt). `path` is relative to the
// top of the tree and '/'-separated ("apps/a/status.yaml").
struct FileChange {
  std::string path;
  std::optional<std::string> content;
};

// How to sign commits. kSsh: `key` is a private key file, used as
// `ssh-keygen -Y sign -n git -f KEY`; kGpg: `key` is a key id, used as
// `gpg --detach-sign --armor -u KEY`.
struct Signer {
  enum class Kind { kNone, kSsh, kGpg };
  Kind kind = Kind::kNone;
  std::string key;
};

struct CommitInfo {
  std::string id;
  long long time = 0;  // committer time, unix seconds
  std::string author;  // "Name <email>"
  std::string message;
  std::vector<std::string> parents;
};

enum class PushResult { kPushed, kRejected };

class GitRemote {
 public:
  // The cache: a bare repository at `cache_dir`, created (with its parent
  // directories) with remote "origin" = url when missing or empty. An
  // existing cache whose origin is another URL is an error. url: a local
  // path, file://, http(s)://, ssh://user@host/path or user@host:path.
  static Result<std::unique_ptr<GitRemote>> Open(const std::string& url, const std::string& cache_dir,
                                                 Credentials creds);

  const std::string& path() const { return path_; }  // the cache directory
  const std::string& url() const { return url_; }

  // Fetches `refs` (full names: "refs/heads/main", "refs/notes/gitcanary")
  // from origin, forced, into the same names in the cache; returns each
  // ref's remote commit, nullopt when the remote lacks it (the cache's copy
  // is then deleted). Errors name the redacted URL and libgit2's reason and
  // never contain the token.
  Result<std::map<std::string, std::optional<std::string>>> Fetch(const std::vector<std::string>& refs);

  // Pushes each (remote ref, commit) pair, never forced: kPushed when the
  // remote moved to the commit (or already had it), kRejected when the
  // commit does not fast-forward the remote's current value (a stale
  // parent) or the remote refused the update. Refs missing on the remote are
  // created. A pushed ref is also moved in the cache. A whole-push failure
  // (network, auth, missing repository) is an error.
  Result<std::map<std::string, PushResult>> Push(const std::vector<std::pair<std::string, std::string>>& updates);

  // Replaces the remote's `ref` with `commit` only if its value at that
  // instant is `expected_old` ("" = the ref must not exist): a
  // compare-and-swap that, unlike Push, does not ask for a fast-forward, so
  // a root commit may replace an unrelated one. kPushed when the remote moved
  // to `commit` (or already had it); kRejected when it held any other value
  // (nothing is changed), or refused the update (a server that denies
  // non-fast-forward updates of that ref). The cache's copy follows a won
  // update; other errors as for Push. Over http, https and ssh the push is
  // forced, aborted before anything is sent unless the remote advertised
  // `expected_old`, and git-receive-pack moves the ref only if it still holds
  // that value under the ref's lock, so a concurrent update in between makes
  // it kRejected. For local paths and file:// it is the locked
  // compare-and-swap against `expected_old`.
  Result<PushResult> ReplaceRef(const std::string& ref, const std::string& expected_old, const std::string& commit);

  // A new commit whose tree is `parent`'s tree with `changes` applied, in
  // order (subtrees are created and emptied ones removed); no ref moves.
  // `parent` "" = a root commit on an empty tree. Deleting a missing file is
  // a no-op; a path that runs through a file, or that names a directory, is
  // an error. An existing file keeps its executable bit. With a signer, the
  // commit carries a gpgsig header made by the system tool; a failing tool is
  // an error naming it.
  Result<std::string> WriteCommit(const std::string& parent, const std::vector<FileChange>& changes,
                                  const Author& author, long long when_seconds, const std::string& message,
                                  const Signer& signer = {});

  // A notes commit (git's notes layout, readable by
  // `git notes --ref=gitcanary show`) on top of `notes_parent` ("" = first)
  // that attaches `text` to `target`, replacing an older note there.
  Result<std::string> WriteNote(const std::string& notes_parent, const std::string& target, const std::string& text,
                                const Author& author, long long when_seconds);
  // The note on `target` in the notes commit `notes_commit`; nullopt when none.
  Result<std::optional<std::string>> ReadNote(const std::string& notes_commit, const std::string& target);

  // First-parent history from `from`, newest first, at most `limit` commits.
  Result<std::vector<CommitInfo>> FirstParentLog(const std::string& from, std::size_t limit);
  // Whether `ancestor` is `descendant` or one of its ancestors (to notice a
  // force-pushed branch). An `ancestor` the cache has never seen is not one.
  Result<bool> IsAncestor(const std::string& ancestor, const std::string& descendant);
  // The blob text at `path` in `commit`'s tree; nullopt when absent; an
  // error when `path` is a directory.
  Result<std::optional<std::string>> ReadFile(const std::string& commit, const std::string& path);

  // Compaction of the cache (git/cache_compaction.h): checked after every
  // fetch, on by default. Compact() runs it now when the cache is past the
  // policy's bounds (`force`: regardless) and then reopens the cache, so the
  // removed packs are closed and unmapped; it returns whether it ran. A
  // failed compaction after a fetch does not fail the fetch: it is kept in
  // compaction_error() until one succeeds.
  void SetCompaction(const CompactionPolicy& policy) { compaction_ = policy; }
  // A compaction that rewrites layers (a full one included) costs memory in
  // proportion to what it rewrites, up to the whole history. With a helper
  // set, those run as a child process: `argv` (an executable and its first
  // arguments) followed by CompactionHelperArgs; the child dies with this
  // process. Without one (the default), every compaction runs here.
  void SetCompactionHelper(std::vector<std::string> argv) { helper_ = std::move(argv); }
  Result<bool> Compact(bool force = false);
  long long compactions() const { return compactions_; }
  long long child_compactions() const { return child_compactions_; }  // of which in the helper
  const std::string& compaction_error() const { return compaction_error_; }

 private:
  GitRemote(std::string url, std::string path, Credentials creds, GitPtr<git_repository> repo);
  // Fetch's transfer: libgit2's for http, https and ssh; our own object
  // copy for local paths and file:// (git_remote.cc says why).
  Result<std::map<std::string, std::optional<std::string>>> FetchSmart(const std::vector<std::string>& refs);
  Result<std::map<std::string, std::optional<std::string>>> FetchLocal(const std::vector<std::string>& refs);
  // Moves each pushed ref of `updates` in the cache to the commit the remote took.
  Status FollowPushed(const std::vector<std::pair<std::string, git_oid>>& updates,
                      const std::map<std::string, PushResult>& results);

  Libgit2Session session_;
  std::string url_;
  std::string path_;
  Credentials creds_;
  GitPtr<git_repository> repo_;
  CompactionPolicy compaction_;
  std::vector<std::string> helper_;
  long long compactions_ = 0, child_compactions_ = 0;
  std::string compaction_error_;
};

// The arguments a compaction helper is given after its own: the cache
// directory and the policy, as `--max-packs N --max-loose N --grace-seconds N
// DIR` (see plugin/serve/compact_cache_command.h).
std::vector<std::string> CompactionHelperArgs(const std::string& cache_dir, const CompactionPolicy& policy);

// For operator commands run inside a local clone: commits `changes` on top of
// the local branch `branch` ("main" or "refs/heads/main") of the repository at
// `repo_path` (work tree or bare, no upward search), moving the branch with a
// compare-and-swap (a branch that moved meanwhile is an error saying so).
// When that branch is checked out in this work tree, the changed paths are
// also written to the work tree and the index so `git status` stays clean;
// a changed path with uncommitted changes is refused before anything is
// written. Returns the new commit.
Result<std::string> CommitToLocalBranch(const std::string& repo_path, const std::string& branch,
                                        const std::vector<FileChange>& changes, const Author& author,
                                        long long when_seconds, const std::string& message);

}  // namespace gitcanary::git
