// `gitcanary-serve compact-cache`: the child process in which serve runs the
// compactions of its cache that rewrite layers (git/cache_compaction.h), so
// their memory, which follows the history, is returned to the system when
// the child exits and never counts in serve's own. Internal: serve starts it
// with the arguments git::CompactionHelperArgs gives, while it holds the
// cache's lock and waits.
//
//   gitcanary-serve compact-cache --max-packs N --max-loose N --grace-seconds N DIR
//
// Exits 0 when the cache is compacted, 1 with the reason on stderr when it
// is not (the cache is left valid), 2 on bad arguments. Prints nothing on
// success.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

int RunCompactCache(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
