#include "render/app_roots.h"

#include <algorithm>
#include <optional>
#include <set>

#include "render/app_inputs.h"
#include "render/app_roots_summary.h"
#include "render/loader.h"
#include "render/published_layout.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {

AppRootsMemo::AppRootsMemo() = default;
AppRootsMemo::~AppRootsMemo() = default;

namespace {

using Summary = AppRootsMemo::Summary;

constexpr std::size_t kSniffBytes = 8 * 1024 * 1024;

std::string Join(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

bool IsInside(const std::string& path, const std::string& dir) {
  return dir.empty() || path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                                        path[dir.size()] == '/');
}

// The files of one directory, each read at most once: the published-output
// check, the sniff and the kustomization's references all read its
// kustomization.yaml. Texts up to kSniffBytes are kept; a caller's lower limit
// is applied to the kept text with the same error.
class ReadOnce : public FileSource {
 public:
  explicit ReadOnce(const FileSource& inner) : inner_(inner) {}
  Result<std::vector<DirEntry>> List(const std::string& dir) const override { return inner_.List(dir); }
  EntryType TypeOf(const std::string& path) const override { return inner_.TypeOf(path); }
  std::string Describe(const std::string& path) const override { return inner_.Describe(path); }
  Result<std::string> Read(const std::string& path, std::size_t max_bytes) const override {
    if (max_bytes > kSniffBytes) return inner_.Read(path, max_bytes);
    auto it = texts_.find(path);
    if (it == texts_.end()) {
      auto text = inner_.Read(path, kSniffBytes);
      if (!text.ok()) return max_bytes == kSniffBytes ? text : inner_.Read(path, max_bytes);
      it = texts_.emplace(path, std::move(*text)).first;
    }
    if (it->second.size() > max_bytes) return FileTooLarge(inner_.Describe(path), it->second.size(), max_bytes);
    return it->second;
  }

 private:
  const FileSource& inner_;
  mutable std::map<std::string, std::string> texts_;
};

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

class Walk {
 public:
  Walk(const FileSource& repo, AppRootsMemo* memo) : repo_(repo), memo_(memo) {}

  // The summary of `dir`, whose tree id is `id` ("" when unknown).
  Result<std::shared_ptr<const Summary>> Summarise(const std::string& dir, const std::string& id, bool discovering) {
    const std::string key = dir + "\n" + id + "\n" + (discovering ? "d" : "-");
    if (memo_ != nullptr && !id.empty()) {
      auto it = memo_->entries().find(key);
      if (it != memo_->entries().end()) {
        Keep(it->second);
        return it->second;
      }
    }
    auto entries = repo_.List(dir);
    if (!entries.ok()) return entries.status();
    auto out = std::make_shared<Summary>();
    out->discovering = discovering;
    bool below = discovering;  // whether subdirectories are still candidates
    if (Status s = Own(dir, *entries, out.get(), &below); !s.ok()) return s;
    for (const DirEntry& e : *entries) {
      if (e.type != EntryType::kDirectory || e.name[0] == '.') continue;
      auto child = Summarise(Join(dir, e.name), e.id, below);
      if (!child.ok()) return child.status();
      out->children.emplace_back(Join(dir, e.name), std::move(*child));
    }
    std::sort(out->children.begin(), out->children.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    if (memo_ != nullptr && !id.empty()) {
      out->key = key;
      memo_->entries()[key] = out;
      used_[key] = out;
    }
    return std::shared_ptr<const Summary>(std::move(out));
  }

  // The memo's entries this walk used (found or made), with every subtree
  // below them: what the next walk of a changed tree can reuse.
  std::map<std::string, std::shared_ptr<const Summary>> TakeUsed() { return std::move(used_); }

 private:
  // What `dir`'s own files say (everything but its subdirectories), each file
  // read once; `below` is cleared inside a chart or a plain app.
  Status Own(const std::string& dir, const std::vector<DirEntry>& entries, Summary* out, bool* below) {
    const ReadOnce files(repo_);
    out->published_from = PublishedFrom(files, dir);
    bool holds_manifest = false, chart = false;
    for (const DirEntry& e : entries) {
      if (e.type == EntryType::kDirectory || e.type == EntryType::kSymlink) out->leaf = false;
      if (out->published_from || e.type != EntryType::kFile || e.name[0] == '.') continue;
      if (e.name == "Chart.yaml") chart = true;
      if (!IsManifestFileName(e.name)) continue;
      auto text = files.Read(Join(dir, e.name), kSniffBytes);
      if (!text.ok()) continue;  // too large to be a manifest worth sniffing
      if (text->find("apiVersion") != std::string::npos && text->find("kind") != std::string::npos) holds_manifest = true;
      if (text->find("argoproj.io/") == std::string::npos && text->find("kustomize.toolkit.fluxcd.io/") == std::string::npos)
        continue;
      auto docs = yaml::ParseYamlStream(*text, e.name);
      if (!docs.ok()) continue;  // a template, not a manifest Argo CD or Flux would apply
      for (const yaml::Node& doc : *docs) PointedAt(doc, &out->pointed);
    }
    if (!out->discovering || out->published_from) return Status::Ok();
    if (chart) {
      out->kind = Summary::Kind::kChart;  // both kinds at once is BuildApp's error, with the app named
      *below = false;
    } else if (!KustomizationFileIn(files, dir).empty()) {
      out->kind = Summary::Kind::kKustomization;
      auto refs = ReferencedDirs(files, dir, &out->named);
      if (!refs.ok()) return refs.status();
      out->referenced = std::move(*refs);
    } else if (holds_manifest) {
      out->kind = Summary::Kind::kPlain;
      *below = false;
    }
    return Status::Ok();
  }

  // The app a directory of published output was rendered from: such a
  // directory is never an app, and a Flux Kustomization pointing at it means
  // that app.
  static std::optional<std::string> PublishedFrom(const FileSource& files, const std::string& dir) {
    if (files.TypeOf(Join(dir, std::string(kPublishedKustomization))) != EntryType::kFile) return std::nullopt;
    auto text = files.Read(Join(dir, std::string(kPublishedKustomization)), kSniffBytes);
    if (!text.ok() || text->find(kPublishedFromAnnotation) == std::string::npos) return std::nullopt;
    auto published = ReadPublishedDir(files, dir);
    if (!published.ok() || !published->present) return std::nullopt;
    return published->published_from == "." ? std::string() : published->published_from;
  }

  void Keep(const std::shared_ptr<const Summary>& s) {
    if (s->key.empty() || !used_.emplace(s->key, s).second) return;
    for (const auto& [path, child] : s->children) Keep(child);
  }

  const FileSource& repo_;
  AppRootsMemo* memo_;
  std::map<std::string, std::shared_ptr<const Summary>> used_;
};

struct Found {
  std::set<std::string> pointed, charts, plain, kustomizations, referenced;
  std::map<std::string, std::string> published;  // published directory -> its app
};

void Collect(const std::string& dir, const Summary& s, Found* out) {
  out->pointed.insert(s.pointed.begin(), s.pointed.end());
  if (s.published_from) out->published[dir] = *s.published_from;
  switch (s.kind) {
    case Summary::Kind::kChart: out->charts.insert(dir); break;
    case Summary::Kind::kPlain: out->plain.insert(dir); break;
    case Summary::Kind::kKustomization:
      out->kustomizations.insert(dir);
      out->referenced.insert(s.referenced.begin(), s.referenced.end());
      break;
    case Summary::Kind::kNone: break;
  }
  for (const auto& [path, child] : s.children) Collect(path, *child, out);
}

// The walked trees: (directory, its summary).
using Tops = std::vector<std::pair<std::string, const Summary*>>;

// The summary of `path` (inside `at`, whose summary is `s`); null when no
// walked directory is there (a file, a hidden directory, nothing).
const Summary* Lookup(const Summary* s, std::string_view at, std::string_view path) {
  while (s != nullptr && at.size() != path.size()) {
    const std::string_view next = path.substr(0, path.find('/', at.empty() ? 0 : at.size() + 1));
    auto it = std::lower_bound(s->children.begin(), s->children.end(), next,
                               [](const auto& child, std::string_view p) { return child.first < p; });
    if (it == s->children.end() || it->first != next) return nullptr;
    s = it->second.get();
    at = next;
  }
  return s;
}

// Whether some directory of `path` below `dir` (which holds it) is hidden.
bool HiddenBelow(const std::string& path, const std::string& dir) {
  for (std::size_t i = dir.empty() ? 0 : dir.size() + 1; i < path.size(); i = path.find('/', i) + 1) {
    if (path[i] == '.') return true;
    if (path.find('/', i) == std::string::npos) break;
  }
  return false;
}

// Whether the build of `app` reads nothing outside its directory, but for the
// Helm values files a chart is given: a chart; a plain directory with no
// subdirectory (so no kustomization below it) and no symlink; a kustomization
// whose every named path, followed through the kustomizations it includes,
// stays inside it. Anything the walk cannot vouch for (a hidden directory, one
// that may hold a kustomization it did not look for) answers no.
bool SelfContained(const Tops& tops, const std::string& app) {
  const Summary* s = nullptr;
  for (const auto& [root, top] : tops)
    if (IsInside(app, root)) s = Lookup(top, root, app);
  if (s == nullptr) return false;
  if (s->kind == Summary::Kind::kChart) return true;
  if (s->kind == Summary::Kind::kPlain) return s->leaf;
  if (s->kind != Summary::Kind::kKustomization) return false;
  std::vector<const Summary*> seen{s}, todo{s};
  while (!todo.empty()) {
    const Summary* k = todo.back();
    todo.pop_back();
    for (const std::string& p : k->named) {
      if (p == "/" || !IsInside(p, app) || HiddenBelow(p, app)) return false;
      const Summary* sub = Lookup(s, app, p);
      if (sub == nullptr) continue;  // a file, or nothing: read with the app's own tree
      if (sub->kind == Summary::Kind::kKustomization) {
        if (std::find(seen.begin(), seen.end(), sub) == seen.end()) {
          seen.push_back(sub);
          todo.push_back(sub);
        }
      } else if (!sub->discovering || sub->published_from || sub->kind == Summary::Kind::kChart) {
        return false;  // it may hold a kustomization that was not looked at
      }
    }
  }
  return true;
}

// `out`, with its self-contained apps put in `marked` when asked.
AppRoots Marked(AppRoots out, const Tops& tops, std::set<std::string>* marked) {
  if (marked != nullptr)
    for (const std::string& dir : out.dirs)
      if (SelfContained(tops, dir)) marked->insert(dir);
  return out;
}

}  // namespace

Result<AppRoots> FindAppRoots(const FileSource& repo, const std::vector<std::string>* listed,
                              const std::vector<std::string>& under, AppRootsMemo* memo,
                              const std::string& publish_dir, std::set<std::string>* self_contained) {
  const std::vector<std::string> roots = under.empty() ? std::vector<std::string>{""} : under;
  auto inside = [&](const std::string& dir) {
    return std::any_of(roots.begin(), roots.end(), [&](const std::string& r) {
      return r.empty() || dir == r || dir.rfind(r + "/", 0) == 0;
    });
  };
  Walk walk(repo, memo);
  // The memo keeps only what this walk used: entries of trees that no longer
  // exist at the head (a status commit changes its app's, apps/'s and the
  // top's ids) would otherwise pile up for as long as serve runs.
  struct Prune {
    Walk& walk;
    AppRootsMemo* memo;
    ~Prune() {
      if (memo != nullptr) memo->entries() = walk.TakeUsed();
    }
  } prune{walk, memo};
  const bool whole = under.empty() || (under.size() == 1 && under[0].empty());
  auto top = walk.Summarise("", "", whole);  // rule 1 looks everywhere
  if (!top.ok()) return top.status();
  Found found;
  Collect("", **top, &found);

  AppRoots out;
  std::set<std::string> pointed;
  for (const std::string& p : found.pointed) {
    std::string clean;
    if (!JoinClean("", p, &clean)) continue;
    if (auto it = found.published.find(clean); it != found.published.end()) clean = it->second;
    else if (!publish_dir.empty() && clean.rfind(publish_dir + "/", 0) == 0) clean = clean.substr(publish_dir.size() + 1);
    if (clean.empty() || repo.TypeOf(clean) == EntryType::kDirectory) pointed.insert(clean);
  }
  Tops tops{{"", top->get()}};
  if (!pointed.empty()) {
    out.rule = AppRule::kArgoCdOrFlux;
    for (const std::string& dir : pointed)
      if (inside(dir)) out.dirs.push_back(dir);
    return Marked(std::move(out), tops, self_contained);
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
    return Marked(std::move(out), tops, self_contained);
  }
  std::vector<std::shared_ptr<const Summary>> walked;  // kept while `tops` points into them
  if (!whole) {  // discovery walks from each given directory, as if it were the top
    found = Found{};
    tops.clear();
    for (const std::string& root : roots) {
      if (repo.TypeOf(root) != EntryType::kDirectory) continue;
      auto summary = walk.Summarise(root, DirectoryId(repo, root), true);
      if (!summary.ok()) return summary.status();
      Collect(root, **summary, &found);
      walked.push_back(*summary);
      tops.emplace_back(root, summary->get());
    }
  }
  std::set<std::string> apps(found.charts.begin(), found.charts.end());
  apps.insert(found.plain.begin(), found.plain.end());
  for (const std::string& k : found.kustomizations)
    if (!found.referenced.count(k)) apps.insert(k);
  out.dirs.assign(apps.begin(), apps.end());
  return Marked(std::move(out), tops, self_contained);
}

}  // namespace gitcanary::render
