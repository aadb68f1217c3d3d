#include "plugin/app_discovery.h"

#include <algorithm>
#include <map>
#include <set>

#include "render/app_config.h"
#include "render/loader.h"

namespace gitcanary::plugin {

namespace {

constexpr std::size_t kSniffBytes = 8 * 1024 * 1024;

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Whether two listings differ in any name, type or id (ids "" = unknown = differ).
bool Differ(const std::vector<DirEntry>& a, const std::vector<DirEntry>& b) {
  if (a.size() != b.size()) return true;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].id.empty() || a[i].id != b[i].id) return true;
  return false;
}

// One side of the comparison, with its directory listings cached.
class Side {
 public:
  explicit Side(const FileSource& source) : source_(source) {}

  // The entries of `dir`, or none when it is missing or not a directory.
  Result<const std::vector<DirEntry>*> List(const std::string& dir) {
    auto it = listings_.find(dir);
    if (it != listings_.end()) return &it->second;
    std::vector<DirEntry> entries;
    if (dir.empty() || source_.TypeOf(dir) == EntryType::kDirectory) {
      auto listed = source_.List(dir);
      if (!listed.ok()) return listed.status();
      entries = std::move(*listed);
    }
    return &listings_.emplace(dir, std::move(entries)).first->second;
  }

  // The id of `name` in `dir` ("" when absent); "?" when the source has no ids.
  Result<std::string> IdOf(const std::string& dir, const std::string& name) {
    auto entries = List(dir);
    if (!entries.ok()) return entries.status();
    for (const DirEntry& e : **entries)
      if (e.name == name) return e.id.empty() ? std::string("?") : e.id;
    return std::string();
  }

  bool Exists(const std::string& dir) { return dir.empty() || source_.TypeOf(dir) == EntryType::kDirectory; }

  // Whether `dir` directly holds a file that reads as a manifest.
  Result<bool> IsApp(const std::string& dir) {
    auto entries = List(dir);
    if (!entries.ok()) return entries.status();
    for (const DirEntry& e : **entries) {
      if (e.type != EntryType::kFile || e.name[0] == '.' || !render::IsManifestFileName(e.name)) continue;
      auto text = source_.Read(Join(dir, e.name), kSniffBytes);
      if (!text.ok()) return text.status();
      if (text->find("apiVersion") != std::string::npos && text->find("kind") != std::string::npos) return true;
    }
    return false;
  }

 private:
  const FileSource& source_;
  std::map<std::string, std::vector<DirEntry>> listings_;
};

class Walk {
 public:
  Walk(const FileSource& base, const FileSource& head) : base_(base), head_(head) {}

  // Whether any gitcanary.yaml from the top down to `dir` differs.
  Result<bool> ConfigChangedAbove(const std::string& dir) {
    std::string d = dir;
    while (true) {
      auto changed = ConfigChangedIn(d);
      if (!changed.ok() || *changed) return changed;
      if (d.empty()) return false;
      d = Parent(d);
    }
  }

  Status FromDirectory(const std::string& dir, bool config_changed) {
    auto changed = ConfigChangedIn(dir);
    if (!changed.ok()) return changed.status();
    config_changed = config_changed || *changed;
    auto in_base = base_.IsApp(dir);
    if (!in_base.ok()) return in_base.status();
    auto in_head = head_.IsApp(dir);
    if (!in_head.ok()) return in_head.status();
    auto base_entries = base_.List(dir);
    if (!base_entries.ok()) return base_entries.status();
    auto head_entries = head_.List(dir);
    if (!head_entries.ok()) return head_entries.status();
    if (*in_base || *in_head) {
      if (config_changed || Differ(**base_entries, **head_entries)) found_.push_back({dir, *in_base, *in_head});
      return Status::Ok();
    }
    std::map<std::string, std::pair<std::string, std::string>> subdirs;  // name -> ids
    for (const DirEntry& e : **base_entries)
      if (e.type == EntryType::kDirectory && e.name[0] != '.') subdirs[e.name].first = e.id.empty() ? "?" : e.id;
    for (const DirEntry& e : **head_entries)
      if (e.type == EntryType::kDirectory && e.name[0] != '.') subdirs[e.name].second = e.id.empty() ? "?" : e.id;
    for (const auto& [name, ids] : subdirs) {
      if (!config_changed && ids.first == ids.second && ids.first != "?") continue;
      Status s = FromDirectory(Join(dir, name), config_changed);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  // A listed app changed when its tree or a config above it did.
  Status Listed(const std::string& app) {
    auto config = ConfigChangedAbove(app);
    if (!config.ok()) return config.status();
    auto base_id = base_.IdOf(Parent(app), app.substr(app.rfind('/') + 1));
    if (!base_id.ok()) return base_id.status();
    auto head_id = head_.IdOf(Parent(app), app.substr(app.rfind('/') + 1));
    if (!head_id.ok()) return head_id.status();
    const bool in_base = base_.Exists(app), in_head = head_.Exists(app);
    if (!in_base && !in_head) return Status::Ok();
    if (*config || *base_id != *head_id || *base_id == "?") found_.push_back({app, in_base, in_head});
    return Status::Ok();
  }

  std::vector<ChangedApp> Take() {
    std::sort(found_.begin(), found_.end(), [](const ChangedApp& a, const ChangedApp& b) { return a.path < b.path; });
    found_.erase(std::unique(found_.begin(), found_.end(), [](const ChangedApp& a, const ChangedApp& b) { return a.path == b.path; }),
                 found_.end());
    return std::move(found_);
  }

 private:
  Result<bool> ConfigChangedIn(const std::string& dir) {
    const std::string name(render::kConfigFileName);
    auto base_id = base_.IdOf(dir, name);
    if (!base_id.ok()) return base_id.status();
    auto head_id = head_.IdOf(dir, name);
    if (!head_id.ok()) return head_id.status();
    return *base_id != *head_id || *base_id == "?";
  }

  Side base_, head_;
  std::vector<ChangedApp> found_;
};

bool IsUnder(const std::string& path, const std::string& root) {
  return root.empty() || path == root || path.rfind(root + "/", 0) == 0;
}

}  // namespace

Result<std::vector<ChangedApp>> FindChangedApps(const FileSource& base, const FileSource& head,
                                                const std::vector<std::string>& under,
                                                const std::vector<std::string>* listed) {
  Walk walk(base, head);
  const std::vector<std::string> roots = under.empty() ? std::vector<std::string>{""} : under;
  // A path that is a directory in neither revision is a typo, not "no change".
  for (const std::string& root : roots) {
    if (!root.empty() && base.TypeOf(root) != EntryType::kDirectory && head.TypeOf(root) != EntryType::kDirectory)
      return Status::Invalid(root + ": not a directory in either revision");
  }
  if (listed != nullptr) {
    for (const std::string& app : *listed) {
      if (base.TypeOf(app) != EntryType::kDirectory && head.TypeOf(app) != EntryType::kDirectory)
        return Status::Invalid("gitcanary.yaml apps: " + app + ": not a directory in either revision");
      if (std::none_of(roots.begin(), roots.end(), [&](const std::string& r) { return IsUnder(app, r); })) continue;
      Status s = walk.Listed(app);
      if (!s.ok()) return s;
    }
    return walk.Take();
  }
  for (const std::string& root : roots) {
    auto config = walk.ConfigChangedAbove(root);
    if (!config.ok()) return config.status();
    Status s = walk.FromDirectory(root, *config);
    if (!s.ok()) return s;
  }
  return walk.Take();
}

}  // namespace gitcanary::plugin
