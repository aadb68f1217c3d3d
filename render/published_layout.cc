#include "render/published_layout.h"

#include <algorithm>
#include <cstdio>

#include "render/canary_status.h"
#include "render/yaml_emit.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

namespace {

std::string Join(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : name.empty() ? dir : dir + "/" + name;
}

// Invalid unless `path` is "" or relative components that stay inside.
Status CheckInside(const std::string& path, const std::string& what) {
  if (path.empty()) return Status::Ok();
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty() || part == "." || part == ".." || part == ".git" || part.find('\0') != std::string::npos ||
        part.find('\\') != std::string::npos)
      return Status::Invalid(what + " \"" + yaml::OneLineText(path) +
                             "\" must be a relative path that stays inside (no leading '/', no '.', '..' or .git)");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

// Bytes outside [a-z0-9.-] as %XX (upper-case hex), so distinct names stay distinct.
void AppendEscaped(std::string_view text, std::string* out) {
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-') {
      out->push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out->append(hex);
    }
  }
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string KustomizationText(const std::string& app, const std::string& revision,
                              const std::vector<std::string>& resources) {
  yaml::Node doc = yaml::Node::Mapping(5);
  doc.Set("apiVersion", yaml::Node::Plain("kustomize.config.k8s.io/v1beta1"));
  doc.Set("kind", yaml::Node::Plain("Kustomization"));
  yaml::Node annotations = yaml::Node::Mapping(2);
  annotations.Set(kPublishedFromAnnotation, yaml::Node::String(app.empty() ? "." : app));
  if (!revision.empty()) annotations.Set(kSourceRevisionAnnotation, yaml::Node::String(revision));
  yaml::Node metadata = yaml::Node::Mapping(1);
  metadata.Set("annotations", std::move(annotations));
  doc.Set("metadata", std::move(metadata));
  yaml::Node list = yaml::Node::Sequence();
  for (const std::string& r : resources) list.items.push_back(yaml::Node::String(r));
  doc.Set("resources", std::move(list));
  std::string out =
      "# Written by gitcanary (render --write, serve --publish); do not edit. gitcanary rewrites\n"
      "# and removes the files listed here, and only those.\n";
  yaml::EmitYaml(doc, &out);
  return out;
}

const yaml::Node* Annotation(const yaml::Node& doc, std::string_view key) {
  const yaml::Node* a = doc.Path({"metadata", "annotations"});
  const yaml::Node* v = a != nullptr ? a->Find(key) : nullptr;
  return v != nullptr && v->IsScalar() ? v : nullptr;
}

}  // namespace

Status CheckPublishPath(const std::string& path, const std::string& what) { return CheckInside(path, what); }

Result<std::string> PublishedAppDir(const std::string& publish_dir, const std::string& app) {
  if (publish_dir.empty()) return Status::Invalid("the publish directory is empty");
  if (Status s = CheckInside(publish_dir, "publish directory"); !s.ok()) return s;
  if (Status s = CheckInside(app, "app path"); !s.ok()) return s;
  return Join(publish_dir, app);
}

std::string PublishedFileName(const Manifest& object) {
  std::string out;
  AppendEscaped(Lower(object.kind), &out);
  if (const std::string group = object.Group(); !group.empty()) {
    out += '.';
    AppendEscaped(group, &out);
  }
  out += '_';
  if (!object.ns.empty()) {
    AppendEscaped(object.ns, &out);
    out += '_';
  }
  AppendEscaped(object.name, &out);
  out += ".yaml";
  return out;
}

Result<PublishedApp> LayOutApp(const std::string& app, const std::vector<Manifest>& objects,
                               const std::string& source_revision) {
  PublishedApp out;
  out.app = app;
  std::map<std::string, const Manifest*> by_file;
  for (const Manifest& m : objects) {
    if (IsStatusDocument(m)) continue;
    const std::string file = PublishedFileName(m);
    if (file == kPublishedKustomization) return Status::Invalid(m.Describe() + " would be published as " + file);
    auto [it, added] = by_file.emplace(file, &m);
    if (!added)
      return Status::Invalid((app.empty() ? "." : app) + ": " + m.Describe() + " and " + it->second->Describe() +
                             " would both be published as " + file + "; render each object once");
    std::string text;
    yaml::EmitYaml(m.doc, &text);
    out.files.emplace(file, std::move(text));
  }
  std::vector<std::string> resources;
  for (const auto& [file, text] : out.files) resources.push_back(file);
  out.files.emplace(std::string(kPublishedKustomization), KustomizationText(app, source_revision, resources));
  return out;
}

Result<PublishedDir> ReadPublishedDir(const FileSource& current, const std::string& dir) {
  PublishedDir out;
  const std::string path = Join(dir, std::string(kPublishedKustomization));
  const EntryType type = current.TypeOf(path);
  if (type == EntryType::kOther) return out;
  const std::string described = current.Describe(path);
  if (type != EntryType::kFile)
    return Status::Invalid(described + ": not a regular file; gitcanary publishes only into directories it wrote");
  auto text = current.Read(path, 4 * 1024 * 1024);
  if (!text.ok()) return text.status();
  auto docs = yaml::ParseYamlStream(*text, described);
  if (!docs.ok()) return docs.status();
  const yaml::Node* from = docs->size() == 1 ? Annotation((*docs)[0], kPublishedFromAnnotation) : nullptr;
  if (from == nullptr)
    return Status::Invalid(described + ": this kustomization was not written by gitcanary (no " +
                           std::string(kPublishedFromAnnotation) +
                           " annotation); publish into a directory of its own, or remove it");
  out.present = true;
  out.published_from = from->value;
  if (const yaml::Node* rev = Annotation((*docs)[0], kSourceRevisionAnnotation)) out.source_revision = rev->value;
  if (const yaml::Node* list = (*docs)[0].Find("resources"); list != nullptr && list->IsSequence()) {
    for (const yaml::Node& r : list->items) {
      if (!r.IsScalar() || r.value.empty() || r.value.find('/') != std::string::npos || r.value[0] == '.')
        return Status::Invalid(described + ": resource \"" + yaml::OneLineText(r.value) +
                               "\" is not a file of this directory; gitcanary never removes it");
      out.resources.push_back(r.value);
    }
  }
  return out;
}

Result<std::vector<PublishedChange>> PublishChanges(const FileSource& current, const std::string& dir,
                                                    const std::optional<PublishedApp>& want) {
  auto old = ReadPublishedDir(current, dir);
  if (!old.ok()) return old.status();
  if (want && old->present && old->published_from != (want->app.empty() ? "." : want->app))
    return Status::Invalid(current.Describe(Join(dir, std::string(kPublishedKustomization))) +
                           ": published from " + old->published_from + ", not " + want->app +
                           "; two apps cannot share a published directory");
  std::vector<PublishedChange> out;
  bool kustomization_kept = false;  // unchanged but for the source revision
  if (want) {
    for (const auto& [file, text] : want->files) {
      const std::string path = Join(dir, file);
      std::string compare = text;
      if (file == kPublishedKustomization && old->present) {  // the same but for the revision: unchanged
        std::vector<std::string> resources;
        for (const auto& [f, t] : want->files)
          if (f != kPublishedKustomization) resources.push_back(f);
        compare = KustomizationText(want->app, old->source_revision, resources);
      }
      const EntryType type = current.TypeOf(path);
      if (type == EntryType::kFile) {
        auto now = current.Read(path);
        if (now.ok() && *now == text) continue;
        if (now.ok() && *now == compare) {
          kustomization_kept = true;
          continue;
        }
      } else if (type != EntryType::kOther) {
        return Status::Invalid(current.Describe(path) + ": not a regular file; gitcanary will not replace it");
      }
      if (type == EntryType::kFile && file != kPublishedKustomization &&
          std::find(old->resources.begin(), old->resources.end(), file) == old->resources.end())
        return Status::Invalid(current.Describe(path) + ": exists but was not written by gitcanary; remove it");
      out.push_back({path, text});
    }
  }
  for (const std::string& file : old->resources)
    if ((!want || want->files.count(file) == 0) && current.TypeOf(Join(dir, file)) == EntryType::kFile)
      out.push_back({Join(dir, file), std::nullopt});
  if (!want && old->present) out.push_back({Join(dir, std::string(kPublishedKustomization)), std::nullopt});
  // Another file changes: the kustomization names the revision it now comes from.
  if (kustomization_kept && !out.empty())
    out.push_back({Join(dir, std::string(kPublishedKustomization)), want->files.at(std::string(kPublishedKustomization))});
  std::sort(out.begin(), out.end(), [](const PublishedChange& a, const PublishedChange& b) { return a.path < b.path; });
  return out;
}

namespace {

Status CollectPublished(const FileSource& current, const std::string& root, const std::string& dir,
                        std::vector<std::string>* out) {
  auto published = ReadPublishedDir(current, dir);
  if (published.ok() && published->present) {
    const std::string app = dir == root ? "" : root.empty() ? dir : dir.substr(root.size() + 1);
    if (published->published_from == (app.empty() ? "." : app)) out->push_back(app);
  }
  auto entries = current.List(dir);
  if (!entries.ok()) return entries.status();
  for (const DirEntry& e : *entries)
    if (e.type == EntryType::kDirectory && e.name[0] != '.')
      if (Status s = CollectPublished(current, root, Join(dir, e.name), out); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> PublishedApps(const FileSource& current, const std::string& publish_dir) {
  std::vector<std::string> out;
  if (!publish_dir.empty() && current.TypeOf(publish_dir) != EntryType::kDirectory) return out;
  if (Status s = CollectPublished(current, publish_dir, publish_dir, &out); !s.ok()) return s;
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace gitcanary::render
