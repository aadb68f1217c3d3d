// PrometheusClient: the MetricsProvider that asks a real Prometheus server.
//
// Each Query() is one GET {address}/api/v1/query?query=... (http or https;
// the address may carry a path prefix such as http://host:9090/prometheus),
// with a bearer token or basic auth when configured, bounded by timeout_ms for
// connecting and for reading. The body goes through ParsePrometheusReply, so
// no data, NaN, or several series are errors. Errors name the address and the
// reason, never the credentials. PrometheusConfigFrom builds a config from
// command-line style settings, reading the bearer token from a file or an
// environment variable.
//
// A config with an `egress` guard (a MetricTemplate's or spec.metricsServer's
// address, both from the repository) passes it before each query: a refused
// host is never contacted ("Prometheus at URL: egress denied: ..."), and the
// query connects only to the checked addresses, keeping the host name for the
// Host header and TLS. The operator's own --prometheus has no guard.
// Redirects are never followed.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "plugin/clients/egress_guard.h"

#include "core/metrics_provider.h"
#include "core/status.h"

namespace httplib {
enum class Error;  // cpp-httplib's, declared here to keep its header out of ours
}  // namespace httplib

namespace gitcanary::plugin {

struct PrometheusConfig {
  std::string address;       // http[s]://host[:port][/path-prefix]
  std::string bearer_token;  // sent as "Authorization: Bearer ..." when set
  std::string username, password;  // basic auth when username is set
  long long timeout_ms = 10000;    // connection timeout and read timeout
  std::map<std::string, std::string> headers;  // sent with every query (MetricTemplate provider.headers)
  bool insecure_skip_verify = false;           // https without certificate verification
  std::shared_ptr<const EgressGuard> egress;    // checked before each query; nullptr: not checked
};

class PrometheusClient : public MetricsProvider {
 public:
  explicit PrometheusClient(PrometheusConfig config) : config_(std::move(config)) {}
  Result<double> Query(const std::string& promql) override;

 private:
  PrometheusConfig config_;
};

// Whether the Prometheus of `config` answers a trivial query (vector(1))
// within `timeout_ms`: "" when it does, else the error ("Prometheus at URL: ...").
std::string ProbePrometheus(PrometheusConfig config, long long timeout_ms);

// Checks `address` and reads the bearer token from `token_file` or from the
// environment variable `token_env` when one of them is non-empty (not both).
// Trailing whitespace (the file's newline) is trimmed; an empty token is an
// error. Messages name the file or variable, never the token.
Result<PrometheusConfig> PrometheusConfigFrom(const std::string& address,
                                              const std::string& token_file = "",
                                              const std::string& token_env = "");

// Why an HTTP request got no reply, for messages: "connection timed out after 5000 ms", ...
std::string HttpTransportReason(httplib::Error error, long long timeout_ms);

// Percent-encodes `s` for a URL query value (RFC 3986 unreserved kept).
std::string UrlEncode(const std::string& s);

}  // namespace gitcanary::plugin
