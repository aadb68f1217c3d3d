#include "plugin/commands/sibling_exec.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace gitcanary::plugin {

std::string SelfExecutable() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "" : self.string();
}

Status ExecSibling(const std::string& program, const std::vector<std::string>& args) {
  const std::string self = SelfExecutable();
  const std::string dir = self.substr(0, self.rfind('/') + 1);  // "" when unknown: look on $PATH
  const std::string path = dir + program;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  if (dir.empty())
    execvp(program.c_str(), argv.data());
  else
    execv(path.c_str(), argv.data());
  return Status::Invalid("cannot start " + path + " (installed beside gitcanary): " + std::strerror(errno));
}

}  // namespace gitcanary::plugin
