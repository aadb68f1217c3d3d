// OverlaySource: a FileSource that reads another one with some files replaced,
// added or removed, as the tree of a commit not written yet: serve renders the
// apps it publishes from the head with the pass's status changes applied, so
// the published output and the status land in one commit and agree.
//
// Entries on the way to a changed file carry no id, so nothing keyed by git
// object ids (build caches, app-root memos) takes the changed tree for the old.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"

namespace gitcanary::plugin {

class OverlaySource : public FileSource {
 public:
  // `changes`: path -> new contents, nullopt = removed. `base` must outlive this.
  OverlaySource(const FileSource& base, std::map<std::string, std::optional<std::string>> changes);

  Result<std::vector<DirEntry>> List(const std::string& dir) const override;
  EntryType TypeOf(const std::string& path) const override;
  Result<std::string> Read(const std::string& path, std::size_t max_bytes = kNoLimit) const override;
  std::string Describe(const std::string& path) const override;

 private:
  bool OnTheWay(const std::string& path) const;  // a changed path is `path` or below it

  const FileSource& base_;
  std::map<std::string, std::optional<std::string>> changes_;
};

}  // namespace gitcanary::plugin
