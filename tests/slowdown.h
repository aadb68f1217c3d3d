// How many times slower this build is than the optimised one: the time bounds
// of the speed tests are for an optimised build, and AddressSanitizer with
// UndefinedBehaviorSanitizer (CMake option GITCANARY_SANITIZE) makes code
// several times slower. ThreadCpuMs() is the CPU time of the calling thread,
// for bounds that must hold on a loaded machine, where wall time does not.
#pragma once

#include <ctime>

namespace gitcanary::testing {

inline double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#ifdef GITCANARY_SANITIZED
inline constexpr int kSlowdown = 5;
#else
inline constexpr int kSlowdown = 1;
#endif

}  // namespace gitcanary::testing
