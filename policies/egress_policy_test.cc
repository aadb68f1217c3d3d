// Tests for the egress policy, as tables and with no connection: parsing of
// addresses and entries, the address classes (RFC 1918 private ranges, RFC
// 3927 IPv4 link-local, RFC 4291 IPv6 link-local fe80::/10 and loopback ::1,
// RFC 4193 unique local fc00::/7, IPv4-mapped ::ffff:0:0/96), the Kubernetes
// API service by address and by name, CIDR edges and which rule wins.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "policies/egress_policy.h"

namespace gitcanary::policies {
namespace {

IpAddress Ip(const std::string& text) {
  auto ip = ParseIpAddress(text);
  REQUIRE_MESSAGE(ip.has_value(), text);
  return *ip;
}

EgressPolicy Policy(const std::vector<std::string>& allow, const std::vector<std::string>& deny = {},
                    const std::string& api = "") {
  auto p = EgressPolicy::Make(allow, deny, api);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  return *p;
}

TEST_CASE("ParseIpAddress reads IPv4 and IPv6 literals and nothing a resolver alone would read") {
  struct Row {
    std::string text;
    bool ok;
    std::string canonical;
  };
  const std::vector<Row> rows = {
      {"192.0.2.1", true, "192.0.2.1"},
      {"2001:db8::1", true, "2001:db8::1"},
      {"[2001:DB8:0::1]", true, "2001:db8::1"},
      {"::ffff:169.254.169.254", true, "169.254.169.254"},  // mapped: judged as IPv4
      {"::ffff:a9fe:a9fe", true, "169.254.169.254"},
      {"::1", true, "::1"},
      {"0x7f.1", false, ""},      // inet_aton's forms are names here: the resolver reads them
      {"2130706433", false, ""},
      {"127.1", false, ""},
      {"256.0.0.1", false, ""},
      {"example.com", false, ""},
      {"fe80::1%eth0", false, ""},
      {"", false, ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    auto ip = ParseIpAddress(r.text);
    CHECK(ip.has_value() == r.ok);
    if (ip) CHECK(FormatIpAddress(*ip) == r.canonical);
  }
}

TEST_CASE("ClassifyAddress knows loopback link-local unspecified private and the API service") {
  struct Row {
    std::string address;
    AddressClass want;
  };
  const std::vector<Row> rows = {
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.255", AddressClass::kLoopback},
      {"126.255.255.255", AddressClass::kOther},
      {"128.0.0.0", AddressClass::kOther},
      {"::1", AddressClass::kLoopback},
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"169.254.169.254", AddressClass::kLinkLocal},
      {"169.254.0.0", AddressClass::kLinkLocal},
      {"169.253.255.255", AddressClass::kOther},
      {"169.255.0.0", AddressClass::kOther},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf:ffff::1", AddressClass::kLinkLocal},  // last of fe80::/10
      {"fec0::1", AddressClass::kOther},           // first past it
      {"fe7f::1", AddressClass::kOther},
      {"0.0.0.0", AddressClass::kUnspecified},
      {"::", AddressClass::kUnspecified},
      {"10.0.0.0", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"11.0.0.0", AddressClass::kOther},
      {"172.16.0.0", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"172.15.255.255", AddressClass::kOther},
      {"172.32.0.0", AddressClass::kOther},
      {"192.168.1.1", AddressClass::kPrivate},
      {"192.169.0.0", AddressClass::kOther},
      {"fc00::1", AddressClass::kPrivate},
      {"fdff:ffff::1", AddressClass::kPrivate},
      {"fe00::1", AddressClass::kOther},
      {"8.8.8.8", AddressClass::kOther},
      {"2001:db8::1", AddressClass::kOther},
  };
  for (const Row& r : rows) {
    CAPTURE(r.address);
    CHECK(ClassifyAddress(Ip(r.address)) == r.want);
  }
  CHECK(ClassifyAddress(Ip("10.96.0.1"), Ip("10.96.0.1")) == AddressClass::kKubernetesApi);
  CHECK(ClassifyAddress(Ip("::ffff:10.96.0.1"), Ip("10.96.0.1")) == AddressClass::kKubernetesApi);
  CHECK(ClassifyAddress(Ip("10.96.0.2"), Ip("10.96.0.1")) == AddressClass::kPrivate);
}

TEST_CASE("IsKubernetesApiName covers the service's names in every spelling") {
  for (const char* yes : {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                          "kubernetes.default.svc.cluster.local", "KUBERNETES.Default.SVC.", "kubernetes.default.svc.x"}) {
    CAPTURE(yes);
    CHECK(IsKubernetesApiName(yes));
  }
  for (const char* no : {"kubernetes.io", "kubernetes.default.svc-x", "my-kubernetes", "kubernetes-dashboard.default.svc",
                         "kubernetes.other.svc"}) {
    CAPTURE(no);
    CHECK_FALSE(IsKubernetesApiName(no));
  }
}

TEST_CASE("The default policy denies loopback link-local unspecified and the API service and allows the rest") {
  const EgressPolicy p = Policy({}, {}, "10.96.0.1");
  struct Row {
    std::string address;
    bool allowed;
    std::string reason;
  };
  const std::vector<Row> rows = {
      {"169.254.169.254", false, "169.254.169.254 is link-local (allow it with --allow-egress 169.254.169.254)"},
      {"fe80::1", false, "fe80::1 is link-local (allow it with --allow-egress fe80::1)"},
      {"127.0.0.1", false, "127.0.0.1 is loopback (allow it with --allow-egress 127.0.0.1)"},
      {"::1", false, "::1 is loopback (allow it with --allow-egress ::1)"},
      {"::ffff:169.254.169.254", false, "169.254.169.254 is link-local (allow it with --allow-egress 169.254.169.254)"},
      {"0.0.0.0", false, "0.0.0.0 is unspecified (allow it with --allow-egress 0.0.0.0)"},
      {"::", false, ":: is unspecified (allow it with --allow-egress ::)"},
      {"10.96.0.1", false,
       "10.96.0.1 is the Kubernetes API service (KUBERNETES_SERVICE_HOST; allow exactly this address with "
       "--allow-egress 10.96.0.1)"},
      {"10.96.0.2", true, ""},
      {"192.168.1.1", true, ""},
      {"fd00::1", true, ""},
      {"203.0.113.7", true, ""},
      {"2001:db8::1", true, ""},
  };
  for (const Row& r : rows) {
    CAPTURE(r.address);
    const EgressVerdict v = p.CheckAddress(Ip(r.address));
    CHECK(v.allowed == r.allowed);
    CHECK(v.reason == r.reason);
  }
  // Without KUBERNETES_SERVICE_HOST the address is just private.
  CHECK(Policy({}).CheckAddress(Ip("10.96.0.1")).allowed);
}

TEST_CASE("The longest prefix decides and an exact allow of the API address beats its built-in deny") {
  struct Row {
    std::vector<std::string> allow, deny;
    std::string address;
    bool allowed;
  };
  const std::string api = "127.0.0.3";
  const std::vector<Row> rows = {
      {{"127.0.0.0/8"}, {}, "127.0.0.1", true},
      {{"127.0.0.0/8"}, {}, "127.255.255.255", true},
      {{"127.0.0.0/8"}, {}, "127.0.0.3", false},  // the API service is a /32: a broad CIDR does not open it
      {{"127.0.0.3"}, {}, "127.0.0.3", true},     // the exact address does
      {{"127.0.0.3/32"}, {}, "127.0.0.3", true},
      {{"::ffff:127.0.0.3"}, {}, "127.0.0.3", true},
      {{"127.0.0.1"}, {}, "127.0.0.2", false},
      {{"127.0.0.2/31"}, {}, "127.0.0.1", false},  // 127.0.0.2-127.0.0.3
      {{"127.0.0.2/31"}, {}, "127.0.0.2", true},
      {{"127.0.0.1/8"}, {}, "127.9.9.9", true},  // host bits are masked off
      {{"169.254.169.254"}, {}, "169.254.169.254", true},
      {{"169.254.169.254"}, {}, "169.254.169.253", false},
      {{"fe80::/10"}, {}, "fe80::1", true},
      {{"::ffff:169.254.0.0/112"}, {}, "169.254.1.1", true},  // a mapped CIDR is its IPv4 /16
      {{"::1"}, {}, "127.0.0.1", false},
      {{}, {"10.0.0.0/8"}, "10.1.2.3", false},
      {{}, {"10.0.0.0/8"}, "11.1.2.3", true},
      {{"10.1.0.0/16"}, {"10.0.0.0/8"}, "10.1.2.3", true},   // longer wins
      {{"10.0.0.0/8"}, {"10.1.0.0/16"}, "10.1.2.3", false},  // longer wins
      {{"10.0.0.0/8"}, {"10.0.0.0/8"}, "10.1.2.3", false},   // a tie: deny wins
      {{}, {"0.0.0.0/0", "::/0"}, "203.0.113.7", false},     // an allowlist-only policy
      {{"203.0.113.0/24"}, {"0.0.0.0/0", "::/0"}, "203.0.113.7", true},
      {{"127.0.0.0/8"}, {"0.0.0.0/0"}, "127.0.0.1", true},
  };
  for (const Row& r : rows) {
    CAPTURE(r.address);
    CAPTURE(r.allow.empty() ? "" : r.allow[0]);
    CAPTURE(r.deny.empty() ? "" : r.deny[0]);
    CHECK(Policy(r.allow, r.deny, api).CheckAddress(Ip(r.address)).allowed == r.allowed);
  }
  CHECK(Policy({}, {"10.0.0.0/8"}).CheckAddress(Ip("10.1.2.3")).reason ==
        "10.1.2.3 is private and denied by --deny-egress 10.0.0.0/8");
}

TEST_CASE("Names: the API service's names are denied unless allowed exactly and other names follow their entries") {
  struct Row {
    std::vector<std::string> allow, deny;
    std::string host;
    std::optional<bool> allowed;  // nullopt: the addresses decide
  };
  const std::vector<Row> rows = {
      {{}, {}, "kubernetes", false},
      {{}, {}, "kubernetes.default", false},
      {{}, {}, "kubernetes.default.svc", false},
      {{}, {}, "kubernetes.default.svc.cluster.local", false},
      {{}, {}, "Kubernetes.Default.Svc.Cluster.Local.", false},
      {{"kubernetes.default.svc"}, {}, "kubernetes.default.svc", true},
      {{"kubernetes.default.svc"}, {}, "kubernetes.default.svc.cluster.local", false},
      {{"*.cluster.local"}, {}, "kubernetes.default.svc.cluster.local", false},  // a wildcard never opens the API
      {{"*.cluster.local"}, {}, "hooks.team-a.svc.cluster.local", true},
      {{"*.example.com"}, {}, "example.com", std::nullopt},  // the wildcard is below the name only
      {{"hooks.example.com"}, {}, "HOOKS.example.com.", true},
      {{}, {"*.example.com"}, "a.b.example.com", false},
      {{"a.b.example.com"}, {"*.example.com"}, "a.b.example.com", true},  // exact beats wildcard
      {{"*.b.example.com"}, {"*.example.com"}, "a.b.example.com", true},  // longer suffix wins
      {{"x.example.com"}, {"x.example.com"}, "x.example.com", false},     // a tie: deny wins
      {{}, {}, "hooks.example.com", std::nullopt},
  };
  for (const Row& r : rows) {
    CAPTURE(r.host);
    auto v = Policy(r.allow, r.deny, "10.96.0.1").CheckName(r.host);
    REQUIRE(v.has_value() == r.allowed.has_value());
    if (v) CHECK(v->allowed == *r.allowed);
  }
  CHECK(Policy({}).CheckName("kubernetes.default.svc")->reason ==
        "kubernetes.default.svc names the Kubernetes API service (allow it with --allow-egress kubernetes.default.svc)");
  // KUBERNETES_SERVICE_HOST given as a name is one more name of the service.
  CHECK_FALSE(Policy({}, {}, "api.internal").CheckName("API.internal")->allowed);
}

TEST_CASE("Check judges a name by its name and else by every address it resolved to") {
  const EgressPolicy p = Policy({"127.0.0.1"}, {}, "");
  CHECK(p.Check("127.0.0.1", {Ip("127.0.0.1")}).allowed);
  EgressVerdict v = p.Check("hooks.example", {Ip("127.0.0.1"), Ip("169.254.169.254")});
  CHECK_FALSE(v.allowed);  // one denied address is enough
  CHECK(v.reason ==
        "hooks.example resolves to 169.254.169.254, which is link-local (allow it with --allow-egress 169.254.169.254)");
  CHECK(p.Check("hooks.example", {Ip("127.0.0.1")}).allowed);
  CHECK(p.Check("hooks.example", {}).reason == "hooks.example resolved to no address");
  // A name the operator allows is trusted whatever it resolves to.
  CHECK(Policy({"metadata.internal"}).Check("metadata.internal", {Ip("169.254.169.254")}).allowed);
  // An address literal is judged as itself.
  CHECK(p.Check("[::1]", {Ip("::1")}).reason == "::1 is loopback (allow it with --allow-egress ::1)");
}

TEST_CASE("Bad entries are usage errors naming the flag and the entry") {
  struct Row {
    std::string entry;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"http://hooks.example.com", "--allow-egress: \"http://hooks.example.com\" is not a host name, an IP address or a CIDR"},
      {"hooks.example.com:8080", "--allow-egress: \"hooks.example.com:8080\" is not a host name, an IP address or a CIDR"},
      {"*", "--allow-egress: \"*\" is not a host name, an IP address or a CIDR"},
      {"", "--allow-egress: \"\" is not a host name, an IP address or a CIDR"},
      {"10.0.0.0/33", "--allow-egress: \"10.0.0.0/33\" has a prefix length out of range"},
      {"fe80::/129", "--allow-egress: \"fe80::/129\" has a prefix length out of range"},
      {"10.0.0.0/", "--allow-egress: \"10.0.0.0/\" is not a CIDR such as 10.0.0.0/8"},
      {"example.com/8", "--allow-egress: \"example.com/8\" is not a CIDR such as 10.0.0.0/8"},
      {"10.0.0.0/-1", "--allow-egress: \"10.0.0.0/-1\" is not a CIDR such as 10.0.0.0/8"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.entry);
    auto p = EgressPolicy::Make({r.entry}, {}, "");
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kUsage);
    CHECK(p.status().message() == r.message);
  }
  auto deny = EgressPolicy::Make({}, {"a b"}, "");
  REQUIRE_FALSE(deny.ok());
  CHECK(deny.status().message() == "--deny-egress: \"a b\" is not a host name, an IP address or a CIDR");
}

}  // namespace
}  // namespace gitcanary::policies
