#include "plugin/sources/app_source.h"

#include <filesystem>

#include "git/local_repository.h"
#include "git/tree_source.h"
#include "plugin/sources/config_lookup.h"
#include "plugin/sources/disk_source.h"

namespace gitcanary::plugin {

std::string CleanRelative(std::string dir) {
  while (dir.rfind("./", 0) == 0) dir.erase(0, 2);
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  return dir == "." ? std::string() : dir;
}

Result<RepoDir> ResolveRepoDir(const std::string& repo, const std::string& dir) {
  auto found = git::FindRepository(repo);
  if (!found.ok()) return found.status();
  namespace fs = std::filesystem;
  fs::path joined;
  if (!dir.empty() && dir[0] == '/') {
    std::error_code ec;
    const fs::path top = fs::weakly_canonical(found->root, ec);
    joined = fs::weakly_canonical(dir, ec).lexically_relative(top);
  } else {
    joined = (fs::path(found->prefix) / dir).lexically_normal();
  }
  std::string clean = CleanRelative(joined.generic_string());
  if (clean == ".." || clean.rfind("../", 0) == 0 || (!clean.empty() && clean[0] == '/'))
    return Status::Invalid(dir + ": outside the repository " + found->root);
  return RepoDir{found->root, std::move(clean)};
}

Result<AppSource> OpenAppSource(const ParsedArgs& args, const std::string& dir) {
  AppSource src;
  if (args.Has("repo")) {
    auto where = ResolveRepoDir(*args.Get("repo"), dir);
    if (!where.ok()) return where.status();
    auto tree = git::TreeSource::Open(where->root, args.Get("revision").value_or("HEAD"), "");
    if (!tree.ok()) return tree.status();
    src.files = std::move(*tree);
    src.dir = where->dir;
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
