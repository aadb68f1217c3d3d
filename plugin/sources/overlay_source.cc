#include "plugin/sources/overlay_source.h"

#include <algorithm>

namespace gitcanary::plugin {

namespace {

std::string Under(const std::string& dir) { return dir.empty() ? "" : dir + "/"; }

}  // namespace

OverlaySource::OverlaySource(const FileSource& base, std::map<std::string, std::optional<std::string>> changes)
    : base_(base), changes_(std::move(changes)) {}

bool OverlaySource::OnTheWay(const std::string& path) const {
  if (changes_.count(path)) return true;
  auto it = changes_.lower_bound(Under(path));
  return it != changes_.end() && it->first.rfind(Under(path), 0) == 0;
}

Result<std::vector<DirEntry>> OverlaySource::List(const std::string& dir) const {
  std::vector<DirEntry> out;
  if (base_.TypeOf(dir) == EntryType::kDirectory || dir.empty()) {
    auto entries = base_.List(dir);
    if (!entries.ok()) return entries.status();
    out = std::move(*entries);
  } else if (!OnTheWay(dir)) {
    return base_.List(dir);  // its error
  }
  const std::string prefix = Under(dir);
  for (auto it = changes_.lower_bound(prefix); it != changes_.end() && it->first.rfind(prefix, 0) == 0; ++it) {
    const std::string rest = it->first.substr(prefix.size());
    const std::size_t slash = rest.find('/');
    const std::string name = rest.substr(0, slash);
    auto found = std::find_if(out.begin(), out.end(), [&](const DirEntry& e) { return e.name == name; });
    if (slash == std::string::npos && !it->second) {  // removed
      if (found != out.end()) out.erase(found);
      continue;
    }
    if (found == out.end())
      out.push_back({name, slash == std::string::npos ? EntryType::kFile : EntryType::kDirectory, "", ""});
  }
  for (DirEntry& e : out)
    if (OnTheWay(prefix + e.name)) e.id.clear();
  return out;
}

EntryType OverlaySource::TypeOf(const std::string& path) const {
  if (auto it = changes_.find(path); it != changes_.end()) return it->second ? EntryType::kFile : EntryType::kOther;
  const EntryType base = base_.TypeOf(path);
  if (base == EntryType::kOther && !path.empty()) {
    auto it = changes_.lower_bound(Under(path));
    for (; it != changes_.end() && it->first.rfind(Under(path), 0) == 0; ++it)
      if (it->second) return EntryType::kDirectory;
  }
  return base;
}

Result<std::string> OverlaySource::Read(const std::string& path, std::size_t max_bytes) const {
  if (auto it = changes_.find(path); it != changes_.end()) {
    if (!it->second) return Status::Invalid(Describe(path) + ": no such file");
    if (it->second->size() > max_bytes) return FileTooLarge(Describe(path), it->second->size(), max_bytes);
    return *it->second;
  }
  return base_.Read(path, max_bytes);
}

std::string OverlaySource::Describe(const std::string& path) const { return base_.Describe(path); }

}  // namespace gitcanary::plugin
