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
//     runs of 16 blocks of its own and reusing what it freed, with no lock;
//   - runs are carved from one reservation of address space, of which the
//     first 2 MiB fault in page by page (a small render touches no more
//     memory than with malloc) and the rest is faulted in 2 MiB at a time
//     with one madvise(MADV_POPULATE_WRITE), so a big render takes one system
//     call per 2 MiB instead of 512 page faults (in gitcanary-git, whose
//     commands walk whole repositories, the first 2 MiB are too);
//   - larger allocations, and every allocation if the reservation fails, go
//     to malloc. Memory is never returned to the system before exit.
// bench/bench.py measures it (README, "Start-up and memory").
#pragma once

namespace gitcanary::plugin {

// Whether `p` was handed out by the size classes (for tests).
bool InRenderHeap(const void* p);

}  // namespace gitcanary::plugin
