// The namespace rule (render/namespace_rules.h) that applies to one app of a
// repository, for every command that renders or analyses it: `render`,
// `generate`, `diff`, `lint`, `render --write` and serve.
//
// The rules come from the repository's top gitcanary.yaml only: the topmost
// one from the app up to the top of the source (a git work tree, a commit's
// tree, the tree Argo CD extracted). A gitcanary.yaml nearer the app cannot
// widen them, and one that holds `namespaces:` itself is an error, so that a
// rule is never written where it would be ignored. The app's path is taken
// relative to the top gitcanary.yaml's directory, as the globs are.
#pragma once

#include <optional>
#include <string>

#include "core/file_source.h"
#include "core/status.h"
#include "render/app_config.h"
#include "render/namespace_rules.h"

namespace gitcanary::plugin {

// `app` is relative to `repo`'s root ("" = the root); `nearest` is the app's
// own gitcanary.yaml, as LoadNearestConfig read it. nullopt: no rule applies.
Result<std::optional<render::NamespaceScope>> NamespaceScopeFor(const FileSource& repo, const std::string& app,
                                                                const render::AppConfig& nearest);

}  // namespace gitcanary::plugin
