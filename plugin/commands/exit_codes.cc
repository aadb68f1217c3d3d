#include "plugin/commands/exit_codes.h"

#include <cstdio>
#include <exception>
#include <iostream>

namespace gitcanary::plugin {

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  return status.code() == Code::kUsage ? kExitUsage : kExitInvalid;
}

int ReportError(const Status& status, const char* usage) {
  std::cerr << "gitcanary: " << status.message() << "\n";
  if (status.code() == Code::kUsage && usage != nullptr) std::cerr << "\n" << usage;
  return ExitCodeFor(status);
}

int WriteStdout(const std::string& text) {
  std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  if (written != text.size() || std::fflush(stdout) != 0) {
    std::cerr << "gitcanary: writing stdout failed\n";
    return kExitInvalid;
  }
  return kExitOk;
}

int GuardedMain(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "gitcanary: internal error: " << e.what() << "\n";
    return 1;
  } catch (...) {
    std::cerr << "gitcanary: internal error\n";
    return 1;
  }
}

}  // namespace gitcanary::plugin
