// The layers of a compacted cache, and which of them a compaction rewrites.
//
// A compaction that packed everything reachable each time would cost memory
// and CPU in proportion to the repository's whole history, at every
// compaction. Instead the cache's packs form layers, oldest first: the base
// (everything reachable when it was written) and the packs written since,
// each holding what the refs reached at its writing beyond the layer before.
// Each layer records the refs' tips when it was written; everything those
// tips reach is in that layer or an older one. A compaction therefore keeps
// the oldest layers, walks the refs while hiding the tips of the newest kept
// layer, and writes what it finds as one new layer replacing the newer
// layers, the packs fetched since and the loose objects.
//
// Which layers stay follows a geometric rule: a layer is kept only when it
// holds at least twice as many objects as everything newer (the newer
// layers, plus the fetched packs and loose objects about to be folded in),
// and at most `max_layers` layers remain. Most compactions then fold in only
// what arrived since the last one, the layer count grows with the logarithm
// of the history, and rewriting a big layer is as rare as the history
// doubling.
//
// The record is a text file in the cache (kRecordFile):
//   gitcanary-compaction 1
//   layer pack-<40 hex> <objects>
//   tip <40 hex> <ref name>
//   ...
// one `layer` line per layer, oldest first, each followed by its tips.
// Pure functions: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace gitcanary::git {

inline constexpr const char* kRecordFile = "gitcanary-compaction";

struct LayerTip {
  std::string id;   // 40 hex
  std::string ref;  // "refs/heads/main"
};

struct Layer {
  std::string pack;  // "pack-<40 hex>"
  std::size_t objects = 0;
  std::vector<LayerTip> tips;  // the refs when the layer was written
};

// nullopt when the text is not a record of this version (the cache is then
// compacted in full, which writes a new record).
std::optional<std::vector<Layer>> ParseLayers(const std::string& text);
std::string FormatLayers(const std::vector<Layer>& layers);

// How many of `layers` (oldest first) to keep when `incoming` objects (the
// fetched packs' and the loose ones) are folded in: 0 means a full
// compaction. At most max_layers - 1 are kept, so the new layer makes at most
// max_layers; max_layers <= 1 always compacts in full.
std::size_t LayersToKeep(const std::vector<Layer>& layers, std::size_t incoming, std::size_t max_layers);

}  // namespace gitcanary::git
