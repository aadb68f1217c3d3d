#include "plugin/clients/readiness.h"

#include <httplib.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "plugin/clients/prometheus_client.h"

namespace gitcanary::plugin {
namespace {

using json = nlohmann::json;
using policies::Readiness;

Readiness NotReady(std::string reason) { return Readiness{false, std::move(reason)}; }

// --- Deployment JSON --------------------------------------------------------

// The integer at `path` under `j`, or nullopt when a step is missing or not
// of the expected type.
std::optional<long long> IntAt(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return std::nullopt;
    auto it = at->find(key);
    if (it == at->end()) return std::nullopt;
    at = &*it;
  }
  if (!at->is_number_integer()) return std::nullopt;
  return at->get<long long>();
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The status.conditions entry of `type`, or nullptr.
const json* Condition(const json& deployment, const std::string& type) {
  auto status = deployment.find("status");
  if (status == deployment.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const json& c : *conditions) {
    if (c.is_object() && StringField(c, "type") == type) return &c;
  }
  return nullptr;
}

// --- HTTP -------------------------------------------------------------------

struct Endpoint {
  bool https = false;
  std::string host;    // without IPv6 brackets
  int port = 0;
  std::string prefix;  // "" or "/path" without a trailing slash
};

Result<Endpoint> ParseApiServer(const std::string& url) {
  Endpoint e;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    e.https = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return Status::Usage("Kubernetes API server \"" + url + "\" must start with http:// or https://");
  }
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (authority.find('@') != std::string::npos) {
    return Status::Usage("Kubernetes API server address must not carry credentials");
  }
  const auto bad = [&] {
    return Status::Usage("Kubernetes API server \"" + url + "\" must be http[s]://host[:port][/path]");
  };
  if (slash != std::string::npos) e.prefix = rest.substr(slash);
  while (!e.prefix.empty() && e.prefix.back() == '/') e.prefix.pop_back();
  if (url.find_first_of("?# ") != std::string::npos) return bad();
  std::string port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) return bad();
    e.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad();
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.find(':');
    e.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (e.host.empty()) return bad();
  e.port = e.https ? 443 : 80;
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return bad();
    e.port = std::stoi(port);
    if (e.port < 1 || e.port > 65535) return bad();
  }
  return e;
}


// The `message` of a Kubernetes Status body, else the body's start on one line.
std::string ApiMessage(const std::string& body) {
  json status = json::parse(body, nullptr, false);
  if (status.is_object()) {
    std::string message = StringField(status, "message");
    if (!message.empty()) return message;
  }
  std::string text = body.substr(0, 200);
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io("cannot read the token file " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())) != 0) token.pop_back();
  if (token.empty()) return Status::Invalid("the token file " + path + " is empty");
  return token;
}

std::unique_ptr<httplib::ClientImpl> MakeClient(const Endpoint& e, const ReadinessConfig& config) {
  std::unique_ptr<httplib::ClientImpl> client;
  if (e.https) {
    auto tls = std::make_unique<httplib::SSLClient>(e.host, e.port);
    if (!config.ca_file.empty()) tls->set_ca_cert_path(config.ca_file);
    tls->enable_server_certificate_verification(true);
    client = std::move(tls);
  } else {
    client = std::make_unique<httplib::ClientImpl>(e.host, e.port);
  }
  const time_t sec = static_cast<time_t>(config.timeout_ms / 1000);
  const time_t usec = static_cast<time_t>((config.timeout_ms % 1000) * 1000);
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
  return client;
}

// Readiness from a non-200 answer of the API server.
Readiness FromHttpError(const httplib::Response& res, const std::string& ns, const std::string& name,
                        const std::string& server, const ReadinessConfig& config) {
  const std::string who = "deployment " + ns + "/" + name;
  const std::string said = ApiMessage(res.body);
  switch (res.status) {
    case 404: return NotReady(who + " not found");
    case 401:
      return NotReady(who + ": the API server refused the token (HTTP 401): the token in " +
                      (config.token_file.empty() ? std::string("(no token file)") : config.token_file) +
                      " is not valid or has expired");
    case 403:
      return NotReady(who + ": the API server refused the token (HTTP 403): gitcanary needs get on "
                      "deployments in namespace " + ns + (said.empty() ? "" : " (" + said + ")"));
    default:
      return NotReady(who + ": Kubernetes API server at " + server + " answered HTTP " +
                      std::to_string(res.status) + (said.empty() ? "" : ": " + said));
  }
}

std::string FormatValue(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", value);
  return buf;
}

}  // namespace

Result<ReadinessMode> ParseReadinessMode(std::string_view text) {
  if (text == "prometheus") return ReadinessMode::kPrometheus;
  if (text == "kubernetes") return ReadinessMode::kKubernetes;
  if (text == "none") return ReadinessMode::kNone;
  return Status::Usage("readiness mode \"" + std::string(text) +
                       "\" must be prometheus, kubernetes or none");
}

bool IsDns1123Name(std::string_view name, bool label_only) {
  if (name.empty() || name.size() > (label_only ? 63u : 253u)) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    if (dot == name.size()) return true;
    if (label_only) return false;
    start = dot + 1;
  }
  return false;
}

Result<std::string> RenderReadinessQuery(std::string_view query, std::string_view ns,
                                         std::string_view deployment) {
  const auto escaped = [](std::string_view value) {
    std::string out;
    for (char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      out += c;
    }
    return out;
  };
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = query.find("{{", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = query.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Status::Invalid("readiness query: unclosed {{ at offset " + std::to_string(open));
    }
    std::string_view name = query.substr(open + 2, close - open - 2);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    out.append(query.substr(pos, open - pos));
    if (name == "namespace") {
      out += escaped(ns);
    } else if (name == "deployment") {
      out += escaped(deployment);
    } else {
      return Status::Invalid("readiness query: unknown variable {{ " + std::string(name) +
                             " }} (known: namespace, deployment)");
    }
    pos = close + 2;
  }
  out.append(query.substr(pos));
  return out;
}

Readiness DeploymentReadiness(std::string_view body, const std::string& ns, const std::string& name,
                              int ready_threshold) {
  const std::string who = "deployment " + ns + "/" + name;
  const json d = json::parse(body, nullptr, false);
  if (!d.is_object() || StringField(d, "kind") != "Deployment") {
    return NotReady(who + ": the API server's reply is not a Deployment");
  }
  const long long generation = IntAt(d, {"metadata", "generation"}).value_or(0);
  const long long observed = IntAt(d, {"status", "observedGeneration"}).value_or(0);
  if (observed < generation) {
    return NotReady(who + ": waiting for rollout to finish: generation " + std::to_string(generation) +
                    " not yet observed (observed " + std::to_string(observed) + ")");
  }
  const json* progressing = Condition(d, "Progressing");
  if (progressing != nullptr && StringField(*progressing, "reason") == "ProgressDeadlineExceeded") {
    const std::string message = StringField(*progressing, "message");
    return NotReady(who + " exceeded its progress deadline" + (message.empty() ? "" : ": " + message));
  }
  const long long desired = IntAt(d, {"spec", "replicas"}).value_or(1);
  const long long replicas = IntAt(d, {"status", "replicas"}).value_or(0);
  const long long updated = IntAt(d, {"status", "updatedReplicas"}).value_or(0);
  const long long available = IntAt(d, {"status", "availableReplicas"}).value_or(0);
  if (updated < desired) {
    return NotReady(who + ": waiting for rollout to finish: " + std::to_string(updated) + " out of " +
                    std::to_string(desired) + " new replicas have been updated");
  }
  if (replicas > updated) {
    return NotReady(who + ": waiting for rollout to finish: " + std::to_string(replicas - updated) +
                    " old replicas are pending termination");
  }
  // Flagger computes the share in single precision and truncates it.
  const long long needed = ready_threshold >= 100
                               ? updated
                               : static_cast<long long>(static_cast<float>(updated) *
                                                        (static_cast<float>(ready_threshold) / 100.0f));
  if (available < needed) {
    return NotReady(who + ": waiting for rollout to finish: " + std::to_string(available) + " of " +
                    std::to_string(needed) +
                    (ready_threshold >= 100 ? "" : " (readyThreshold " + std::to_string(ready_threshold) + "%)") +
                    " updated replicas are available");
  }
  if (desired == 0) return NotReady(who + " is scaled to zero");
  return Readiness{true, ""};
}

std::string ApiServerFromEnvironment() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0') return "";
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return "https://" + h + ":" + (port == nullptr || *port == '\0' ? std::string("443") : port);
}

Status ValidateReadinessConfig(const ReadinessConfig& config) {
  if (config.timeout_ms <= 0) return Status::Usage("readiness timeout must be positive");
  switch (config.mode) {
    case ReadinessMode::kNone: return Status::Ok();
    case ReadinessMode::kPrometheus: {
      if (config.prometheus_url.empty()) {
        return Status::Usage("readiness mode prometheus needs a Prometheus URL");
      }
      Result<PrometheusConfig> prometheus = PrometheusConfigFrom(config.prometheus_url);
      if (!prometheus.ok()) return prometheus.status();
      Result<std::string> query = RenderReadinessQuery(config.query, "ns", "deployment");
      if (!query.ok()) return query.status();
      if (query->empty()) return Status::Usage("readiness query is empty");
      return Status::Ok();
    }
    case ReadinessMode::kKubernetes: {
      const std::string server = config.api_server.empty() ? ApiServerFromEnvironment() : config.api_server;
      if (server.empty()) {
        return Status::Usage("readiness mode kubernetes needs an API server: give one, or run in a pod "
                             "(KUBERNETES_SERVICE_HOST is not set)");
      }
      Result<Endpoint> endpoint = ParseApiServer(server);
      return endpoint.ok() ? Status::Ok() : endpoint.status();
    }
  }
  return Status::Internal("unknown readiness mode");
}

ReadinessChecker::ReadinessChecker(ReadinessConfig config) : config_(std::move(config)) {}

Readiness ReadinessChecker::Check(const std::string& ns, const std::string& deployment, int ready_threshold) {
  if (config_.mode == ReadinessMode::kNone) return Readiness{true, ""};
  if (!IsDns1123Name(ns, true) || !IsDns1123Name(deployment, false)) {
    return NotReady("deployment \"" + ns + "/" + deployment + "\": not a valid namespace and name");
  }
  if (config_.mode == ReadinessMode::kKubernetes) return CheckKubernetes(ns, deployment, ready_threshold);
  return CheckPrometheus(ns, deployment, ready_threshold);
}

Readiness ReadinessChecker::CheckPrometheus(const std::string& ns, const std::string& deployment,
                                            int ready_threshold) const {
  const std::string who = "deployment " + ns + "/" + deployment;
  if (config_.prometheus_url.empty()) return NotReady(who + ": no Prometheus URL for readiness");
  Result<std::string> query = RenderReadinessQuery(config_.query, ns, deployment);
  if (!query.ok()) return NotReady(who + ": " + query.status().message());
  PrometheusConfig prometheus;
  prometheus.address = config_.prometheus_url;
  prometheus.timeout_ms = config_.timeout_ms;
  PrometheusClient client(std::move(prometheus));
  Result<double> value = client.Query(*query);
  if (!value.ok()) {
    const std::string& message = value.status().message();
    // ParsePrometheusReply's "query returned ..." becomes "readiness query returned ...".
    std::string reason = who + ": " + (message.rfind("query ", 0) == 0 ? "readiness " : "") + message;
    if (message == "query returned no data") {
      reason += " (is kube-state-metrics scraped, and does the Deployment exist?)";
    }
    return NotReady(std::move(reason));
  }
  const double ready_at = ready_threshold >= 100 ? 1.0 : ready_threshold / 100.0;
  if (*value >= ready_at) return Readiness{true, ""};
  return NotReady(who + " not ready: readiness query returned " + FormatValue(*value) +
                  (ready_threshold >= 100 ? std::string(" (ready at 1: every desired replica updated and available)")
                                          : " (ready at " + FormatValue(ready_at) + ": readyThreshold " +
                                                std::to_string(ready_threshold) + "%)"));
}

Readiness ReadinessChecker::CheckKubernetes(const std::string& ns, const std::string& deployment,
                                            int ready_threshold) const {
  const std::string who = "deployment " + ns + "/" + deployment;
  const std::string server = config_.api_server.empty() ? ApiServerFromEnvironment() : config_.api_server;
  if (server.empty()) return NotReady(who + ": no Kubernetes API server (KUBERNETES_SERVICE_HOST is not set)");
  Result<Endpoint> endpoint = ParseApiServer(server);
  if (!endpoint.ok()) return NotReady(who + ": " + endpoint.status().message());
  httplib::Headers headers{{"Accept", "application/json"}};
  if (!config_.token_file.empty()) {
    Result<std::string> token = ReadToken(config_.token_file);  // every time: tokens rotate
    if (!token.ok()) return NotReady(who + ": " + token.status().message());
    headers.emplace("Authorization", "Bearer " + *token);
  }
  if (endpoint->https && !config_.ca_file.empty() && access(config_.ca_file.c_str(), R_OK) != 0) {
    return NotReady(who + ": cannot read the CA file " + config_.ca_file + ": " + std::strerror(errno));
  }
  std::unique_ptr<httplib::ClientImpl> client = MakeClient(*endpoint, config_);
  const std::string path =
      endpoint->prefix + "/apis/apps/v1/namespaces/" + ns + "/deployments/" + deployment;
  httplib::Result reply = client->Get(path, headers);
  if (!reply) {
    return NotReady(who + ": Kubernetes API server at " + server + ": " +
                    HttpTransportReason(reply.error(), config_.timeout_ms));
  }
  if (reply->status != 200) return FromHttpError(*reply, ns, deployment, server, config_);
  return DeploymentReadiness(reply->body, ns, deployment, ready_threshold);
}

}  // namespace gitcanary::plugin
