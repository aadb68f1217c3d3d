// Compaction of a local bare cache (GitRemote's): keeps the number of packs,
// loose objects and bytes on disk bounded however long a process runs.
//
// Every fetch that brings objects adds one pack, and every commit built in
// the cache (status commits, notes, lease renewals) adds loose objects, so a
// long-running serve would otherwise gain a pack per fetch without end, and
// libgit2 keeps every pack it has seen open and mapped. When the cache holds
// more packs or loose objects than the policy allows, CompactCache folds the
// packs fetched since the last compaction and the loose objects into one new
// pack, and removes them.
//
// The packs it writes are layers (git/compaction_layers.h): the new pack
// holds what the refs reach beyond the newest layer kept, found by a walk
// that stops at that layer's recorded tips, so a compaction costs in
// proportion to what arrived since, not to the history. Under a geometric
// rule it sometimes rewrites the newest layers too, and rarely (when the
// history has doubled, or on the first compaction) everything: a full
// compaction, whose cost follows the history. GitRemote runs those in a
// child process (SetCompactionHelper), so their memory is never serve's.
//
// Loose objects that no ref reaches are kept (in the new pack) while they are
// younger than the grace period: a caller may have written a commit it has
// not pushed yet. Older ones are dropped, as `git gc` prunes; so are the
// unreachable objects of a layer when it is rewritten. Packs marked with a
// .keep file are left alone. The new pack and then the record naming it are
// complete before anything is removed, so a process killed mid-way leaves a
// valid cache, at worst with duplicate objects that a later compaction
// removes.
//
// libgit2 never forgets a pack its object database has loaded, even when the
// file is gone, so the repository handle passed in must be reopened after a
// compaction to release the removed packs' descriptors and mappings.
#pragma once

#include <git2.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"
#include "git/compaction_layers.h"

namespace gitcanary::git {

struct CompactionPolicy {
  // Compact when the cache holds more packs than this; 0 = never compact.
  // At most half of them are layers; below 4, every compaction is full.
  std::size_t max_packs = 16;
  // ... or more loose objects than this.
  std::size_t max_loose = 1024;
  // Unreachable loose objects younger than this are kept.
  long long grace_seconds = 600;
};

// What the cache directory holds now.
struct CacheShape {
  std::size_t packs = 0;  // pack-*.pack files in objects/pack
  std::size_t loose = 0;  // loose object files in objects/xx/ (two hex digits)
};

// Counts packs and loose objects of the bare repository at `path` (a
// directory listing only; nothing is opened).
CacheShape MeasureCache(const std::string& path);

// Whether `shape` is past the policy's bounds.
bool NeedsCompaction(const CacheShape& shape, const CompactionPolicy& policy);

// What a compaction of the cache would do now.
struct CompactionPlan {
  std::vector<Layer> keep;     // the layers that stay; none: a full compaction
  std::size_t rewritten = 0;   // recorded layers folded into the new one
  std::size_t incoming = 0;    // objects of the fetched packs and loose objects
  bool full() const { return keep.empty(); }
};

// Reads the cache's record, packs and loose objects (no repository opened).
CompactionPlan PlanCompaction(const std::string& path, const CompactionPolicy& policy);

struct CompactionResult {
  std::size_t objects = 0;       // objects in the new pack
  std::size_t packs_removed = 0;
  std::size_t loose_removed = 0;
  std::size_t layers_kept = 0;   // 0: a full compaction
  std::size_t layers_rewritten = 0;
};

// Compacts the bare repository at `path`, open as `repo`, as planned by
// PlanCompaction and described above; `now_seconds` (Unix) ages loose
// objects. Nothing is removed unless the new pack and record were written.
// Reopen `repo` afterwards.
Result<CompactionResult> CompactCache(git_repository* repo, const std::string& path, const CompactionPolicy& policy,
                                      long long now_seconds);

}  // namespace gitcanary::git
