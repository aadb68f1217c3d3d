// RepoAccess: how the operator commands (approve, abort, promote, retry,
// status, history) reach the repository named by --repo.
//
// A path that exists on this machine (a clone with a work tree, any directory
// inside one, or a bare repository) is used in place: the repository is found
// upward as git finds it, its branch is read directly, and a status commit
// moves that branch with compare-and-swap and updates the work tree, as `git
// commit` would; push it as usual. In a work clone whose branch has an
// upstream, Open warns on stderr when the branch is behind or ahead of it
// (after `git fetch` with --fetch), and PushHint says that a commit awaits a
// push. Anything else is a remote URL: it is fetched into a cache directory
// and status commits are pushed, never forced.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "git/git_remote.h"
#include "git/tree_source.h"
#include "plugin/commands/args.h"
#include "plugin/serve/canary_catalog.h"

namespace gitcanary::plugin {

// --repo, --branch, --fetch, --cache-dir and the credential flags.
std::vector<FlagSpec> RepoFlags();
extern const char kRepoFlagsHelp[];

class RepoAccess {
 public:
  static Result<std::unique_ptr<RepoAccess>> Open(const ParsedArgs& args);

  const std::string& branch() const { return branch_; }
  const std::string& display() const { return display_; }  // redacted, for messages
  // Fetches (remote) or reads (local) the branch head.
  Result<std::string> Head();
  // The tree of `commit`, rooted at the top.
  Result<std::unique_ptr<git::TreeSource>> Tree(const std::string& commit);
  // Commits `changes` on top of `parent` and moves the branch (push or local
  // compare-and-swap). nullopt: the branch moved meanwhile; read and try again.
  Result<std::optional<std::string>> Commit(const std::string& parent, const std::vector<git::FileChange>& changes,
                                            const git::Author& author, const std::string& message);
  // For history: the remote (or the local repository opened as one).
  git::GitRemote* remote() { return remote_.get(); }
  // The local repository's top (its config gives the operator's identity);
  // "" for a remote URL.
  std::string local_path() const { return local_ ? path_ : ""; }
  // After `commit` landed on a local clone's branch that has an upstream:
  // "committed abc1234 on main; run git push to publish it to origin/main";
  // else "".
  std::string PushHint(const std::string& commit) const;

 private:
  bool local_ = false;
  std::string path_;     // local repository, or the cache
  std::string branch_;
  std::string display_;
  std::unique_ptr<git::GitRemote> remote_;
  std::string upstream_;  // a local clone's upstream ("origin/main"), when it has one
};

// The branch head as the operator commands read it: the commit, its tree and
// the canaries in it.
struct HeadCatalog {
  std::string head;
  std::unique_ptr<git::TreeSource> tree;
  Catalog catalog;

  // The canary `id`, or an error naming the branch, the repository and any
  // app that did not load.
  Result<const CatalogEntry*> Find(const std::string& id, const RepoAccess& repo) const;
};
Result<HeadCatalog> ReadHeadCatalog(RepoAccess& repo, const CatalogOptions& options);

// The author of an operator's commit, each of name and email taken from the
// first that gives it, as git takes it: --author "Name <email>",
// --author-name/--author-email, $GIT_AUTHOR_NAME/$GIT_AUTHOR_EMAIL, git config
// user.name/user.email (`repo_path`'s config over the global, XDG and system
// files; those only when ""), $EMAIL. With none of these, $USER and
// $USER@localhost ("operator" without $USER), said on stderr.
Result<git::Author> OperatorAuthor(const ParsedArgs& args, const std::string& repo_path);

}  // namespace gitcanary::plugin
