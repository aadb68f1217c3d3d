// ParallelFor: run fn(0..n-1) on every core, for independent items.
//
// Items are handed out one at a time from a shared counter, so uneven items
// balance. Callers store results by index and read them in order afterwards,
// which keeps output and error reporting deterministic. Small batches (below
// `min_parallel`) run on the calling thread only. An exception thrown by fn on
// any thread stops the handing out and is rethrown on the calling thread once
// every thread has stopped, as if the items had run there.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace gitcanary {

template <typename Fn>
void ParallelFor(std::size_t n, Fn fn, std::size_t min_parallel = 8) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failed;
  std::mutex failed_mu;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < n; i = next++) fn(i);
    } catch (...) {
      next = n;  // the other threads take no more items
      std::lock_guard<std::mutex> lock(failed_mu);
      if (!failed) failed = std::current_exception();
    }
  };
  const unsigned threads = n < min_parallel ? 1u : std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace gitcanary
