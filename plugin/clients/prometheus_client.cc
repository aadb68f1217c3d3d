#include "plugin/clients/prometheus_client.h"

#include <httplib.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "plugin/clients/connect_reason.h"
#include "policies/metric_query.h"

namespace gitcanary::plugin {
namespace {

// An address split into what httplib::Client takes and the path prefix.
struct Endpoint {
  std::string origin;  // scheme://host[:port]
  std::string host;    // as httplib keys it: IPv6 without brackets
  std::string prefix;  // "" or "/path" without a trailing slash
};

Result<Endpoint> ParseAddress(const std::string& address) {
  std::size_t scheme_end = address.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : address.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::Usage("Prometheus address \"" + address +
                         "\" must start with http:// or https://");
  }
  std::size_t host_start = scheme_end + 3;
  std::size_t path_start = address.find('/', host_start);
  std::string authority = address.substr(host_start, path_start - host_start);
  if (authority.find('@') != std::string::npos) {
    // Never echo the address here: it carries credentials.
    return Status::Usage(
        "Prometheus address must not carry credentials; use a bearer token file or variable");
  }
  if (authority.empty() || address.find_first_of("?#") != std::string::npos) {
    return Status::Usage("Prometheus address \"" + address +
                         "\" must be http[s]://host[:port][/path] with no query");
  }
  Endpoint e{scheme + "://" + authority, HostOfAuthority(authority), ""};
  if (path_start != std::string::npos) e.prefix = address.substr(path_start);
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
  return e;
}

}  // namespace

std::string HttpTransportReason(httplib::Error error, long long timeout_ms) {
  std::string limit = std::to_string(timeout_ms) + " ms";
  switch (error) {
    case httplib::Error::Connection: return "connection failed (refused or unreachable)";
    case httplib::Error::ConnectionTimeout: return "connection timed out after " + limit;
    case httplib::Error::Read: return "no complete reply within " + limit;
    case httplib::Error::Write: return "sending the request failed";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "loading the CA certificates failed";
    case httplib::Error::SSLServerVerification: return "TLS certificate verification failed";
    default: return "request failed (" + httplib::to_string(error) + ")";
  }
}

namespace {

std::string TrimRight(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) {
    s.pop_back();
  }
  return s;
}

// A short, one-line account of a non-200 reply.
std::string HttpErrorDetail(const std::string& body) {
  Result<double> parsed = ParsePrometheusReply(body);
  constexpr std::string_view kFailed = "Prometheus query failed: ";
  if (!parsed.ok() && parsed.status().message().rfind(kFailed, 0) == 0) {
    return parsed.status().message().substr(kFailed.size());
  }
  std::string detail = body.substr(0, 200);
  for (char& c : detail) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return TrimRight(detail);
}

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Io("cannot read Prometheus bearer token file " + path + ": " +
                      std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = TrimRight(ss.str());
  if (token.empty()) return Status::Invalid("Prometheus bearer token file " + path + " is empty");
  return token;
}

}  // namespace

std::string UrlEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

namespace {

// One GET of `path`, connected to `address` when it is given.
httplib::Result GetFrom(const PrometheusConfig& config, const Endpoint& endpoint, const std::string& address,
                        const std::string& path) {
  httplib::Client client(endpoint.origin);
  const time_t sec = static_cast<time_t>(config.timeout_ms / 1000);
  const time_t usec = static_cast<time_t>((config.timeout_ms % 1000) * 1000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_follow_location(false);
  if (!address.empty()) client.set_hostname_addr_map({{endpoint.host, address}});
  if (!config.bearer_token.empty()) client.set_bearer_token_auth(config.bearer_token);
  if (!config.username.empty()) client.set_basic_auth(config.username, config.password);
  if (config.insecure_skip_verify) client.enable_server_certificate_verification(false);
  httplib::Headers headers(config.headers.begin(), config.headers.end());
  return client.Get(path, headers);
}

}  // namespace

Result<double> PrometheusClient::Query(const std::string& promql) {
  Result<Endpoint> endpoint = ParseAddress(config_.address);
  if (!endpoint.ok()) return endpoint.status();
  std::vector<std::string> addresses = {""};  // "": the client resolves the operator's own address
  if (config_.egress) {
    auto admitted = config_.egress->Admit(endpoint->host);
    if (!admitted.ok()) {
      const std::string message = "Prometheus at " + config_.address + ": " + admitted.status().message();
      return admitted.status().code() == Code::kInvalidInput ? Status::Invalid(message) : Status::Io(message);
    }
    addresses = std::move(*admitted);
  }
  const std::string path = endpoint->prefix + "/api/v1/query?query=" + UrlEncode(promql);
  httplib::Result reply = GetFrom(config_, *endpoint, addresses[0], path);
  // The next checked address only when connecting to the previous one failed.
  for (std::size_t i = 1; i < addresses.size() && !reply && reply.error() == httplib::Error::Connection; ++i)
    reply = GetFrom(config_, *endpoint, addresses[i], path);
  if (!reply) {
    std::string reason = HttpTransportReason(reply.error(), config_.timeout_ms);
    if (reply.error() == httplib::Error::Connection) {
      std::string why = OriginConnectFailure(endpoint->origin, config_.timeout_ms, addresses.back());
      if (!why.empty()) reason = why;
    }
    return Status::Io("Prometheus at " + config_.address + ": " + reason);
  }
  if (reply->status != 200) {
    return Status::Io("Prometheus at " + config_.address + " answered HTTP " +
                      std::to_string(reply->status) + ": " + HttpErrorDetail(reply->body));
  }
  return ParsePrometheusReply(reply->body);
}

std::string ProbePrometheus(PrometheusConfig config, long long timeout_ms) {
  config.timeout_ms = timeout_ms;
  PrometheusClient client(std::move(config));
  Result<double> one = client.Query("vector(1)");
  return one.ok() ? "" : one.status().message();
}

Result<PrometheusConfig> PrometheusConfigFrom(const std::string& address,
                                              const std::string& token_file,
                                              const std::string& token_env) {
  Result<Endpoint> endpoint = ParseAddress(address);
  if (!endpoint.ok()) return endpoint.status();
  PrometheusConfig config;
  config.address = address;
  if (!token_file.empty() && !token_env.empty()) {
    return Status::Usage("give the Prometheus bearer token as a file or an environment variable, not both");
  }
  if (!token_file.empty()) {
    Result<std::string> token = ReadTokenFile(token_file);
    if (!token.ok()) return token.status();
    config.bearer_token = std::move(token).value();
  }
  if (!token_env.empty()) {
    const char* value = std::getenv(token_env.c_str());
    std::string token = TrimRight(value == nullptr ? "" : value);
    if (token.empty()) {
      return Status::Usage("environment variable " + token_env +
                           " (Prometheus bearer token) is not set or empty");
    }
    config.bearer_token = std::move(token);
  }
  return config;
}

}  // namespace gitcanary::plugin
