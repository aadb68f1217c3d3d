#include "render/app_roots.h"

#include <algorithm>
#include <set>

#include "render/app_inputs.h"
#include "render/loader.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

namespace {

constexpr std::size_t kSniffBytes = 8 * 1024 * 1024;

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::string ScalarAt(const yaml::Node& doc, std::initializer_list<std::string_view> path) {
  const yaml::Node* n = doc.Path(path);
  return n != nullptr && n->IsScalar() ? n->value : "";
}

// The app paths one document points at, when it is an Application or a Flux Kustomization.
void PointedAt(const yaml::Node& doc, std::vector<std::string>* out) {
  if (!doc.IsMapping()) return;
  const std::string api = ScalarAt(doc, {"apiVersion"});
  const std::string kind = ScalarAt(doc, {"kind"});
  if (kind == "Application" && api.rfind("argoproj.io/", 0) == 0) {
    if (std::string p = ScalarAt(doc, {"spec", "source", "path"}); !p.empty()) out->push_back(p);
    const yaml::Node* sources = doc.Path({"spec", "sources"});
    if (sources != nullptr && sources->IsSequence())
      for (const yaml::Node& s : sources->items)
        if (const yaml::Node* p = s.IsMapping() ? s.Find("path") : nullptr; p != nullptr && p->IsScalar())
          out->push_back(p->value);
  } else if (kind == "Kustomization" && api.rfind("kustomize.toolkit.fluxcd.io/", 0) == 0) {
    if (std::string p = ScalarAt(doc, {"spec", "path"}); !p.empty()) out->push_back(p);
  }
}

Result<std::vector<std::string>> ArgoCdAndFluxApps(const FileSource& repo) {
  auto files = ListManifestFiles(repo, "");
  if (!files.ok()) return files.status();
  std::set<std::string> dirs;
  for (const std::string& file : *files) {
    auto text = repo.Read(file, kSniffBytes);
    if (!text.ok()) continue;  // too large to be either
    if (text->find("argoproj.io/") == std::string::npos && text->find("kustomize.toolkit.fluxcd.io/") == std::string::npos)
      continue;
    auto docs = yaml::ParseYamlStream(*text, file);
    if (!docs.ok()) continue;  // a template, not a manifest Argo CD or Flux would apply
    std::vector<std::string> paths;
    for (const yaml::Node& doc : *docs) PointedAt(doc, &paths);
    for (const std::string& p : paths) {
      std::string clean;
      if (JoinClean("", p, &clean) && (clean.empty() || repo.TypeOf(clean) == EntryType::kDirectory)) dirs.insert(clean);
    }
  }
  return std::vector<std::string>(dirs.begin(), dirs.end());
}

class Discovery {
 public:
  explicit Discovery(const FileSource& repo) : repo_(repo) {}

  Status Visit(const std::string& dir) {
    auto entries = repo_.List(dir);
    if (!entries.ok()) return entries.status();
    const bool kustomization = !KustomizationFileIn(repo_, dir).empty();
    const bool chart = std::any_of(entries->begin(), entries->end(),
                                   [](const DirEntry& e) { return e.type == EntryType::kFile && e.name == "Chart.yaml"; });
    if (chart) {
      charts_.push_back(dir);  // both kinds at once is BuildApp's error, with the app named
      return Status::Ok();
    }
    if (kustomization) {
      kustomizations_.push_back(dir);
      auto refs = ReferencedDirs(repo_, dir);
      if (!refs.ok()) return refs.status();
      referenced_.insert(refs->begin(), refs->end());
    } else {
      auto manifests = HoldsManifest(dir, *entries);
      if (!manifests.ok()) return manifests.status();
      if (*manifests) {
        plain_.push_back(dir);
        return Status::Ok();
      }
    }
    std::vector<std::string> subdirs;
    for (const DirEntry& e : *entries)
      if (e.type == EntryType::kDirectory && e.name[0] != '.') subdirs.push_back(e.name);
    std::sort(subdirs.begin(), subdirs.end());
    for (const std::string& name : subdirs)
      if (Status s = Visit(Join(dir, name)); !s.ok()) return s;
    return Status::Ok();
  }

  std::vector<std::string> Apps() const {
    std::vector<std::string> out = charts_;
    out.insert(out.end(), plain_.begin(), plain_.end());
    for (const std::string& k : kustomizations_)
      if (!referenced_.count(k)) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  // Whether `dir` directly holds a file that reads as a manifest.
  Result<bool> HoldsManifest(const std::string& dir, const std::vector<DirEntry>& entries) {
    for (const DirEntry& e : entries) {
      if (e.type != EntryType::kFile || e.name[0] == '.' || !IsManifestFileName(e.name)) continue;
      auto text = repo_.Read(Join(dir, e.name), kSniffBytes);
      if (!text.ok()) return text.status();
      if (text->find("apiVersion") != std::string::npos && text->find("kind") != std::string::npos) return true;
    }
    return false;
  }

  const FileSource& repo_;
  std::vector<std::string> charts_, plain_, kustomizations_;
  std::set<std::string> referenced_;
};

}  // namespace

std::string_view AppRuleName(AppRule rule) {
  switch (rule) {
    case AppRule::kArgoCdOrFlux: return "Argo CD or Flux";
    case AppRule::kConfigList: return "gitcanary.yaml apps:";
    case AppRule::kDiscovered: return "discovered";
  }
  return "discovered";
}

Result<AppRoots> FindAppRoots(const FileSource& repo, const std::vector<std::string>* listed,
                              const std::vector<std::string>& under) {
  const std::vector<std::string> roots = under.empty() ? std::vector<std::string>{""} : under;
  auto inside = [&](const std::string& dir) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
      return r.empty() || dir == r || dir.rfind(r + "/", 0) == 0;
    });
  };
  AppRoots out;
  auto pointed = ArgoCdAndFluxApps(repo);
  if (!pointed.ok()) return pointed.status();
  if (!pointed->empty()) {
    out.rule = AppRule::kArgoCdOrFlux;
    for (std::string& dir : *pointed)
      if (inside(dir)) out.dirs.push_back(std::move(dir));
    return out;
  }
  if (listed != nullptr) {
    out.rule = AppRule::kConfigList;
    for (const std::string& app : *listed) {
      std::string clean;
      if (!JoinClean("", app, &clean)) return Status::Invalid("gitcanary.yaml apps: " + app + " leaves the repository");
      if (inside(clean)) out.dirs.push_back(clean);
    }
    std::sort(out.dirs.begin(), out.dirs.end());
    out.dirs.erase(std::unique(out.dirs.begin(), out.dirs.end()), out.dirs.end());
    return out;
  }
  Discovery discovery(repo);
  for (const std::string& root : roots) {
    if (!root.empty() && repo.TypeOf(root) != EntryType::kDirectory) continue;
    if (Status s = discovery.Visit(root); !s.ok()) return s;
  }
  out.dirs = discovery.Apps();
  out.dirs.erase(std::unique(out.dirs.begin(), out.dirs.end()), out.dirs.end());
  return out;
}

}  // namespace gitcanary::render
