// What the discovery walk of render/app_roots.h learns of one directory tree:
// the summary the memo keeps by directory and git tree id. Shared by the walk
// (render/app_roots.cc) and the memo's text form (render/app_roots_memo_text.h);
// nothing else looks inside it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "render/app_roots.h"

namespace gitcanary::render {

// One directory's findings and its subdirectories' summaries. `discovering`
// says whether rule 3's candidates were collected (not inside a chart or a
// plain app, whose subdirectories belong to it).
struct AppRootsMemo::Summary {
  std::vector<std::string> pointed;  // app paths named by Applications and Flux Kustomizations here
  std::optional<std::string> published_from;  // a published directory (render/published_layout.h): its app
  bool discovering = false;  // kind was looked for: with none found, the directory holds no kustomization
  enum class Kind { kNone, kChart, kPlain, kKustomization } kind = Kind::kNone;
  std::vector<std::string> referenced;  // directories this kustomization includes
  std::vector<std::string> named;  // every local path it names (ReferencedDirs)
  bool leaf = true;  // no subdirectory, hidden or not, and no symlink
  std::vector<std::pair<std::string, std::shared_ptr<const Summary>>> children;  // (path, summary)
  std::string key;  // its key in the memo; "" when not memoised
};

}  // namespace gitcanary::render
