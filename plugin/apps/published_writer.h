// Writes published apps (render/published_layout.h) into a directory on disk,
// for `gitcanary render --write DIR`.
//
// Everything is checked before anything is written: every app path must stay
// inside DIR, no path component below DIR may be a symbolic link, and every
// file to replace or remove must be one a marked kustomization.yaml lists. Then
// each file is written to a temporary file beside it and renamed over the old
// one, so a reader sees the old or the new file, never half of one. Published
// apps under `scope` that are not among `apps` any more are removed, file by
// listed file; directories left empty are removed too. Nothing outside DIR is
// ever created, changed or removed.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "render/published_layout.h"

namespace gitcanary::plugin {

struct PublishWriteReport {
  std::vector<std::string> written;  // paths relative to DIR
  std::vector<std::string> removed;
};

// `dir` is created when absent. `scope`: an app path ("" = the whole of DIR).
Result<PublishWriteReport> WritePublishedDir(const std::string& dir, const std::vector<render::PublishedApp>& apps,
                                             const std::string& scope);

}  // namespace gitcanary::plugin
