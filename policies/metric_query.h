// Metric queries: the PromQL text of an analysis metric, and the number in a
// Prometheus reply.
//
// Pure functions, no I/O. BuiltinQuery gives Flagger's query for the built-in
// Istio metrics (request-success-rate, request-duration), RenderQueryTemplate
// fills a MetricTemplate's `{{ name }}`-style variables, and
// ParsePrometheusReply turns the JSON body of /api/v1/query into exactly one
// finite number or an error that says why not (no data, NaN, several series).
// The executor in plugin/ sends the text through a MetricsProvider.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitcanary {

// The values a query template may use, as Flagger's MetricTemplateModel:
// `{{ name }}` (canary name), `{{ namespace }}`, `{{ target }}` (targetRef
// name), `{{ service }}`, `{{ interval }}` (metric interval, e.g. "1m") and
// `{{ variables.KEY }}` (the metric's templateVariables).
struct QueryVars {
  std::string name, ns, target, service, interval;
  std::map<std::string, std::string> variables;
};

// Flagger's PromQL for a built-in Istio metric, rendered with `vars`. The text
// is Flagger's with each run of whitespace collapsed to one space, which is
// what Flagger sends to Prometheus. Unknown metric names are an Invalid error.
Result<std::string> BuiltinQuery(std::string_view metric, const QueryVars& vars);

// Substitutes every `{{ variable }}` (spaces inside the braces optional) in
// `query`. An unknown variable, one with no value, or an unclosed `{{` is an
// Invalid error naming it; nothing is ever replaced by an empty string.
Result<std::string> RenderQueryTemplate(std::string_view query, const QueryVars& vars);

// Parses the JSON reply of Prometheus' /api/v1/query. Success needs status
// "success" and either a vector with exactly one sample or a scalar, whose
// value is finite.
Result<double> ParsePrometheusReply(std::string_view body);

}  // namespace gitcanary
