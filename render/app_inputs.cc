#include "render/app_inputs.h"

#include <algorithm>
#include <set>

#include "render/canary_status.h"
#include "render/loader.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

namespace {

constexpr std::size_t kMaxKustomizationBytes = 1024 * 1024;

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool IsInside(const std::string& path, const std::string& dir) {
  return dir.empty() || path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                                        path[dir.size()] == '/');
}

bool IsRemote(const std::string& ref) {
  return ref.find("://") != std::string::npos || ref.rfind("git@", 0) == 0 || ref.rfind("github.com/", 0) == 0 ||
         ref.rfind("gitlab.com/", 0) == 0 || ref.rfind("bitbucket.org/", 0) == 0 || ref.find("?ref=") != std::string::npos;
}

// One path a kustomization names, with the field it came from (for messages).
struct Reference {
  std::string field;
  std::string path;
};

const yaml::Node* MappingOr(const yaml::Node* n) { return n != nullptr && n->IsMapping() ? n : nullptr; }

void Strings(const yaml::Node& doc, const char* field, std::vector<Reference>* out) {
  const yaml::Node* list = doc.Find(field);
  if (list == nullptr || !list->IsSequence()) return;
  for (const yaml::Node& item : list->items)
    if (item.IsScalar() && item.value.find('\n') == std::string::npos) out->push_back({field, item.value});
}

void PathsOf(const yaml::Node& doc, const char* field, std::vector<Reference>* out) {
  const yaml::Node* list = doc.Find(field);
  if (list == nullptr || !list->IsSequence()) return;
  for (const yaml::Node& item : list->items) {
    const yaml::Node* path = item.IsMapping() ? item.Find("path") : nullptr;
    if (path != nullptr && path->IsScalar()) out->push_back({std::string(field) + "[].path", path->value});
  }
}

void GeneratorFiles(const yaml::Node& doc, const char* field, std::vector<Reference>* out) {
  const yaml::Node* list = doc.Find(field);
  if (list == nullptr || !list->IsSequence()) return;
  for (const yaml::Node& gen : list->items) {
    if (!gen.IsMapping()) continue;
    for (const char* key : {"files", "envs"}) {
      const yaml::Node* files = gen.Find(key);
      if (files == nullptr || !files->IsSequence()) continue;
      for (const yaml::Node& f : files->items) {
        if (!f.IsScalar()) continue;
        const std::size_t eq = f.value.find('=');  // "key=path"
        out->push_back({std::string(field) + "[]." + key, eq == std::string::npos ? f.value : f.value.substr(eq + 1)});
      }
    }
    const yaml::Node* env = gen.Find("env");
    if (env != nullptr && env->IsScalar()) out->push_back({std::string(field) + "[].env", env->value});
  }
}

void HelmPaths(const yaml::Node& doc, std::vector<Reference>* out) {
  const yaml::Node* charts = doc.Find("helmCharts");
  const yaml::Node* globals = MappingOr(doc.Find("helmGlobals"));
  const yaml::Node* home = globals != nullptr ? globals->Find("chartHome") : nullptr;
  if (home != nullptr && home->IsScalar()) out->push_back({"helmGlobals.chartHome", home->value});
  else if (charts != nullptr) out->push_back({"helmGlobals.chartHome", "charts"});
  if (charts == nullptr || !charts->IsSequence()) return;
  for (const yaml::Node& chart : charts->items) {
    if (!chart.IsMapping()) continue;
    const yaml::Node* values = chart.Find("valuesFile");
    if (values != nullptr && values->IsScalar()) out->push_back({"helmCharts[].valuesFile", values->value});
    const yaml::Node* more = chart.Find("additionalValuesFiles");
    if (more != nullptr && more->IsSequence())
      for (const yaml::Node& v : more->items)
        if (v.IsScalar()) out->push_back({"helmCharts[].additionalValuesFiles", v.value});
  }
}

std::vector<Reference> ReferencesOf(const yaml::Node& doc, bool directories_only) {
  std::vector<Reference> out;
  for (const char* field : {"resources", "bases", "components"}) Strings(doc, field, &out);
  if (directories_only) return out;
  for (const char* field : {"crds", "configurations", "patchesStrategicMerge", "transformers", "generators", "validators"})
    Strings(doc, field, &out);
  for (const char* field : {"patches", "patchesJson6902", "replacements"}) PathsOf(doc, field, &out);
  const yaml::Node* openapi = MappingOr(doc.Find("openapi"));
  const yaml::Node* openapi_path = openapi != nullptr ? openapi->Find("path") : nullptr;
  if (openapi_path != nullptr && openapi_path->IsScalar()) out.push_back({"openapi.path", openapi_path->value});
  GeneratorFiles(doc, "configMapGenerator", &out);
  GeneratorFiles(doc, "secretGenerator", &out);
  HelmPaths(doc, &out);
  return out;
}

}  // namespace

Result<yaml::Node> ReadKustomization(const FileSource& repo, const std::string& file, std::size_t* documents) {
  auto text = repo.Read(file, kMaxKustomizationBytes);
  if (!text.ok()) return text.status();
  auto docs = yaml::ParseYamlStream(*text, repo.Describe(file));
  if (!docs.ok()) return docs.status();
  if (documents != nullptr) *documents = docs->size();
  if (docs->empty() || docs->front().IsNull()) return yaml::Node::Mapping(0);
  if (!docs->front().IsMapping()) return Status::Invalid(repo.Describe(file) + ": a kustomization must be a mapping");
  return std::move(docs->front());
}

namespace {

void Normalise(AppInputs* in) {
  std::sort(in->dirs.begin(), in->dirs.end());
  in->dirs.erase(std::unique(in->dirs.begin(), in->dirs.end()), in->dirs.end());
  std::vector<std::string> outer;
  for (const std::string& d : in->dirs)
    if (outer.empty() || !IsInside(d, outer.back())) outer.push_back(d);
  in->dirs = std::move(outer);
  std::sort(in->files.begin(), in->files.end());
  in->files.erase(std::unique(in->files.begin(), in->files.end()), in->files.end());
  std::erase_if(in->files, [&](const std::string& f) {
    return std::any_of(in->dirs.begin(), in->dirs.end(), [&](const std::string& d) { return IsInside(f, d); });
  });
  std::sort(in->remote.begin(), in->remote.end());
  in->remote.erase(std::unique(in->remote.begin(), in->remote.end()), in->remote.end());
}

class KustomizeWalk {
 public:
  explicit KustomizeWalk(const FileSource& repo) : repo_(repo) {}

  Status Visit(const std::string& dir) {
    if (!seen_.insert(dir).second) return Status::Ok();
    const std::string name = KustomizationFileIn(repo_, dir);
    if (name.empty()) return Status::Invalid(repo_.Describe(dir.empty() ? "." : dir) + ": no kustomization.yaml");
    const std::string file = Join(dir, name);
    inputs_.kustomizations.push_back(dir);
    inputs_.dirs.push_back(dir);
    auto doc = ReadKustomization(repo_, file);
    if (!doc.ok()) return doc.status();
    for (const Reference& ref : ReferencesOf(*doc, false)) {
      if (IsRemote(ref.path)) {
        inputs_.remote.push_back(ref.path);
        continue;
      }
      std::string path;
      if (!JoinClean(dir, ref.path, &path))
        return Status::Invalid(repo_.Describe(file) + ": " + ref.field + " \"" + ref.path +
                               "\" is outside the repository; keep every input of the app inside it");
      switch (repo_.TypeOf(path)) {
        case EntryType::kDirectory:
          if (!KustomizationFileIn(repo_, path).empty()) {
            if (Status s = Visit(path); !s.ok()) return s;
          } else {
            inputs_.dirs.push_back(path);
          }
          break;
        case EntryType::kFile:
        case EntryType::kSymlink:
          inputs_.files.push_back(path);
          break;
        case EntryType::kOther:
          break;  // missing: kustomize says so in its own words
      }
    }
    return Status::Ok();
  }

  AppInputs Take() {
    Normalise(&inputs_);
    return std::move(inputs_);
  }

 private:
  const FileSource& repo_;
  std::set<std::string> seen_;
  AppInputs inputs_;
};

// Whether `path` is clean already: no segment empty, "." or "..".
bool IsCleanPath(std::string_view path) {
  for (std::size_t start = 0;;) {
    const std::size_t end = path.find('/', start);
    const std::string_view segment = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

}  // namespace

bool JoinClean(const std::string& base, const std::string& rel, std::string* out) {
  if (rel.rfind('/', 0) == 0) return false;  // absolute: never inside the repository source
  if (IsCleanPath(rel) && (base.empty() || IsCleanPath(base))) {  // the common case, without splitting
    *out = base.empty() ? rel : base + "/" + rel;
    return true;
  }
  std::vector<std::string> parts;
  const std::string joined = base.empty() ? rel : base + "/" + rel;
  std::size_t start = 0;
  while (start <= joined.size()) {
    std::size_t end = std::min(joined.find('/', start), joined.size());
    std::string part = joined.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(std::move(part));
    } else if (parts.empty()) {
      return false;
    } else {
      parts.pop_back();
    }
  }
  out->clear();
  for (const std::string& part : parts) *out += (out->empty() ? "" : "/") + part;
  return true;
}

std::string KustomizationFileIn(const FileSource& repo, const std::string& dir) {
  for (std::string_view name : kKustomizationFileNames)
    if (repo.TypeOf(Join(dir, std::string(name))) == EntryType::kFile) return std::string(name);
  return "";
}

std::string DirectoryId(const FileSource& repo, const std::string& dir) {
  if (dir.empty()) return "";
  const std::size_t slash = dir.rfind('/');
  auto entries = repo.List(slash == std::string::npos ? "" : dir.substr(0, slash));
  if (!entries.ok()) return "";
  const std::string name = slash == std::string::npos ? dir : dir.substr(slash + 1);
  for (const DirEntry& e : *entries)
    if (e.name == name && e.type == EntryType::kDirectory) return e.id;
  return "";
}

Result<AppInputs> KustomizeInputs(const FileSource& repo, const std::string& app) {
  KustomizeWalk walk(repo);
  if (Status s = walk.Visit(app); !s.ok()) return s;
  return walk.Take();
}

Result<AppInputs> ChartInputs(const FileSource& repo, const std::string& app,
                              const std::vector<std::string>& values_files) {
  AppInputs in;
  in.dirs.push_back(app);
  for (const std::string& v : values_files) {
    std::string path;
    if (!JoinClean(app, v, &path))
      return Status::Invalid(repo.Describe(app.empty() ? "." : app) + ": values file \"" + v +
                             "\" is outside the repository");
    if (repo.TypeOf(path) == EntryType::kOther)
      return Status::Invalid(repo.Describe(path) + ": values file not found");
    in.files.push_back(path);
  }
  Normalise(&in);
  return in;
}

Result<std::vector<std::string>> ReferencedDirs(const FileSource& repo, const std::string& kustomization_dir,
                                                std::vector<std::string>* named) {
  const std::string name = KustomizationFileIn(repo, kustomization_dir);
  if (name.empty()) return std::vector<std::string>{};
  auto doc = ReadKustomization(repo, Join(kustomization_dir, name));
  if (!doc.ok()) return doc.status();
  std::vector<std::string> out;
  for (const Reference& ref : ReferencesOf(*doc, false)) {
    if (IsRemote(ref.path)) continue;
    std::string path;
    const bool inside = JoinClean(kustomization_dir, ref.path, &path);
    if (named != nullptr) named->push_back(inside ? path : "/");
    if (!inside) continue;
    const EntryType type = repo.TypeOf(path);
    if (type == EntryType::kFile || type == EntryType::kSymlink) {  // a file of another directory: that directory is used
      const std::size_t slash = path.rfind('/');
      path = slash == std::string::npos ? "" : path.substr(0, slash);
      if (path == kustomization_dir) continue;
    } else if (type != EntryType::kDirectory) {
      continue;
    }
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

Result<std::string> InputsFingerprint(const FileSource& repo, const AppInputs& inputs) {
  std::string out;
  // A directory by its entries, leaving out status documents: they are read
  // apart from the build, so a status commit never invalidates a build.
  for (const std::string& dir : inputs.dirs) {
    auto entries = repo.List(dir);
    if (!entries.ok()) return entries.status();
    out += dir + "/:";
    for (const DirEntry& e : *entries) {
      if (e.id.empty()) return std::string();
      if (IsStatusFileName(e.name)) continue;
      out += e.name + "=" + e.id + ";";
    }
  }
  for (const std::string& file : inputs.files) {
    const std::size_t slash = file.rfind('/');
    auto entries = repo.List(slash == std::string::npos ? "" : file.substr(0, slash));
    if (!entries.ok()) return entries.status();
    const std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
    auto it = std::find_if(entries->begin(), entries->end(), [&](const DirEntry& e) { return e.name == name; });
    if (it != entries->end() && it->id.empty()) return std::string();
    out += file + "=" + (it == entries->end() ? "-" : it->id) + ";";
  }
  for (const std::string& r : inputs.remote) out += "remote:" + r + ";";
  return out;
}

bool IsStatusFileName(std::string_view name) {
  return name.size() > kStatusFileSuffix.size() &&
         name.substr(name.size() - kStatusFileSuffix.size()) == kStatusFileSuffix;
}

}  // namespace gitcanary::render
