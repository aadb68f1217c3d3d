#include "plugin/clients/connect_reason.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace gitcanary::plugin {

namespace {

std::string SystemReason(int err) {
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// 0 when a connection to `ai` succeeds within `timeout_ms`, else the errno.
int ConnectError(const addrinfo& ai, long long timeout_ms) {
  const int fd = socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) return errno;
  int err = 0;
  if (connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    err = errno;
    if (err == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      const int n = poll(&p, 1, static_cast<int>(timeout_ms));
      socklen_t len = sizeof err;
      if (n == 0) err = ETIMEDOUT;
      else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
  }
  close(fd);
  return err;
}

}  // namespace

std::string TcpConnectFailure(const std::string& host, int port, long long timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return "cannot resolve host " + host;
  std::string reason;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int err = ConnectError(*ai, timeout_ms);
    if (err == 0) {
      reason.clear();
      break;
    }
    if (reason.empty()) reason = SystemReason(err);
  }
  freeaddrinfo(found);
  return reason;
}

std::string OriginConnectFailure(const std::string& origin, long long timeout_ms, const std::string& address) {
  const std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return "";
  const std::string scheme = origin.substr(0, scheme_end);
  std::string authority = origin.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find('/'));
  std::string host = authority;
  int port = scheme == "https" ? 443 : 80;
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = std::atoi(authority.c_str() + colon + 1);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || port <= 0 || port > 65535) return "";
  return TcpConnectFailure(address.empty() ? host : address, port, timeout_ms);
}

}  // namespace gitcanary::plugin
