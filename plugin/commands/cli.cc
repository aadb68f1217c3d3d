#include "plugin/commands/cli.h"

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

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
};

void PrintHelp(std::ostream& out) {
  out << "gitcanary: canary releases for Argo CD and Flux, with git as the only state.\n\n"
         "Usage: gitcanary COMMAND [flags]\n\nCommands:\n";
  for (const Command& c : kCommands) out << "  " << c.name << std::string(12 - std::strlen(c.name), ' ') << c.summary << "\n";
  out << "\nRun 'gitcanary COMMAND --help' for the flags of a command.\n"
         "Exit codes: 0 success, 1 invalid input, 2 usage error.\n";
}

}  // namespace

int RunCli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintHelp(std::cerr);
    return kExitUsage;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    PrintHelp(std::cout);
    return kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << "gitcanary 0.1.0\n";
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (args[0] == c.name) return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::cerr << "gitcanary: unknown command \"" << args[0] << "\"\n\n";
  PrintHelp(std::cerr);
  return kExitUsage;
}

}  // namespace gitcanary::plugin
