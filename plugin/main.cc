// gitcanary's entry point: the command table (plugin/commands/cli.h), with the
// commands linked here; the others are handed to gitcanary-git or
// gitcanary-serve (plugin/commands/sibling_exec.h).
#include "plugin/commands/cli.h"
#include "plugin/commands/exit_codes.h"

int main(int argc, char** argv) {
  return gitcanary::plugin::GuardedMain([&] { return gitcanary::plugin::RunCli(argc, argv); });
}
