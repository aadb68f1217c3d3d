#include "render/resources_only.h"

#include <iterator>
#include <optional>
#include <set>

#include "core/parallel.h"

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

// Kustomizations listing at least this many directories (an umbrella over
// the apps of a repository) have them gathered on every core: each costs a
// listing and a kustomization read, 30-40 us here.
constexpr std::size_t kParallelFromDirectories = 64;

class Gather {
 public:
  // `open`: the directories being visited above, to refuse cycles.
  Gather(const FileSource& repo, std::set<std::string> open, bool may_fork)
      : repo_(repo), open_(std::move(open)), may_fork_(may_fork) {}

  // False when `dir` does more than gather local files.
  bool Visit(const std::string& dir) {
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
    std::vector<Resource> listed;
    listed.reserve(resources->items.size());
    std::size_t directories = 0;
    for (const yaml::Node& item : resources->items) {
      Resource r;
      if (!item.IsScalar() || !JoinClean(dir, item.value, &r.path)) return false;
      r.type = repo_.TypeOf(r.path);
      if (r.type == EntryType::kFile && !IsManifestFileName(BaseName(r.path))) r.type = EntryType::kOther;
      if (r.type != EntryType::kFile && r.type != EntryType::kDirectory) return false;
      directories += r.type == EntryType::kDirectory ? 1 : 0;
      listed.push_back(std::move(r));
    }
    // Each directory is gathered on its own, then all are taken in the order
    // listed, so the files come in kustomize's order either way.
    std::vector<std::optional<GatheredFiles>> below(listed.size());
    auto gather_below = [&](std::size_t i, bool may_fork) {
      Gather child(repo_, open_, may_fork);
      if (child.Visit(listed[i].path)) below[i] = child.Take();
      return below[i].has_value();
    };
    if (may_fork_ && directories >= kParallelFromDirectories) {
      ParallelFor(listed.size(), [&](std::size_t i) {
        if (listed[i].type == EntryType::kDirectory) gather_below(i, false);
      });
    } else {
      for (std::size_t i = 0; i < listed.size(); ++i)
        if (listed[i].type == EntryType::kDirectory && !gather_below(i, may_fork_)) return false;
    }
    for (std::size_t i = 0; i < listed.size(); ++i) {
      if (listed[i].type == EntryType::kFile) {
        out_.files.push_back(std::move(listed[i].path));
        continue;
      }
      if (!below[i]) return false;
      GatheredFiles& part = *below[i];
      out_.files.insert(out_.files.end(), std::make_move_iterator(part.files.begin()),
                        std::make_move_iterator(part.files.end()));
      out_.kustomizations.insert(out_.kustomizations.end(), std::make_move_iterator(part.kustomizations.begin()),
                                 std::make_move_iterator(part.kustomizations.end()));
    }
    return true;
  }

  GatheredFiles Take() { return std::move(out_); }

 private:
  struct Resource {
    std::string path;
    EntryType type = EntryType::kOther;
  };

  const FileSource& repo_;
  std::set<std::string> open_;
  const bool may_fork_;
  GatheredFiles out_;
};

}  // namespace

Result<std::optional<GatheredFiles>> ResourcesOnlyFiles(const FileSource& repo, const std::string& dir) {
  Gather gather(repo, {}, true);
  if (!gather.Visit(dir)) return std::optional<GatheredFiles>();
  return std::optional<GatheredFiles>(gather.Take());
}

}  // namespace gitcanary::render
