#include "plugin/clients/egress_guard.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace gitcanary::plugin {

Result<std::vector<policies::IpAddress>> SystemResolver::Resolve(const std::string& host) const {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) return Status::Io("cannot resolve host " + host + ": " + gai_strerror(rc));
  std::vector<policies::IpAddress> out;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    policies::IpAddress a;
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      std::memcpy(a.bytes.data(), &sin->sin_addr, 4);
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      a.v6 = true;
      std::memcpy(a.bytes.data(), &sin6->sin6_addr, 16);
      // Judged and dialled as IPv4 when it is a mapped one.
      if (auto plain = policies::ParseIpAddress(policies::FormatIpAddress(a))) a = *plain;
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  freeaddrinfo(found);
  return out;
}

EgressGuard::EgressGuard(policies::EgressPolicy policy, const HostResolver* resolver)
    : policy_(std::move(policy)), resolver_(resolver) {}

Result<std::vector<std::string>> EgressGuard::Admit(const std::string& raw_host) const {
  std::string host = raw_host;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::vector<policies::IpAddress> addresses;
  if (auto literal = policies::ParseIpAddress(host)) {
    addresses.push_back(*literal);
  } else {
    // A name the policy decides by itself is refused before any lookup.
    if (auto by_name = policy_.CheckName(host); by_name && !by_name->allowed)
      return Status::Invalid("egress denied: " + by_name->reason);
    static const SystemResolver system;
    auto resolved = (resolver_ != nullptr ? resolver_ : &system)->Resolve(host);
    if (!resolved.ok()) return resolved.status();
    addresses = std::move(*resolved);
  }
  const policies::EgressVerdict verdict = policy_.Check(host, addresses);
  if (!verdict.allowed) return Status::Invalid("egress denied: " + verdict.reason);
  std::vector<std::string> out;
  out.reserve(addresses.size());
  for (const policies::IpAddress& a : addresses) out.push_back(policies::FormatIpAddress(a));
  return out;
}

std::shared_ptr<const EgressGuard> DefaultEgressGuard() {
  static const auto guard = std::make_shared<const EgressGuard>(policies::EgressPolicy());
  return guard;
}

std::string HostOfAuthority(const std::string& host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    const std::size_t close = host_port.find(']');
    return close == std::string::npos ? host_port : host_port.substr(1, close - 1);
  }
  return host_port.substr(0, host_port.rfind(':'));
}

}  // namespace gitcanary::plugin
