// The steps every rendering command shares, whatever its input: `render` and
// `generate` read a directory, `post-render` a stream on stdin, `krm` a
// ResourceList. Each resolves the mode the same way and refuses an empty input
// or an empty result, since Argo CD and Helm would take empty output as "delete
// everything".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "render/app_config.h"
#include "render/manifest.h"
#include "render/render.h"

namespace gitcanary::plugin {

// The given mode ("git" or "flagger"), else the config's defaults.mode, else git.
Result<render::Mode> ResolveMode(const std::optional<std::string>& given, const render::AppConfig& config);

// Renders `manifests`; `what` names the input in the two emptiness errors.
Result<render::RenderResult> RenderNonEmpty(std::vector<render::Manifest> manifests, const render::AppConfig& config,
                                            const render::RenderOptions& options, const std::string& what);

// The process exits right after printing, and freeing a large render's million
// small nodes one by one would cost a fifth of its time. The trees stay
// reachable from a static so leak checkers do not report them. Thread-safe.
void KeepUntilExit(std::vector<render::Manifest> objects);

}  // namespace gitcanary::plugin
