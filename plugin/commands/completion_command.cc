#include "plugin/commands/completion_command.h"

#include <cstdlib>
#include <iostream>

#include "plugin/commands/args.h"
#include "plugin/commands/cli.h"
#include "plugin/commands/completion_script.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/sibling_exec.h"
#include "plugin/apps/run_tool.h"

namespace gitcanary::plugin {

const char kCompletionHelp[] = R"(Usage: gitcanary completion bash|zsh

Prints a completion script for the shell: the commands, each command's
flags, the command names after `help`. Flags are the ones each command
accepts, read from the command itself, so the script matches this binary.

  bash  source <(gitcanary completion bash)
        or save it as ~/.local/share/bash-completion/completions/gitcanary
  zsh   source <(gitcanary completion zsh)   (after compinit)
        or save it as _gitcanary in a directory of $fpath

Flags:
  -h, --help   show this help

Exit codes: 0 printed, 1 a command's flags could not be read, 2 usage error.
)";

namespace {

constexpr int kHelpTimeoutMs = 10000;

// Runs `self NAME --help` with the flag table switched on and reads it back.
Result<std::vector<FlagSpec>> FlagsOf(const std::string& self, const std::string& name) {
  auto ran = RunTool({self, name, "--help"}, ".", kHelpTimeoutMs);
  if (!ran.ok()) return ran.status();
  if (ran->failure != ToolFailure::kNone || ran->run.exit_code != 0)
    return Status::Invalid("cannot read the flags of \"" + name + "\": `" + self + " " + name + " --help` " +
                           (ran->failure == ToolFailure::kTimedOut ? std::string("did not finish")
                            : ran->failure == ToolFailure::kNotFound
                                ? std::string("could not start")
                                : "exited " + std::to_string(ran->run.exit_code) + ": " +
                                      FirstUsefulLine(ran->run.err)));
  return ParseFlagTable(ran->run.err);
}

Result<std::string> Script(const std::string& shell) {
  const std::string self = SelfExecutable();
  if (self.empty()) return Status::Invalid("cannot find the gitcanary binary (/proc/self/exe)");
  if (::setenv(kFlagTableEnv, "1", 1) != 0) return Status::Invalid("cannot set " + std::string(kFlagTableEnv));
  std::vector<CompletedCommand> commands;
  std::vector<std::string> names;
  for (const CommandInfo& c : Commands()) names.push_back(c.name);
  for (const CommandInfo& c : Commands()) {
    auto flags = FlagsOf(self, c.name);
    if (!flags.ok()) return flags.status();
    CompletedCommand completed{c.name, c.summary, std::move(*flags), {}};
    if (c.name == "help") completed.words = names;
    if (c.name == "completion") completed.words = {"bash", "zsh"};
    commands.push_back(std::move(completed));
  }
  ::unsetenv(kFlagTableEnv);
  return shell == "bash" ? BashCompletion(commands) : ZshCompletion(commands);
}

}  // namespace

int RunCompletion(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {});
  if (!args.ok()) return ReportError(args.status(), kCompletionHelp);
  if (args->help) {
    std::cout << kCompletionHelp;
    return kExitOk;
  }
  if (args->positionals.size() != 1 || (args->positionals[0] != "bash" && args->positionals[0] != "zsh"))
    return ReportError(Status::Usage("completion takes one shell: bash or zsh"), kCompletionHelp);
  auto script = Script(args->positionals[0]);
  if (!script.ok()) return ReportError(script.status(), nullptr);
  return WriteStdout(*script);
}

}  // namespace gitcanary::plugin
