// gitcanary-serve: the `gitcanary serve` sidecar as an executable of its own
// (see plugin/commands/sibling_exec.h for why). `gitcanary serve FLAGS` runs `gitcanary-serve FLAGS`;
// `gitcanary dashboard FLAGS` runs `gitcanary-serve dashboard FLAGS`;
// `gitcanary-serve compact-cache` is the child serve compacts its cache in.
#include <string>
#include <vector>

#include "plugin/commands/dashboard_command.h"
#include "plugin/commands/exit_codes.h"
#include "plugin/serve/compact_cache_command.h"
#include "plugin/serve/serve_command.h"

int main(int argc, char** argv) {
  return gitcanary::plugin::GuardedMain([&] {
    const std::vector<std::string> args(argv + 1, argv + argc);
    // `gitcanary dashboard FLAGS` runs `gitcanary-serve dashboard FLAGS`.
    if (!args.empty() && args[0] == "dashboard")
      return gitcanary::plugin::RunDashboard(std::vector<std::string>(args.begin() + 1, args.end()));
    if (!args.empty() && args[0] == "compact-cache")
      return gitcanary::plugin::RunCompactCache(std::vector<std::string>(args.begin() + 1, args.end()));
    return gitcanary::plugin::RunServe(args);
  });
}
