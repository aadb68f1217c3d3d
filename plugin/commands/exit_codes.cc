#include "plugin/commands/exit_codes.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
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

namespace {

int WriteFailed() {
  std::cerr << "gitcanary: writing stdout failed\n";
  return kExitInvalid;
}

}  // namespace

int WriteStdout(const std::string& text) {
  std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  if (written != text.size() || std::fflush(stdout) != 0) return WriteFailed();
  return kExitOk;
}

int WriteStdout(const std::vector<std::string>& pieces) {
  if (std::fflush(stdout) != 0) return WriteFailed();  // nothing may stay buffered before the pieces
  std::vector<iovec> left;
  left.reserve(pieces.size());
  for (const std::string& piece : pieces)
    if (!piece.empty()) left.push_back(iovec{const_cast<char*>(piece.data()), piece.size()});
  for (std::size_t first = 0; first < left.size();) {
    const int count = static_cast<int>(std::min<std::size_t>(left.size() - first, IOV_MAX));
    const ssize_t n = writev(STDOUT_FILENO, left.data() + first, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return WriteFailed();
    // Step over what was written: whole pieces, then part of one.
    for (std::size_t done = static_cast<std::size_t>(n); done > 0;) {
      iovec& v = left[first];
      const std::size_t step = std::min(done, v.iov_len);
      v.iov_base = static_cast<char*>(v.iov_base) + step;
      v.iov_len -= step;
      done -= step;
      if (v.iov_len == 0) ++first;
    }
  }
  return kExitOk;
}

int GuardedMain(const std::function<int()>& body, int internal_error_exit) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "gitcanary: internal error: " << e.what() << "\n";
    return internal_error_exit;
  } catch (...) {
    std::cerr << "gitcanary: internal error\n";
    return internal_error_exit;
  }
}

}  // namespace gitcanary::plugin
