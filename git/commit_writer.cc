#include "git/commit_writer.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "git/child_process.h"

namespace gitcanary::git {
namespace {

namespace fs = std::filesystem;

// One change, its path split into components.
struct SplitChange {
  std::vector<std::string> parts;
  const std::optional<std::string>* content;
};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return parts;
    start = slash + 1;
  }
}

Status GitError(const std::string& what) { return Status::Io(what + ": " + LastGitError()); }

// Writes or deletes the file `name` in the tree being built.
Status ApplyFile(git_repository* repo, git_treebuilder* builder, const std::string& name,
                 const std::optional<std::string>& content, const std::string& path) {
  const git_tree_entry* entry = git_treebuilder_get(builder, name.c_str());
  if (entry != nullptr && git_tree_entry_type(entry) == GIT_OBJECT_TREE)
    return Status::Invalid("cannot write or delete " + path + ": it is a directory");
  if (!content) {
    if (entry != nullptr && git_treebuilder_remove(builder, name.c_str()) < 0) return GitError("deleting " + path);
    return Status::Ok();
  }
  git_filemode_t mode = GIT_FILEMODE_BLOB;
  if (entry != nullptr && git_tree_entry_filemode(entry) == GIT_FILEMODE_BLOB_EXECUTABLE)
    mode = GIT_FILEMODE_BLOB_EXECUTABLE;
  git_oid blob;
  if (git_blob_create_from_buffer(&blob, repo, content->data(), content->size()) < 0 ||
      git_treebuilder_insert(nullptr, builder, name.c_str(), &blob, mode) < 0)
    return GitError("writing " + path);
  return Status::Ok();
}

// `base` (nullptr = empty) with `changes` applied, whose paths have `depth`
// components above this tree (`prefix` names them). nullopt: the tree ends up
// empty and is dropped (except at the root, which is always written).
Result<std::optional<git_oid>> BuildTree(git_repository* repo, const git_tree* base,
                                         const std::vector<SplitChange>& changes, std::size_t depth,
                                         const std::string& prefix) {
  git_treebuilder* raw = nullptr;
  if (git_treebuilder_new(&raw, repo, base) < 0) return GitError("building tree " + prefix);
  GitPtr<git_treebuilder> builder(raw);
  std::vector<std::string> dirs;  // in order of first appearance
  std::map<std::string, std::vector<SplitChange>> below;
  for (const SplitChange& change : changes) {
    const std::string& name = change.parts[depth];
    if (depth + 1 == change.parts.size()) {
      Status st = ApplyFile(repo, builder.get(), name, *change.content, prefix + name);
      if (!st.ok()) return st;
    } else {
      if (!below.count(name)) dirs.push_back(name);
      below[name].push_back(change);
    }
  }
  for (const std::string& name : dirs) {
    const git_tree_entry* entry = git_treebuilder_get(builder.get(), name.c_str());
    GitPtr<git_tree> sub;
    if (entry != nullptr) {
      if (git_tree_entry_type(entry) != GIT_OBJECT_TREE)
        return Status::Invalid("cannot write below " + prefix + name + ": it is a file");
      git_tree* sub_raw = nullptr;
      if (git_tree_lookup(&sub_raw, repo, git_tree_entry_id(entry)) < 0) return GitError("reading " + prefix + name);
      sub.reset(sub_raw);
    }
    auto built = BuildTree(repo, sub.get(), below[name], depth + 1, prefix + name + "/");
    if (!built.ok()) return built.status();
    int rc = 0;
    if (*built) {
      rc = git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &**built, GIT_FILEMODE_TREE);
    } else if (entry != nullptr) {
      rc = git_treebuilder_remove(builder.get(), name.c_str());
    }
    if (rc < 0) return GitError("building tree " + prefix + name);
  }
  if (depth > 0 && git_treebuilder_entrycount(builder.get()) == 0) return std::optional<git_oid>();
  git_oid id;
  if (git_treebuilder_write(&id, builder.get()) < 0) return GitError("writing tree " + prefix);
  return std::optional<git_oid>(id);
}

// A private temporary directory, removed with its contents on scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "gitcanary-sign-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The armored signature of `payload` made by the signer's tool.
Result<std::string> Sign(const Signer& signer, const std::string& payload) {
  const std::string tool = signer.kind == Signer::Kind::kSsh ? "ssh-keygen" : "gpg";
  if (signer.key.empty()) return Status::Invalid("signing with " + tool + ": no key given");
  ScratchDir dir;
  if (dir.path().empty()) return Status::Io("signing with " + tool + ": cannot create a temporary directory");
  const std::string data = dir.path() + "/commit", out = dir.path() + "/out", err = dir.path() + "/err";
  {
    std::ofstream file(data, std::ios::binary);
    file << payload;
    if (!file.good()) return Status::Io("signing with " + tool + ": cannot write " + data);
  }
  std::vector<std::string> argv;
  std::string stdin_file = data, sig_file = out;
  if (signer.kind == Signer::Kind::kSsh) {
    argv = {"ssh-keygen", "-Y", "sign", "-n", "git", "-f", signer.key, data};
    stdin_file = "/dev/null";
    sig_file = data + ".sig";
  } else {
    argv = {"gpg", "--detach-sign", "--armor", "-u", signer.key};
  }
  auto rc = RunChild(argv, ChildFiles{stdin_file, out, err}, 60000);
  if (!rc.ok()) return Status::Io("signing with " + tool + ": " + rc.status().message());
  std::string errors = ReadSmallFile(err);
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == '\r')) errors.pop_back();
  if (*rc != 0)
    return Status::Io("signing with " + tool + " failed (exit " + std::to_string(*rc) + "): " + errors);
  std::string sig = ReadSmallFile(sig_file);
  while (!sig.empty() && (sig.back() == '\n' || sig.back() == '\r')) sig.pop_back();
  if (sig.empty()) return Status::Io("signing with " + tool + " produced no signature: " + errors);
  return sig;
}

Result<GitPtr<git_signature>> MakeSignature(const Author& author, long long when_seconds) {
  git_signature* raw = nullptr;
  if (git_signature_new(&raw, author.name.c_str(), author.email.c_str(), when_seconds, 0) < 0)
    return Status::Invalid("bad author '" + author.name + " <" + author.email + ">': " + LastGitError());
  return GitPtr<git_signature>(raw);
}

}  // namespace

Result<git_oid> ParseOid(const std::string& hex, const std::string& what) {
  git_oid oid;
  if (hex.size() != GIT_OID_HEXSZ || git_oid_fromstr(&oid, hex.c_str()) < 0)
    return Status::Invalid(what + " is not a 40-digit object id: '" + hex + "'");
  return oid;
}

std::string OidHex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return buf;
}

Result<GitPtr<git_commit>> LookupCommit(git_repository* repo, const std::string& hex, const std::string& what) {
  auto oid = ParseOid(hex, what);
  if (!oid.ok()) return oid.status();
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &*oid) < 0)
    return Status::Invalid(what + " " + hex + " is not a commit in " + git_repository_path(repo) + ": " +
                           LastGitError());
  return GitPtr<git_commit>(raw);
}

Status CheckTreePath(const std::string& path) {
  if (path.empty()) return Status::Invalid("empty path");
  for (const std::string& part : SplitPath(path)) {
    if (part.empty() || part == "." || part == ".." || part == ".git" || part.find('\0') != std::string::npos)
      return Status::Invalid("bad path '" + path + "': want a relative '/'-separated path inside the tree");
  }
  return Status::Ok();
}

Result<std::string> CreateCommit(git_repository* repo, const std::string& parent,
                                 const std::vector<FileChange>& changes, const Author& author, long long when_seconds,
                                 const std::string& message, const Signer& signer) {
  GitPtr<git_commit> parent_commit;
  GitPtr<git_tree> base;
  if (!parent.empty()) {
    auto found = LookupCommit(repo, parent, "parent");
    if (!found.ok()) return found.status();
    parent_commit = std::move(*found);
    git_tree* raw = nullptr;
    if (git_commit_tree(&raw, parent_commit.get()) < 0) return GitError("reading the tree of " + parent);
    base.reset(raw);
  }
  std::vector<SplitChange> split;
  for (const FileChange& change : changes) {
    Status st = CheckTreePath(change.path);
    if (!st.ok()) return st;
    split.push_back({SplitPath(change.path), &change.content});
  }
  auto tree_id = BuildTree(repo, base.get(), split, 0, "");
  if (!tree_id.ok()) return tree_id.status();
  git_tree* tree_raw = nullptr;
  if (git_tree_lookup(&tree_raw, repo, &**tree_id) < 0) return GitError("reading the new tree");
  GitPtr<git_tree> tree(tree_raw);
  auto sig = MakeSignature(author, when_seconds);
  if (!sig.ok()) return sig.status();
  const git_commit* parents[] = {parent_commit.get()};
  const std::size_t parent_count = parent_commit ? 1 : 0;
  git_oid id;
  if (signer.kind == Signer::Kind::kNone) {
    if (git_commit_create(&id, repo, nullptr, sig->get(), sig->get(), nullptr, message.c_str(), tree.get(),
                          parent_count, parents) < 0)
      return GitError("writing a commit");
    return OidHex(id);
  }
  git_buf buf = GIT_BUF_INIT;
  if (git_commit_create_buffer(&buf, repo, sig->get(), sig->get(), nullptr, message.c_str(), tree.get(),
                               parent_count, parents) < 0)
    return GitError("writing a commit");
  const std::string content(buf.ptr, buf.size);
  git_buf_dispose(&buf);
  auto signature = Sign(signer, content);
  if (!signature.ok()) return signature.status();
  if (git_commit_create_with_signature(&id, repo, content.c_str(), signature->c_str(), "gpgsig") < 0)
    return GitError("writing a signed commit");
  return OidHex(id);
}

Result<std::string> GitRemote::WriteCommit(const std::string& parent, const std::vector<FileChange>& changes,
                                           const Author& author, long long when_seconds, const std::string& message,
                                           const Signer& signer) {
  return CreateCommit(repo_.get(), parent, changes, author, when_seconds, message, signer);
}

Result<std::string> GitRemote::WriteNote(const std::string& notes_parent, const std::string& target,
                                         const std::string& text, const Author& author, long long when_seconds) {
  GitPtr<git_commit> parent;
  if (!notes_parent.empty()) {
    auto found = LookupCommit(repo_.get(), notes_parent, "notes parent");
    if (!found.ok()) return found.status();
    parent = std::move(*found);
  }
  auto target_id = ParseOid(target, "note target");
  if (!target_id.ok()) return target_id.status();
  auto sig = MakeSignature(author, when_seconds);
  if (!sig.ok()) return sig.status();
  git_oid commit, blob;
  if (git_note_commit_create(&commit, &blob, repo_.get(), parent.get(), sig->get(), sig->get(), &*target_id,
                             text.c_str(), 1) < 0)
    return GitError("writing a note on " + target);
  return OidHex(commit);
}

Result<std::optional<std::string>> GitRemote::ReadNote(const std::string& notes_commit, const std::string& target) {
  auto commit = LookupCommit(repo_.get(), notes_commit, "notes commit");
  if (!commit.ok()) return commit.status();
  auto target_id = ParseOid(target, "note target");
  if (!target_id.ok()) return target_id.status();
  git_note* raw = nullptr;
  int rc = git_note_commit_read(&raw, repo_.get(), commit->get(), &*target_id);
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>();
  if (rc < 0) return GitError("reading the note on " + target);
  GitPtr<git_note> note(raw);
  return std::optional<std::string>(git_note_message(note.get()));
}

Result<std::vector<CommitInfo>> GitRemote::FirstParentLog(const std::string& from, std::size_t limit) {
  auto start = LookupCommit(repo_.get(), from, "log start");
  if (!start.ok()) return start.status();
  GitPtr<git_commit> commit = std::move(*start);
  std::vector<CommitInfo> log;
  while (commit && log.size() < limit) {
    CommitInfo info;
    info.id = OidHex(*git_commit_id(commit.get()));
    info.time = git_commit_time(commit.get());
    const git_signature* author = git_commit_author(commit.get());
    info.author = std::string(author->name) + " <" + author->email + ">";
    info.message = git_commit_message(commit.get());
    for (unsigned i = 0; i < git_commit_parentcount(commit.get()); ++i)
      info.parents.push_back(OidHex(*git_commit_parent_id(commit.get(), i)));
    log.push_back(std::move(info));
    git_commit* parent = nullptr;
    if (git_commit_parentcount(commit.get()) > 0 && log.size() < limit && git_commit_parent(&parent, commit.get(), 0) < 0)
      return Status::Io("reading the parent of " + log.back().id + ": " + LastGitError());
    commit.reset(parent);
  }
  return log;
}

Result<bool> GitRemote::IsAncestor(const std::string& ancestor, const std::string& descendant) {
  auto newer = LookupCommit(repo_.get(), descendant, "descendant");
  if (!newer.ok()) return newer.status();
  auto older = ParseOid(ancestor, "ancestor");
  if (!older.ok()) return older.status();
  if (git_oid_equal(&*older, git_commit_id(newer->get()))) return true;
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo_.get(), &*older) < 0) return false;  // never seen here
  git_commit_free(raw);
  int rc = git_graph_descendant_of(repo_.get(), git_commit_id(newer->get()), &*older);
  if (rc < 0) return Status::Io("comparing " + ancestor + " and " + descendant + ": " + LastGitError());
  return rc == 1;
}

Result<std::optional<std::string>> GitRemote::ReadFile(const std::string& commit, const std::string& path) {
  if (Status st = CheckTreePath(path); !st.ok()) return st;
  auto found = LookupCommit(repo_.get(), commit, "commit");
  if (!found.ok()) return found.status();
  git_tree* tree_raw = nullptr;
  if (git_commit_tree(&tree_raw, found->get()) < 0) return Status::Io(LastGitError());
  GitPtr<git_tree> tree(tree_raw);
  git_tree_entry* entry_raw = nullptr;
  int rc = git_tree_entry_bypath(&entry_raw, tree.get(), path.c_str());
  if (rc == GIT_ENOTFOUND) return std::optional<std::string>();
  if (rc < 0) return Status::Io("reading " + commit + ":" + path + ": " + LastGitError());
  GitPtr<git_tree_entry> entry(entry_raw);
  if (git_tree_entry_type(entry.get()) != GIT_OBJECT_BLOB)
    return Status::Invalid(commit + ":" + path + " is not a file");
  git_blob* blob_raw = nullptr;
  if (git_blob_lookup(&blob_raw, repo_.get(), git_tree_entry_id(entry.get())) < 0) return Status::Io(LastGitError());
  GitPtr<git_blob> blob(blob_raw);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::optional<std::string>(std::string(data, static_cast<std::size_t>(git_blob_rawsize(blob.get()))));
}

namespace {

// Refuses before anything is written when a path to change differs between
// HEAD, the index and the work tree, so no local edit is overwritten.
Status CheckPathsClean(git_repository* repo, const std::vector<FileChange>& changes) {
  for (const FileChange& change : changes) {
    if (Status st = CheckTreePath(change.path); !st.ok()) return st;
    unsigned int flags = 0;
    int rc = git_status_file(&flags, repo, change.path.c_str());
    if (rc == GIT_ENOTFOUND) continue;  // nowhere yet
    if (rc < 0) return Status::Io("checking " + change.path + ": " + LastGitError());
    if (flags != GIT_STATUS_CURRENT)
      return Status::Invalid(change.path + " has uncommitted changes in " + git_repository_workdir(repo) +
                             "; commit or stash them first");
  }
  return Status::Ok();
}

// Writes the changed paths into the work tree and the index, so that they
// match the new HEAD commit.
Status UpdateWorkTree(git_repository* repo, const std::vector<FileChange>& changes) {
  git_index* raw = nullptr;
  if (git_repository_index(&raw, repo) < 0) return GitError("opening the index");
  GitPtr<git_index> index(raw);
  const fs::path top = git_repository_workdir(repo);
  for (const FileChange& change : changes) {
    const fs::path file = top / change.path;
    std::error_code ec;
    if (change.content) {
      fs::create_directories(file.parent_path(), ec);
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << *change.content;
      out.close();
      if (!out.good()) return Status::Io("cannot write " + file.string());
      if (git_index_add_bypath(index.get(), change.path.c_str()) < 0) return GitError("staging " + change.path);
      continue;
    }
    fs::remove(file, ec);
    fs::path dir = file.parent_path();
    for (std::size_t up = SplitPath(change.path).size() - 1; up > 0 && fs::is_empty(dir, ec); --up, dir = dir.parent_path())
      fs::remove(dir, ec);
    if (git_index_remove_bypath(index.get(), change.path.c_str()) < 0) return GitError("unstaging " + change.path);
  }
  if (git_index_write(index.get()) < 0) return GitError("writing the index");
  return Status::Ok();
}

}  // namespace

Result<std::string> CommitToLocalBranch(const std::string& repo_path, const std::string& branch,
                                        const std::vector<FileChange>& changes, const Author& author,
                                        long long when_seconds, const std::string& message) {
  Libgit2Session session;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, repo_path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Invalid(repo_path + " is not a git repository: " + LastGitError());
  GitPtr<git_repository> repo(raw);
  const std::string ref = branch.rfind("refs/", 0) == 0 ? branch : "refs/heads/" + branch;
  git_oid old;
  int rc = git_reference_name_to_id(&old, repo.get(), ref.c_str());
  if (rc == GIT_ENOTFOUND) return Status::Invalid("no branch " + branch + " in " + repo_path);
  if (rc < 0) return GitError("reading branch " + branch + " in " + repo_path);
  bool checked_out = false;
  if (!git_repository_is_bare(repo.get())) {
    git_reference* head = nullptr;
    checked_out = git_reference_lookup(&head, repo.get(), "HEAD") == 0 &&
                  git_reference_type(head) == GIT_REFERENCE_SYMBOLIC && ref == git_reference_symbolic_target(head);
    git_reference_free(head);
  }
  if (checked_out)
    if (Status st = CheckPathsClean(repo.get(), changes); !st.ok()) return st;
  auto commit = CreateCommit(repo.get(), OidHex(old), changes, author, when_seconds, message, Signer{});
  if (!commit.ok()) return commit.status();
  auto id = ParseOid(*commit, "new commit");
  const std::string log = "commit: " + message.substr(0, message.find('\n'));
  git_reference* moved = nullptr;
  rc = git_reference_create_matching(&moved, repo.get(), ref.c_str(), &*id, 1, &old, log.c_str());
  git_reference_free(moved);
  if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED)
    return Status::Invalid("branch " + branch + " in " + repo_path + " moved while committing (it was " + OidHex(old) +
                           "); nothing was changed, run the command again");
  if (rc < 0) return GitError("moving branch " + branch + " in " + repo_path);
  if (checked_out)
    if (Status st = UpdateWorkTree(repo.get(), changes); !st.ok())
      return Status::Io("committed " + *commit + " to " + branch + " but updating the work tree failed: " + st.message());
  return commit;
}

}  // namespace gitcanary::git
