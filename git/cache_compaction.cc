#include "git/cache_compaction.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <vector>

#include "git/libgit2_handle.h"

namespace gitcanary::git {
namespace {

namespace fs = std::filesystem;

bool IsHex(const std::string& s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return !s.empty();
}

long long ModifiedSeconds(const fs::path& p) {
  struct stat st {};
  if (stat(p.c_str(), &st) != 0) return 0;
  return static_cast<long long>(st.st_mtime);
}

struct LooseObject {
  fs::path file;
  std::string id;  // 40 hex
  long long mtime = 0;
};

// Loose object files, and leftovers of interrupted writes (tmp_obj_*).
void ListLoose(const fs::path& objects, std::vector<LooseObject>* loose, std::vector<fs::path>* temp) {
  std::error_code ec;
  for (const fs::directory_entry& dir : fs::directory_iterator(objects, ec)) {
    const std::string name = dir.path().filename().string();
    if (name.size() != 2 || !IsHex(name) || !dir.is_directory(ec)) continue;
    std::error_code inner;
    for (const fs::directory_entry& f : fs::directory_iterator(dir.path(), inner)) {
      const std::string rest = f.path().filename().string();
      if (rest.size() == 38 && IsHex(rest)) {
        if (loose != nullptr) loose->push_back({f.path(), name + rest, ModifiedSeconds(f.path())});
      } else if (temp != nullptr && rest.rfind("tmp_obj_", 0) == 0) {
        temp->push_back(f.path());
      }
    }
  }
}

// "pack-<hex>" of every pack-<hex>.pack; files of interrupted writes (any
// name not starting with "pack-", such as libgit2's pack_git2_* temporaries).
void ListPacks(const fs::path& pack_dir, std::set<std::string>* packs, std::set<std::string>* kept,
               std::vector<fs::path>* temp) {
  std::error_code ec;
  for (const fs::directory_entry& f : fs::directory_iterator(pack_dir, ec)) {
    const std::string name = f.path().filename().string();
    const std::size_t dot = name.rfind('.');
    const std::string base = dot == std::string::npos ? name : name.substr(0, dot);
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
    if (name.rfind("pack-", 0) != 0) {
      if (temp != nullptr && name != "multi-pack-index") temp->push_back(f.path());
      continue;
    }
    if (ext == ".pack" && packs != nullptr) packs->insert(base);
    if (ext == ".keep" && kept != nullptr) kept->insert(base);
  }
}

void Remove(const fs::path& p, std::size_t* count) {
  std::error_code ec;
  if (fs::remove(p, ec) && count != nullptr) ++*count;
}

// Puts every object reachable from the refs of `repo` into `pack`.
Status InsertReachable(git_repository* repo, git_packbuilder* pack) {
  git_revwalk* walk_raw = nullptr;
  if (git_revwalk_new(&walk_raw, repo) < 0) return Status::Io(LastGitError());
  GitPtr<git_revwalk> walk(walk_raw);
  git_reference_iterator* iter_raw = nullptr;
  if (git_reference_iterator_new(&iter_raw, repo) < 0) return Status::Io(LastGitError());
  GitPtr<git_reference_iterator> iter(iter_raw);
  git_reference* ref_raw = nullptr;
  int rc = 0;
  while ((rc = git_reference_next(&ref_raw, iter.get())) == 0) {
    GitPtr<git_reference> ref(ref_raw);
    const git_oid* target = git_reference_target(ref.get());
    if (target == nullptr) continue;  // symbolic: its target is listed itself
    git_object* obj_raw = nullptr;
    if (git_object_lookup(&obj_raw, repo, target, GIT_OBJECT_ANY) < 0)
      return Status::Io(std::string(git_reference_name(ref.get())) + " points at a missing object: " + LastGitError());
    GitPtr<git_object> obj(obj_raw);
    if (git_object_type(obj.get()) == GIT_OBJECT_COMMIT) {
      if (git_revwalk_push(walk.get(), target) < 0) return Status::Io(LastGitError());
    } else if (git_packbuilder_insert_recur(pack, target, nullptr) < 0) {
      return Status::Io(LastGitError());
    }
  }
  if (rc != GIT_ITEROVER) return Status::Io(LastGitError());
  if (git_packbuilder_insert_walk(pack, walk.get()) < 0) return Status::Io(LastGitError());
  return Status::Ok();
}

}  // namespace

CacheShape MeasureCache(const std::string& path) {
  CacheShape shape;
  std::set<std::string> packs;
  ListPacks(fs::path(path) / "objects" / "pack", &packs, nullptr, nullptr);
  shape.packs = packs.size();
  std::vector<LooseObject> loose;
  ListLoose(fs::path(path) / "objects", &loose, nullptr);
  shape.loose = loose.size();
  return shape;
}

bool NeedsCompaction(const CacheShape& shape, const CompactionPolicy& policy) {
  if (policy.max_packs == 0) return false;
  return shape.packs > policy.max_packs || shape.loose > policy.max_loose;
}

Result<CompactionResult> CompactCache(git_repository* repo, const std::string& path, const CompactionPolicy& policy,
                                      long long now_seconds) {
  const fs::path objects = fs::path(path) / "objects";
  const fs::path pack_dir = objects / "pack";
  std::set<std::string> old_packs, kept;
  std::vector<fs::path> temp;
  ListPacks(pack_dir, &old_packs, &kept, &temp);
  std::vector<LooseObject> loose;
  ListLoose(objects, &loose, &temp);

  git_packbuilder* pb_raw = nullptr;
  if (git_packbuilder_new(&pb_raw, repo) < 0) return Status::Io("compacting " + path + ": " + LastGitError());
  GitPtr<git_packbuilder> pack(pb_raw);
  if (Status s = InsertReachable(repo, pack.get()); !s.ok())
    return Status::Io("compacting " + path + ": " + s.message());
  for (const LooseObject& o : loose) {
    if (now_seconds - o.mtime >= policy.grace_seconds) continue;
    git_oid id;
    if (git_oid_fromstr(&id, o.id.c_str()) < 0 || git_packbuilder_insert(pack.get(), &id, nullptr) < 0)
      return Status::Io("compacting " + path + ": object " + o.id + ": " + LastGitError());
  }
  CompactionResult result;
  result.objects = git_packbuilder_object_count(pack.get());
  std::string fresh;
  if (result.objects > 0) {
    if (git_packbuilder_write(pack.get(), nullptr, 0, nullptr, nullptr) < 0)
      return Status::Io("compacting " + path + ": writing the pack: " + LastGitError());
    fresh = std::string("pack-") + git_packbuilder_name(pack.get());
  }
  // The new pack is complete: drop what it replaces. The index goes first,
  // so a reader never finds an index without its pack.
  for (const std::string& base : old_packs) {
    if (base == fresh || kept.count(base) > 0) continue;
    Remove(pack_dir / (base + ".idx"), nullptr);
    Remove(pack_dir / (base + ".pack"), &result.packs_removed);
    for (const char* ext : {".rev", ".bitmap", ".mtimes", ".promisor"}) Remove(pack_dir / (base + ext), nullptr);
  }
  Remove(pack_dir / "multi-pack-index", nullptr);  // would name removed packs
  for (const LooseObject& o : loose) Remove(o.file, &result.loose_removed);
  for (const fs::path& t : temp)
    if (now_seconds - ModifiedSeconds(t) >= policy.grace_seconds) Remove(t, nullptr);
  return result;
}

}  // namespace gitcanary::git
