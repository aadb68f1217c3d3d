// The command table: parses argv, dispatches to one command, maps Status to an
// exit code (0 ok, 1 invalid input, 2 usage error, 3 I/O error).
#pragma once

namespace gitcanary::plugin {

int RunCli(int argc, char** argv);

}  // namespace gitcanary::plugin
