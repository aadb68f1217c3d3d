#include "policies/metric_query.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace gitcanary {
namespace {

// Flagger's Istio queries (pkg/metrics/observers/istio.go) after its
// trimQuery, which collapses each run of whitespace to a single space.
constexpr std::string_view kRequestSuccessRate =
    "sum( rate( istio_requests_total{ reporter=\"destination\", "
    "destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\", response_code!~\"5.*\" }[{{ interval }}] ) ) "
    "/ sum( rate( istio_requests_total{ reporter=\"destination\", "
    "destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\" }[{{ interval }}] ) ) * 100";

constexpr std::string_view kRequestDuration =
    "histogram_quantile( 0.99, sum( rate( istio_request_duration_milliseconds_bucket{ "
    "reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", "
    "destination_workload=~\"{{ target }}\" }[{{ interval }}] ) ) by (le) )";

std::string_view TrimBlanks(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string KnownVariables(const QueryVars& vars) {
  std::string out = "name, namespace, target, service, interval";
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

Result<std::string> BuiltinQuery(std::string_view metric, const QueryVars& vars) {
  if (metric == "request-success-rate") return RenderQueryTemplate(kRequestSuccessRate, vars);
  if (metric == "request-duration") return RenderQueryTemplate(kRequestDuration, vars);
  return Status::Invalid("unknown built-in metric \"" + std::string(metric) +
                         "\"; use request-success-rate, request-duration or a templateRef");
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
