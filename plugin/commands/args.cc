#include "plugin/commands/args.h"

#include <cstdlib>
#include <iostream>

namespace gitcanary::plugin {

std::optional<std::string> ParsedArgs::Get(const std::string& flag) const {
  auto it = values.find(flag);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& flag) const {
  auto it = repeated.find(flag);
  return it == repeated.end() ? std::vector<std::string>{} : it->second;
}

std::string FlagTableText(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    out += std::string(kFlagTableLine) + "\t--" + s.name + "\t" +
           (s.short_name != 0 ? std::string("-") + s.short_name : std::string("-")) + "\t" +
           (s.takes_value ? "value" : "switch") + "\n";
  }
  return out;
}

Result<ParsedArgs> ParseArgs(const std::vector<std::string>& args, const std::vector<FlagSpec>& specs) {
  if (const char* table = std::getenv(kFlagTableEnv); table != nullptr && std::string(table) == "1")
    std::cerr << FlagTableText(specs) << std::flush;
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    if (arg == "--") {
      for (++i; i < args.size(); ++i) out.positionals.push_back(args[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.positionals.push_back(arg);
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (arg[1] == '-') {
      name = arg.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs)
      if ((arg[1] == '-' && s.name == name) || (arg[1] != '-' && arg.size() == 2 && s.short_name == arg[1])) spec = &s;
    if (spec == nullptr) return Status::Usage("unknown flag " + arg);
    if (spec->takes_value && !has_value) {
      if (i + 1 >= args.size()) return Status::Usage("flag --" + spec->name + " needs a value");
      value = args[++i];
    } else if (!spec->takes_value && has_value) {
      return Status::Usage("flag --" + spec->name + " takes no value");
    }
    out.values[spec->name] = value;
    out.repeated[spec->name].push_back(value);
  }
  return out;
}

}  // namespace gitcanary::plugin
