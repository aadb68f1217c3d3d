// Metric queries: the PromQL text of an analysis metric, and the number in a
// Prometheus reply.
//
// Pure functions, no I/O. BuiltinQuery gives Flagger's query for a built-in
// metric (request-success-rate, request-duration) of a provider's observer
// (Istio, Linkerd, NGINX, or the application's own HTTP metrics for Gateway
// API and kubernetes), BuiltinValue converts its answer as Flagger does
// before comparing it with the thresholds, RenderQueryTemplate fills a
// MetricTemplate's `{{ name }}`-style variables, and ParsePrometheusReply
// turns the JSON body of /api/v1/query into exactly one finite number or an
// error that says why not (no data, NaN, several series). The executor in
// plugin/ sends the text through a MetricsProvider.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitcanary {

// The values a query template may use, as Flagger's MetricTemplateModel:
// `{{ name }}` (canary name), `{{ namespace }}`, `{{ target }}` (targetRef
// name), `{{ service }}`, `{{ interval }}` (metric interval, e.g. "1m"),
// `{{ variables.KEY }}` (the metric's templateVariables), `{{ ingress }}`
// (spec.ingressRef.name) and `{{ route }}` (spec.routeRef.name). An empty
// ingress or route stands for the target's name, Flagger's default for both.
struct QueryVars {
  std::string name, ns, target, service, interval;
  std::map<std::string, std::string> variables;
  std::string ingress, route;
};

// The provider whose built-in queries a canary uses, as Flagger picks its
// metrics provider: the canary's traffic provider (spec.provider, else the
// default), except that a linkerd default provider (gitcanary.yaml's
// defaults.provider, Flagger's -mesh-provider) makes it linkerd whatever the
// canary says. "" stands for istio in both arguments.
std::string MetricsProviderFor(std::string_view provider, std::string_view default_provider);

// Flagger's PromQL for the built-in `metric` of `provider` (a name as
// MetricsProviderFor returns it), rendered with `vars`: istio ("" too),
// linkerd, nginx, and the application's HTTP metrics for kubernetes and every
// gatewayapi version. The text is Flagger's with each run of whitespace
// collapsed to one space, which is what Flagger sends to Prometheus. Unknown
// metric names and providers without built-in queries are Invalid errors.
Result<std::string> BuiltinQuery(std::string_view provider, std::string_view metric, const QueryVars& vars);

// The value Flagger compares with a built-in metric's thresholds, from the
// number its query returned: request-duration in whole milliseconds
// (truncated; the HTTP observer's seconds times 1000 first), the success rate
// (a percentage) unchanged.
double BuiltinValue(std::string_view provider, std::string_view metric, double value);

// Substitutes every `{{ variable }}` (spaces inside the braces optional) in
// `query`. An unknown variable, one with no value, or an unclosed `{{` is an
// Invalid error naming it; nothing is ever replaced by an empty string.
Result<std::string> RenderQueryTemplate(std::string_view query, const QueryVars& vars);

// Parses the JSON reply of Prometheus' /api/v1/query. Success needs status
// "success" and either a vector with exactly one sample or a scalar, whose
// value is finite.
Result<double> ParsePrometheusReply(std::string_view body);

}  // namespace gitcanary
