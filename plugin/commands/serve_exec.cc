#include "plugin/commands/serve_exec.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "plugin/commands/exit_codes.h"

namespace gitcanary::plugin {

int RunServeExec(const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::string serve = ec ? std::string("gitcanary-serve") : (self.parent_path() / "gitcanary-serve").string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(serve.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(serve.c_str(), argv.data());
  return ReportError(Status::Invalid("cannot start " + serve + " (installed beside gitcanary): " + std::strerror(errno)),
                     nullptr);
}

}  // namespace gitcanary::plugin
