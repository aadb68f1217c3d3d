// The process's CPU time, for the benchmarks that report CPU rather than wall
// time (an idle pass, a warm catalog read), which the machine's noise bends less.
#pragma once

#include <ctime>

namespace gitcanary::bench {

inline double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

}  // namespace gitcanary::bench
