// Tests for the Manifest helpers: MoveDropped keeps the order of what stays
// and of what goes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "render/manifest.h"

namespace gitcanary::render {
namespace {

std::vector<Manifest> Named(const std::vector<std::string>& names) {
  std::vector<Manifest> out;
  for (const std::string& n : names) {
    Manifest m;
    m.name = n;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> Names(const std::vector<Manifest>& ms) {
  std::vector<std::string> out;
  for (const Manifest& m : ms) out.push_back(m.name);
  return out;
}

TEST_CASE("MoveDropped moves what it drops, in order, after what was dropped before") {
  std::vector<Manifest> ms = Named({"a", "b", "c", "d", "e"});
  std::vector<Manifest> dropped = Named({"earlier"});
  MoveDropped(ms, [&ms](std::size_t i) { return ms[i].name == "b" || ms[i].name == "d" || ms[i].name == "e"; },
              &dropped);
  CHECK(Names(ms) == std::vector<std::string>{"a", "c"});
  CHECK(Names(dropped) == std::vector<std::string>{"earlier", "b", "d", "e"});
}

TEST_CASE("MoveDropped asks about each index once, in order, and keeps everything when it drops nothing") {
  std::vector<Manifest> ms = Named({"a", "b", "c"});
  const Manifest* first = ms.data();
  std::vector<std::size_t> asked;
  std::vector<Manifest> dropped;
  MoveDropped(ms, [&asked](std::size_t i) { asked.push_back(i); return false; }, &dropped);
  CHECK(asked == std::vector<std::size_t>{0, 1, 2});
  CHECK(Names(ms) == std::vector<std::string>{"a", "b", "c"});
  CHECK(ms.data() == first);  // in place
  CHECK(dropped.empty());
  MoveDropped(ms, [](std::size_t) { return true; }, &dropped);
  CHECK(ms.empty());
  CHECK(Names(dropped) == std::vector<std::string>{"a", "b", "c"});
}

}  // namespace
}  // namespace gitcanary::render
