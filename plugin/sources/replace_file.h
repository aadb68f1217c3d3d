// Replacing a file whole: the new content goes to a temporary file beside it,
// which is then renamed over it, so a reader sees the old file or the new one,
// never a part. kSynced also flushes the new file to disk before the rename
// (published output, which a crash must not leave empty); a cache, which a
// reader checks and may throw away, is written kUnsynced.
#pragma once

#include <string>

#include "core/status.h"

namespace gitcanary::plugin {

enum class Durability { kSynced, kUnsynced };

Status ReplaceFile(const std::string& path, const std::string& content, Durability durability);

}  // namespace gitcanary::plugin
