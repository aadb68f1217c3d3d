#include "plugin/commands/completion_script.h"

namespace gitcanary::plugin {

namespace {

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t at; (at = text.find(sep, start)) != std::string::npos; start = at + 1)
    out.push_back(text.substr(start, at - start));
  out.push_back(text.substr(start));
  return out;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The spellings of the flags: "--name" and "-x" for each, then -h and --help.
std::vector<std::string> FlagWords(const std::vector<FlagSpec>& flags, bool valued_only) {
  std::vector<std::string> out;
  for (const FlagSpec& f : flags) {
    if (valued_only && !f.takes_value) continue;
    out.push_back("--" + f.name);
    if (f.short_name != 0) out.push_back(std::string("-") + f.short_name);
  }
  if (!valued_only) {
    out.push_back("-h");
    out.push_back("--help");
  }
  return out;
}

std::vector<std::string> Names(const std::vector<CompletedCommand>& commands) {
  std::vector<std::string> out;
  for (const CompletedCommand& c : commands) out.push_back(c.name);
  return out;
}

// `text` inside single quotes of a shell word.
std::string SingleQuoted(const std::string& text) {
  std::string out = "'";
  for (char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

}  // namespace

std::vector<FlagSpec> ParseFlagTable(const std::string& text) {
  std::vector<FlagSpec> out;
  for (const std::string& line : Split(text, '\n')) {
    const std::vector<std::string> cells = Split(line, '\t');
    if (cells.size() != 4 || cells[0] != kFlagTableLine || cells[1].size() < 3 || cells[1].compare(0, 2, "--") != 0)
      continue;
    FlagSpec spec;
    spec.name = cells[1].substr(2);
    spec.short_name = cells[2].size() == 2 && cells[2][0] == '-' ? cells[2][1] : 0;
    spec.takes_value = cells[3] == "value";
    bool seen = false;
    for (const FlagSpec& f : out) seen = seen || f.name == spec.name;
    if (!seen) out.push_back(std::move(spec));
  }
  return out;
}

std::string BashCompletion(const std::vector<CompletedCommand>& commands) {
  std::string cases;
  for (const CompletedCommand& c : commands) {
    cases += "    " + c.name + ")\n      flags=" + SingleQuoted(Join(FlagWords(c.flags, false))) +
             "\n      valued=" + SingleQuoted(Join(FlagWords(c.flags, true))) + "\n";
    if (!c.words.empty()) cases += "      words=" + SingleQuoted(Join(c.words)) + "\n";
    cases += "      ;;\n";
  }
  return "# bash completion for gitcanary, written by `gitcanary completion bash`.\n"
         "# Load it with: source <(gitcanary completion bash)\n"
         "_gitcanary() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd='' i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    if [[ ${COMP_WORDS[i]} != -* ]]; then cmd=${COMP_WORDS[i]}; break; fi\n"
         "  done\n"
         "  if [[ -z $cmd ]]; then\n"
         "    COMPREPLY=($(compgen -W " + SingleQuoted(Join(Names(commands))) + " -- \"$cur\"))\n"
         "    return 0\n"
         "  fi\n"
         "  local flags='' valued='' words=''\n"
         "  case $cmd in\n" + cases +
         "  esac\n"
         "  # The value of a flag: left to the shell's default (file names).\n"
         "  if [[ -n $valued && \" $valued \" == *\" $prev \"* ]]; then return 0; fi\n"
         "  if [[ $cur == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
         "  elif [[ -n $words ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "  fi\n"
         "  return 0\n"
         "}\n"
         "complete -o default -F _gitcanary gitcanary\n";
}

std::string ZshCompletion(const std::vector<CompletedCommand>& commands) {
  std::string described, cases;
  for (const CompletedCommand& c : commands) {
    described += "    " + SingleQuoted(c.name + ":" + c.summary) + "\n";
    cases += "    (" + c.name + ")\n      gc_flags=(" + Join(FlagWords(c.flags, false)) + ")\n      gc_valued=(" +
             Join(FlagWords(c.flags, true)) + ")\n";
    if (!c.words.empty()) cases += "      gc_words=(" + Join(c.words) + ")\n";
    cases += "      ;;\n";
  }
  return "#compdef gitcanary\n"
         "# zsh completion for gitcanary, written by `gitcanary completion zsh`.\n"
         "# Load it with: source <(gitcanary completion zsh) after compinit, or save it\n"
         "# as _gitcanary in a directory of $fpath.\n"
         "_gitcanary() {\n"
         "  local -a gc_commands gc_flags gc_valued gc_words\n"
         "  gc_commands=(\n" + described +
         "  )\n"
         "  if (( CURRENT == 2 )); then\n"
         "    _describe -t commands 'gitcanary command' gc_commands\n"
         "    return\n"
         "  fi\n"
         "  case ${words[2]} in\n" + cases +
         "  esac\n"
         "  if (( ${gc_valued[(Ie)${words[CURRENT-1]}]} )); then\n"
         "    _files\n"
         "  elif [[ $PREFIX == -* ]]; then\n"
         "    compadd -a gc_flags\n"
         "  elif (( ${#gc_words} )); then\n"
         "    compadd -a gc_words\n"
         "  else\n"
         "    _files\n"
         "  fi\n"
         "}\n"
         "if [[ $funcstack[1] == _gitcanary ]]; then\n"
         "  _gitcanary \"$@\"\n"
         "else\n"
         "  compdef _gitcanary gitcanary\n"
         "fi\n";
}

}  // namespace gitcanary::plugin
