#include "render/loader.h"

#include <algorithm>

#include "core/parallel.h"
#include "render/fields.h"

namespace gitcanary::render {

namespace {

constexpr int kMaxDirectoryDepth = 64;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

// Resolves `target` relative to `link_dir` lexically; "" + false when it leaves `root`.
bool ResolveInside(const std::string& root, const std::string& link_dir, const std::string& target,
                   std::string* out) {
  if (!target.empty() && target[0] == '/') return false;
  std::vector<std::string> parts;
  auto push_all = [&parts](const std::string& path) {
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      std::string part = path.substr(start, end - start);
      if (part == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      start = end + 1;
    }
    return true;
  };
  if (!push_all(link_dir) || !push_all(target)) return false;
  std::string joined;
  for (const auto& p : parts) joined = joined.empty() ? p : joined + "/" + p;
  if (!root.empty() && joined != root && joined.rfind(root + "/", 0) != 0) return false;
  *out = joined;
  return true;
}

bool IsKustomizationFileName(std::string_view name) {
  return std::find(std::begin(kKustomizationFileNames), std::end(kKustomizationFileNames), name) !=
         std::end(kKustomizationFileNames);
}

struct Walker {
  const FileSource& source;
  std::string root;
  std::vector<std::string> files;
  std::vector<std::string> nested;  // subdirectories that hold a kustomization

  Status Walk(const std::string& dir, int depth) {
    if (depth > kMaxDirectoryDepth) {
      return Status::Invalid(source.Describe(dir) + ": directories nested too deep (symlink loop?)");
    }
    auto entries = source.List(dir);
    if (!entries.ok()) return entries.status();
    if (depth > 0 && std::any_of(entries->begin(), entries->end(), [](const DirEntry& e) {
          return e.type == EntryType::kFile && IsKustomizationFileName(e.name);
        })) {
      nested.push_back(dir);
      return Status::Ok();
    }
    std::sort(entries->begin(), entries->end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    for (const DirEntry& e : *entries) {
      if (e.name.empty() || e.name[0] == '.') continue;
      std::string path = Join(dir, e.name);
      EntryType type = e.type;
      std::string real = path;
      if (type == EntryType::kSymlink) {
        if (!ResolveInside(root, dir, e.link_target, &real)) {
          return Status::Invalid(source.Describe(path) + ": symlink points outside the app directory (\"" +
                                 e.link_target + "\"); refused");
        }
        type = source.TypeOf(real);
        if (type == EntryType::kSymlink) {
          return Status::Invalid(source.Describe(path) + ": symlink to a symlink is not followed; refused");
        }
      }
      if (type == EntryType::kDirectory) {
        Status s = Walk(real, depth + 1);
        if (!s.ok()) return s;
      } else if (type == EntryType::kFile && IsManifestFileName(e.name)) {
        files.push_back(real);
      }
    }
    return Status::Ok();
  }
};

Status CheckIdentity(const Manifest& m, const yaml::Node& doc) {
  Fields fields(m.file);
  const yaml::Node* api = doc.Find("apiVersion");
  const yaml::Node* kind = doc.Find("kind");
  if (api == nullptr || kind == nullptr) {
    return fields.Error(doc, "", "document has no apiVersion and kind; not a Kubernetes manifest");
  }
  if (!api->IsStringScalar() || api->value.empty()) return fields.Error(*api, "apiVersion", "expected a non-empty string, got " + Shown(*api));
  if (!kind->IsStringScalar() || kind->value.empty()) return fields.Error(*kind, "kind", "expected a non-empty string, got " + Shown(*kind));
  auto meta = fields.Mapping(doc, "metadata", "");
  if (!meta.ok()) return meta.status();
  if (*meta == nullptr) return fields.Error(doc, "metadata", "missing; every object needs metadata.name");
  auto name = fields.String(**meta, "name", "metadata");
  if (!name.ok()) return name.status();
  if (!name->has_value() || (*name)->empty()) return fields.Error(**meta, "metadata.name", "missing");
  auto ns = fields.String(**meta, "namespace", "metadata");
  return ns.ok() ? Status::Ok() : ns.status();
}

Status AppendDocument(yaml::Node doc, const std::string& file, std::vector<Manifest>* out) {
  if (doc.IsNull()) return Status::Ok();
  Fields fields(file);
  if (!doc.IsMapping()) return fields.Error(doc, "", "expected a Kubernetes object (a mapping), got " + Shown(doc));
  const yaml::Node* kind = doc.Find("kind");
  const yaml::Node* items = doc.Find("items");
  const yaml::Node* api = doc.Find("apiVersion");
  if (kind != nullptr && kind->IsScalar() && kind->value == "List" && api != nullptr && api->value == "v1") {
    if (items == nullptr || items->IsNull()) return Status::Ok();
    if (!items->IsSequence()) return fields.Error(*items, "items", "expected a list, got " + Shown(*items));
    for (yaml::Node& item : doc.Find("items")->items) {
      Status s = AppendDocument(std::move(item), file, out);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  Manifest m;
  m.file = file;
  Status s = CheckIdentity(m, doc);
  if (!s.ok()) return s;
  m.doc = std::move(doc);
  m.RefreshIdentity();
  out->push_back(std::move(m));
  return Status::Ok();
}

Result<std::vector<Manifest>> ReadManifests(const FileSource& source, const std::string& path,
                                            const LoadLimits& limits) {
  auto text = source.Read(path, limits.max_file_bytes);
  if (!text.ok()) return text.status();
  return ParseManifests(*text, source.Describe(path), limits);
}

}  // namespace

bool IsManifestFileName(std::string_view name) {
  if (!(EndsWith(name, ".yaml") || EndsWith(name, ".yml") || EndsWith(name, ".json"))) return false;
  std::string_view stem = name.substr(0, name.rfind('.'));
  if (stem == "kustomization" || stem == "Kustomization" || stem == "Chart" || stem == "gitcanary")
    return false;
  if (stem.rfind("values", 0) == 0) return false;
  return true;
}

Result<std::vector<std::string>> ListManifestFiles(const FileSource& source, const std::string& dir,
                                                   std::vector<std::string>* nested) {
  if (source.TypeOf(dir) != EntryType::kDirectory) {
    return Status::Invalid(source.Describe(dir) + ": not a directory");
  }
  Walker walker{source, dir, {}, {}};
  Status s = walker.Walk(dir, 0);
  if (!s.ok()) return s;
  if (nested != nullptr) {
    *nested = std::move(walker.nested);
  } else if (!walker.nested.empty()) {
    return Status::Invalid(source.Describe(walker.nested.front()) +
                           ": holds a kustomization; it is built by kustomize, never read as plain manifests");
  }
  return std::move(walker.files);
}

Result<std::vector<Manifest>> ParseManifests(std::string_view text, const std::string& file,
                                             const LoadLimits& limits) {
  auto docs = yaml::ParseYamlStream(text, file, limits.parse);
  if (!docs.ok()) return docs.status();
  return ManifestsFromDocuments(std::move(*docs), file);
}

Result<std::vector<Manifest>> ManifestsFromDocuments(std::vector<yaml::Node> docs, const std::string& file) {
  std::vector<Manifest> out;
  for (yaml::Node& doc : docs) {
    Status s = AppendDocument(std::move(doc), file, &out);
    if (!s.ok()) return s;
  }
  return out;
}

Result<std::vector<Manifest>> LoadManifests(const FileSource& source, const std::string& dir,
                                            std::vector<std::string>* nested, const LoadLimits& limits) {
  auto paths = ListManifestFiles(source, dir, nested);
  if (!paths.ok()) return paths.status();
  return LoadManifestFiles(source, *paths, limits);
}

Result<std::vector<Manifest>> LoadManifestFiles(const FileSource& source, const std::vector<std::string>& paths,
                                                const LoadLimits& limits) {
  const std::size_t n = paths.size();
  // Read and parse on every core: files are independent. The first failure in
  // file order wins, so the message is the same on every run. Threads pay
  // only past about 600 files on 2 cores (bench/bench.py's corpora, median
  // wall: 100 apps of 6 files as fast on one thread as on two, 200 apps 4%
  // faster on two, 400 apps 15%), so fewer files are read on this thread.
  constexpr std::size_t kParallelFromFiles = 512;
  std::vector<Result<std::vector<Manifest>>> parsed(n, Result<std::vector<Manifest>>(Status::Ok()));
  ParallelFor(n, [&](std::size_t i) { parsed[i] = ReadManifests(source, paths[i], limits); }, kParallelFromFiles);
  std::size_t total = 0;
  for (const auto& r : parsed) {
    if (!r.ok()) return r.status();
    total += r->size();
  }
  std::vector<Manifest> out;
  out.reserve(total);
  for (auto& r : parsed)
    for (Manifest& m : *r) out.push_back(std::move(m));
  return out;
}

}  // namespace gitcanary::render
