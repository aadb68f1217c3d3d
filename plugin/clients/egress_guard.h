// EgressGuard: the check every call serve makes on behalf of the repository
// passes before anything is sent (webhooks, alert providers, MetricTemplate
// and spec.metricsServer addresses).
//
// Admit() resolves the host once through a HostResolver, asks the pure
// policies::EgressPolicy about the name and every address it resolved to, and
// returns those addresses when all are allowed; a single denied address
// refuses the call, so a name cannot hide a denied address behind an allowed
// one. The HTTP clients then connect only to the returned addresses
// (cpp-httplib's set_hostname_addr_map), in order, while the Host header, TLS
// SNI and certificate verification keep the host name; so a second lookup
// that answers differently (DNS rebinding) is never made. Redirects are not
// followed by any of these clients, so a 3xx cannot lead a call elsewhere.
// A refusal is an Invalid Status "egress denied: <reason>"; nothing was sent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "policies/egress_policy.h"

namespace gitcanary::plugin {

// Looks up a host name's addresses. The seam lets tests answer for names.
class HostResolver {
 public:
  virtual ~HostResolver() = default;
  // Every address of `host` (a name), in the order the system prefers.
  virtual Result<std::vector<policies::IpAddress>> Resolve(const std::string& host) const = 0;
};

// getaddrinfo, as the HTTP client would have called it.
class SystemResolver : public HostResolver {
 public:
  Result<std::vector<policies::IpAddress>> Resolve(const std::string& host) const override;
};

class EgressGuard {
 public:
  // `resolver` nullptr: the system resolver. A given one must outlive the guard.
  explicit EgressGuard(policies::EgressPolicy policy, const HostResolver* resolver = nullptr);

  // The addresses (as text) to connect to for `host` (a name, or an address
  // as a URL writes it, IPv6 in brackets or not), or "egress denied: ...".
  Result<std::vector<std::string>> Admit(const std::string& host) const;

  const policies::EgressPolicy& policy() const { return policy_; }

 private:
  policies::EgressPolicy policy_;
  const HostResolver* resolver_;
};

// The guard of the built-in policy alone: loopback, link-local, unspecified
// and the API service names denied.
std::shared_ptr<const EgressGuard> DefaultEgressGuard();

// "host" of "host", "host:port", "[v6]:port" and "[v6]" (brackets removed).
std::string HostOfAuthority(const std::string& host_port);

}  // namespace gitcanary::plugin
