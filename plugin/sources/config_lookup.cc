#include "plugin/sources/config_lookup.h"

#include "plugin/sources/disk_source.h"

namespace gitcanary::plugin {

Result<render::AppConfig> LoadNearestConfig(const FileSource& source, const std::string& dir) {
  std::string d = dir;
  while (true) {
    std::string path = d.empty() ? std::string(render::kConfigFileName) : d + "/" + std::string(render::kConfigFileName);
    if (source.TypeOf(path) == EntryType::kFile) {
      auto text = source.Read(path);
      if (!text.ok()) return text.status();
      return render::ParseAppConfig(*text, source.Describe(path));
    }
    if (d.empty()) break;
    auto slash = d.rfind('/');
    d = slash == std::string::npos ? std::string() : d.substr(0, slash);
  }
  return render::AppConfig{};
}

std::optional<std::string> TopmostConfigDir(const FileSource& source, std::string dir) {
  std::optional<std::string> found;
  for (;;) {
    const std::string path = dir.empty() ? std::string(render::kConfigFileName)
                                         : dir + "/" + std::string(render::kConfigFileName);
    if (source.TypeOf(path) == EntryType::kFile) found = dir;
    if (dir.empty()) return found;
    const std::size_t slash = dir.rfind('/');
    dir = slash == std::string::npos ? std::string() : dir.substr(0, slash);
  }
}

Result<DiskLookup> DiskLookupFor(const std::string& app_dir) {
  auto repo = FindRepoRoot(app_dir);
  if (!repo.ok()) return repo.status();
  const std::string root = repo->empty() ? "/" : *repo;
  auto below = PathBelow(root, app_dir);
  if (!below.ok()) return below.status();
  return DiskLookup{root, *below};
}

}  // namespace gitcanary::plugin
