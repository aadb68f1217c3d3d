#include "git/tree_source.h"

#include <mutex>

#include <algorithm>
#include <utility>

namespace gitcanary::git {

struct TreeSource::Repo {
  Libgit2Session session;  // first: outlives the objects below
  GitPtr<git_repository> repo;
  GitPtr<git_odb> odb;
  GitPtr<git_tree> tree;   // the commit's top-level tree
  std::string path;        // as given to Open, for messages
  std::string revision;    // as given to Open, for Describe
  std::string commit;      // the commit's id in hex
  std::string git_dir;     // git_repository_commondir
  // libgit2 objects are not safe to share across threads unlocked; the loader
  // reads files from several threads, so every access takes this lock.
  mutable std::mutex mu;
};

namespace {

// Drops empty and "." segments: "./a//b/" -> "a/b". ".." is kept (and then
// simply not found, since no tree entry is named "..").
std::string CleanPath(const std::string& path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view seg(path.data() + start, end - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out += seg;
    }
    start = end + 1;
  }
  return out;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + "/" + b;
}

EntryType TypeOfMode(git_filemode_t mode) {
  switch (mode) {
    case GIT_FILEMODE_BLOB:
    case GIT_FILEMODE_BLOB_EXECUTABLE:
      return EntryType::kFile;
    case GIT_FILEMODE_TREE:
      return EntryType::kDirectory;
    case GIT_FILEMODE_LINK:
      return EntryType::kSymlink;
    default:
      return EntryType::kOther;  // GIT_FILEMODE_COMMIT (submodule) and unknown modes
  }
}

// Resolves `revision` to its commit's tree and stores it in `repo`.
Status ResolveTree(TreeSource::Repo& repo) {
  const std::string where = "'" + repo.revision + "' in " + repo.path;
  git_object* raw = nullptr;
  int rc = git_revparse_single(&raw, repo.repo.get(), repo.revision.c_str());
  GitPtr<git_object> obj(raw);
  if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
    return Status::Invalid("unknown revision " + where);
  }
  if (rc == GIT_EAMBIGUOUS) return Status::Invalid("ambiguous revision " + where);
  if (rc != 0) return Status::Invalid("cannot resolve revision " + where + ": " + LastGitError());
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, obj.get(), GIT_OBJECT_COMMIT) != 0) {
    return Status::Invalid("revision " + where + " does not name a commit");
  }
  GitPtr<git_object> commit(peeled);
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, git_object_id(commit.get()));
  repo.commit = hex;
  git_tree* tree = nullptr;
  if (git_commit_tree(&tree, reinterpret_cast<git_commit*>(commit.get())) != 0) {
    return Status::Io("cannot read the tree of revision " + where + ": " + LastGitError());
  }
  repo.tree.reset(tree);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<FileSource>> TreeSource::Open(const std::string& repo_path,
                                                     const std::string& revision,
                                                     const std::string& subdir) {
  auto tree = OpenTree(repo_path, revision, subdir);
  if (!tree.ok()) return tree.status();
  return std::unique_ptr<FileSource>(std::move(tree).value());
}

Result<std::unique_ptr<TreeSource>> TreeSource::OpenTree(const std::string& repo_path,
                                                         const std::string& revision,
                                                         const std::string& subdir) {
  auto repo = std::make_shared<Repo>();
  repo->path = repo_path;
  repo->revision = revision;
  git_repository* raw = nullptr;
  if (git_repository_open(&raw, repo_path.c_str()) != 0) {
    return Status::Invalid("not a git repository: " + repo_path + " (" + LastGitError() + ")");
  }
  repo->repo.reset(raw);
  repo->git_dir = git_repository_commondir(raw);
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, raw) != 0) {
    return Status::Io("cannot open the object database of " + repo_path + ": " + LastGitError());
  }
  repo->odb.reset(odb);
  if (Status st = ResolveTree(*repo); !st.ok()) return st;
  TreeSource top(repo, "", nullptr);
  return top.AtRoot(subdir);
}

Result<std::unique_ptr<TreeSource>> TreeSource::AtRoot(const std::string& subdir) const {
  const std::string clean = CleanPath(subdir);
  git_tree* tree = nullptr;
  if (clean.empty()) {
    if (git_tree_dup(&tree, repo_->tree.get()) != 0) return Status::Io(LastGitError());
  } else {
    git_tree_entry* raw = nullptr;
    int rc = git_tree_entry_bypath(&raw, repo_->tree.get(), clean.c_str());
    GitPtr<git_tree_entry> entry(raw);
    if (rc != 0 || git_tree_entry_filemode(entry.get()) != GIT_FILEMODE_TREE) {
      return Status::Invalid("no directory '" + clean + "' in revision '" + repo_->revision +
                             "' of " + repo_->path);
    }
    if (git_tree_lookup(&tree, repo_->repo.get(), git_tree_entry_id(entry.get())) != 0) {
      return Status::Io(Describe("") + ": " + LastGitError());
    }
  }
  return std::unique_ptr<TreeSource>(new TreeSource(repo_, clean, GitPtr<git_tree>(tree)));
}

TreeSource::TreeSource(std::shared_ptr<const Repo> repo, std::string prefix, GitPtr<git_tree> root)
    : repo_(std::move(repo)), prefix_(std::move(prefix)), root_(std::move(root)) {}

const std::string& TreeSource::Revision() const { return repo_->revision; }
const std::string& TreeSource::CommitId() const { return repo_->commit; }
const std::string& TreeSource::GitDir() const { return repo_->git_dir; }

Result<GitPtr<git_tree_entry>> TreeSource::Entry(const std::string& path) const {
  git_tree_entry* raw = nullptr;
  int rc = git_tree_entry_bypath(&raw, root_.get(), path.c_str());
  if (rc == GIT_ENOTFOUND) return GitPtr<git_tree_entry>();
  if (rc != 0) return Status::Io(Describe(path) + ": " + LastGitError());
  return GitPtr<git_tree_entry>(raw);
}

Result<GitPtr<git_tree>> TreeSource::TreeAt(const std::string& dir) const {
  git_tree* tree = nullptr;
  if (dir.empty()) {
    if (git_tree_dup(&tree, root_.get()) != 0) return Status::Io(LastGitError());
    return GitPtr<git_tree>(tree);
  }
  auto entry = Entry(dir);
  if (!entry.ok()) return entry.status();
  if (*entry == nullptr) return Status::Invalid(Describe(dir) + ": no such directory");
  if (git_tree_entry_filemode(entry->get()) != GIT_FILEMODE_TREE) {
    return Status::Invalid(Describe(dir) + ": not a directory");
  }
  if (git_tree_lookup(&tree, repo_->repo.get(), git_tree_entry_id(entry->get())) != 0) {
    return Status::Io(Describe(dir) + ": " + LastGitError());
  }
  return GitPtr<git_tree>(tree);
}

Result<GitPtr<git_tree_entry>> TreeSource::FileEntry(const std::string& path) const {
  if (path.empty()) return Status::Invalid(Describe(path) + ": not a regular file");
  auto entry = Entry(path);
  if (!entry.ok()) return entry.status();
  if (*entry == nullptr) return Status::Invalid(Describe(path) + ": no such file");
  switch (TypeOfMode(git_tree_entry_filemode(entry->get()))) {
    case EntryType::kFile:
      return entry;
    case EntryType::kSymlink:
      return Status::Invalid(Describe(path) + ": is a symbolic link (not followed)");
    default:
      return Status::Invalid(Describe(path) + ": not a regular file");
  }
}

Result<std::string> TreeSource::BlobText(const git_oid* id, const std::string& path) const {
  git_blob* raw = nullptr;
  if (git_blob_lookup(&raw, repo_->repo.get(), id) != 0) {
    return Status::Io(Describe(path) + ": cannot read blob: " + LastGitError());
  }
  GitPtr<git_blob> blob(raw);
  const char* data = static_cast<const char*>(git_blob_rawcontent(blob.get()));
  return std::string(data, static_cast<std::size_t>(git_blob_rawsize(blob.get())));
}

Result<std::vector<DirEntry>> TreeSource::List(const std::string& dir) const {
  std::lock_guard<std::mutex> lock(repo_->mu);
  const std::string clean = CleanPath(dir);
  auto tree = TreeAt(clean);
  if (!tree.ok()) return tree.status();
  std::vector<DirEntry> out;
  const std::size_t count = git_tree_entrycount(tree->get());
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree->get(), i);
    DirEntry entry;
    entry.name = git_tree_entry_name(e);
    entry.type = TypeOfMode(git_tree_entry_filemode(e));
    char hex[GIT_OID_HEXSZ + 1];
    git_oid_tostr(hex, sizeof hex, git_tree_entry_id(e));
    entry.id = hex;
    if (entry.type == EntryType::kSymlink) {
      auto target = BlobText(git_tree_entry_id(e), JoinPath(clean, entry.name));
      if (!target.ok()) return target.status();
      entry.link_target = std::move(target).value();
    }
    out.push_back(std::move(entry));
  }
  std::sort(out.begin(), out.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

EntryType TreeSource::TypeOf(const std::string& path) const {
  std::lock_guard<std::mutex> lock(repo_->mu);
  const std::string clean = CleanPath(path);
  if (clean.empty()) return EntryType::kDirectory;
  auto entry = Entry(clean);
  if (!entry.ok() || *entry == nullptr) return EntryType::kOther;
  return TypeOfMode(git_tree_entry_filemode(entry->get()));
}

Result<std::string> TreeSource::Read(const std::string& path, std::size_t max_bytes) const {
  std::lock_guard<std::mutex> lock(repo_->mu);
  const std::string clean = CleanPath(path);
  auto entry = FileEntry(clean);
  if (!entry.ok()) return entry.status();
  std::size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&size, &type, repo_->odb.get(), git_tree_entry_id(entry->get())) != 0) {
    return Status::Io(Describe(clean) + ": cannot read blob: " + LastGitError());
  }
  if (size > max_bytes) return FileTooLarge(Describe(clean), size, max_bytes);
  return BlobText(git_tree_entry_id(entry->get()), clean);
}

std::string TreeSource::Describe(const std::string& path) const {
  return repo_->revision + ":" + JoinPath(prefix_, CleanPath(path));
}

}  // namespace gitcanary::git
