// The command table: parses argv, dispatches to one command, maps Status to an
// exit code (0 ok, 1 invalid input, 2 usage error, 3 I/O error).
//
// `gitcanary help CMD` is `gitcanary CMD --help`; `gitcanary completion` and
// `help` list the commands from the same table, so a command added to it is
// listed and completed without more work.
//
// The table names every command; a command whose code is not linked into the
// running executable is handed to the sibling that has it (sibling_exec.h).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace gitcanary::plugin {

struct CommandInfo {
  std::string name;
  std::string summary;
};

// Every command of the dispatch table, in its order.
std::vector<CommandInfo> Commands();

// A command linked into this executable but not into gitcanary: gitcanary-git's
// main passes its own to RunCli.
struct CommandRunner {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
};

int RunCli(int argc, char** argv, std::span<const CommandRunner> linked = {});

}  // namespace gitcanary::plugin
