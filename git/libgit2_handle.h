// RAII wrappers for libgit2: library initialization and owned git objects.
//
// Libgit2Session calls git_libgit2_init() on construction and
// git_libgit2_shutdown() on destruction; libgit2 reference-counts these calls,
// so every object that holds repositories or git objects can keep its own
// session. The first session also takes a reference that is never released:
// the library stays initialized from first use until the process exits, since
// initializing it again after the last session ended costs as much as the
// first time (5 ms: Debian's libgit2 parses the system's CA bundle for
// mbedTLS), and a command such as `diff` would otherwise pay it twice.
// GitPtr<T> is a std::unique_ptr that frees a libgit2 object with the matching
// git_*_free function. Declare a session before the GitPtrs it protects so it
// is destroyed after them.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

namespace gitcanary::git {

class Libgit2Session {
 public:
  Libgit2Session() { Init(); }
  ~Libgit2Session() { git_libgit2_shutdown(); }
  Libgit2Session(const Libgit2Session&) { Init(); }
  Libgit2Session& operator=(const Libgit2Session&) { return *this; }

 private:
  // git_libgit2_init, and trees of any size kept in libgit2's object cache:
  // by default it caches none over 4 KB, so every path lookup through a
  // directory of a thousand apps would inflate and hash that tree again.
  static void Init();
};

// Frees whichever libgit2 object type it is given.
struct GitFree {
  void operator()(git_repository* p) const { git_repository_free(p); }
  void operator()(git_object* p) const { git_object_free(p); }
  void operator()(git_commit* p) const { git_commit_free(p); }
  void operator()(git_tree* p) const { git_tree_free(p); }
  void operator()(git_tree_entry* p) const { git_tree_entry_free(p); }
  void operator()(git_blob* p) const { git_blob_free(p); }
  void operator()(git_odb* p) const { git_odb_free(p); }
  void operator()(git_remote* p) const { git_remote_free(p); }
  void operator()(git_reference* p) const { git_reference_free(p); }
  void operator()(git_signature* p) const { git_signature_free(p); }
  void operator()(git_revwalk* p) const { git_revwalk_free(p); }
  void operator()(git_index* p) const { git_index_free(p); }
  void operator()(git_note* p) const { git_note_free(p); }
  void operator()(git_treebuilder* p) const { git_treebuilder_free(p); }
  void operator()(git_packbuilder* p) const { git_packbuilder_free(p); }
  void operator()(git_reference_iterator* p) const { git_reference_iterator_free(p); }
};

template <typename T>
using GitPtr = std::unique_ptr<T, GitFree>;

// Process-wide bounds for a long-running process (serve), after the first
// session: at most 64 pack files open at once (least recently used ones are
// closed and reopened on demand), 64 MB of pack windows mapped, and 8 MB in
// the object caches. libgit2's defaults are unlimited files, 8 GB mapped and
// 256 MB cached, which a process that keeps one repository open for months
// would fill: every new head brings new trees and commits into the cache, so
// its size is what serve's RSS climbs to. A pass reads one head's trees,
// which 8 MB holds many times over.
void SetLongRunningLimits();

// Message of the last libgit2 error on this thread, or `fallback` if none.
std::string LastGitError(const std::string& fallback = "unknown libgit2 error");

}  // namespace gitcanary::git
