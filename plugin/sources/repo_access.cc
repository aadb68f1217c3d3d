#include "plugin/sources/repo_access.h"

#include <git2.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "git/libgit2_handle.h"
#include "plugin/clients/git_credentials.h"
#include "render/revision_checksum.h"

namespace gitcanary::plugin {

const char kRepoFlagsHelp[] = R"(Repository:
  --repo PATH|URL       a local clone or bare repository (used in place; push the
                        new commit as usual), or a remote URL (fetched, and the
                        commit pushed). Default: the current directory
  --branch NAME         branch (default: a local clone's current branch, else main)
  --cache-dir DIR       where the branch is fetched, for a local repository too
                        (default $TMPDIR/gitcanary/...)
  --token-file FILE, --token-env VAR, --username NAME, --ssh-key FILE
                        credentials for a remote, as for serve
)";

std::vector<FlagSpec> RepoFlags() {
  return {{"repo", 0, true},       {"branch", 0, true},   {"cache-dir", 0, true}, {"token-file", 0, true},
          {"token-env", 0, true},  {"username", 0, true}, {"ssh-key", 0, true}};
}

namespace {

// The branch a local repository's HEAD is on; "main" when detached or unborn.
std::string CurrentBranch(const std::string& path) {
  git::Libgit2Session session;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) return "main";
  git::GitPtr<git_repository> repo(raw);
  git_reference* head = nullptr;
  if (git_reference_lookup(&head, repo.get(), "HEAD") != 0) return "main";
  std::string target = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC ? git_reference_symbolic_target(head) : "";
  git_reference_free(head);
  const std::string prefix = "refs/heads/";
  git_oid oid;
  if (target.compare(0, prefix.size(), prefix) != 0 || git_reference_name_to_id(&oid, repo.get(), target.c_str()) != 0)
    return "main";  // detached, or an unborn branch (a bare repository's default HEAD)
  return target.substr(prefix.size());
}

// The commit a local branch points at; "" when it cannot be read.
std::string LocalBranchHead(const std::string& path, const std::string& branch) {
  git::Libgit2Session session;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) return "";
  git::GitPtr<git_repository> repo(raw);
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo.get(), ("refs/heads/" + branch).c_str()) != 0) return "";
  char hex[GIT_OID_HEXSZ + 1] = {0};
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

std::string DefaultCache(const std::string& url) {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp ? tmp : "/tmp") + "/gitcanary/op-" +
         render::Digest(yaml::Node::String(url)) + "-" + std::to_string(getuid());
}

}  // namespace

Result<std::unique_ptr<RepoAccess>> RepoAccess::Open(const ParsedArgs& args) {
  auto out = std::make_unique<RepoAccess>();
  const std::string repo = args.Get("repo").value_or(".");
  std::error_code ec;
  out->local_ = repo.find("://") == std::string::npos && std::filesystem::is_directory(repo, ec);
  out->display_ = git::RedactUrl(repo);
  if (out->local_) {
    // One spelling per repository (`.`, `./r/`, `r`, `/abs/r`): the cache
    // remembers the URL it was made for and refuses any other.
    std::filesystem::path full = std::filesystem::canonical(repo, ec);
    if (ec) full = std::filesystem::absolute(repo, ec).lexically_normal();
    out->path_ = full.string();
    out->branch_ = args.Get("branch").value_or(CurrentBranch(out->path_));
    auto remote = git::GitRemote::Open(out->path_, args.Get("cache-dir").value_or(DefaultCache(out->path_)), {});
    if (!remote.ok()) return remote.status();
    out->remote_ = std::move(*remote);
    return out;
  }
  auto token = ReadToken(args.Get("token-file").value_or(""), args.Get("token-env").value_or(""));
  if (!token.ok()) return token.status();
  git::Credentials creds;
  creds.token = *token;
  creds.username = args.Get("username").value_or("");
  creds.ssh_key = args.Get("ssh-key").value_or("");
  out->branch_ = args.Get("branch").value_or("main");
  const std::string url = MoveUrlCredentials(repo, &creds);
  auto remote = git::GitRemote::Open(url, args.Get("cache-dir").value_or(DefaultCache(url)), creds);
  if (!remote.ok()) return remote.status();
  out->remote_ = std::move(*remote);
  out->path_ = out->remote_->path();
  return out;
}

Result<std::string> RepoAccess::Head() {
  const std::string ref = "refs/heads/" + branch_;
  auto refs = remote_->Fetch({ref});
  if (!refs.ok()) return refs.status();
  if (!(*refs)[ref]) return Status::Invalid("branch " + branch_ + " does not exist in " + display_);
  return *(*refs)[ref];
}

Result<std::unique_ptr<git::TreeSource>> RepoAccess::Tree(const std::string& commit) {
  return git::TreeSource::OpenTree(remote_->path(), commit, "");
}

Result<std::optional<std::string>> RepoAccess::Commit(const std::string& parent,
                                                      const std::vector<git::FileChange>& changes,
                                                      const git::Author& author, const std::string& message) {
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  if (local_) {
    if (LocalBranchHead(path_, branch_) != parent) return std::optional<std::string>();  // moved: read again
    auto commit = git::CommitToLocalBranch(path_, branch_, changes, author, now, message);
    if (!commit.ok()) return commit.status();
    return std::optional<std::string>(*commit);
  }
  auto commit = remote_->WriteCommit(parent, changes, author, now, message);
  if (!commit.ok()) return commit.status();
  const std::string ref = "refs/heads/" + branch_;
  auto pushed = remote_->Push({{ref, *commit}});
  if (!pushed.ok()) return pushed.status();
  if ((*pushed)[ref] != git::PushResult::kPushed) return std::optional<std::string>();
  return std::optional<std::string>(*commit);
}

Result<HeadCatalog> ReadHeadCatalog(RepoAccess& repo, const CatalogOptions& options) {
  HeadCatalog out;
  auto head = repo.Head();
  if (!head.ok()) return head.status();
  out.head = *head;
  auto tree = repo.Tree(out.head);
  if (!tree.ok()) return tree.status();
  out.tree = std::move(*tree);
  auto catalog = ReadCatalog(*out.tree, options);
  if (!catalog.ok()) return catalog.status();
  out.catalog = std::move(*catalog);
  return out;
}

Result<const CatalogEntry*> HeadCatalog::Find(const std::string& id, const RepoAccess& repo) const {
  const CatalogEntry* e = catalog.Find(id);
  if (e != nullptr) return e;
  std::string msg = "no canary " + id + " on branch " + repo.branch() + " of " + repo.display();
  for (const std::string& err : catalog.errors) msg += "; an app did not load: " + err;
  return Status::Invalid(msg);
}

git::Author OperatorAuthor(const ParsedArgs& args) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  std::string user = env("USER");
  if (user.empty()) user = "operator";
  git::Author a;
  a.name = args.Get("author-name").value_or(env("GIT_AUTHOR_NAME").empty() ? user : env("GIT_AUTHOR_NAME"));
  a.email = args.Get("author-email").value_or(env("GIT_AUTHOR_EMAIL").empty() ? user + "@localhost"
                                                                                : env("GIT_AUTHOR_EMAIL"));
  return a;
}

}  // namespace gitcanary::plugin
