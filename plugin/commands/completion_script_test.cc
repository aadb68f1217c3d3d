#include "plugin/commands/completion_script.h"

#include <doctest/doctest.h>

namespace gitcanary::plugin {

TEST_CASE("completion: ParseFlagTable reads back what ParseArgs writes and ignores other lines") {
  const std::vector<FlagSpec> specs = {{"mode", 0, true}, {"namespace", 'n', true}, {"explain", 0, false}};
  const std::string text = "a warning\n" + FlagTableText(specs) + FlagTableText({{"mode", 0, true}}) +
                           "gitcanary-flag\tbroken\n" + "gitcanary-flag\tmode\t-\tvalue\n";
  const std::vector<FlagSpec> read = ParseFlagTable(text);
  REQUIRE(read.size() == 3);
  CHECK(read[0].name == "mode");
  CHECK(read[0].short_name == 0);
  CHECK(read[0].takes_value);
  CHECK(read[1].name == "namespace");
  CHECK(read[1].short_name == 'n');
  CHECK(read[2].name == "explain");
  CHECK(!read[2].takes_value);
  CHECK(ParseFlagTable("").empty());
}

TEST_CASE("completion: the scripts offer each command's flags and only the valued ones take a value") {
  const std::vector<CompletedCommand> commands = {
      {"render", "render it", {{"mode", 0, true}, {"namespace", 'n', true}, {"explain", 0, false}}, {}},
      {"completion", "a script: bash|zsh", {}, {"bash", "zsh"}},
  };
  const std::string bash = BashCompletion(commands);
  CHECK(bash.find("compgen -W 'render completion'") != std::string::npos);
  CHECK(bash.find("    render)\n      flags='--mode --namespace -n --explain -h --help'\n"
                  "      valued='--mode --namespace -n'\n      ;;\n") != std::string::npos);
  CHECK(bash.find("    completion)\n      flags='-h --help'\n      valued=''\n      words='bash zsh'\n") !=
        std::string::npos);
  CHECK(bash.find("complete -o default -F _gitcanary gitcanary\n") != std::string::npos);
  const std::string zsh = ZshCompletion(commands);
  CHECK(zsh.find("    'render:render it'\n    'completion:a script: bash|zsh'\n") != std::string::npos);
  CHECK(zsh.find("      gc_valued=(--mode --namespace -n)\n") != std::string::npos);
  CHECK(zsh.find("      gc_words=(bash zsh)\n") != std::string::npos);
  // A quote in a summary stays inside its word.
  CHECK(ZshCompletion({{"x", "it's", {}, {}}}).find("    'x:it'\\''s'\n") != std::string::npos);
}

}  // namespace gitcanary::plugin
