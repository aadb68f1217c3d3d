// Args: a small command-line parser shared by every command.
//
// Accepts `--name value`, `--name=value`, short aliases (`-o json`), boolean
// switches and positionals. Anything unknown is a usage error (exit 2) naming
// the flag, so a typo never silently changes behaviour.
//
// Shell completion (plugin/commands/completion_command.h) learns each command's flags
// from the very table the command parses with: it runs `gitcanary CMD --help`
// with GITCANARY_FLAG_TABLE=1 in the environment, and ParseArgs then writes
// that table to stderr, one line per flag, before it parses. Commands that
// run in another executable (serve) answer the same way, because the variable
// goes with them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace gitcanary::plugin {

struct FlagSpec {
  std::string name;         // long name without dashes, e.g. "mode"
  char short_name = 0;      // e.g. 'o'
  bool takes_value = true;  // false for switches such as --explain
};

struct ParsedArgs {
  std::map<std::string, std::string> values;  // flag -> value ("" for switches); the last one given
  std::map<std::string, std::vector<std::string>> repeated;  // flag -> every value, in order
  std::vector<std::string> positionals;
  bool help = false;

  bool Has(const std::string& flag) const { return values.count(flag) != 0; }
  std::optional<std::string> Get(const std::string& flag) const;
  // Every value of a flag that may be repeated, in the order given.
  std::vector<std::string> GetAll(const std::string& flag) const;
};

// The environment variable that makes ParseArgs write its flag table, and
// the prefix of each line it writes: "<prefix>\t--NAME\t-X or -\tvalue or switch".
inline constexpr char kFlagTableEnv[] = "GITCANARY_FLAG_TABLE";
inline constexpr char kFlagTableLine[] = "gitcanary-flag";

// The table as those lines.
std::string FlagTableText(const std::vector<FlagSpec>& specs);

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs);

}  // namespace gitcanary::plugin
