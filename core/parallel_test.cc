// ParallelFor: every item runs once, and an exception on any thread reaches
// the caller instead of ending the process.
#include "core/parallel.h"

#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

namespace gitcanary {
namespace {

TEST_CASE("ParallelFor: each item runs exactly once, on one thread or on several") {
  for (std::size_t min_parallel : {std::size_t{1}, std::size_t{100000}}) {
    std::vector<std::atomic<int>> runs(5000);
    ParallelFor(runs.size(), [&](std::size_t i) { ++runs[i]; }, min_parallel);
    int wrong = 0;
    for (const auto& r : runs) wrong += r.load() != 1;
    CHECK(wrong == 0);
  }
}

TEST_CASE("ParallelFor: an exception thrown by an item is rethrown on the calling thread") {
  for (std::size_t min_parallel : {std::size_t{1}, std::size_t{100000}}) {
    try {
      ParallelFor(
          2000, [](std::size_t i) { if (i == 700) throw std::out_of_range("item " + std::to_string(i)); },
          min_parallel);
      FAIL("no exception reached the caller");
    } catch (const std::out_of_range& e) {
      CHECK(std::string(e.what()) == "item 700");
    }
  }
}

}  // namespace
}  // namespace gitcanary
