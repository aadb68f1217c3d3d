#include "plugin/commands/sibling_exec.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>


namespace gitcanary::plugin {

namespace {

// The directory of this executable, with its trailing slash; "" when unknown
// (then the sibling is looked up on $PATH).
std::string OwnDirectory() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  const std::string self(buf, static_cast<std::size_t>(n));
  const std::size_t slash = self.rfind('/');
  return slash == std::string::npos ? "" : self.substr(0, slash + 1);
}

}  // namespace

Status ExecSibling(const std::string& program, const std::vector<std::string>& args) {
  const std::string dir = OwnDirectory();
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
