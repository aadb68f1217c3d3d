// Egress policy: which hosts and addresses serve may call on behalf of the
// repository (webhooks, MetricTemplate addresses, alert providers). Pure: it
// parses the operator's entries and judges a host name and the addresses it
// resolved to; plugin/clients/egress_guard.h resolves, asks, and pins the
// connection to the address that was judged.
//
// Entries are host names ("hooks.example.com", "*.example.com" for any name
// below it), IPv4 or IPv6 addresses, and CIDRs ("10.0.0.0/8", "fd00::/8"). An
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as its IPv4 address.
//
// Built in, and denied unless an entry allows them: loopback (127.0.0.0/8,
// ::1), link-local (169.254.0.0/16, fe80::/10), unspecified (0.0.0.0/8, ::)
// and the Kubernetes API service: the address in KUBERNETES_SERVICE_HOST (as
// the caller passes it in) and the names kubernetes, kubernetes.default,
// kubernetes.default.svc and kubernetes.default.svc.<anything>. Everything
// else, private ranges included, is allowed unless a deny entry covers it.
//
// Which rule wins for an address: the one with the longest prefix (an address
// is a /32 or /128); at equal length the operator's entry beats a built-in
// one, and a deny beats an allow. So `--allow-egress 127.0.0.0/8` opens
// loopback but not the API service at 127.0.0.3 (a /32 built-in), while
// `--allow-egress 127.0.0.3` opens it. For a name, an exact entry beats a
// "*." entry, and a longer suffix beats a shorter one; a "*." entry never
// opens the API service's names. A name the operator allows by name is
// allowed whatever it resolves to (the operator trusts its DNS); any other
// name is allowed only when every address it resolves to is allowed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitcanary::policies {

// An IPv4 or IPv6 address; IPv4 (and IPv4-mapped IPv6) keep their four bytes
// in bytes[0..3].
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;
};

// "192.0.2.1", "2001:db8::1" or "[2001:db8::1]"; nullopt for anything else
// (names, "0x7f.1" and other forms only a resolver reads).
std::optional<IpAddress> ParseIpAddress(std::string_view text);

// The canonical text: "192.0.2.1", "2001:db8::1".
std::string FormatIpAddress(const IpAddress& address);

enum class AddressClass { kLoopback, kLinkLocal, kUnspecified, kPrivate, kKubernetesApi, kOther };

// The class of `address`; kKubernetesApi when it equals `api` (the API
// service address, when known). kPrivate: 10/8, 172.16/12, 192.168/16, fc00::/7.
AddressClass ClassifyAddress(const IpAddress& address, const std::optional<IpAddress>& api = std::nullopt);

// "loopback", "link-local", ...
std::string_view AddressClassName(AddressClass c);

// Whether `host` (lower or upper case, a trailing dot allowed) names the
// Kubernetes API service.
bool IsKubernetesApiName(std::string_view host);

struct EgressVerdict {
  bool allowed = true;
  std::string reason;  // why not, e.g. "169.254.169.254 is link-local (allow it with --allow-egress)"
};

class EgressPolicy {
 public:
  // The built-in rules only (no API service address).
  EgressPolicy();

  // `allow` and `deny` are the operator's entries; `kubernetes_service_host`
  // is KUBERNETES_SERVICE_HOST ("" when unset). A Usage error names a bad entry.
  static Result<EgressPolicy> Make(const std::vector<std::string>& allow, const std::vector<std::string>& deny,
                                   const std::string& kubernetes_service_host);

  // The verdict for `host` by name alone: allowed or denied when a name rule
  // decides, nullopt when the addresses must decide. `host` must not be an
  // IP address.
  std::optional<EgressVerdict> CheckName(std::string_view host) const;

  // The verdict for one address.
  EgressVerdict CheckAddress(const IpAddress& address) const;

  // The verdict for a call to `host` (a name or an address, as in a URL)
  // that resolved to `resolved`: by name when a name rule decides, else
  // denied when any address is denied, or when there is none.
  EgressVerdict Check(std::string_view host, const std::vector<IpAddress>& resolved) const;

 private:
  struct RangeRule {
    IpAddress base;
    int prefix = 0;
    bool allow = false;
    bool builtin = false;
    std::string text;  // the entry as given, or the built-in's name
  };
  struct NameRule {
    std::string name;  // lower case, no trailing dot; for a wildcard the suffix without "*."
    bool wildcard = false;
    bool allow = false;
  };

  Status Add(const std::string& entry, bool allow);
  const RangeRule* BestRange(const IpAddress& address) const;
  std::string Denial(const IpAddress& address) const;

  std::vector<RangeRule> ranges_;
  std::vector<NameRule> names_;
  std::optional<IpAddress> api_;
  std::string api_name_;  // KUBERNETES_SERVICE_HOST when it is a name
};

}  // namespace gitcanary::policies
