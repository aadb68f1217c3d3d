// How many times slower this build is than the optimised one: the time bounds
// of the speed tests are for an optimised build, and AddressSanitizer with
// UndefinedBehaviorSanitizer (CMake option GITCANARY_SANITIZE) makes code
// several times slower.
#pragma once

namespace gitcanary::testing {

#ifdef GITCANARY_SANITIZED
inline constexpr int kSlowdown = 5;
#else
inline constexpr int kSlowdown = 1;
#endif

}  // namespace gitcanary::testing
