#include "plugin/sources/stdin_text.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace gitcanary::plugin {

Result<std::string> ReadStdin(std::size_t max_bytes) {
  std::string text;
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io(std::string("reading stdin: ") + std::strerror(errno));
    }
    if (text.size() + static_cast<std::size_t>(n) > max_bytes)
      return Status::Invalid("stdin is over the limit of " + std::to_string(max_bytes) + " bytes");
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace gitcanary::plugin
