// Compaction of a local bare cache (GitRemote's): keeps the number of packs,
// loose objects and bytes on disk bounded however long a process runs.
//
// Every fetch that brings objects adds one pack, and every commit built in
// the cache (status commits, notes, lease renewals) adds loose objects, so a
// long-running serve would otherwise gain a pack per fetch without end, and
// libgit2 keeps every pack it has seen open and mapped. When the cache holds
// more packs or loose objects than the policy allows, CompactCache writes
// every object reachable from the cache's refs into one new pack, then
// removes the other packs and the loose objects.
//
// Loose objects that no ref reaches are kept (in the new pack) while they are
// younger than the grace period: a caller may have written a commit it has
// not pushed yet. Older ones are dropped, as `git gc` prunes. Packs marked
// with a .keep file are left alone. The new pack is complete before anything
// is removed, so a process killed mid-way leaves a valid cache, at worst with
// duplicate objects that the next compaction removes.
//
// libgit2 never forgets a pack its object database has loaded, even when the
// file is gone, so the repository handle passed in must be reopened after a
// compaction to release the removed packs' descriptors and mappings.
#pragma once

#include <git2.h>

#include <cstddef>
#include <string>

#include "core/status.h"

namespace gitcanary::git {

struct CompactionPolicy {
  // Compact when the cache holds more packs than this; 0 = never compact.
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

struct CompactionResult {
  std::size_t objects = 0;       // objects in the new pack
  std::size_t packs_removed = 0;
  std::size_t loose_removed = 0;
};

// Repacks the bare repository at `path`, open as `repo`, into one pack as
// described above; `now_seconds` (Unix) ages loose objects. Nothing is
// removed unless the new pack was written. Reopen `repo` afterwards.
Result<CompactionResult> CompactCache(git_repository* repo, const std::string& path, const CompactionPolicy& policy,
                                      long long now_seconds);

}  // namespace gitcanary::git
