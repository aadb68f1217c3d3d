#include "plugin/sources/repo_access.h"

#include <git2.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <iostream>

#include "git/libgit2_handle.h"
#include "git/local_repository.h"
#include "plugin/apps/run_tool.h"
#include "plugin/clients/git_credentials.h"
#include "render/revision_checksum.h"

namespace gitcanary::plugin {

const char kRepoFlagsHelp[] = R"(Repository:
  --repo PATH|URL       a local clone (any directory in it) or bare repository
                        (used in place; push the new commit as usual), or a
                        remote URL (fetched, and the commit pushed). Default:
                        the repository holding the current directory
  --branch NAME         branch (default: a local clone's current branch, else main)
  --fetch               in a local clone, run `git fetch` for the branch's
                        upstream first (a branch behind or ahead of its
                        upstream is warned about either way)
  --cache-dir DIR       where the branch is fetched, for a local repository too
                        (default $TMPDIR/gitcanary/...)
  --token-file FILE, --token-env VAR, --username NAME, --ssh-key FILE
                        credentials for a remote, as for serve
)";

std::vector<FlagSpec> RepoFlags() {
  return {{"repo", 0, true},       {"branch", 0, true},   {"cache-dir", 0, true}, {"token-file", 0, true},
          {"token-env", 0, true},  {"username", 0, true}, {"ssh-key", 0, true},   {"fetch", 0, false}};
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

std::string Commits(std::size_t n) { return std::to_string(n) + (n == 1 ? " commit" : " commits"); }

constexpr int kFetchTimeoutMs = 120000;

// `git fetch REMOTE` in the clone, so its credential helpers and ssh
// configuration apply as they do for the person's own fetches.
Status FetchUpstream(const std::string& path, const git::UpstreamState& up) {
  if (up.remote.empty() || up.remote == ".") return Status::Ok();  // a local upstream branch
  auto run = RunTool({"git", "fetch", "--quiet", up.remote}, path, kFetchTimeoutMs);
  if (!run.ok()) return run.status();
  if (run->failure == ToolFailure::kNotFound) return Status::Invalid("--fetch runs git, which is not on PATH");
  if (run->failure == ToolFailure::kTimedOut) return Status::Io("git fetch " + up.remote + " timed out");
  if (run->run.exit_code != 0)
    return Status::Io("git fetch " + up.remote + " failed: " + FirstUsefulLine(run->run.err));
  return Status::Ok();
}

// The warning for a local branch that is not where its upstream is; "" when it is.
std::string StaleWarning(const std::string& branch, const git::UpstreamState& up, bool fetched_now) {
  if (up.ahead == 0 && up.behind == 0) return "";
  std::string out = "gitcanary: warning: branch " + branch;
  if (up.ahead > 0 && up.behind > 0)
    out += " and " + up.upstream + " have diverged (" + std::to_string(up.ahead) + " ahead, " +
           std::to_string(up.behind) + " behind): run git pull --rebase, then git push";
  else if (up.behind > 0)
    out += " is " + Commits(up.behind) + " behind " + up.upstream +
           ": this reads the local branch; run git pull to bring it up to date";
  else
    out += " is " + Commits(up.ahead) + " ahead of " + up.upstream + ": run git push to publish it";
  if (!fetched_now) out += " (" + up.upstream + " as last fetched; --fetch fetches it first)";
  return out + "\n";
}

}  // namespace

Result<std::unique_ptr<RepoAccess>> RepoAccess::Open(const ParsedArgs& args) {
  auto out = std::make_unique<RepoAccess>();
  const std::string repo = args.Get("repo").value_or(".");
  std::error_code ec;
  out->local_ = repo.find("://") == std::string::npos && std::filesystem::is_directory(repo, ec);
  out->display_ = git::RedactUrl(repo);
  if (out->local_) {
    // Any directory of a work tree names its repository, as for git.
    auto found = git::FindRepository(repo);
    if (!found.ok()) return found.status();
    // One spelling per repository (`.`, `./r/`, `r`, `/abs/r`): the cache
    // remembers the URL it was made for and refuses any other.
    std::filesystem::path full = std::filesystem::canonical(found->root, ec);
    if (ec) full = std::filesystem::absolute(found->root, ec).lexically_normal();
    out->path_ = full.string();
    out->branch_ = args.Get("branch").value_or(CurrentBranch(out->path_));
    auto upstream = git::CompareWithUpstream(out->path_, out->branch_);
    if (!upstream.ok()) return upstream.status();
    if (*upstream && args.Has("fetch")) {
      if (Status s = FetchUpstream(out->path_, **upstream); !s.ok()) return s;
      upstream = git::CompareWithUpstream(out->path_, out->branch_);
      if (!upstream.ok()) return upstream.status();
    } else if (!*upstream && args.Has("fetch")) {
      std::cerr << "gitcanary: --fetch: branch " << out->branch_ << " of " << out->path_
                << " has no upstream; nothing fetched\n";
    }
    if (*upstream) {
      out->upstream_ = (*upstream)->upstream;
      std::cerr << StaleWarning(out->branch_, **upstream, args.Has("fetch"));
    }
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

std::string RepoAccess::PushHint(const std::string& commit) const {
  if (!local_ || upstream_.empty()) return "";
  return "committed " + commit.substr(0, 7) + " on " + branch_ + "; run git push to publish it to " + upstream_ + "\n";
}

Result<git::Author> OperatorAuthor(const ParsedArgs& args, const std::string& repo_path) {
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v != nullptr ? v : "");
  };
  std::string given_name, given_email;
  if (auto author = args.Get("author")) {
    const std::size_t open = author->rfind('<');
    const std::size_t close = author->rfind('>');
    if (open == std::string::npos || close != author->size() - 1 || close <= open + 1 || open == 0 ||
        (*author)[open - 1] != ' ')
      return Status::Usage("--author wants \"Name <email>\", not \"" + *author + "\"");
    given_name = author->substr(0, open - 1);
    given_email = author->substr(open + 1, close - open - 1);
    while (!given_name.empty() && given_name.back() == ' ') given_name.pop_back();
    if (given_name.empty()) return Status::Usage("--author wants \"Name <email>\", not \"" + *author + "\"");
  }
  const git::Identity configured = git::ConfiguredIdentity(repo_path);
  auto first = [](std::initializer_list<std::string> choices) {
    for (const std::string& c : choices)
      if (!c.empty()) return c;
    return std::string();
  };
  git::Author a;
  a.name = first({given_name, args.Get("author-name").value_or(""), env("GIT_AUTHOR_NAME"), configured.name});
  a.email = first({given_email, args.Get("author-email").value_or(""), env("GIT_AUTHOR_EMAIL"), configured.email,
                   env("EMAIL")});
  if (!a.name.empty() && !a.email.empty()) return a;
  const std::string user = env("USER").empty() ? "operator" : env("USER");
  std::string missing = a.name.empty() && a.email.empty() ? "user.name and user.email"
                        : a.name.empty()                  ? "user.name"
                                                          : "user.email";
  if (a.name.empty()) a.name = user;
  if (a.email.empty()) a.email = user + "@localhost";
  std::cerr << "gitcanary: no git identity (" << missing << " not configured); the commit is authored by " << a.name
            << " <" << a.email << ">: set them with git config --global, or pass --author \"Name <email>\"\n";
  return a;
}

}  // namespace gitcanary::plugin
