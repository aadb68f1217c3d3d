// gitcanary-serve: the `gitcanary serve` sidecar as an executable of its own
// (see plugin/commands/sibling_exec.h for why). `gitcanary serve FLAGS` runs `gitcanary-serve FLAGS`;
// `gitcanary dashboard FLAGS` runs `gitcanary-serve dashboard FLAGS`;
// `gitcanary-serve compact-cache` is the child serve compacts its cache in.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "plugin/commands/dashboard_command.h"
#include "plugin/serve/compact_cache_command.h"
#include "plugin/serve/serve_command.h"

int main(int argc, char** argv) {
  try {
    // `gitcanary dashboard FLAGS` runs `gitcanary-serve dashboard FLAGS`.
    if (argc > 1 && std::string(argv[1]) == "dashboard")
      return gitcanary::plugin::RunDashboard(std::vector<std::string>(argv + 2, argv + argc));
    if (argc > 1 && std::string(argv[1]) == "compact-cache")
      return gitcanary::plugin::RunCompactCache(std::vector<std::string>(argv + 2, argv + argc));
    return gitcanary::plugin::RunServe(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "gitcanary: internal error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "gitcanary: internal error\n";
    return 1;
  }
}
