// Finds the nearest gitcanary.yaml: from the app directory up to the repository
// root (the directory holding .git on disk, the tree root in a commit), nearest
// wins. Returns built-in defaults when there is none.
#pragma once

#include <optional>
#include <string>

#include "core/file_source.h"
#include "render/app_config.h"

namespace gitcanary::plugin {

// `dir` is relative to the source root; lookup stops at the source root.
Result<render::AppConfig> LoadNearestConfig(const FileSource& source, const std::string& dir);

// The directory of the topmost gitcanary.yaml from `dir` up to the source
// root (the repository's top gitcanary.yaml); nullopt when there is none.
std::optional<std::string> TopmostConfigDir(const FileSource& source, std::string dir);

// For a directory on disk: the source to look up from and `dir` within it.
struct DiskLookup {
  std::string root;  // repository root, or "/" when not in a repository
  std::string dir;   // the app directory relative to root
};
Result<DiskLookup> DiskLookupFor(const std::string& app_dir);

}  // namespace gitcanary::plugin
