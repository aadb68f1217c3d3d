#include "render/resources_only.h"

#include <set>

#include "render/app_inputs.h"
#include "render/loader.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

namespace {

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::string BaseName(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Gather {
 public:
  explicit Gather(const FileSource& repo) : repo_(repo) {}

  // False when `dir` does more than gather local files.
  Result<bool> Visit(const std::string& dir) {
    if (!open_.insert(dir).second) return false;  // a cycle: kustomize's own error
    const std::string name = KustomizationFileIn(repo_, dir);
    if (name.empty()) return false;
    out_.kustomizations.push_back(Join(dir, name));
    std::size_t documents = 0;
    auto doc = ReadKustomization(repo_, Join(dir, name), &documents);
    if (!doc.ok() || documents != 1) return false;  // kustomize reports it in its own words
    const yaml::Node& k = *doc;
    const yaml::Node* resources = nullptr;
    for (const yaml::Field& f : k.fields) {
      if (f.key == "resources" && f.value.IsSequence()) resources = &f.value;
      else if (f.key == "apiVersion" && f.value.IsScalar()) continue;
      else if (f.key == "kind" && f.value.IsScalar() && f.value.value == "Kustomization") continue;
      else return false;
    }
    if (resources == nullptr) return false;
    for (const yaml::Node& item : resources->items) {
      std::string path;
      if (!item.IsScalar() || !JoinClean(dir, item.value, &path)) return false;
      const EntryType type = repo_.TypeOf(path);
      if (type == EntryType::kFile && IsManifestFileName(BaseName(path))) {
        out_.files.push_back(path);
      } else if (type == EntryType::kDirectory) {
        auto ok = Visit(path);
        if (!ok.ok() || !*ok) return ok;
      } else {
        return false;
      }
    }
    open_.erase(dir);
    return true;
  }

  GatheredFiles Take() { return std::move(out_); }

 private:
  const FileSource& repo_;
  std::set<std::string> open_;
  GatheredFiles out_;
};

}  // namespace

Result<std::optional<GatheredFiles>> ResourcesOnlyFiles(const FileSource& repo, const std::string& dir) {
  Gather gather(repo);
  auto ok = gather.Visit(dir);
  if (!ok.ok()) return ok.status();
  if (!*ok) return std::optional<GatheredFiles>();
  return std::optional<GatheredFiles>(gather.Take());
}

}  // namespace gitcanary::render
