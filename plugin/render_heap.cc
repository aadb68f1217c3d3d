#include "plugin/render_heap.h"

#include <sys/mman.h>

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace gitcanary::plugin {
namespace {

constexpr std::size_t kReserve = std::size_t{16} << 30;  // address space only; pages count once touched
constexpr std::size_t kSmallPages = std::size_t{2} << 20;
constexpr int kPopulateWrite = 23;  // MADV_POPULATE_WRITE, which older headers lack
constexpr int kPageShift = 12;
constexpr std::size_t kPage = std::size_t{1} << kPageShift;
constexpr std::size_t kMaxSmall = 32 * 1024;
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

// A run holds 16 blocks of its class, rounded up to whole pages, so a small
// render's few blocks of many classes stay within the first, small-paged
// 2 MiB.
std::size_t RunBytes(int c) { return (ClassSize(c) * 16 + kPage - 1) & ~(kPage - 1); }

// The class of each carved page, plus one (0: not carved), by page index.
std::uint8_t page_class[kReserve >> kPageShift];
std::atomic<std::size_t> carved{0};
// gitcanary-git's commands walk whole repositories: there the first 2 MiB too
// are faulted in at once (a diff of 1000 apps took 150 fewer page faults).
#ifdef GITCANARY_HEAP_POPULATE_FIRST
std::atomic<std::size_t> populated{0};
#else
std::atomic<std::size_t> populated{kSmallPages};  // below: faulted in page by page
#endif

// Past the first 2 MiB, memory is faulted in 2 MiB at a time, in one system
// call, before the runs carved from it are used: one call instead of 512
// page faults. (Transparent huge pages would do the same with one fault, but
// on a machine whose memory is fragmented the kernel then stalls the fault
// to compact memory: measured, renders of 1000 apps took up to 209 ms instead
// of 80-107 ms.) The advice needs Linux 5.14; on older kernels it fails and
// pages fault in one by one as before.
void Populate(char* base, std::size_t end) {
  std::size_t done = populated.load(std::memory_order_relaxed);
  while (end > done) {
    if (populated.compare_exchange_weak(done, done + kSmallPages, std::memory_order_relaxed)) {
      madvise(base + done, kSmallPages, kPopulateWrite);
      done += kSmallPages;
    }
  }
}

char* Region() {
  static char* const base = [] {
    void* p = mmap(nullptr, kReserve + kSmallPages, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return static_cast<char*>(nullptr);
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<char*>((at + kSmallPages - 1) & ~(kSmallPages - 1));
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
  char* const base = n <= kMaxSmall ? Region() : nullptr;
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
