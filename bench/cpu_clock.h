// The clocks and the median of the serve benchmarks: the process's CPU time,
// for the benchmarks that report CPU rather than wall time (an idle pass, a
// warm catalog read), which the machine's noise bends less, and the wall clock
// a Reconciler is given.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <vector>

namespace gitcanary::bench {

inline double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

inline long long NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace gitcanary::bench
