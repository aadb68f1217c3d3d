// Tests for the compaction record and the geometric rule that picks the
// layers a compaction keeps (git/compaction_layers.h).
#include "git/compaction_layers.h"

#include <doctest/doctest.h>

namespace gitcanary::git {
namespace {

const std::string kA(40, 'a'), kB(40, 'b'), kC(40, 'c');

Layer L(std::size_t objects) { return Layer{"pack-" + kA, objects, {}}; }

}  // namespace

TEST_CASE("compaction layers: the record reads back what was written") {
  const std::vector<Layer> layers = {
      Layer{"pack-" + kA, 1200, {{kB, "refs/heads/main"}, {kC, "refs/notes/gitcanary"}}},
      Layer{"pack-" + kB, 7, {{kC, "refs/heads/main"}}}};
  const std::string text = FormatLayers(layers);
  CHECK(text ==
        "gitcanary-compaction 1\n"
        "layer pack-" + kA + " 1200\ntip " + kB + " refs/heads/main\ntip " + kC + " refs/notes/gitcanary\n"
        "layer pack-" + kB + " 7\ntip " + kC + " refs/heads/main\n");
  auto back = ParseLayers(text);
  REQUIRE(back.has_value());
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].pack == "pack-" + kA);
  CHECK((*back)[0].objects == 1200);
  REQUIRE((*back)[0].tips.size() == 2);
  CHECK((*back)[0].tips[1].ref == "refs/notes/gitcanary");
  CHECK((*back)[1].tips[0].id == kC);
}

TEST_CASE("compaction layers: anything but a well-formed record is refused, so the cache is compacted in full") {
  const std::string head = "gitcanary-compaction 1\n";
  for (const std::string& text : {
           std::string(""),
           std::string("gitcanary-compaction 2\nlayer pack-") + kA + " 1\n",  // another version
           head,                                                          // no layer
           head + "tip " + kB + " refs/heads/main\n",                      // a tip before any layer
           head + "layer pack-" + kA.substr(1) + " 1\n",                   // 39 hex
           head + "layer pack-" + kA + " -1\n",                            // not a count
           head + "layer pack-" + kA + " 12x\n",
           head + "layer " + kA + " 1\n",                                  // no pack- prefix
           head + "layer pack-" + kA + " 1\ntip " + kB + " HEAD\n",        // not under refs/
           head + "layer pack-" + kA + " 1 extra\n",
           head + "layer pack-" + kA + " 1\nbase x y\n",
       }) {
    CAPTURE(text);
    CHECK_FALSE(ParseLayers(text).has_value());
  }
}

TEST_CASE("compaction layers: a layer stays while it holds twice what is newer, like a binary counter") {
  // No layer, or a limit of one: a full compaction.
  CHECK(LayersToKeep({}, 10, 8) == 0);
  CHECK(LayersToKeep({L(1000)}, 10, 1) == 0);
  // A base of 1000 with 10 incoming: 1000 >= 2 x 10, the base stays.
  CHECK(LayersToKeep({L(1000)}, 10, 8) == 1);
  // The incoming half the base or more: 1000 < 2 x 600, all is rewritten.
  CHECK(LayersToKeep({L(1000)}, 600, 8) == 0);
  CHECK(LayersToKeep({L(1000)}, 500, 8) == 1);  // exactly twice: kept
  // Base, then 10: with 10 incoming the 10-layer is not twice 10, so it is
  // folded in (making 20); the base (1000 >= 2 x 20) stays.
  CHECK(LayersToKeep({L(1000), L(10)}, 10, 8) == 1);
  // Base, 20, then 10 incoming: 20 >= 2 x 10, both stay.
  CHECK(LayersToKeep({L(1000), L(20)}, 10, 8) == 2);
  // Base, 20, 10, then 10 incoming: the 20 is not twice 10 + 10, so 20 and 10 fold in.
  CHECK(LayersToKeep({L(1000), L(20), L(10)}, 10, 8) == 1);
  // The first layer that fails stops the keeping, whatever follows.
  CHECK(LayersToKeep({L(1000), L(5), L(400)}, 0, 8) == 1);
  // At most max_layers - 1 stay, so the new one makes max_layers.
  CHECK(LayersToKeep({L(100000), L(10000), L(1000), L(100)}, 10, 3) == 2);
  CHECK(LayersToKeep({L(100000), L(10000), L(1000), L(100)}, 10, 8) == 4);
}

}  // namespace gitcanary::git
