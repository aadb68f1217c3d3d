// The command table's guard: an exception that escapes a command is an internal
// error with that command's own error exit, so that diff (whose 1 means
// "changes") reports a crash as 2, like any other failure of diff.
#include "plugin/commands/cli.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/commands/diff_command.h"
#include "plugin/commands/exit_codes.h"

namespace gitcanary::plugin {
namespace {

int Throws(const std::vector<std::string>&) { throw std::runtime_error("boom"); }
int ReportsChanges(const std::vector<std::string>&) { return kDiffExitChanges; }

int Run(const char* command, int (*runner)(const std::vector<std::string>&)) {
  const CommandRunner linked[] = {{command, runner}};
  std::string name = "gitcanary", cmd = command;
  char* argv[] = {name.data(), cmd.data(), nullptr};
  return RunCli(2, argv, linked);
}

TEST_CASE("an exception escaping a command exits with that command's error exit") {
  CHECK(Run("diff", Throws) == kDiffExitError);
  CHECK(Run("status", Throws) == kExitInvalid);
  // The guard changes nothing when the command returns.
  CHECK(Run("diff", ReportsChanges) == kDiffExitChanges);
}

TEST_CASE("GuardedMain maps an escaped exception to the exit it is given") {
  CHECK(GuardedMain([]() -> int { throw std::runtime_error("x"); }) == kExitInvalid);
  CHECK(GuardedMain([]() -> int { throw 7; }, kDiffExitError) == kDiffExitError);
  CHECK(GuardedMain([] { return 0; }, kDiffExitError) == kExitOk);
}

}  // namespace
}  // namespace gitcanary::plugin
