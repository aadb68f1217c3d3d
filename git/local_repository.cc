#include "git/local_repository.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "git/libgit2_handle.h"

namespace gitcanary::git {

namespace {

std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Result<GitPtr<git_repository>> OpenExact(const std::string& path) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
    return Status::Invalid("not a git repository: " + path + " (" + LastGitError() + ")");
  return GitPtr<git_repository>(raw);
}

std::string ConfigString(git_config* config, const char* key) {
  git_buf buf = GIT_BUF_INIT;
  std::string out;
  if (git_config_get_string_buf(&buf, config, key) == 0 && buf.ptr != nullptr) out = buf.ptr;
  git_buf_dispose(&buf);
  return out;
}

}  // namespace

Result<RepoLocation> FindRepository(const std::string& path) {
  Libgit2Session session;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), 0, nullptr) != 0)
    return Status::Invalid("not in a git repository: " + path + " (nor any directory above it)");
  GitPtr<git_repository> repo(raw);
  RepoLocation out;
  const char* workdir = git_repository_workdir(repo.get());
  out.bare = workdir == nullptr;
  if (out.bare) {
    out.root = WithoutTrailingSlash(git_repository_path(repo.get()));
    return out;
  }
  out.root = WithoutTrailingSlash(workdir);
  std::error_code ec;
  const std::filesystem::path top = std::filesystem::canonical(out.root, ec);
  const std::filesystem::path here = ec ? std::filesystem::path() : std::filesystem::canonical(path, ec);
  if (ec) return out;
  const std::string rel = here.lexically_relative(top).generic_string();
  // A .git directory given as the path is not inside the work tree's content.
  if (!rel.empty() && rel != "." && rel.rfind("..", 0) != 0 && rel != ".git" && rel.rfind(".git/", 0) != 0)
    out.prefix = rel;
  return out;
}

Identity ConfiguredIdentity(const std::string& repo_path) {
  Libgit2Session session;
  git_config* raw = nullptr;
  GitPtr<git_repository> repo;
  if (!repo_path.empty()) {
    auto opened = OpenExact(repo_path);
    if (opened.ok()) repo = std::move(*opened);
  }
  const int rc = repo ? git_repository_config_snapshot(&raw, repo.get()) : git_config_open_default(&raw);
  Identity out;
  if (rc != 0) return out;
  out.name = ConfigString(raw, "user.name");
  out.email = ConfigString(raw, "user.email");
  git_config_free(raw);
  return out;
}

Result<std::optional<UpstreamState>> CompareWithUpstream(const std::string& repo_path, const std::string& branch) {
  Libgit2Session session;
  auto repo = OpenExact(repo_path);
  if (!repo.ok()) return repo.status();
  if (git_repository_is_bare(repo->get())) return std::optional<UpstreamState>();
  const std::string ref = "refs/heads/" + branch;
  git_buf name = GIT_BUF_INIT;
  if (git_branch_upstream_name(&name, repo->get(), ref.c_str()) != 0) {
    git_buf_dispose(&name);
    return std::optional<UpstreamState>();  // none configured
  }
  const std::string upstream_ref = name.ptr;
  git_buf_dispose(&name);
  UpstreamState out;
  git_buf remote = GIT_BUF_INIT;
  if (git_branch_upstream_remote(&remote, repo->get(), ref.c_str()) == 0 && remote.ptr != nullptr) out.remote = remote.ptr;
  git_buf_dispose(&remote);
  const std::string remotes = "refs/remotes/";
  out.upstream = upstream_ref.rfind(remotes, 0) == 0 ? upstream_ref.substr(remotes.size()) : upstream_ref;
  git_oid local, theirs;
  if (git_reference_name_to_id(&local, repo->get(), ref.c_str()) != 0) return std::optional<UpstreamState>();
  if (git_reference_name_to_id(&theirs, repo->get(), upstream_ref.c_str()) != 0)
    return std::optional<UpstreamState>(out);  // configured, never fetched
  out.fetched = true;
  if (git_graph_ahead_behind(&out.ahead, &out.behind, repo->get(), &local, &theirs) != 0)
    return Status::Io("comparing " + branch + " with " + out.upstream + ": " + LastGitError());
  return std::optional<UpstreamState>(out);
}

Result<std::vector<WorktreeChange>> UncommittedChanges(const std::string& repo_path) {
  Libgit2Session session;
  auto repo = OpenExact(repo_path);
  if (!repo.ok()) return repo.status();
  if (git_repository_is_bare(repo->get()))
    return Status::Invalid(repo_path + " is a bare repository: it has no work tree");
  git_object* head = nullptr;
  if (git_revparse_single(&head, repo->get(), "HEAD^{tree}") != 0)
    return Status::Invalid(repo_path + ": HEAD has no commit yet (" + LastGitError() + ")");
  GitPtr<git_object> head_tree(head);
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  opts.flags = GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
  git_diff* diff = nullptr;
  if (git_diff_tree_to_workdir_with_index(&diff, repo->get(), reinterpret_cast<git_tree*>(head_tree.get()), &opts) != 0)
    return Status::Io("reading the work tree of " + repo_path + ": " + LastGitError());
  std::set<std::string> deleted, written;
  const std::size_t n = git_diff_num_deltas(diff);
  for (std::size_t i = 0; i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff, i);
    switch (d->status) {
      case GIT_DELTA_DELETED: deleted.insert(d->old_file.path); break;
      case GIT_DELTA_RENAMED:
      case GIT_DELTA_COPIED:
        if (d->status == GIT_DELTA_RENAMED) deleted.insert(d->old_file.path);
        written.insert(d->new_file.path);
        break;
      case GIT_DELTA_UNMODIFIED:
      case GIT_DELTA_IGNORED: break;
      default: written.insert(d->new_file.path); break;  // added, modified, untracked, type change
    }
  }
  git_diff_free(diff);
  std::vector<WorktreeChange> out;
  for (const std::string& p : written) out.push_back({p, false});
  for (const std::string& p : deleted)
    if (!written.count(p)) out.push_back({p, true});
  std::sort(out.begin(), out.end(), [](const WorktreeChange& a, const WorktreeChange& b) { return a.path < b.path; });
  return out;
}

}  // namespace gitcanary::git
