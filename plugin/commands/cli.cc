#include "plugin/commands/cli.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "plugin/commands/args.h"
#include "plugin/commands/completion_command.h"
#include "plugin/commands/diff_command.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/commands/generate_command.h"
#include "plugin/commands/krm_command.h"
#include "plugin/commands/lint_command.h"
#include "plugin/commands/post_render_command.h"
#include "plugin/commands/render_command.h"
#include "plugin/commands/sibling_exec.h"
#include "plugin/commands/simulate_command.h"

namespace gitcanary::plugin {

namespace {

// Where a command's code is linked (sibling_exec.h): here, or only in one of
// the sibling executables, which pass RunCli their runners.
enum class Home { kHere, kGitExecutable, kServeExecutable };

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);  // for Home::kHere
  Home home = Home::kHere;
  int error_exit = kExitInvalid;  // the exit of a failed or crashed run: diff's 1 means "changes"
};

int RunHelp(const std::vector<std::string>& args);

constexpr Command kCommands[] = {
    {"render", "render an app directory for a canary release (YAML on stdout)", RunRender},
    {"generate", "Argo CD plugin: render the working directory from Argo CD's environment", RunGenerate},
    {"post-render", "Helm post-renderer: render the manifests on stdin", RunPostRender},
    {"krm", "KRM function (kustomize, kpt): render a ResourceList on stdin", RunKrm},
    {"diff", "what a change does to the rendered output, for pull-request review", nullptr, Home::kGitExecutable,
     kDiffExitError},
    {"simulate", "run the canary analysis offline with scripted observations", RunSimulate},
    {"lint", "policy findings for the canary apps of a directory", RunLint},
    {"serve", "advance canaries from committed git state, writing each decision back", nullptr, Home::kServeExecutable},
    {"status", "the canaries of a branch as git records them", nullptr, Home::kGitExecutable},
    {"history", "a canary's timeline from git history (table, JSON or an SVG chart)", nullptr, Home::kGitExecutable},
    {"dashboard", "the canaries of a branch as a live web page, read-only", nullptr, Home::kServeExecutable},
    {"approve", "open the manual gate a canary waits at (a commit)", nullptr, Home::kGitExecutable},
    {"abort", "roll a canary back now (a commit)", nullptr, Home::kGitExecutable},
    {"promote", "promote a canary, skipping the rest of its analysis (a commit)", nullptr, Home::kGitExecutable},
    {"retry", "analyse a failed revision again, without touching it (a commit)", nullptr, Home::kGitExecutable},
    {"help", "the usage of gitcanary, or of one command: help COMMAND", RunHelp},
    {"completion", "a completion script for bash or zsh: completion bash|zsh", RunCompletion},
};

void PrintHelp(std::ostream& out) {
  out << "gitcanary: canary releases for Argo CD and Flux, with git as the only state.\n\n"
         "Usage: gitcanary COMMAND [flags]\n\nCommands:\n";
  std::size_t width = 0;
  for (const Command& c : kCommands) width = std::max(width, std::strlen(c.name));
  for (const Command& c : kCommands)
    out << "  " << c.name << std::string(width + 2 - std::strlen(c.name), ' ') << c.summary << "\n";
  out << "\nRun 'gitcanary help COMMAND' (or 'gitcanary COMMAND --help') for the flags of a command.\n"
         "Exit codes: 0 success, 1 invalid input, 2 usage error.\n";
}

const Command* Find(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

// The runners the executable's main passed to RunCli.
std::span<const CommandRunner> linked_runners;

// Runs `c` here when its code is linked here, else hands it to its sibling.
int Dispatch(const Command& c, const std::vector<std::string>& args) {
  if (c.run != nullptr) return GuardedMain([&] { return c.run(args); }, c.error_exit);
  for (const CommandRunner& r : linked_runners)
    if (std::strcmp(r.name, c.name) == 0) return GuardedMain([&] { return r.run(args); }, c.error_exit);
  std::vector<std::string> handed;
  // gitcanary-serve's own command is serve; the others name theirs first.
  if (std::strcmp(c.name, "serve") != 0) handed.push_back(c.name);
  handed.insert(handed.end(), args.begin(), args.end());
  ReportError(ExecSibling(c.home == Home::kServeExecutable ? kServeExecutable : kGitExecutable, handed), nullptr);
  return c.error_exit;
}

int UnknownCommand(const std::string& name) {
  std::cerr << "gitcanary: unknown command \"" << name << "\"; run 'gitcanary help' for the commands\n\n";
  PrintHelp(std::cerr);
  return kExitUsage;
}

// `help` alone is the overview; `help CMD` is exactly `CMD --help`.
int RunHelp(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {});
  if (!args.ok()) return ReportError(args.status(), nullptr);
  if (args->positionals.empty() || args->help) {
    PrintHelp(std::cout);
    return kExitOk;
  }
  if (args->positionals.size() > 1) {
    std::cerr << "gitcanary: help takes one command, got " << args->positionals.size() << "\n";
    return kExitUsage;
  }
  const Command* c = Find(args->positionals.front());
  if (c == nullptr) return UnknownCommand(args->positionals.front());
  return Dispatch(*c, {"--help"});
}

}  // namespace

std::vector<CommandInfo> Commands() {
  std::vector<CommandInfo> out;
  for (const Command& c : kCommands) out.push_back({c.name, c.summary});
  return out;
}

int RunCli(int argc, char** argv, std::span<const CommandRunner> linked) {
  linked_runners = linked;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintHelp(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "-h" || args[0] == "--help") {
    PrintHelp(std::cout);
    return kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "gitcanary 0.1.0\n";
    return kExitOk;
  }
  if (const Command* c = Find(args[0])) return Dispatch(*c, std::vector<std::string>(args.begin() + 1, args.end()));
  return UnknownCommand(args[0]);
}

}  // namespace gitcanary::plugin
