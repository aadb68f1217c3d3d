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

// Flagger's built-in queries (pkg/metrics/observers/{istio,linkerd,nginx,http}.go)
// with namespace=test, target=podinfo, interval=1m and, for NGINX, the
// ingressRef podinfo-ing; per provider, the observer Flagger's factory picks.
struct BuiltinCase {
  std::string provider, metric, flagger;
};

const std::string kIstioSuccessRate = R"(
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

const std::string kIstioDuration = R"(
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

const std::string kLinkerdSuccessRate = R"(
	sum(
		rate(
			response_total{
				namespace="test",
				deployment=~"podinfo",
				classification!="failure",
				direction="inbound"
			}[1m]
		)
	)
	/
	sum(
		rate(
			response_total{
				namespace="test",
				deployment=~"podinfo",
				direction="inbound"
			}[1m]
		)
	)
	* 100)";

const std::string kLinkerdDuration = R"(
	histogram_quantile(
		0.99,
		sum(
			rate(
				response_latency_ms_bucket{
					namespace="test",
					deployment=~"podinfo",
					direction="inbound"
				}[1m]
			)
		) by (le)
	))";

const std::string kNginxSuccessRate = R"(
	sum(
		rate(
			nginx_ingress_controller_requests{
				namespace="test",
				ingress="podinfo-ing",
				canary!="",
				status!~"5.*"
			}[1m]
		)
	)
	/
	sum(
		rate(
			nginx_ingress_controller_requests{
				namespace="test",
				ingress="podinfo-ing",
				canary!=""
			}[1m]
		)
	)
	* 100)";

const std::string kNginxDuration = R"(
	sum(
		rate(
			nginx_ingress_controller_response_duration_seconds_sum{
				namespace="test",
				ingress="podinfo-ing",
				canary!=""
			}[1m]
		)
	)
	/
	sum(
		rate(
			nginx_ingress_controller_response_duration_seconds_count{
				namespace="test",
				ingress="podinfo-ing",
				canary!=""
			}[1m]
		)
	)
	* 1000)";

const std::string kHttpSuccessRate = R"Q(
	sum(
		rate(
			http_request_duration_seconds_count{
				kubernetes_namespace="test",
				kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",
				status!~"5.*"
			}[1m]
		)
	)
	/
	sum(
		rate(
			http_request_duration_seconds_count{
				kubernetes_namespace="test",
				kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
			}[1m]
		)
	)
	* 100)Q";

const std::string kHttpDuration = R"Q(
	histogram_quantile(
		0.99,
		sum(
			rate(
				http_request_duration_seconds_bucket{
					kubernetes_namespace="test",
					kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"
				}[1m]
			)
		) by (le)
	))Q";

TEST_CASE("BuiltinQuery is Flagger's query for each provider's observer") {
  const std::vector<BuiltinCase> cases = {
      {"", "request-success-rate", kIstioSuccessRate},
      {"", "request-duration", kIstioDuration},
      {"istio", "request-success-rate", kIstioSuccessRate},
      {"istio", "request-duration", kIstioDuration},
      {"linkerd", "request-success-rate", kLinkerdSuccessRate},
      {"linkerd", "request-duration", kLinkerdDuration},
      {"nginx", "request-success-rate", kNginxSuccessRate},
      {"nginx", "request-duration", kNginxDuration},
      {"kubernetes", "request-success-rate", kHttpSuccessRate},
      {"kubernetes", "request-duration", kHttpDuration},
      {"gatewayapi:v1", "request-success-rate", kHttpSuccessRate},
      {"gatewayapi:v1", "request-duration", kHttpDuration},
      {"gatewayapi:v1beta1", "request-success-rate", kHttpSuccessRate},
      {"gatewayapi:v1beta1", "request-duration", kHttpDuration},
  };
  QueryVars vars = PodinfoVars();
  vars.ingress = "podinfo-ing";
  for (const BuiltinCase& c : cases) {
    CAPTURE(c.provider);
    CAPTURE(c.metric);
    Result<std::string> q = BuiltinQuery(c.provider, c.metric, vars);
    REQUIRE(q.ok());
    CHECK(*q == Collapse(c.flagger));
  }
}

TEST_CASE("BuiltinQuery of NGINX names the target when there is no ingressRef") {
  // Flagger's toMetricModel: ingress is ingressRef.name, else targetRef.name.
  Result<std::string> q = BuiltinQuery("nginx", "request-success-rate", PodinfoVars());
  REQUIRE(q.ok());
  CHECK(q->find("ingress=\"podinfo\"") != std::string::npos);
  CHECK(q->find("podinfo-ing") == std::string::npos);
}

TEST_CASE("BuiltinQuery rejects unknown metrics providers and missing values") {
  Result<std::string> q = BuiltinQuery("istio", "error-rate", PodinfoVars());
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == Code::kInvalidInput);
  CHECK(q.status().message() ==
        "unknown built-in metric \"error-rate\"; use request-success-rate, request-duration or "
        "a templateRef");
  q = BuiltinQuery("linkerd", "error-rate", PodinfoVars());
  REQUIRE_FALSE(q.ok());
  q = BuiltinQuery("contour", "request-success-rate", PodinfoVars());
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().message().find("\"contour\" has no built-in metrics") != std::string::npos);
  QueryVars no_interval = PodinfoVars();
  no_interval.interval.clear();
  for (const char* provider : {"istio", "linkerd", "nginx", "kubernetes", "gatewayapi:v1"}) {
    CAPTURE(provider);
    q = BuiltinQuery(provider, "request-duration", no_interval);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().message().find("{{ interval }}") != std::string::npos);
  }
}

TEST_CASE("MetricsProviderFor picks Flagger's metrics provider") {
  // scheduler_metrics.go runBuiltinMetricChecks: the canary's provider, but a
  // controller-wide linkerd mesh provider forces linkerd.
  struct Case {
    std::string provider, default_provider, want;
  };
  const std::vector<Case> cases = {
      {"", "", "istio"},
      {"istio", "", "istio"},
      {"nginx", "", "nginx"},
      {"", "nginx", "nginx"},
      {"linkerd", "", "linkerd"},
      {"gatewayapi:v1", "istio", "gatewayapi:v1"},
      {"kubernetes", "istio", "kubernetes"},
      {"nginx", "linkerd", "linkerd"},
      {"gatewayapi:v1beta1", "linkerd", "linkerd"},
      {"kubernetes", "linkerd", "linkerd"},
      {"", "linkerd", "linkerd"},
      {"istio", "nginx", "istio"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.provider);
    CAPTURE(c.default_provider);
    CHECK(MetricsProviderFor(c.provider, c.default_provider) == c.want);
  }
}

TEST_CASE("BuiltinValue converts durations to whole milliseconds as Flagger's observers") {
  // Istio, Linkerd and NGINX answer in ms and Flagger keeps int64(value);
  // the HTTP observer answers in seconds and keeps int64(value*1000).
  struct Case {
    std::string provider, metric;
    double value, want;
  };
  const std::vector<Case> cases = {
      {"istio", "request-duration", 500.9, 500},
      {"", "request-duration", 12.2, 12},
      {"linkerd", "request-duration", 0.99, 0},
      {"nginx", "request-duration", 250.75, 250},
      {"kubernetes", "request-duration", 0.2509, 250},
      {"gatewayapi:v1", "request-duration", 1.5, 1500},
      {"gatewayapi:v1beta1", "request-duration", 0.0999, 99},
      {"istio", "request-success-rate", 99.5, 99.5},
      {"kubernetes", "request-success-rate", 98.25, 98.25},
      {"nginx", "request-success-rate", 100, 100},
  };
  for (const Case& c : cases) {
    CAPTURE(c.provider);
    CAPTURE(c.metric);
    CAPTURE(c.value);
    CHECK(BuiltinValue(c.provider, c.metric, c.value) == doctest::Approx(c.want).epsilon(1e-12));
  }
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
      {"{{ ingress }} {{ route }}", "podinfo podinfo"},
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

TEST_CASE("RenderQueryTemplate gives ingress and route their references") {
  // Flagger's toMetricModel: ingressRef.name and routeRef.name when set.
  QueryVars vars = PodinfoVars();
  vars.ingress = "public";
  vars.route = "podinfo-route";
  Result<std::string> got = RenderQueryTemplate("{{ ingress }}/{{route}}/{{ target }}", vars);
  REQUIRE(got.ok());
  CHECK(*got == "public/podinfo-route/podinfo");
}

TEST_CASE("RenderQueryTemplate names unknown and unclosed variables") {
  struct Case {
    std::string query, want_in_message;
  };
  const std::vector<Case> cases = {
      {"rate(x[{{ window }}])", "unknown template variable \"{{ window }}\""},
      {"{{ variables.missing }}", "unknown template variable \"{{ variables.missing }}\""},
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
