#include "plugin/apps/namespace_scope.h"

#include "plugin/sources/config_lookup.h"

namespace gitcanary::plugin {

Result<std::optional<render::NamespaceScope>> NamespaceScopeFor(const FileSource& repo, const std::string& app,
                                                                const render::AppConfig& nearest) {
  const std::optional<std::string> top = TopmostConfigDir(repo, app);
  if (!top) return std::optional<render::NamespaceScope>();
  auto config = LoadNearestConfig(repo, *top);
  if (!config.ok()) return config.status();
  if (nearest.namespaces && nearest.file != config->file) {
    return Status::Invalid(nearest.file + ": namespaces: namespace rules are read only from the repository's top " +
                           std::string(render::kConfigFileName) + " (" + config->file + "); move them there");
  }
  if (!config->namespaces) return std::optional<render::NamespaceScope>();
  // The app relative to the top config's directory ("" when it is that directory or above it).
  std::string rel;
  if (top->empty()) rel = app;
  else if (app.size() > top->size() && app.compare(0, top->size(), *top) == 0 && app[top->size()] == '/')
    rel = app.substr(top->size() + 1);
  const render::NamespaceRule* rule = render::FirstMatchingRule(*config->namespaces, rel);
  if (rule == nullptr) return std::optional<render::NamespaceScope>();
  return std::optional<render::NamespaceScope>(render::NamespaceScope{rel, *rule});
}

}  // namespace gitcanary::plugin
