// Process entry point: runs the command table and is the only catch-all.
#include <exception>
#include <iostream>

#include "plugin/commands/cli.h"

int main(int argc, char** argv) {
  try {
    return gitcanary::plugin::RunCli(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "gitcanary: internal error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "gitcanary: internal error\n";
    return 1;
  }
}
