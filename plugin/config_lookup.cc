#include "plugin/config_lookup.h"

#include <filesystem>

#include "plugin/disk_source.h"

namespace gitcanary::plugin {

namespace fs = std::filesystem;

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

DiskLookup DiskLookupFor(const std::string& app_dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(app_dir, ec).lexically_normal();
  std::string text = abs.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  abs = text;
  for (fs::path d = abs;; d = d.parent_path()) {
    if (fs::exists(d / ".git", ec)) {
      std::string rel = abs.lexically_relative(d).string();
      return DiskLookup{d.string(), rel == "." ? std::string() : rel};
    }
    if (d == d.parent_path()) break;
  }
  return DiskLookup{"/", text.substr(1)};
}

}  // namespace gitcanary::plugin
