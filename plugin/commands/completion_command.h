// `gitcanary completion bash|zsh`: prints a shell completion script
// (plugin/commands/completion_script.h) for every command of the dispatch table
// (plugin/commands/cli.h). Each command's flags come from the table it parses with:
// the command is run as `gitcanary CMD --help` with GITCANARY_FLAG_TABLE=1,
// which makes its ParseArgs list them (plugin/commands/args.h). A command or flag
// added to the CLI is therefore completed without touching this file.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kCompletionHelp[];

int RunCompletion(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
