// The heap of the gitcanary and gitcanary-git executables (not of
// gitcanary-serve or the tests): a replacement of the global operator new and
// delete for processes that live for one command. (`status --watch`, the one
// that stays, allocates the same sizes at every poll and reuses its blocks.)
//
// A render builds a YAML tree of hundreds of thousands of small nodes and
// strings and keeps most of them to the end, so glibc's malloc spends its
// time carving them from the top of the heap and the kernel faulting that
// heap in one 4 KiB page at a time. Here:
//   - C++ allocations up to 32 KiB come from size classes (multiples of 16
//     bytes to 1 KiB, then four per doubling), each thread bumping through
//     runs of its own (16 blocks, or 16 KiB of larger blocks) and reusing
//     what it freed, with no lock;
//   - runs are carved from one reservation of address space, populated ahead
//     of use with madvise(MADV_POPULATE_WRITE) in steps that double from
//     64 KiB to 2 MiB: one system call instead of up to 512 page faults;
//   - the 2 MiB steps are transparent huge pages when the kernel has plenty
//     of free 2 MiB blocks (a big render's tree is then walked with few TLB
//     misses), and small pages otherwise, or once a huge step was slow to
//     populate (memory the host no longer backs);
//   - larger allocations, and every allocation if the reservation fails, go
//     to malloc, and their pages are populated the same way. Memory is never
//     returned to the system before exit.
// bench/bench.py measures it (README, "Start-up and memory").
#pragma once

#include <string_view>

namespace gitcanary::plugin {

// Whether `p` was handed out by the size classes (for tests).
bool InRenderHeap(const void* p);

// Whether /proc/buddyinfo's `text` shows at least 256 free blocks of 2 MiB
// or more (512 MiB), so huge pages come without compacting memory. False for
// text laid out otherwise.
bool EnoughFreeHugeBlocks(std::string_view buddyinfo);

}  // namespace gitcanary::plugin
