// Tests for git::RunChild: files for the standard streams, exit codes and
// signals, $PATH lookup, and the time bound.
#include "git/child_process.h"

#include <doctest/doctest.h>

#include <chrono>

#include "tests/test_util.h"

namespace gitcanary::git {

TEST_CASE("RunChild: the streams go to and from files, and the exit code comes back") {
  testing::TempDir tmp;
  testing::WriteFile(tmp / "in", "hello\n");
  const ChildFiles files{tmp / "in", tmp / "out", tmp / "err"};
  auto rc = RunChild({"sh", "-c", "tr a-z A-Z; echo oops >&2; exit 3"}, files, 10000);
  REQUIRE(rc.ok());
  CHECK(*rc == 3);
  CHECK(ReadSmallFile(tmp / "out") == "HELLO\n");
  CHECK(ReadSmallFile(tmp / "err") == "oops\n");
  // Ended by a signal: 128 + its number (SIGKILL is 9).
  auto killed = RunChild({"/bin/sh", "-c", "kill -9 $$"}, ChildFiles{}, 10000);
  REQUIRE(killed.ok());
  CHECK(*killed == 137);
  CHECK(ReadSmallFile(tmp / "absent").empty());
}

TEST_CASE("RunChild: a program not in $PATH, and one past its time, are errors") {
  auto missing = RunChild({"gitcanary-no-such-program"}, ChildFiles{}, 10000);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "cannot run gitcanary-no-such-program: not found in $PATH");
  const auto start = std::chrono::steady_clock::now();
  auto slow = RunChild({"sleep", "30"}, ChildFiles{}, 300);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.status().message() == "sleep did not finish within 300 ms");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

}  // namespace gitcanary::git
