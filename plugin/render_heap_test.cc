// The gitcanary executable's operator new and delete (render_heap.h), linked
// into a test executable of its own, since it replaces them process-wide.
#include "plugin/render_heap.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

using gitcanary::plugin::InRenderHeap;

namespace {

bool Aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

}  // namespace

TEST_CASE("render heap: every size up to 32 KiB comes from the size classes, 16-byte aligned and writable") {
  std::vector<std::pair<unsigned char*, std::size_t>> blocks;
  for (std::size_t n : {0, 1, 15, 16, 17, 100, 255, 256, 257, 511, 512, 513, 4096, 20000, 32768}) {
    auto* p = static_cast<unsigned char*>(::operator new(n));
    CHECK(InRenderHeap(p));
    CHECK(Aligned16(p));
    std::memset(p, static_cast<int>(n & 0xff), n);
    blocks.emplace_back(p, n);
  }
  // No block overlaps another: each still holds its own pattern.
  for (auto& [p, n] : blocks) {
    for (std::size_t i = 0; i < n; ++i) REQUIRE(p[i] == static_cast<unsigned char>(n & 0xff));
    ::operator delete(p);
  }
}

TEST_CASE("render heap: larger allocations go to malloc, and both kinds are freed by delete") {
  void* big = ::operator new(32769);
  void* small = ::operator new(32768);
  CHECK_FALSE(InRenderHeap(big));
  CHECK(InRenderHeap(small));
  CHECK(Aligned16(big));
  ::operator delete(big);
  ::operator delete(small);
  auto arr = std::make_unique<char[]>(1 << 20);
  CHECK_FALSE(InRenderHeap(arr.get()));
}

TEST_CASE("render heap: a freed block is handed out again for a size of the same class") {
  void* a = ::operator new(40);  // class of 48 bytes
  ::operator delete(a);
  void* b = ::operator new(48);
  CHECK(b == a);
  void* c = ::operator new(33);  // same class again, but a is taken: a fresh block
  CHECK(c != a);
  ::operator delete(b);
  ::operator delete(c);
  void* nothrow = ::operator new(24, std::nothrow);
  CHECK(InRenderHeap(nothrow));
  ::operator delete(nothrow, std::nothrow);
}

TEST_CASE("render heap: four threads allocating, checking and freeing, some blocks freed by another thread") {
  constexpr int kThreads = 4;
  constexpr int kRounds = 40000;
  std::vector<std::vector<std::string*>> handed(kThreads);
  std::vector<int> corrupt(kThreads, 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t) {
    pool.emplace_back([t, &handed, &corrupt] {
      std::mt19937 rng(static_cast<unsigned>(t) + 1);
      std::vector<std::string*> live;
      for (int i = 0; i < kRounds; ++i) {
        const std::size_t len = rng() % 3000;
        live.push_back(new std::string(len, static_cast<char>('a' + (i % 26))));
        if (live.size() > 64) {
          const std::size_t victim = rng() % live.size();
          std::string* s = live[victim];
          const char want = s->empty() ? 0 : (*s)[0];
          for (char ch : *s) corrupt[t] += ch != want;
          delete s;
          live[victim] = live.back();
          live.pop_back();
        }
      }
      handed[t] = std::move(live);
    });
  }
  for (auto& th : pool) th.join();
  CHECK(corrupt == std::vector<int>(kThreads, 0));
  // What each thread kept is freed here, on another thread, then reused.
  for (auto& live : handed)
    for (std::string* s : live) {
      const char want = s->empty() ? 0 : (*s)[0];
      for (char ch : *s) REQUIRE(ch == want);
      delete s;
    }
  std::vector<std::string> again(1000, std::string(100, 'z'));
  for (const std::string& s : again) CHECK(s == std::string(100, 'z'));
}

TEST_CASE("render heap: huge pages only when /proc/buddyinfo shows 512 MiB free in 2 MiB blocks") {
  using gitcanary::plugin::EnoughFreeHugeBlocks;
  // Orders 0..10; order 9 is one 2 MiB block, order 10 two.
  const std::string plenty =
      "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n"
      "Node 0, zone    DMA32      0      4      2      2      1      2      0      3      3      1    100 \n"
      "Node 0, zone   Normal   2142   4173   5623   3576   2481   1552   1041    666    310     50      3 \n";
  // 1 + 3*2 + 1 + 100*2 + 50 + 3*2 = 264 blocks.
  CHECK(EnoughFreeHugeBlocks(plenty));
  // A fragmented machine: much free memory, but in small blocks (4 + 2*2 = 8).
  CHECK_FALSE(EnoughFreeHugeBlocks(
      "Node 0, zone   Normal  90000  80000  60000  30000  20000   9000   4000   1000    200      4      2\n"));
  // Just under and at the line: 127 order-10 blocks and one or two order-9 ones.
  CHECK_FALSE(EnoughFreeHugeBlocks("Node 0, zone   Normal 0 0 0 0 0 0 0 0 0 1 127\n"));
  CHECK(EnoughFreeHugeBlocks("Node 0, zone   Normal 0 0 0 0 0 0 0 0 0 2 127\n"));
  // Two NUMA nodes add up.
  CHECK(EnoughFreeHugeBlocks("Node 0, zone   Normal 0 0 0 0 0 0 0 0 0 0 64\n"
                             "Node 1, zone   Normal 0 0 0 0 0 0 0 0 0 0 64\n"));
  // Anything else is a no.
  CHECK_FALSE(EnoughFreeHugeBlocks(""));
  CHECK_FALSE(EnoughFreeHugeBlocks("no such layout\n"));
  CHECK_FALSE(EnoughFreeHugeBlocks("Node 0, zone   Normal 0 0 x 0 0 0 0 0 0 0 999\n"));
  CHECK_FALSE(EnoughFreeHugeBlocks("Node 0, zone   Normal 0 0 0 0 0 0 0 0 0 0 0 1\n"));  // order 11
  std::string long_line = "Node 0, zone   Normal";
  for (int i = 0; i < 80; ++i) long_line += " 1";
  CHECK_FALSE(EnoughFreeHugeBlocks(long_line + "\n"));
}
