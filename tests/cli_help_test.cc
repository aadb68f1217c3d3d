// `gitcanary help`, `help CMD` and `completion bash|zsh` against the dispatch
// table (plugin/commands/cli.h): every command answers `help CMD` exactly as `CMD
// --help`; an unknown one is a usage error (exit 2, README "Errors and exit
// codes"); every flag a command parses is in its --help and the other way
// round; the completion scripts parse, name every command, and bash really
// completes with them.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "plugin/commands/args.h"
#include "plugin/commands/cli.h"
#include "plugin/commands/completion_script.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;
using gitcanary::plugin::Commands;
using gitcanary::plugin::CommandInfo;
using gitcanary::plugin::FlagSpec;

namespace {

bool Mentions(const std::string& help, const std::string& flag) {
  for (std::size_t at = help.find(flag); at != std::string::npos; at = help.find(flag, at + 1)) {
    const std::size_t end = at + flag.size();
    const bool word_end = end == help.size() || !(std::isalnum(static_cast<unsigned char>(help[end])) || help[end] == '-');
    const bool word_start = at == 0 || help[at - 1] == ' ' || help[at - 1] == '\n' || help[at - 1] == '[';
    if (word_end && word_start) return true;
  }
  return false;
}

// The flags that the flag lines of a help text list: lines indented by at most
// four spaces whose first word is a flag, the part before the first two-space
// gap, split at ", " ("--author-name NAME, --author-email EMAIL").
std::vector<std::string> ListedFlags(const std::string& help) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < help.size()) {
    std::size_t stop = help.find('\n', start);
    if (stop == std::string::npos) stop = help.size();
    const std::string line = help.substr(start, stop - start);
    start = stop + 1;
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos || indent == 0 || indent > 4 || line[indent] != '-') continue;
    std::string column = line.substr(indent, line.find("  ", indent) - indent);
    for (std::size_t piece = 0; piece < column.size();) {
      std::size_t comma = column.find(", ", piece);
      if (comma == std::string::npos) comma = column.size();
      const std::string item = column.substr(piece, comma - piece);
      if (item.empty() || item[0] != '-') break;
      out.push_back(item.substr(0, item.find(' ')));
      piece = comma + 2;
    }
  }
  return out;
}

std::string CompletionScript(const std::string& shell, TempDir& dir) {
  RunResult script = Gitcanary({"completion", shell});
  INFO(script.err);
  REQUIRE(script.exit_code == 0);
  CHECK(script.err.empty());
  WriteFile(dir / ("gitcanary." + shell), script.out);
  return dir / ("gitcanary." + shell);
}

// What bash's completion function offers for the words typed so far (the last
// one is the word being completed), sorted.
std::vector<std::string> BashCompletes(const std::string& script, const std::string& typed) {
  RunResult run = Run({"/bin/bash", "-c",
                       "source \"$1\" && read -r -a COMP_WORDS <<<\"$2\" && "
                       "[[ $2 == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _gitcanary && "
                       "printf '%s\\n' \"${COMPREPLY[@]}\"",
                       "bash", script, typed});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < run.out.size()) {
    std::size_t stop = run.out.find('\n', start);
    if (stop == std::string::npos) stop = run.out.size();
    if (stop > start) words.push_back(run.out.substr(start, stop - start));
    start = stop + 1;
  }
  std::sort(words.begin(), words.end());
  return words;
}

}  // namespace

TEST_CASE("cli: help CMD prints what CMD --help prints for every command of the table") {
  const std::vector<CommandInfo> commands = Commands();
  REQUIRE(commands.size() >= 16);
  RunResult overview = Gitcanary({"help"});
  CHECK(overview.exit_code == 0);
  CHECK(overview.out == Gitcanary({"--help"}).out);
  for (const CommandInfo& c : commands) {
    CAPTURE(c.name);
    CHECK(Mentions(overview.out, c.name));
    RunResult by_help = Gitcanary({"help", c.name});
    RunResult by_flag = Gitcanary({c.name, "--help"});
    CHECK(by_help.exit_code == 0);
    CHECK(by_flag.exit_code == 0);
    CHECK(!by_help.out.empty());
    CHECK(by_help.out == by_flag.out);
    CHECK(by_help.err.empty());
  }
}

TEST_CASE("cli: help of an unknown command is a usage error that says so") {
  struct Row {
    std::vector<std::string> args;
    const char* message;
  };
  const Row rows[] = {
      {{"help", "frobnicate"}, "gitcanary: unknown command \"frobnicate\"; run 'gitcanary help' for the commands\n"},
      {{"frobnicate"}, "gitcanary: unknown command \"frobnicate\"; run 'gitcanary help' for the commands\n"},
      {{"help", "render", "lint"}, "gitcanary: help takes one command, got 2\n"},
      {{"help", "--bogus"}, "gitcanary: unknown flag --bogus\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.message);
    RunResult run = Gitcanary(row.args);
    CHECK(run.exit_code == 2);  // README: 2 is a usage error
    CHECK(run.out.empty());
    CHECK(run.err.rfind(row.message, 0) == 0);
  }
}

TEST_CASE("cli: every flag a command parses is in its --help and every flag its --help lists is parsed") {
  for (const CommandInfo& c : Commands()) {
    CAPTURE(c.name);
    RunResult run = Gitcanary({c.name, "--help"}, "", {{gitcanary::plugin::kFlagTableEnv, "1"}});
    REQUIRE(run.exit_code == 0);
    const std::vector<FlagSpec> table = gitcanary::plugin::ParseFlagTable(run.err);
    std::vector<std::string> parsed = {"-h", "--help"};
    for (const FlagSpec& f : table) {
      CAPTURE(f.name);
      parsed.push_back("--" + f.name);
      CHECK(Mentions(run.out, "--" + f.name));
      if (f.short_name != 0) {
        parsed.push_back(std::string("-") + f.short_name);
        CHECK(run.out.find(std::string("-") + f.short_name + ", --" + f.name) != std::string::npos);
      }
    }
    for (const std::string& listed : ListedFlags(run.out)) {
      CAPTURE(listed);
      CHECK(std::find(parsed.begin(), parsed.end(), listed) != parsed.end());
    }
  }
}

TEST_CASE("cli: ListedFlags reads the flag column of help lines only") {
  const std::string help =
      "Usage: x\n  -o, --output FORMAT  yaml, or --json\n  --a-b NAME, --c EMAIL\n"
      "                        --continued text\n  --alone OPTS\n  \"mode\"  a parameter\n";
  CHECK(ListedFlags(help) == std::vector<std::string>{"-o", "--output", "--a-b", "--c", "--alone"});
}

TEST_CASE("completion: the scripts parse and name every command") {
  TempDir dir;
  const std::string bash = CompletionScript("bash", dir);
  RunResult syntax = Run({"/bin/bash", "-n", bash});
  INFO(syntax.err);
  CHECK(syntax.exit_code == 0);
  const std::string zsh = CompletionScript("zsh", dir);
  if (Run({"/bin/sh", "-c", "command -v zsh"}).exit_code == 0) {
    RunResult zsh_syntax = Run({"zsh", "-n", zsh});
    INFO(zsh_syntax.err);
    CHECK(zsh_syntax.exit_code == 0);
  } else {
    MESSAGE("zsh is not installed; zsh -n skipped");
  }
  const std::string zsh_text = ReadFile(zsh), bash_text = ReadFile(bash);
  CHECK(zsh_text.rfind("#compdef gitcanary\n", 0) == 0);
  for (const CommandInfo& c : Commands()) {
    CAPTURE(c.name);
    CHECK(zsh_text.find("    '" + c.name + ":") != std::string::npos);
    CHECK(zsh_text.find("    (" + c.name + ")\n") != std::string::npos);
    CHECK(bash_text.find("    " + c.name + ")\n") != std::string::npos);
  }
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"completion"}, {"completion", "fish"}, {"completion", "bash", "zsh"}}) {
    RunResult run = Gitcanary(bad);
    CHECK(run.exit_code == 2);
    CHECK(run.out.empty());
    CHECK(run.err.rfind("gitcanary: completion takes one shell: bash or zsh\n", 0) == 0);
  }
}

TEST_CASE("completion: bash completes commands and flags through compgen") {
  TempDir dir;
  const std::string script = CompletionScript("bash", dir);
  std::vector<std::string> all;
  for (const CommandInfo& c : Commands()) all.push_back(c.name);
  std::sort(all.begin(), all.end());
  CHECK(BashCompletes(script, "gitcanary ") == all);
  struct Row {
    const char* typed;
    std::vector<std::string> offered;
  };
  const Row rows[] = {
      {"gitcanary ren", {"render"}},
      {"gitcanary re", {"render", "retry"}},
      {"gitcanary render --na", {"--namespace"}},
      {"gitcanary render -n default --ex", {"--explain"}},
      {"gitcanary render --mode ", {}},  // a value: left to file names
      {"gitcanary serve --on", {"--once"}},
      {"gitcanary status --re", {"--repo"}},
      {"gitcanary approve -", {"--author-email", "--author-name", "--branch", "--cache-dir", "--help", "--message",
                                "--namespace", "--repo", "--ssh-key", "--token-env", "--token-file", "--username",
                                "-h", "-m", "-n"}},
      {"gitcanary help pro", {"promote"}},
      {"gitcanary completion z", {"zsh"}},
      {"gitcanary krm --", {"--help"}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.typed);
    std::vector<std::string> offered = BashCompletes(script, row.typed);
    if (std::string(row.typed) == "gitcanary approve -") {
      // Other flags may be added; these must be there.
      for (const std::string& w : row.offered) CHECK(std::find(offered.begin(), offered.end(), w) != offered.end());
    } else {
      CHECK(offered == row.offered);
    }
  }
}
