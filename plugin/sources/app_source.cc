#include "plugin/sources/app_source.h"

#include "plugin/sources/commit_input.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"

namespace gitcanary::plugin {

std::string CleanRelative(std::string dir) {
  while (dir.rfind("./", 0) == 0) dir.erase(0, 2);
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  return dir == "." ? std::string() : dir;
}

Result<AppSource> OpenAppSource(const ParsedArgs& args, const std::string& dir) {
  AppSource src;
  if (args.Has("repo")) {
    auto commit = OpenCommitInput(*args.Get("repo"), dir, args.Get("revision").value_or("HEAD"));
    if (!commit.ok()) return commit.status();
    src.files = std::move(commit->tree);
    src.dir = std::move(commit->dir);
    src.lookup = src.files.get();
    src.lookup_dir = src.dir;
    return src;
  }
  if (args.Has("revision")) return Status::Usage("--revision needs --repo");
  src.files = std::make_unique<DiskSource>(dir);
  auto where = DiskLookupFor(dir);
  if (!where.ok()) return where.status();
  src.lookup_owner = std::make_unique<DiskSource>(where->root);
  src.lookup = src.lookup_owner.get();
  src.lookup_dir = where->dir;
  src.disk_root = where->root;
  return src;
}

Result<BuiltApp> LoadAppManifests(const AppSource& src, const BuildTools& tools) {
  auto kind = ClassifyApp(*src.lookup, src.lookup_dir);
  if (!kind.ok()) return kind.status();
  if (*kind != AppKind::kManifests) return BuildApp(*src.lookup, src.lookup_dir, tools, src.disk_root);
  return LoadManifestDirectory(*src.files, src.dir, *src.lookup, src.lookup_dir, tools, src.disk_root);
}

}  // namespace gitcanary::plugin
