// Tests for BuiltinQuery, RenderQueryTemplate and ParsePrometheusReply.
#include "policies/metric_query.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace gitcanary {
namespace {

QueryVars PodinfoVars() {
  QueryVars v;
  v.name = "podinfo";
  v.ns = "test";
  v.target = "podinfo";
  v.service = "podinfo-svc";
  v.interval = "1m";
  v.variables = {{"ingress", "podinfo-ing"}, {"quantile", "0.95"}};
  return v;
}

// Flagger sends its queries with every run of whitespace replaced by one space.
std::string Collapse(const std::string& s) {
  std::string out;
  for (char c : s) {
    bool blank = c == ' ' || c == '\t' || c == '\n';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("BuiltinQuery request-success-rate is Flagger's Istio query") {
  // Flagger pkg/metrics/observers/istio.go, with namespace=test, target=podinfo, interval=1m.
  const std::string flagger = R"(
	sum(
		rate(
			istio_requests_total{
				reporter="destination",
				destination_workload_namespace="test",
				destination_workload=~"podinfo",
				response_code!~"5.*"
			}[1m]
		)
	)
	/
	sum(
		rate(
			istio_requests_total{
				reporter="destination",
				destination_workload_namespace="test",
				destination_workload=~"podinfo"
			}[1m]
		)
	)
	* 100)";
  Result<std::string> q = BuiltinQuery("request-success-rate", PodinfoVars());
  REQUIRE(q.ok());
  CHECK(*q == Collapse(flagger));
}

TEST_CASE("BuiltinQuery request-duration is Flagger's Istio P99 query") {
  const std::string flagger = R"(
	histogram_quantile(
		0.99,
		sum(
			rate(
				istio_request_duration_milliseconds_bucket{
					reporter="destination",
					destination_workload_namespace="test",
					destination_workload=~"podinfo"
				}[1m]
			)
		) by (le)
	))";
  Result<std::string> q = BuiltinQuery("request-duration", PodinfoVars());
  REQUIRE(q.ok());
  CHECK(*q == Collapse(flagger));
}

TEST_CASE("BuiltinQuery rejects unknown metrics and missing values") {
  Result<std::string> q = BuiltinQuery("error-rate", PodinfoVars());
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == Code::kInvalidInput);
  CHECK(q.status().message() ==
        "unknown built-in metric \"error-rate\"; use request-success-rate, request-duration or "
        "a templateRef");
  QueryVars no_interval = PodinfoVars();
  no_interval.interval.clear();
  q = BuiltinQuery("request-duration", no_interval);
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().message().find("{{ interval }}") != std::string::npos);
}

TEST_CASE("RenderQueryTemplate substitutes every variable") {
  struct Case {
    std::string query, want;
  };
  const std::vector<Case> cases = {
      {"{{ name }}/{{ namespace }}/{{ target }}/{{ service }}/{{ interval }}",
       "podinfo/test/podinfo/podinfo-svc/1m"},
      {"{{name}} {{namespace}} {{  interval\t}}", "podinfo test 1m"},
      {"histogram_quantile({{ variables.quantile }}, x{ingress=\"{{variables.ingress}}\"})",
       "histogram_quantile(0.95, x{ingress=\"podinfo-ing\"})"},
      {"sum(up)", "sum(up)"},
      {"", ""},
      {"a } b { c }}", "a } b { c }}"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    Result<std::string> got = RenderQueryTemplate(c.query, PodinfoVars());
    REQUIRE(got.ok());
    CHECK(*got == c.want);
  }
}

TEST_CASE("RenderQueryTemplate names unknown and unclosed variables") {
  struct Case {
    std::string query, want_in_message;
  };
  const std::vector<Case> cases = {
      {"rate(x[{{ window }}])", "unknown template variable \"{{ window }}\""},
      {"{{ variables.missing }}", "unknown template variable \"{{ variables.missing }}\""},
      {"{{ ingress }}", "unknown template variable \"{{ ingress }}\""},
      {"{{ }}", "unknown template variable \"{{  }}\""},
      {"sum(x{a=\"{{ name \"})", "unclosed \"{{\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.query);
    Result<std::string> got = RenderQueryTemplate(c.query, PodinfoVars());
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == Code::kInvalidInput);
    CHECK(got.status().message().find(c.want_in_message) != std::string::npos);
  }
  Result<std::string> got = RenderQueryTemplate("{{ variables.nope }}", PodinfoVars());
  CHECK(got.status().message().find("variables.quantile") != std::string::npos);
}

TEST_CASE("ParsePrometheusReply accepts one sample or a scalar") {
  struct Case {
    std::string body;
    double want;
  };
  const std::vector<Case> cases = {
      {R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{},"value":[1700000000.123,"99.5"]}]}})",
       99.5},
      {R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"le":"250"},"value":[1700000000,"1e+03"]}]}})",
       1000.0},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1700000000,"-2.5"]}})", -2.5},
      {R"({"status":"success","warnings":["w"],"data":{"resultType":"scalar","result":[1,"0"]}})",
       0.0},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    Result<double> got = ParsePrometheusReply(c.body);
    REQUIRE(got.ok());
    CHECK(*got == doctest::Approx(c.want));
  }
}

TEST_CASE("ParsePrometheusReply rejects replies without one finite value") {
  struct Case {
    std::string body, want_in_message;
  };
  const std::vector<Case> cases = {
      {R"({"status":"success","data":{"resultType":"vector","result":[]}})",
       "query returned no data"},
      {R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"code":"200"},"value":[1,"99"]},{"metric":{"code":"500"},"value":[1,"1"]}]}})",
       "query returned 2 series, expected one"},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}})",
       "query returned NaN"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}})",
       "query returned +Inf"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1,"-Inf"]}})",
       "query returned -Inf"},
      {R"({"status":"success","data":{"resultType":"scalar","result":[1,"12abc"]}})",
       "is not a number"},
      {R"({"status":"error","errorType":"bad_data","error":"parse error at char 5"})",
       "Prometheus query failed: bad_data: parse error at char 5"},
      {R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
       "result of type \"matrix\""},
      {R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}})",
       "malformed reply from Prometheus"},
      {R"({"data":{}})", "malformed reply from Prometheus: no status"},
      {R"([1,2])", "malformed reply from Prometheus: not a JSON object"},
      {R"({"status":"success","data":)", "malformed reply from Prometheus: "},
      {"<html>502 Bad Gateway</html>", "malformed reply from Prometheus: "},
      {"", "malformed reply from Prometheus: "},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    Result<double> got = ParsePrometheusReply(c.body);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == Code::kInvalidInput);
    CHECK(got.status().message().find(c.want_in_message) != std::string::npos);
  }
}

}  // namespace gitcanary
