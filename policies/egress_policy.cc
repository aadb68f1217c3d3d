#include "policies/egress_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <tuple>

namespace gitcanary::policies {
namespace {

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// An IPv4-mapped IPv6 address becomes its IPv4 address.
IpAddress Unmap(IpAddress a) {
  if (!a.v6 || !std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), a.bytes.begin())) return a;
  IpAddress v4;
  std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
  return v4;
}

int Bits(const IpAddress& a) { return a.v6 ? 128 : 32; }

bool InRange(const IpAddress& a, const IpAddress& base, int prefix) {
  if (a.v6 != base.v6) return false;
  const int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(a.bytes.begin(), a.bytes.begin() + whole, base.bytes.begin())) return false;
  if (rest == 0) return true;
  const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a.bytes[whole] & mask) == (base.bytes[whole] & mask);
}

IpAddress Masked(IpAddress a, int prefix) {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    a.bytes[i] = static_cast<std::uint8_t>(a.bytes[i] & (keep == 0 ? 0 : 0xff << (8 - keep)));
  }
  return a;
}

IpAddress V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress out;
  out.bytes[0] = a, out.bytes[1] = b, out.bytes[2] = c, out.bytes[3] = d;
  return out;
}

IpAddress V6(std::uint8_t first, std::uint8_t second, std::uint8_t last) {
  IpAddress out;
  out.v6 = true;
  out.bytes[0] = first, out.bytes[1] = second, out.bytes[15] = last;
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.front() == '-') return false;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '.' && c != '_') return false;
  return name.find("..") == std::string_view::npos;
}

std::string AllowHint(const std::string& what) { return " (allow it with --allow-egress " + what + ")"; }

}  // namespace

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress out;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
    return out;
  }
  out.v6 = true;
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return Unmap(out);
}

std::string FormatIpAddress(const IpAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.bytes.data(), buf, sizeof buf);
  return buf;
}

AddressClass ClassifyAddress(const IpAddress& raw, const std::optional<IpAddress>& api) {
  const IpAddress a = Unmap(raw);
  if (api && Unmap(*api) == a) return AddressClass::kKubernetesApi;
  if (!a.v6) {
    if (InRange(a, V4(127, 0, 0, 0), 8)) return AddressClass::kLoopback;
    if (InRange(a, V4(169, 254, 0, 0), 16)) return AddressClass::kLinkLocal;
    if (InRange(a, V4(0, 0, 0, 0), 8)) return AddressClass::kUnspecified;
    if (InRange(a, V4(10, 0, 0, 0), 8) || InRange(a, V4(172, 16, 0, 0), 12) || InRange(a, V4(192, 168, 0, 0), 16))
      return AddressClass::kPrivate;
    return AddressClass::kOther;
  }
  if (a == V6(0, 0, 1)) return AddressClass::kLoopback;
  if (a == V6(0, 0, 0)) return AddressClass::kUnspecified;
  if (InRange(a, V6(0xfe, 0x80, 0), 10)) return AddressClass::kLinkLocal;
  if (InRange(a, V6(0xfc, 0, 0), 7)) return AddressClass::kPrivate;
  return AddressClass::kOther;
}

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kLoopback: return "loopback";
    case AddressClass::kLinkLocal: return "link-local";
    case AddressClass::kUnspecified: return "unspecified";
    case AddressClass::kPrivate: return "private";
    case AddressClass::kKubernetesApi: return "the Kubernetes API service";
    case AddressClass::kOther: return "public";
  }
  return "";
}

bool IsKubernetesApiName(std::string_view host) {
  const std::string h = Lower(host);
  return h == "kubernetes" || h == "kubernetes.default" || h == "kubernetes.default.svc" ||
         h.rfind("kubernetes.default.svc.", 0) == 0;
}

EgressPolicy::EgressPolicy() {
  auto builtin = [&](IpAddress base, int prefix, std::string name) {
    ranges_.push_back({base, prefix, false, true, std::move(name)});
  };
  builtin(V4(127, 0, 0, 0), 8, "loopback");
  builtin(V6(0, 0, 1), 128, "loopback");
  builtin(V4(169, 254, 0, 0), 16, "link-local");
  builtin(V6(0xfe, 0x80, 0), 10, "link-local");
  builtin(V4(0, 0, 0, 0), 8, "unspecified");
  builtin(V6(0, 0, 0), 128, "unspecified");
}

Status EgressPolicy::Add(const std::string& entry, bool allow) {
  const std::string flag = allow ? "--allow-egress" : "--deny-egress";
  const std::size_t slash = entry.find('/');
  if (slash != std::string::npos && entry.find("://") == std::string::npos) {
    auto base = ParseIpAddress(std::string_view(entry).substr(0, slash));
    const std::string bits = entry.substr(slash + 1);
    int prefix = -1;
    if (!bits.empty() && bits.size() <= 3 && std::all_of(bits.begin(), bits.end(), ::isdigit)) prefix = std::stoi(bits);
    if (!base || prefix < 0) return Status::Usage(flag + ": \"" + entry + "\" is not a CIDR such as 10.0.0.0/8");
    // A mapped IPv6 CIDR (::ffff:a.b.c.d/N) was unmapped with its address.
    const bool was_mapped = !base->v6 && entry.find(':') != std::string::npos;
    if (was_mapped) prefix -= 96;
    if (prefix < 0 || prefix > Bits(*base))
      return Status::Usage(flag + ": \"" + entry + "\" has a prefix length out of range");
    ranges_.push_back({Masked(*base, prefix), prefix, allow, false, entry});
    return Status::Ok();
  }
  if (auto ip = ParseIpAddress(entry)) {
    ranges_.push_back({*ip, Bits(*ip), allow, false, entry});
    return Status::Ok();
  }
  std::string name = Lower(entry);
  const bool wildcard = name.rfind("*.", 0) == 0;
  if (wildcard) name.erase(0, 2);
  if (!ValidName(name))
    return Status::Usage(flag + ": \"" + entry + "\" is not a host name, an IP address or a CIDR");
  names_.push_back({name, wildcard, allow});
  return Status::Ok();
}

Result<EgressPolicy> EgressPolicy::Make(const std::vector<std::string>& allow, const std::vector<std::string>& deny,
                                        const std::string& kubernetes_service_host) {
  EgressPolicy p;
  if (!kubernetes_service_host.empty()) {
    if (auto api = ParseIpAddress(kubernetes_service_host)) {
      p.api_ = *api;
      p.ranges_.push_back({*api, Bits(*api), false, true, "the Kubernetes API service"});
    } else {
      p.api_name_ = Lower(kubernetes_service_host);
    }
  }
  for (const std::string& e : allow)
    if (Status s = p.Add(e, true); !s.ok()) return s;
  for (const std::string& e : deny)
    if (Status s = p.Add(e, false); !s.ok()) return s;
  return p;
}

const EgressPolicy::RangeRule* EgressPolicy::BestRange(const IpAddress& address) const {
  const RangeRule* best = nullptr;
  auto rank = [](const RangeRule& r) { return std::make_tuple(r.prefix, !r.builtin, !r.allow); };
  for (const RangeRule& r : ranges_)
    if (InRange(address, r.base, r.prefix) && (best == nullptr || rank(r) > rank(*best))) best = &r;
  return best;
}

// Why `a` is denied, as a predicate ("is link-local (allow it with ...)"), or "" when it is allowed.
std::string EgressPolicy::Denial(const IpAddress& a) const {
  const RangeRule* rule = BestRange(a);
  if (rule == nullptr || rule->allow) return "";
  const AddressClass c = ClassifyAddress(a, api_);
  if (!rule->builtin) return "is " + std::string(AddressClassName(c)) + " and denied by --deny-egress " + rule->text;
  const std::string hint = AllowHint(FormatIpAddress(a));
  if (c == AddressClass::kKubernetesApi)
    return "is the Kubernetes API service (KUBERNETES_SERVICE_HOST; allow exactly this address with --allow-egress " +
           FormatIpAddress(a) + ")";
  return "is " + std::string(AddressClassName(c)) + hint;
}

EgressVerdict EgressPolicy::CheckAddress(const IpAddress& raw) const {
  const IpAddress a = Unmap(raw);
  const std::string why = Denial(a);
  if (why.empty()) return {};
  return {false, FormatIpAddress(a) + " " + why};
}

std::optional<EgressVerdict> EgressPolicy::CheckName(std::string_view host) const {
  const std::string h = Lower(host);
  const NameRule* best = nullptr;
  auto rank = [](const NameRule& r) { return std::make_tuple(!r.wildcard, r.name.size(), !r.allow); };
  for (const NameRule& r : names_) {
    const bool match = r.wildcard ? EndsWith(h, "." + r.name) : h == r.name;
    if (match && (best == nullptr || rank(r) > rank(*best))) best = &r;
  }
  const bool api = IsKubernetesApiName(h) || (!api_name_.empty() && h == api_name_);
  if (api && !(best != nullptr && best->allow && !best->wildcard)) {
    if (best != nullptr && !best->allow) return EgressVerdict{false, h + " is denied by --deny-egress " + best->name};
    return EgressVerdict{false, h + " names the Kubernetes API service" + AllowHint(h)};
  }
  if (best == nullptr) return std::nullopt;
  if (best->allow) return EgressVerdict{};
  return EgressVerdict{false, h + " is denied by --deny-egress " + (best->wildcard ? "*." : "") + best->name};
}

EgressVerdict EgressPolicy::Check(std::string_view host, const std::vector<IpAddress>& resolved) const {
  const bool literal = ParseIpAddress(host).has_value();
  if (!literal)
    if (auto by_name = CheckName(host)) return *by_name;
  if (resolved.empty()) return {false, std::string(host) + " resolved to no address"};
  for (const IpAddress& raw : resolved) {
    const IpAddress a = Unmap(raw);
    const std::string why = Denial(a);
    if (why.empty()) continue;
    if (literal) return {false, FormatIpAddress(a) + " " + why};
    return {false, Lower(host) + " resolves to " + FormatIpAddress(a) + ", which " + why};
  }
  return {};
}

}  // namespace gitcanary::policies
