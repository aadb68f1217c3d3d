// `diff`'s memo of the discovery walk (render/app_roots.h), kept between runs
// in the repository's git directory as gitcanary/app-roots-memo. Its entries
// are keyed by git tree ids, so it is never stale; it only spares reading the
// files of trees an earlier run has summarised: the second diff against a
// base reads only what differs from it. A file that is missing, unreadable,
// of another format or damaged counts as empty; one that cannot be written
// (a read-only repository) is left as it is. Either way the diff is the same.
#pragma once

#include <string>
#include <vector>

#include "render/app_roots.h"

namespace gitcanary::plugin {

class WalkMemoFile {
 public:
  // Reads the memo kept in `git_dir` (with its trailing slash) into memo().
  explicit WalkMemoFile(std::string git_dir);
  render::AppRootsMemo& memo() { return memo_; }
  // Writes memo() back when its entries differ from those read (an entry's
  // key, which holds a tree id, fixes its content).
  void Save() const;

 private:
  std::string path_;
  std::vector<std::string> read_;  // the keys read
  render::AppRootsMemo memo_;
};

}  // namespace gitcanary::plugin
