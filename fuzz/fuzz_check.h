// A check for fuzzing harnesses: on a broken invariant, print what broke and
// abort, so that libFuzzer records the input as a crash. Harnesses run with
// -fsanitize=fuzzer,address,undefined; see fuzz/README.md.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, detail)                                                          \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n  %s\n", __FILE__, __LINE__,    \
                   #cond, std::string(detail).c_str());                                   \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
