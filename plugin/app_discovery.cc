#include "plugin/app_discovery.h"

#include <algorithm>
#include <set>

#include "render/app_config.h"
#include "render/app_inputs.h"
#include "render/app_roots.h"

namespace gitcanary::plugin {

namespace {

std::string Parent(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// The id of `name` in `dir` ("-" when absent); "" when the source has no ids.
Result<std::string> IdOf(const FileSource& side, const std::string& dir, const std::string& name) {
  if (!dir.empty() && side.TypeOf(dir) != EntryType::kDirectory) return std::string("-");
  auto entries = side.List(dir);
  if (!entries.ok()) return entries.status();
  for (const DirEntry& e : *entries)
    if (e.name == name) return e.id;
  return std::string("-");
}

// Everything the render of `app` reads on one side, as object ids; "" when
// some id is unknown (then the app counts as changed).
Result<std::string> Fingerprint(const FileSource& side, const std::string& app, const BuildTools& tools) {
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
  auto kind = ClassifyApp(side, app);
  if (!kind.ok() || *kind == AppKind::kManifests) return out;  // a bad app renders its error on both sides
  auto inputs = *kind == AppKind::kKustomization ? render::KustomizeInputs(side, app)
                                                 : render::ChartInputs(side, app, tools.values_files);
  if (!inputs.ok()) return out + "inputs-error:" + inputs.status().message();
  auto ids = render::InputsFingerprint(side, *inputs);
  if (!ids.ok()) return ids.status();
  if (ids->empty()) return std::string();
  return out + *ids;
}

}  // namespace

Result<std::vector<ChangedApp>> FindChangedApps(const FileSource& base, const FileSource& head,
                                                const std::vector<std::string>& under,
                                                const std::vector<std::string>* listed, const BuildTools& tools) {
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
  render::AppRootsMemo memo;  // the head's walk reads only what differs from the base
  auto base_apps = render::FindAppRoots(base, listed, under, &memo);
  if (!base_apps.ok()) return base_apps.status();
  auto head_apps = render::FindAppRoots(head, listed, under, &memo);
  if (!head_apps.ok()) return head_apps.status();
  const std::set<std::string> in_base(base_apps->dirs.begin(), base_apps->dirs.end());
  const std::set<std::string> in_head(head_apps->dirs.begin(), head_apps->dirs.end());
  std::set<std::string> all = in_base;
  all.insert(in_head.begin(), in_head.end());
  std::vector<ChangedApp> out;
  for (const std::string& app : all) {
    auto before = Fingerprint(base, app, tools);
    if (!before.ok()) return before.status();
    auto after = Fingerprint(head, app, tools);
    if (!after.ok()) return after.status();
    if (!before->empty() && *before == *after) continue;
    auto exists = [&](const FileSource& side) { return app.empty() || side.TypeOf(app) == EntryType::kDirectory; };
    out.push_back({app, in_base.count(app) != 0 && exists(base), in_head.count(app) != 0 && exists(head)});
  }
  return out;
}

}  // namespace gitcanary::plugin
