// Shell completion scripts for gitcanary, written from the command table
// (plugin/commands/cli.h) and each command's flag table (plugin/commands/args.h), so what the
// shell offers is what the commands accept. Pure: text in, text out.
//
// Both scripts complete, after `gitcanary`, the command names; after a
// command, its flags when the word starts with '-', its fixed words (the
// command names after `help`, the shells after `completion`), else files;
// after a flag that takes a value, files.
#pragma once

#include <string>
#include <vector>

#include "plugin/commands/args.h"

namespace gitcanary::plugin {

struct CompletedCommand {
  std::string name;
  std::string summary;
  std::vector<FlagSpec> flags;     // as the command parses them; -h/--help are added
  std::vector<std::string> words;  // fixed positional words, if any
};

// The flag table among the lines of `text` (what ParseArgs writes to stderr
// under GITCANARY_FLAG_TABLE=1); other lines are ignored, and a flag listed
// twice is kept once.
std::vector<FlagSpec> ParseFlagTable(const std::string& text);

std::string BashCompletion(const std::vector<CompletedCommand>& commands);
std::string ZshCompletion(const std::vector<CompletedCommand>& commands);

}  // namespace gitcanary::plugin
