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
#include "plugin/commands/history_command.h"
#include "plugin/commands/krm_command.h"
#include "plugin/commands/lint_command.h"
#include "plugin/commands/operator_commands.h"
#include "plugin/commands/post_render_command.h"
#include "plugin/commands/render_command.h"
#include "plugin/commands/serve_exec.h"
#include "plugin/commands/simulate_command.h"
#include "plugin/commands/dashboard_command.h"

namespace gitcanary::plugin {

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

int RunHelp(const std::vector<std::string>& args);

constexpr Command kCommands[] = {
    {"render", "render an app directory for a canary release (YAML on stdout)", RunRender},
    {"generate", "Argo CD plugin: render the working directory from Argo CD's environment", RunGenerate},
    {"post-render", "Helm post-renderer: render the manifests on stdin", RunPostRender},
    {"krm", "KRM function (kustomize, kpt): render a ResourceList on stdin", RunKrm},
    {"diff", "what a change does to the rendered output, for pull-request review", RunDiff},
    {"simulate", "run the canary analysis offline with scripted observations", RunSimulate},
    {"lint", "policy findings for the canary apps of a directory", RunLint},
    {"serve", "advance canaries from committed git state, writing each decision back", RunServeExec},
    {"status", "the canaries of a branch as git records them", RunStatus},
    {"history", "a canary's timeline from git history (table, JSON or an SVG chart)", RunHistory},
    {"dashboard", "the canaries of a branch as a live web page, read-only", RunDashboardExec},
    {"approve", "open the manual gate a canary waits at (a commit)", RunApprove},
    {"abort", "roll a canary back now (a commit)", RunAbort},
    {"promote", "promote a canary, skipping the rest of its analysis (a commit)", RunPromote},
    {"retry", "analyse a failed revision again, without touching it (a commit)", RunRetry},
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
  return c->run({"--help"});
}

}  // namespace

std::vector<CommandInfo> Commands() {
  std::vector<CommandInfo> out;
  for (const Command& c : kCommands) out.push_back({c.name, c.summary});
  return out;
}

int RunCli(int argc, char** argv) {
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
  if (const Command* c = Find(args[0])) return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
  return UnknownCommand(args[0]);
}

}  // namespace gitcanary::plugin
