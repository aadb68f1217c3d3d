#include "plugin/render_heap.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string_view>

namespace gitcanary::plugin {
namespace {

constexpr std::size_t kReserve = std::size_t{16} << 30;  // address space only; pages count once touched
constexpr std::size_t kFirstStep = std::size_t{64} << 10;
constexpr std::size_t kLastStep = std::size_t{2} << 20;
constexpr std::size_t kHugeBlocksToSpare = 256;  // 512 MiB free in 2 MiB blocks
constexpr int kPopulateWrite = 23;  // MADV_POPULATE_WRITE, which older headers lack
constexpr int kPageShift = 12;
constexpr std::size_t kPage = std::size_t{1} << kPageShift;
constexpr std::size_t kMaxSmall = 32 * 1024;
constexpr std::size_t kRunTarget = 16 * 1024;
constexpr int kSteps = 64;                  // classes of 16 bytes up to 1 KiB,
constexpr int kClasses = kSteps + 5 * 4;    // then four per doubling to 32 KiB

// Sizes up to 1 KiB round up to a multiple of 16 (a vector of n mapping
// fields or nodes, the bulk of a render, loses at most 15 bytes); above,
// each doubling has four classes (1280, 1536, 1792, 2048, 2560, ...), so no
// more than a fifth of a block is lost to rounding.
int ClassOf(std::size_t n) {
  if (n <= 1024) return n == 0 ? 0 : static_cast<int>((n + 15) / 16) - 1;
  const int k = static_cast<int>(std::bit_width(n - 1));  // 2^(k-1) < n <= 2^k
  const std::size_t step = std::size_t{1} << (k - 3);
  const int j = static_cast<int>((n - (std::size_t{1} << (k - 1)) + step - 1) / step);  // 1..4
  return kSteps + (k - 11) * 4 + j - 1;
}

std::size_t ClassSize(int c) {
  if (c < kSteps) return static_cast<std::size_t>(c + 1) * 16;
  const int k = 11 + (c - kSteps) / 4;
  const int j = (c - kSteps) % 4 + 1;
  return (std::size_t{1} << (k - 1)) + static_cast<std::size_t>(j) * (std::size_t{1} << (k - 3));
}

// A run holds 16 blocks of its class, or as many as fit in 16 KiB when they
// are larger (a 32 KiB block has a run of its own), rounded up to whole pages.
// Memory is populated as runs are carved from it, so runs stay small: one
// block of a large class does not carve 16 of them.
std::size_t RunBytes(int c) {
  const std::size_t size = ClassSize(c);
  const std::size_t blocks = std::clamp<std::size_t>(kRunTarget / size, 1, 16);
  return (size * blocks + kPage - 1) & ~(kPage - 1);
}

// The class of each carved page, plus one (0: not carved), by page index.
std::uint8_t page_class[kReserve >> kPageShift];
std::atomic<std::size_t> carved{0};
std::atomic<std::size_t> populated{0};
std::mutex populating;

// Memory is faulted in ahead of the runs carved from it, many pages in one
// system call (MADV_POPULATE_WRITE, Linux 5.14; on older kernels the call
// fails and pages fault in one by one): on this virtual machine a loop that
// touches fresh pages takes 11-14 us a page, and a page populated this way
// under 1 us. The steps start at 64 KiB and double up to 2 MiB, so a render of
// one app populates a few hundred KiB and a big render takes one call per
// 2 MiB.
//
// Those 2 MiB steps are asked for as transparent huge pages when the kernel
// has free 2 MiB blocks to spare (EnoughFreeHugeBlocks): a render of 1000 apps
// keeps a tree of 40 MB, and through 4 KiB pages its walks miss the TLB, each
// miss a walk of two page tables on a virtual machine (measured: 170 ms with
// small pages, 136 ms with huge ones). With no such blocks free the kernel
// would stall the fault to compact memory (measured on a fragmented day:
// renders of 1000 apps took up to 209 ms instead of 80-107 ms), so then the
// pages stay small.
std::size_t StepAt(std::size_t done) {
  return std::clamp(std::bit_floor(std::max(done, kFirstStep)), kFirstStep, kLastStep);
}

// A huge page is only quick to populate when the host still backs it. On this
// virtual machine free memory left unused for about two seconds goes back to
// the host, and the next process to touch it waits for the host to back it
// again: populating 40 MB here took 2 ms in huge pages freed a moment
// before, 30-90 ms in huge pages two seconds cold, and 6-8 ms in small pages
// either way. So a 2 MiB step that costs more CPU time than small pages
// would (0.35 ms) marks huge pages as cold, and the rest of the heap is
// populated in small pages. Measured, each binary run 2.5 s after the last,
// medians: 1000 apps 160 -> 141 ms, in git mode 290 -> 240 ms; run back to
// back, level (115-117 and 189-191 ms).
constexpr long long kColdHugeStepNs = 500000;
std::atomic<bool> huge_pages_warm{true};

long long ThreadCpuNs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

void PopulateHugeStep(char* at, std::size_t step) {
  madvise(at, step, MADV_HUGEPAGE);
  const long long start = ThreadCpuNs();
  madvise(at, step, kPopulateWrite);
  if (ThreadCpuNs() - start > kColdHugeStepNs) huge_pages_warm.store(false, std::memory_order_relaxed);
}

// /proc/buddyinfo, read once without allocating (this runs inside operator
// new); false when it cannot be read.
bool HugeBlocksFree() {
  static const bool free = [] {
    char text[4096];
    const int fd = open("/proc/buddyinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const ssize_t n = read(fd, text, sizeof text);
    close(fd);
    return n > 0 && EnoughFreeHugeBlocks(std::string_view(text, static_cast<std::size_t>(n)));
  }();
  return free;
}

// A thread that needs memory not yet populated waits for the thread that
// populates it (the lock is taken once per step): a page touched before its
// step is advised would be mapped small, and the step could then not be one
// huge page.
void Populate(char* base, std::size_t end) {
  if (end <= populated.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(populating);
  for (std::size_t done = populated.load(std::memory_order_relaxed); done < end;) {
    const std::size_t step = StepAt(done);
    if (step == kLastStep && huge_pages_warm.load(std::memory_order_relaxed) && HugeBlocksFree())
      PopulateHugeStep(base + done, step);
    else
      madvise(base + done, step, kPopulateWrite);
    done += step;
    populated.store(done, std::memory_order_release);
  }
}

// A block over 32 KiB comes from malloc, which maps it fresh when it is
// large; its whole pages are populated the same way.
void PopulateBlock(void* p, std::size_t n) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t first = (at + kPage - 1) & ~(kPage - 1);
  const std::uintptr_t last = (at + n) & ~(kPage - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, kPopulateWrite);
}

char* Region() {
  static char* const base = [] {
    void* p = mmap(nullptr, kReserve + kLastStep, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return static_cast<char*>(nullptr);
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<char*>((at + kLastStep - 1) & ~(kLastStep - 1));
  }();
  return base;
}

struct FreeBlock {
  FreeBlock* next;
};

struct ThreadHeap {
  FreeBlock* free[kClasses];
  char* next[kClasses];
  char* end[kClasses];
};
thread_local ThreadHeap heap{};

void* Allocate(std::size_t n) {
  if (n > kMaxSmall) {
    void* p = std::malloc(n);
    if (p != nullptr) PopulateBlock(p, n);
    return p;
  }
  char* const base = Region();
  if (base == nullptr) return std::malloc(n == 0 ? 1 : n);
  const int c = ClassOf(n);
  ThreadHeap& h = heap;
  if (FreeBlock* b = h.free[c]) {
    h.free[c] = b->next;
    return b;
  }
  const std::size_t size = ClassSize(c);
  if (h.next[c] == nullptr || h.next[c] + size > h.end[c]) {
    const std::size_t run = RunBytes(c);
    const std::size_t at = carved.fetch_add(run, std::memory_order_relaxed);
    if (at + run > kReserve) return std::malloc(n);
    for (std::size_t page = at >> kPageShift; page < (at + run) >> kPageShift; ++page)
      page_class[page] = static_cast<std::uint8_t>(c + 1);
    Populate(base, at + run);
    h.next[c] = base + at;
    h.end[c] = base + at + run;
  }
  void* p = h.next[c];
  h.next[c] += size;
  return p;
}

void Release(void* p) {
  if (p == nullptr) return;
  if (!InRenderHeap(p)) {
    std::free(p);
    return;
  }
  const std::size_t offset = static_cast<std::size_t>(static_cast<char*>(p) - Region());
  const int c = page_class[offset >> kPageShift] - 1;
  auto* b = static_cast<FreeBlock*>(p);
  b->next = heap.free[c];
  heap.free[c] = b;
}

void* AllocateOrThrow(std::size_t n) {
  void* p = Allocate(n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

bool EnoughFreeHugeBlocks(std::string_view buddyinfo) {
  // Each line: "Node 0, zone   Normal" and the counts of free blocks of
  // order 0, 1, ... 10; orders 9 and 10 are one and two 2 MiB blocks.
  std::size_t blocks = 0;
  while (!buddyinfo.empty()) {
    const std::size_t eol = std::min(buddyinfo.find('\n'), buddyinfo.size());
    std::string_view line = buddyinfo.substr(0, eol);
    buddyinfo.remove_prefix(std::min(eol + 1, buddyinfo.size()));
    const std::size_t zone = line.find("zone");
    if (zone == std::string_view::npos) continue;
    line.remove_prefix(zone + 4);
    int order = -1;  // the zone's name comes first
    while (!line.empty()) {
      const std::size_t start = line.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      const std::size_t end = std::min(line.find(' '), line.size());
      std::size_t count = 0;
      const bool number = std::from_chars(line.data(), line.data() + end, count).ptr == line.data() + end;
      if ((order >= 0 && !number) || order > 10) return false;  // not the layout described above
      if (order >= 9) blocks += count << (order - 9);
      ++order;
      line.remove_prefix(end);
    }
  }
  return blocks >= kHugeBlocksToSpare;
}

bool InRenderHeap(const void* p) {
  const char* base = Region();
  const char* at = static_cast<const char*>(p);
  return base != nullptr && at >= base && at < base + kReserve;
}

}  // namespace gitcanary::plugin

using gitcanary::plugin::AllocateOrThrow;

void* operator new(std::size_t n) { return AllocateOrThrow(n); }
void* operator new[](std::size_t n) { return AllocateOrThrow(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return gitcanary::plugin::Allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return gitcanary::plugin::Allocate(n); }
void operator delete(void* p) noexcept { gitcanary::plugin::Release(p); }
void operator delete[](void* p) noexcept { gitcanary::plugin::Release(p); }
void operator delete(void* p, std::size_t) noexcept { gitcanary::plugin::Release(p); }
void operator delete[](void* p, std::size_t) noexcept { gitcanary::plugin::Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { gitcanary::plugin::Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { gitcanary::plugin::Release(p); }
