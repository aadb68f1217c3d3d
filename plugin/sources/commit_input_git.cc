#include <filesystem>

#include "git/local_repository.h"
#include "git/tree_source.h"
#include "plugin/sources/app_source.h"
#include "plugin/sources/commit_input.h"

namespace gitcanary::plugin {

Result<CommitInput> OpenCommitInput(const std::string& repo, const std::string& dir, const std::string& revision) {
  auto found = git::FindRepository(repo);
  if (!found.ok()) return found.status();
  namespace fs = std::filesystem;
  fs::path joined;
  if (!dir.empty() && dir[0] == '/') {
    std::error_code ec;
    const fs::path top = fs::weakly_canonical(found->root, ec);
    joined = fs::weakly_canonical(dir, ec).lexically_relative(top);
  } else {
    joined = (fs::path(found->prefix) / dir).lexically_normal();
  }
  std::string clean = CleanRelative(joined.generic_string());
  if (clean == ".." || clean.rfind("../", 0) == 0 || (!clean.empty() && clean[0] == '/'))
    return Status::Invalid(dir + ": outside the repository " + found->root);
  auto tree = git::TreeSource::OpenTree(found->root, revision, "");
  if (!tree.ok()) return tree.status();
  CommitInput in;
  in.commit = (*tree)->CommitId();
  in.tree = std::move(*tree);
  in.dir = std::move(clean);
  return in;
}

}  // namespace gitcanary::plugin
