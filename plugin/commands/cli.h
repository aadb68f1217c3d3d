// The command table: parses argv, dispatches to one command, maps Status to an
// exit code (0 ok, 1 invalid input, 2 usage error, 3 I/O error).
//
// `gitcanary help CMD` is `gitcanary CMD --help`; `gitcanary completion` and
// `help` list the commands from the same table, so a command added to it is
// listed and completed without more work.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

struct CommandInfo {
  std::string name;
  std::string summary;
};

// Every command of the dispatch table, in its order.
std::vector<CommandInfo> Commands();

int RunCli(int argc, char** argv);

}  // namespace gitcanary::plugin
