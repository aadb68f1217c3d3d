#include "plugin/apps/app_discovery.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "render/app_config.h"
#include "render/app_inputs.h"
#include "render/app_roots.h"
#include "render/loader.h"

namespace gitcanary::plugin {

namespace {

// A source whose directory listings are read once and kept sorted by name: the
// walk and the fingerprints of a thousand apps look into the same directories
// again and again.
class ListingCache : public FileSource {
 public:
  explicit ListingCache(const FileSource& source) : source_(source) {}

  Result<std::vector<DirEntry>> List(const std::string& dir) const override {
    const Dir& d = Get(dir);
    if (!d.status.ok()) return d.status;
    return d.entries;
  }
  EntryType TypeOf(const std::string& path) const override {
    if (path.empty()) return EntryType::kDirectory;
    const DirEntry* e = Entry(path);
    return e == nullptr ? EntryType::kOther : e->type;
  }
  Result<std::string> Read(const std::string& path, std::size_t max_bytes) const override {
    return source_.Read(path, max_bytes);
  }
  std::string Describe(const std::string& path) const override { return source_.Describe(path); }

  // The entry at `path`, or nullptr when there is none (or a path on the way
  // to it is no directory).
  const DirEntry* Entry(const std::string& path) const {
    const std::size_t slash = path.rfind('/');
    const Dir& d = Get(slash == std::string::npos ? "" : path.substr(0, slash));
    if (!d.reachable) return nullptr;
    const std::string_view name = slash == std::string::npos ? std::string_view(path)
                                                             : std::string_view(path).substr(slash + 1);
    auto it = std::lower_bound(d.entries.begin(), d.entries.end(), name,
                               [](const DirEntry& e, std::string_view n) { return e.name < n; });
    return it == d.entries.end() || it->name != name ? nullptr : &*it;
  }

 private:
  struct Dir {
    Status status;
    std::vector<DirEntry> entries;  // sorted by name
    bool reachable = false;  // the top, or listed as a directory in a reachable parent
  };
  const Dir& Get(const std::string& dir) const {
    auto it = dirs_.find(dir);
    if (it != dirs_.end()) return it->second;
    Dir d;
    auto listed = source_.List(dir);
    if (listed.ok()) {
      d.entries = std::move(*listed);
      auto by_name = [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; };
      if (!std::is_sorted(d.entries.begin(), d.entries.end(), by_name))
        std::sort(d.entries.begin(), d.entries.end(), by_name);
    } else {
      d.status = listed.status();
    }
    const DirEntry* self = dir.empty() ? nullptr : Entry(dir);
    d.reachable = dir.empty() || (self != nullptr && self->type == EntryType::kDirectory);
    return dirs_.emplace(dir, std::move(d)).first->second;  // references to elements survive rehashing
  }

  const FileSource& source_;
  mutable std::unordered_map<std::string, Dir> dirs_;
};

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// The id of `name` in `dir` ("-" when absent); "" when the source has no ids.
Result<std::string> IdOf(const ListingCache& side, const std::string& dir, const std::string& name) {
  const DirEntry* e = side.Entry(dir.empty() ? name : dir + "/" + name);
  return e == nullptr ? std::string("-") : e->id;
}

// What the builds of `app` read besides its own directory: a kustomization's
// or chart's inputs, or those of the kustomizations inside a plain directory.
// An input that cannot be found is left to the build, which reports it.
Result<std::vector<render::AppInputs>> BuildInputs(const ListingCache& side, const std::string& app,
                                                   const BuildTools& tools) {
  std::vector<render::AppInputs> out;
  auto kind = ClassifyApp(side, app);
  if (!kind.ok()) return out;  // a bad app renders its error on both sides
  std::vector<std::string> kustomizations;
  if (*kind == AppKind::kHelmChart) {
    auto inputs = render::ChartInputs(side, app, tools.values_files);
    if (inputs.ok()) out.push_back(std::move(*inputs));
    return out;
  }
  if (*kind == AppKind::kKustomization) {
    kustomizations.push_back(app);
  } else {
    auto files = render::ListManifestFiles(side, app, &kustomizations);
    if (!files.ok()) return out;
  }
  for (const std::string& k : kustomizations) {
    auto inputs = render::KustomizeInputs(side, k);
    if (inputs.ok()) out.push_back(std::move(*inputs));
  }
  return out;
}

// Whether every kustomization directory `inputs` walked is the same tree on
// both sides: then the same files are referenced, and the inputs found on one
// side hold on the other.
bool SameWalk(const std::vector<render::AppInputs>& inputs, const ListingCache& a, const ListingCache& b) {
  for (const render::AppInputs& in : inputs)
    for (const std::string& dir : in.kustomizations) {
      const DirEntry* x = a.Entry(dir);
      const DirEntry* y = b.Entry(dir);
      if (x == nullptr || y == nullptr || x->id.empty() || x->id != y->id) return false;
    }
  return !inputs.empty();
}

// Everything the render of `app` reads on one side, as object ids; "" when
// some id is unknown (then the app counts as changed).
Result<std::string> Fingerprint(const ListingCache& side, const std::string& app,
                                const std::vector<render::AppInputs>& inputs) {
  if (!app.empty() && side.TypeOf(app) != EntryType::kDirectory) return std::string("absent");
  std::string out;
  for (std::string d = app;; d = Parent(d)) {  // the configs from the app up to the top
    auto id = IdOf(side, d, std::string(render::kConfigFileName));
    if (!id.ok()) return id.status();
    if (id->empty()) return std::string();
    out += "config:" + d + "=" + *id + ";";
    if (d.empty()) break;
  }
  std::string own = "tree";
  if (!app.empty()) {
    auto id = IdOf(side, Parent(app), app.substr(app.rfind('/') + 1));
    if (!id.ok()) return id.status();
    own = *id;
  } else {
    auto entries = side.List("");
    if (!entries.ok()) return entries.status();
    for (const DirEntry& e : *entries) own += e.name + "=" + e.id + ";";
  }
  if (own.empty()) return std::string();
  out += "app=" + own + ";";
  for (const render::AppInputs& in : inputs) {
    auto ids = render::InputsFingerprint(side, in);
    if (!ids.ok()) return ids.status();
    if (ids->empty()) return std::string();
    out += *ids;
  }
  return out;
}

// Whether a path is the same in both revisions (absent from both counts), by
// object ids: a path below a directory that is the same is the same, so only
// the listings of directories that differ are looked into.
class Sameness {
 public:
  Sameness(const ListingCache& base, const ListingCache& head) : base_(base), head_(head) {}

  bool Same(const std::string& path) {
    if (path.empty()) return false;  // the top has no entry to compare
    auto it = known_.find(path);
    if (it != known_.end()) return it->second;
    bool same = Same(Parent(path));
    if (!same) {
      const DirEntry* a = base_.Entry(path);
      const DirEntry* b = head_.Entry(path);
      same = (a == nullptr && b == nullptr) ||
             (a != nullptr && b != nullptr && !a->id.empty() && a->id == b->id && a->type == b->type);
    }
    known_.emplace(path, same);
    return same;
  }

  // Whether every gitcanary.yaml from `app` up to the top is the same.
  bool SameConfigs(const std::string& app) {
    for (std::string d = app;; d = Parent(d)) {
      if (!Same(d.empty() ? std::string(render::kConfigFileName) : d + "/" + std::string(render::kConfigFileName)))
        return false;
      if (d.empty()) return true;
    }
  }

 private:
  const ListingCache& base_;
  const ListingCache& head_;
  std::map<std::string, bool> known_;
};

// Whether `app` is unchanged without reading anything of it: its tree and the
// gitcanary.yaml files above it are the same, and its build reads nothing
// outside its directory (render::FindAppRoots's self_contained; a chart's values
// files inside it too).
bool UnchangedUnread(Sameness& same, const std::string& app, bool self_contained, const BuildTools& tools) {
  if (!self_contained || !same.Same(app) || !same.SameConfigs(app)) return false;
  for (const std::string& v : tools.values_files) {  // only a chart reads them
    std::string path;
    if (!render::JoinClean(app, v, &path) || (!app.empty() && path != app && path.rfind(app + "/", 0) != 0))
      return false;
  }
  return true;
}

}  // namespace

Result<std::vector<ChangedApp>> FindChangedApps(const FileSource& base_tree, const FileSource& head_tree,
                                                const std::vector<std::string>& under,
                                                const std::vector<std::string>* listed, const BuildTools& tools,
                                                const std::string& publish_dir, render::AppRootsMemo* kept) {
  const ListingCache base(base_tree), head(head_tree);
  const std::vector<std::string> roots = under.empty() ? std::vector<std::string>{""} : under;
  // A path that is a directory in neither revision is a typo, not "no change".
  for (const std::string& root : roots) {
    if (!root.empty() && base.TypeOf(root) != EntryType::kDirectory && head.TypeOf(root) != EntryType::kDirectory)
      return Status::Invalid(root + ": not a directory in either revision");
  }
  if (listed != nullptr) {
    for (const std::string& app : *listed)
      if (base.TypeOf(app) != EntryType::kDirectory && head.TypeOf(app) != EntryType::kDirectory)
        return Status::Invalid("gitcanary.yaml apps: " + app + ": not a directory in either revision");
  }
  render::AppRootsMemo own;  // the head's walk reads only what differs from the base
  render::AppRootsMemo& memo = kept != nullptr ? *kept : own;
  std::set<std::string> base_contained, head_contained;
  auto base_apps = render::FindAppRoots(base, listed, under, &memo, publish_dir, &base_contained);
  if (!base_apps.ok()) return base_apps.status();
  auto base_used = memo.entries();  // each walk keeps only what it used
  auto head_apps = render::FindAppRoots(head, listed, under, &memo, publish_dir, &head_contained);
  if (!head_apps.ok()) return head_apps.status();
  memo.entries().merge(base_used);  // the next comparison may be against either side
  const std::set<std::string> in_base(base_apps->dirs.begin(), base_apps->dirs.end());
  const std::set<std::string> in_head(head_apps->dirs.begin(), head_apps->dirs.end());
  std::set<std::string> all = in_base;
  all.insert(in_head.begin(), in_head.end());
  Sameness same(base, head);
  std::vector<ChangedApp> out;
  for (const std::string& app : all) {
    const std::set<std::string>& contained = in_base.count(app) != 0 ? base_contained : head_contained;
    if (UnchangedUnread(same, app, contained.count(app) != 0, tools)) continue;
    auto base_inputs = BuildInputs(base, app, tools);
    if (!base_inputs.ok()) return base_inputs.status();
    auto head_inputs = SameWalk(*base_inputs, base, head) ? base_inputs : BuildInputs(head, app, tools);
    if (!head_inputs.ok()) return head_inputs.status();
    auto before = Fingerprint(base, app, *base_inputs);
    if (!before.ok()) return before.status();
    auto after = Fingerprint(head, app, *head_inputs);
    if (!after.ok()) return after.status();
    if (!before->empty() && *before == *after) continue;
    auto exists = [&](const FileSource& side) { return app.empty() || side.TypeOf(app) == EntryType::kDirectory; };
    out.push_back({app, in_base.count(app) != 0 && exists(base), in_head.count(app) != 0 && exists(head)});
  }
  return out;
}

}  // namespace gitcanary::plugin
