// gitcanary-git: gitcanary with the commands that read or write git linked in
// (plugin/commands/sibling_exec.h says which run where). gitcanary hands them
// here by exec, with the same flags.
#include "plugin/commands/cli.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/diff_command.h"
#include "plugin/commands/history_command.h"
#include "plugin/commands/operator_commands.h"

namespace {

constexpr gitcanary::plugin::CommandRunner kGitCommands[] = {
    {"diff", gitcanary::plugin::RunDiff},       {"status", gitcanary::plugin::RunStatus},
    {"history", gitcanary::plugin::RunHistory}, {"approve", gitcanary::plugin::RunApprove},
    {"abort", gitcanary::plugin::RunAbort},     {"promote", gitcanary::plugin::RunPromote},
    {"retry", gitcanary::plugin::RunRetry},
};

}  // namespace

int main(int argc, char** argv) {
  return gitcanary::plugin::GuardedMain([&] { return gitcanary::plugin::RunCli(argc, argv, kGitCommands); });
}
