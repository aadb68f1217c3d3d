#include "git/cache_compaction.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <vector>

#include "git/child_process.h"
#include "git/commit_writer.h"
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

// Puts every object reachable from the refs of `repo` into `pack`, except
// what `hide` (commits) reaches; appends each ref's commit to `tips`.
Status InsertReachable(git_repository* repo, git_packbuilder* pack, const std::vector<LayerTip>& hide,
                       std::vector<LayerTip>* tips) {
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
      tips->push_back(LayerTip{OidHex(*target), git_reference_name(ref.get())});
    } else if (git_packbuilder_insert_recur(pack, target, nullptr) < 0) {
      return Status::Io(LastGitError());
    }
  }
  if (rc != GIT_ITEROVER) return Status::Io(LastGitError());
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo) < 0) return Status::Io(LastGitError());
  GitPtr<git_odb> odb(odb_raw);
  for (const LayerTip& t : hide) {
    git_oid id;
    // A tip the cache no longer has hides nothing; the walk then finds more.
    if (git_oid_fromstr(&id, t.id.c_str()) < 0 || !git_odb_exists(odb.get(), &id)) continue;
    if (git_revwalk_hide(walk.get(), &id) < 0) git_error_clear();
  }
  if (git_packbuilder_insert_walk(pack, walk.get()) < 0) return Status::Io(LastGitError());
  return Status::Ok();
}

// The object count of a pack, from its index's fan-out table (version 2, or
// the original format without a header); 0 when unreadable.
std::size_t PackObjects(const fs::path& idx) {
  std::ifstream in(idx, std::ios::binary);
  unsigned char head[8] = {0};
  if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return 0;
  const bool v2 = head[0] == 0xff && head[1] == 't' && head[2] == 'O' && head[3] == 'c';
  in.seekg((v2 ? 8 : 0) + 255 * 4);
  unsigned char n[4] = {0};
  if (!in.read(reinterpret_cast<char*>(n), sizeof n)) return 0;
  return (std::size_t{n[0]} << 24) | (std::size_t{n[1]} << 16) | (std::size_t{n[2]} << 8) | std::size_t{n[3]};
}

// Replaces `p` with `text` through a temporary file and a rename, so a
// reader never sees half a record.
Status WriteTextAtomically(const fs::path& p, const std::string& text) {
  const fs::path temp = p.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::Io("writing " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, p, ec);
  if (ec) return Status::Io("renaming " + temp.string() + ": " + ec.message());
  return Status::Ok();
}

// The layers of the record when every one of their packs is still there.
std::optional<std::vector<Layer>> RecordedLayers(const fs::path& repo, const std::set<std::string>& packs) {
  auto layers = ParseLayers(ReadSmallFile((repo / kRecordFile).string()));
  if (!layers) return std::nullopt;
  for (const Layer& l : *layers)
    if (packs.count(l.pack) == 0) return std::nullopt;
  return layers;
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

CompactionPlan PlanCompaction(const std::string& path, const CompactionPolicy& policy) {
  const fs::path objects = fs::path(path) / "objects";
  std::set<std::string> packs, kept;
  ListPacks(objects / "pack", &packs, &kept, nullptr);
  std::vector<LooseObject> loose;
  ListLoose(objects, &loose, nullptr);
  CompactionPlan plan;
  auto layers = RecordedLayers(path, packs);
  if (!layers) return plan;
  std::set<std::string> named;
  for (const Layer& l : *layers) named.insert(l.pack);
  std::size_t incoming = loose.size();
  for (const std::string& p : packs)
    if (named.count(p) == 0 && kept.count(p) == 0) incoming += PackObjects(objects / "pack" / (p + ".idx"));
  const std::size_t keep = LayersToKeep(*layers, incoming, policy.max_packs / 2);
  plan.keep.assign(layers->begin(), layers->begin() + static_cast<std::ptrdiff_t>(keep));
  plan.rewritten = layers->size() - keep;
  plan.incoming = incoming;
  return plan;
}

Result<CompactionResult> CompactCache(git_repository* repo, const std::string& path, const CompactionPolicy& policy,
                                      long long now_seconds) {
  const fs::path objects = fs::path(path) / "objects";
  const fs::path pack_dir = objects / "pack";
  const CompactionPlan plan = PlanCompaction(path, policy);
  std::set<std::string> old_packs, kept;
  std::vector<fs::path> temp;
  ListPacks(pack_dir, &old_packs, &kept, &temp);
  std::vector<LooseObject> loose;
  ListLoose(objects, &loose, &temp);

  git_packbuilder* pb_raw = nullptr;
  if (git_packbuilder_new(&pb_raw, repo) < 0) return Status::Io("compacting " + path + ": " + LastGitError());
  GitPtr<git_packbuilder> pack(pb_raw);
  std::vector<LayerTip> tips;
  const std::vector<LayerTip> none;
  if (Status s = InsertReachable(repo, pack.get(), plan.keep.empty() ? none : plan.keep.back().tips, &tips); !s.ok())
    return Status::Io("compacting " + path + ": " + s.message());
  for (const LooseObject& o : loose) {
    if (now_seconds - o.mtime >= policy.grace_seconds) continue;
    git_oid id;
    if (git_oid_fromstr(&id, o.id.c_str()) < 0 || git_packbuilder_insert(pack.get(), &id, nullptr) < 0)
      return Status::Io("compacting " + path + ": object " + o.id + ": " + LastGitError());
  }
  CompactionResult result;
  result.objects = git_packbuilder_object_count(pack.get());
  result.layers_kept = plan.keep.size();
  result.layers_rewritten = plan.rewritten;
  std::vector<Layer> layers = plan.keep;
  if (result.objects > 0) {
    if (git_packbuilder_write(pack.get(), nullptr, 0, nullptr, nullptr) < 0)
      return Status::Io("compacting " + path + ": writing the pack: " + LastGitError());
    layers.push_back(Layer{std::string("pack-") + git_packbuilder_name(pack.get()), result.objects, tips});
  } else if (!layers.empty()) {
    layers.back().tips = tips;  // nothing new: the newest layer already holds what the refs reach
  }
  // The new pack and the record naming it are complete: drop what they
  // replace. The index goes first, so a reader never finds an index without
  // its pack.
  if (Status s = WriteTextAtomically(fs::path(path) / kRecordFile, FormatLayers(layers)); !s.ok())
    return Status::Io("compacting " + path + ": " + s.message());
  std::set<std::string> named;
  for (const Layer& l : layers) named.insert(l.pack);
  for (const std::string& base : old_packs) {
    if (named.count(base) > 0 || kept.count(base) > 0) continue;
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
