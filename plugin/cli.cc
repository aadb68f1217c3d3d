#include "plugin/cli.h"

#include <iostream>

namespace gitcanary::plugin {

int RunCli(int, char**) {
  std::cerr << "gitcanary: not yet\n";
  return 2;
}

}  // namespace gitcanary::plugin
