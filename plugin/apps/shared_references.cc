#include "plugin/apps/shared_references.h"

#include <map>
#include <set>

#include "render/app_roots.h"

namespace gitcanary::plugin {

namespace {

std::string Shown(const std::string& app) { return app.empty() ? "." : app; }

// "in apps a and b", "in apps a, b and c".
std::string InApps(const std::set<std::string>& apps) {
  std::string out = "in apps ";
  std::size_t i = 0;
  for (const std::string& app : apps) {
    if (i > 0) out += i + 1 == apps.size() ? " and " : ", ";
    out += Shown(app);
    ++i;
  }
  return out;
}

template <typename Index>
void Merge(const std::vector<AppDefinitions>& apps, Index AppDefinitions::*field, const std::string& kind,
           Index* merged, std::map<std::string, std::string>* twice) {
  std::map<std::string, std::set<std::string>> defined_by;
  for (const AppDefinitions& a : apps)
    for (const auto& [key, value] : a.*field) {
      defined_by[key].insert(a.app);
      merged->emplace(key, value);
    }
  for (const auto& [key, by] : defined_by) {
    if (by.size() < 2) continue;
    merged->erase(key);
    (*twice)[kind + " " + key] = InApps(by);
  }
}

}  // namespace

SharedReferences MergeDefinitions(const std::vector<AppDefinitions>& apps) {
  SharedReferences out;
  Merge(apps, &AppDefinitions::templates, "MetricTemplate", &out.templates, &out.scope.twice);
  Merge(apps, &AppDefinitions::providers, "AlertProvider", &out.providers, &out.scope.twice);
  out.scope.looked_in = apps.size() <= 1 ? "the app" : "the " + std::to_string(apps.size()) + " apps of the repository";
  return out;
}

bool MentionsSharedReference(std::string_view text) {
  return text.find("MetricTemplate") != std::string_view::npos || text.find("AlertProvider") != std::string_view::npos;
}

Result<SharedReferences> RepositoryReferences(const FileSource& repo, const std::string& app, AppDefinitions own,
                                              const BuildTools& tools, const std::string& app_ns) {
  std::vector<AppDefinitions> all;
  all.push_back(std::move(own));
  auto roots = render::FindAppRoots(repo, nullptr);
  if (!roots.ok()) return roots.status();
  BuildCache cache;
  for (const std::string& dir : roots->dirs) {
    if (dir == app) continue;
    auto built = BuildAppCached(repo, dir, tools, cache, MentionsSharedReference);
    if (!built.ok()) return Status::Invalid("looking for MetricTemplates and AlertProviders: " + built.status().message());
    if (built->manifests.empty()) continue;
    auto templates = policies::ReadMetricTemplates(built->manifests, app_ns);
    if (!templates.ok()) return templates.status();
    auto providers = policies::ReadAlertProviders(built->manifests, app_ns);
    if (!providers.ok()) return providers.status();
    all.push_back({dir, std::move(*templates), std::move(*providers)});
  }
  SharedReferences out = MergeDefinitions(all);
  out.scope.looked_in = all.size() == 1 ? "the app" : "the app and " + std::to_string(all.size() - 1) +
                                                          " other apps of the repository that define some";
  return out;
}

}  // namespace gitcanary::plugin
