#include "git/libgit2_handle.h"

namespace gitcanary::git {

void Libgit2Session::Init() {
  // The first session's extra reference is never released (see the header).
  [[maybe_unused]] static const int kept = git_libgit2_init();
  git_libgit2_init();
  git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, static_cast<size_t>(16) << 20);
  // Reads trust the object database as git itself does (git fsck checks it):
  // hashing every object read again costs a tenth of a large walk.
  git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

void SetLongRunningLimits() {
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_FILE_LIMIT, static_cast<size_t>(64));
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(64) << 20);
  git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(8) << 20);
}

std::string LastGitError(const std::string& fallback) {
  const git_error* err = git_error_last();
  if (err == nullptr || err->message == nullptr || err->message[0] == '\0') return fallback;
  std::string msg = err->message;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '.')) msg.pop_back();
  return msg;
}

}  // namespace gitcanary::git
