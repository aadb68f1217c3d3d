#include "policies/metric_query.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace gitcanary {
namespace {

// Flagger's built-in queries per observer (pkg/metrics/observers/{istio,
// linkerd,nginx,http}.go) after its trimQuery, which collapses each run of
// whitespace to a single space.
constexpr std::string_view kIstioSuccessRate =
    "sum( rate( istio_requests_total{ reporter=\"destination\", "
    "destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\", response_code!~\"5.*\" }[{{ interval }}] ) ) "
    "/ sum( rate( istio_requests_total{ reporter=\"destination\", "
    "destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\" }[{{ interval }}] ) ) * 100";

constexpr std::string_view kIstioDuration =
    "histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ "
    "reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\" }[{{ interval }}] ) ) by (le) )";

constexpr std::string_view kLinkerdSuccessRate =
    "sum( rate( response_total{ namespace=\"{{ namespace }}\", deployment=~\"{{ target }}\", "
    "classification!=\"failure\", direction=\"inbound\" }[{{ interval }}] ) ) "
    "/ sum( rate( response_total{ namespace=\"{{ namespace }}\", deployment=~\"{{ target }}\", "
    "direction=\"inbound\" }[{{ interval }}] ) ) * 100";

constexpr std::string_view kLinkerdDuration =
    "histogram_quantile( 0.99, sum( rate( response_latency_ms_bucket{ namespace=\"{{ namespace }}\", "
    "deployment=~\"{{ target }}\", direction=\"inbound\" }[{{ interval }}] ) ) by (le) )";

// NGINX's duration is the average response time (sum / count) in ms, not a P99.
constexpr std::string_view kNginxSuccessRate =
    "sum( rate( nginx_ingress_controller_requests{ namespace=\"{{ namespace }}\", "
    "ingress=\"{{ ingress }}\", canary!=\"\", status!~\"5.*\" }[{{ interval }}] ) ) "
    "/ sum( rate( nginx_ingress_controller_requests{ namespace=\"{{ namespace }}\", "
    "ingress=\"{{ ingress }}\", canary!=\"\" }[{{ interval }}] ) ) * 100";

constexpr std::string_view kNginxDuration =
    "sum( rate( nginx_ingress_controller_response_duration_seconds_sum{ namespace=\"{{ namespace }}\", "
    "ingress=\"{{ ingress }}\", canary!=\"\" }[{{ interval }}] ) ) "
    "/ sum( rate( nginx_ingress_controller_response_duration_seconds_count{ namespace=\"{{ namespace }}\", "
    "ingress=\"{{ ingress }}\", canary!=\"\" }[{{ interval }}] ) ) * 1000";

// The application's own histogram, in seconds, of the canary's pods
// (`<target>-<replicaset>-<pod>`, which `<target>-primary-...` does not match).
constexpr std::string_view kHttpSuccessRate =
    "sum( rate( http_request_duration_seconds_count{ kubernetes_namespace=\"{{ namespace }}\", "
    "kubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\", status!~\"5.*\" }[{{ interval }}] ) ) "
    "/ sum( rate( http_request_duration_seconds_count{ kubernetes_namespace=\"{{ namespace }}\", "
    "kubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\" }[{{ interval }}] ) ) * 100";

constexpr std::string_view kHttpDuration =
    "histogram_quantile( 0.99, sum( rate( http_request_duration_seconds_bucket{ "
    "kubernetes_namespace=\"{{ namespace }}\", "
    "kubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\" }[{{ interval }}] ) ) by (le) )";

enum class Observer { kIstio, kLinkerd, kNginx, kHttp };

// Flagger's observer factory, for the providers gitcanary implements.
std::optional<Observer> ObserverOf(std::string_view provider) {
  if (provider.empty() || provider == "istio") return Observer::kIstio;
  if (provider == "linkerd") return Observer::kLinkerd;
  if (provider == "nginx") return Observer::kNginx;
  if (provider == "kubernetes" || provider.substr(0, 10) == "gatewayapi") return Observer::kHttp;
  return std::nullopt;
}

struct ObserverQueries {
  std::string_view success_rate, duration;
};

ObserverQueries QueriesOf(Observer o) {
  switch (o) {
    case Observer::kLinkerd: return {kLinkerdSuccessRate, kLinkerdDuration};
    case Observer::kNginx: return {kNginxSuccessRate, kNginxDuration};
    case Observer::kHttp: return {kHttpSuccessRate, kHttpDuration};
    case Observer::kIstio: break;
  }
  return {kIstioSuccessRate, kIstioDuration};
}

std::string_view TrimBlanks(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string KnownVariables(const QueryVars& vars) {
  std::string out = "name, namespace, target, service, ingress, route, interval";
  for (const auto& [key, value] : vars.variables) out += ", variables." + key;
  return out;
}

// The value of one template variable, or an error naming it.
Result<std::string> LookupVariable(std::string_view var, const QueryVars& vars) {
  const std::string* value = nullptr;
  if (var == "name") value = &vars.name;
  if (var == "namespace") value = &vars.ns;
  if (var == "target") value = &vars.target;
  if (var == "service") value = &vars.service;
  if (var == "interval") value = &vars.interval;
  if (var == "ingress") value = vars.ingress.empty() ? &vars.target : &vars.ingress;
  if (var == "route") value = vars.route.empty() ? &vars.target : &vars.route;
  constexpr std::string_view kPrefix = "variables.";
  if (var.substr(0, kPrefix.size()) == kPrefix) {
    auto it = vars.variables.find(std::string(var.substr(kPrefix.size())));
    if (it != vars.variables.end()) value = &it->second;
  }
  if (value == nullptr) {
    return Status::Invalid("unknown template variable \"{{ " + std::string(var) +
                           " }}\" in metric query; known: " + KnownVariables(vars));
  }
  if (value->empty()) {
    return Status::Invalid("template variable \"{{ " + std::string(var) +
                           " }}\" in metric query has no value");
  }
  return *value;
}

// A sample value as Prometheus writes it: a decimal string, "NaN", "+Inf", "-Inf".
Result<double> ParseSampleValue(const nlohmann::json& value) {
  if (!value.is_string()) {
    return Status::Invalid("malformed reply from Prometheus: sample value is not a string");
  }
  const std::string& text = value.get_ref<const std::string&>();
  if (text == "NaN") {
    return Status::Invalid("query returned NaN (no data in the interval?)");
  }
  if (text == "+Inf" || text == "-Inf" || text == "Inf") {
    return Status::Invalid("query returned " + text + ", not a finite number");
  }
  double out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(out)) {
    return Status::Invalid("malformed reply from Prometheus: sample value \"" + text +
                           "\" is not a number");
  }
  return out;
}

// `[ <unix time>, "<value>" ]`, the form of a scalar and of a vector sample's value.
Result<double> ParsePair(const nlohmann::json& pair) {
  if (!pair.is_array() || pair.size() != 2) {
    return Status::Invalid("malformed reply from Prometheus: value is not a [time, value] pair");
  }
  return ParseSampleValue(pair[1]);
}

Result<double> ParseVector(const nlohmann::json& result) {
  if (!result.is_array()) {
    return Status::Invalid("malformed reply from Prometheus: vector result is not a list");
  }
  if (result.empty()) return Status::Invalid("query returned no data");
  if (result.size() > 1) {
    return Status::Invalid("query returned " + std::to_string(result.size()) +
                           " series, expected one");
  }
  if (!result[0].is_object() || !result[0].contains("value")) {
    return Status::Invalid("malformed reply from Prometheus: sample has no value");
  }
  return ParsePair(result[0]["value"]);
}

std::string StringField(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<double> ParseReplyJson(const nlohmann::json& reply) {
  if (!reply.is_object()) {
    return Status::Invalid("malformed reply from Prometheus: not a JSON object");
  }
  std::string status = StringField(reply, "status");
  if (status != "success") {
    std::string type = StringField(reply, "errorType");
    std::string error = StringField(reply, "error");
    if (status.empty()) return Status::Invalid("malformed reply from Prometheus: no status");
    return Status::Invalid("Prometheus query failed: " + (type.empty() ? status : type) +
                           (error.empty() ? "" : ": " + error));
  }
  auto data = reply.find("data");
  if (data == reply.end() || !data->is_object()) {
    return Status::Invalid("malformed reply from Prometheus: no data object");
  }
  std::string type = StringField(*data, "resultType");
  auto result = data->find("result");
  if (result == data->end()) {
    return Status::Invalid("malformed reply from Prometheus: no result");
  }
  if (type == "vector") return ParseVector(*result);
  if (type == "scalar") return ParsePair(*result);
  return Status::Invalid("query returned a result of type \"" + type +
                         "\", expected an instant vector or a scalar");
}

}  // namespace

std::string MetricsProviderFor(std::string_view provider, std::string_view default_provider) {
  if (default_provider.find("linkerd") != std::string_view::npos) return "linkerd";
  if (provider.empty()) provider = default_provider;
  return std::string(provider.empty() ? std::string_view("istio") : provider);
}

Result<std::string> BuiltinQuery(std::string_view provider, std::string_view metric, const QueryVars& vars) {
  std::optional<Observer> observer = ObserverOf(provider);
  if (!observer) {
    return Status::Invalid("provider \"" + std::string(provider) +
                           "\" has no built-in metrics in gitcanary (istio, linkerd, nginx, kubernetes, "
                           "gatewayapi:v1, gatewayapi:v1beta1); use a templateRef");
  }
  const ObserverQueries queries = QueriesOf(*observer);
  if (metric == "request-success-rate") return RenderQueryTemplate(queries.success_rate, vars);
  if (metric == "request-duration") return RenderQueryTemplate(queries.duration, vars);
  return Status::Invalid("unknown built-in metric \"" + std::string(metric) +
                         "\"; use request-success-rate, request-duration or a templateRef");
}

double BuiltinValue(std::string_view provider, std::string_view metric, double value) {
  if (metric != "request-duration") return value;
  if (ObserverOf(provider) == Observer::kHttp) value *= 1000;  // seconds
  return std::trunc(value);
}

Result<std::string> RenderQueryTemplate(std::string_view query, const QueryVars& vars) {
  std::string out;
  out.reserve(query.size());
  std::size_t pos = 0;
  while (pos < query.size()) {
    std::size_t open = query.find("{{", pos);
    if (open == std::string_view::npos) break;
    std::size_t close = query.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Status::Invalid("unclosed \"{{\" in metric query at offset " + std::to_string(open));
    }
    Result<std::string> value = LookupVariable(TrimBlanks(query.substr(open + 2, close - open - 2)), vars);
    if (!value.ok()) return value.status();
    out.append(query.substr(pos, open - pos));
    out += *value;
    pos = close + 2;
  }
  out.append(query.substr(pos));
  return out;
}

Result<double> ParsePrometheusReply(std::string_view body) {
  nlohmann::json reply;
  try {
    reply = nlohmann::json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("malformed reply from Prometheus: ") + e.what());
  }
  return ParseReplyJson(reply);
}

}  // namespace gitcanary
