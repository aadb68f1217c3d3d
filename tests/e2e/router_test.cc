// The stand-in data plane alone (tests/e2e/README.md): two app pods and
// gitcanary_e2e_router, configured from hand-written routing objects of each
// provider in the shapes Flagger renders them (a VirtualService, an HTTPRoute,
// an SMI TrafficSplit, a canary Ingress), read as the stand-in cluster reads
// a render (applied_routing.h). Each case checks which pod answered which
// requests, and that the series on /metrics are the ones Flagger's built-in
// queries for that provider select, with their selectors written out as
// Flagger writes them (for namespace test, target podinfo, ingress podinfo).
//
// The primary pod runs 1.0.0; the canary pod 2.0.0 answers every other
// request with a 500.
#include <doctest/doctest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "tests/e2e/applied_routing.h"
#include "tests/e2e/stand_in_cluster.h"

namespace gitcanary {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::TempDir;

constexpr char kPrimaryPod[] = "podinfo-primary-6d8b9c7f4c-k2x9p";
constexpr char kCanaryPod[] = "podinfo-7f9d8c6b5a-m4n7q";

// The Deployments and the three Services every provider shares.
json Workloads() {
  return json::parse(R"([
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "podinfo-primary", "namespace": "test"},
     "spec": {"selector": {"matchLabels": {"app": "podinfo-primary"}},
              "template": {"metadata": {"labels": {"app": "podinfo-primary"}}, "spec": {"containers": []}}}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "podinfo", "namespace": "test"},
     "spec": {"selector": {"matchLabels": {"app": "podinfo"}},
              "template": {"metadata": {"labels": {"app": "podinfo"}}, "spec": {"containers": []}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "podinfo", "namespace": "test"},
     "spec": {"selector": {"app": "podinfo-primary"}, "ports": [{"name": "http", "port": 9898}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "podinfo-primary", "namespace": "test"},
     "spec": {"selector": {"app": "podinfo-primary"}, "ports": [{"name": "http", "port": 9898}]}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "podinfo-canary", "namespace": "test"},
     "spec": {"selector": {"app": "podinfo"}, "ports": [{"name": "http", "port": 9898}]}}
  ])");
}

// One series of a /metrics text: name, labels, value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::vector<Sample> ParseMetrics(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream lines(text);
  static const std::regex series(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+))re");
  static const std::regex label(R"re(([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)")re");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (line.empty() || line[0] == '#' || !std::regex_match(line, m, series)) continue;
    Sample s{m[1], {}, std::stod(m[3])};
    const std::string labels = m[2];
    for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label); it != std::sregex_iterator(); ++it)
      s.labels[(*it)[1]] = (*it)[2];
    out.push_back(std::move(s));
  }
  return out;
}

// The sum of the samples a PromQL selector such as
// `response_total{namespace="test", deployment=~"podinfo"}` selects (=, !=, =~, !~;
// regular expressions anchored, as in PromQL; a missing label is "").
double Select(const std::vector<Sample>& samples, const std::string& selector) {
  static const std::regex parts(R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\})re");
  static const std::regex matcher(R"re(\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*,?)re");
  std::smatch m;
  REQUIRE_MESSAGE(std::regex_match(selector, m, parts), selector);
  const std::string name = m[1], body = m[2];
  struct Matcher {
    std::string label, op, value;
  };
  std::vector<Matcher> matchers;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), matcher); it != std::sregex_iterator(); ++it)
    matchers.push_back({(*it)[1], (*it)[2], (*it)[3]});
  double sum = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    bool all = true;
    for (const Matcher& x : matchers) {
      const auto it = s.labels.find(x.label);
      const std::string v = it == s.labels.end() ? "" : it->second;
      const bool re = x.op.size() == 2 && x.op[1] == '~' && std::regex_match(v, std::regex(x.value));
      if (x.op == "=") all = all && v == x.value;
      if (x.op == "!=") all = all && v != x.value;
      if (x.op == "=~") all = all && re;
      if (x.op == "!~") all = all && !re;
    }
    if (all) sum += s.value;
  }
  return sum;
}

// Two app pods and the router, configured by Apply().
class RouterBench {
 public:
  RouterBench()
      : deadline_(testing::Clock::now() + std::chrono::seconds(20)),
        primary_({e2e::Program("app"), "--version", "1.0.0", "--port-file", dir_ / "primary.port"}, dir_.path(),
                 dir_ / "apps.log"),
        canary_({e2e::Program("app"), "--version", "2.0.0", "--error-percent", "50", "--port-file",
                 dir_ / "canary.port"},
                dir_.path(), dir_ / "apps.log") {
    primary_port_ = e2e::WaitForPort(dir_ / "primary.port", "/healthz", primary_, deadline_);
    canary_port_ = e2e::WaitForPort(dir_ / "canary.port", "/healthz", canary_, deadline_);
    REQUIRE(primary_port_ > 0);
    REQUIRE(canary_port_ > 0);
    // No routes yet, so the probes for the router's ports reach no pod and count nowhere.
    testing::WriteFile(dir_ / "routes.json", R"({"generation": 0, "namespace": "test", "routes": []})");
    router_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{e2e::Program("router"), "--config", dir_ / "routes.json", "--port-file",
                                 dir_ / "router.port", "--admin-port-file", dir_ / "admin.port"},
        dir_.path(), dir_ / "router.log");
    admin_ = e2e::WaitForPort(dir_ / "admin.port", "/config", *router_, deadline_);
    port_ = e2e::WaitForPort(dir_ / "router.port", "/", *router_, deadline_, true);
    REQUIRE(admin_ > 0);
    REQUIRE(port_ > 0);
  }

  // Applies the shared workloads plus `objects` as the stand-in cluster does,
  // and waits until the router runs that config. Returns what was read.
  e2e::AppliedRouting Apply(const json& objects) {
    json items = Workloads();
    for (const json& o : objects) items.push_back(o);
    e2e::AppliedRouting routing;
    std::string error;
    REQUIRE_MESSAGE(e2e::ReadRouting(items, "podinfo", &routing, &error), error);
    const auto workloads = e2e::ServiceWorkloads(items);
    const json config = e2e::RouterConfig(routing, ++generation_, "test", [&](const std::string& service) {
      e2e::Endpoint e;
      if (!workloads.contains(service)) return e;
      e.workload = workloads.at(service);
      e.pod = e.workload == "podinfo" ? kCanaryPod : kPrimaryPod;
      e.port = e.workload == "podinfo" ? canary_port_ : primary_port_;
      return e;
    });
    testing::WriteFile(dir_ / "routes.json.tmp", config.dump());
    std::rename((dir_ / "routes.json.tmp").c_str(), (dir_ / "routes.json").c_str());
    const std::string want = "\"generation\":" + std::to_string(generation_) + ",";
    REQUIRE_MESSAGE(testing::WaitFor([&] { return Get(admin_, "/config").find(want) != std::string::npos; }, deadline_),
                    testing::ReadFile(dir_ / "router.log"));
    return routing;
  }

  // Sends `n` GET / with `headers`: how many answers came from which workload, "500 podinfo".
  std::map<std::string, int> Send(int n, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(5, 0);
    std::map<std::string, int> out;
    for (int i = 0; i < n; ++i) {
      httplib::Result r = client.Get("/", headers);
      REQUIRE(r);
      ++out[std::to_string(r->status) + " " + r->get_header_value("x-destination-workload")];
    }
    return out;
  }

  // Where one request with `headers` went: "podinfo" or "podinfo-primary".
  std::string Where(const httplib::Headers& headers) {
    httplib::Client client("127.0.0.1", port_);
    httplib::Result r = client.Get("/", headers);
    REQUIRE(r);
    return r->get_header_value("x-destination-workload");
  }

  std::string MetricsText() { return Get(admin_, "/metrics"); }
  std::vector<Sample> Metrics() { return ParseMetrics(MetricsText()); }

 private:
  static std::string Get(int port, const std::string& path) {
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(0, 200000);
    httplib::Result r = client.Get(path);
    return r && r->status == 200 ? r->body : "";
  }

  TempDir dir_;
  testing::Clock::time_point deadline_;
  ChildProcess primary_, canary_;
  std::unique_ptr<ChildProcess> router_;
  int primary_port_ = -1, canary_port_ = -1, admin_ = -1, port_ = -1;
  long long generation_ = 0;
};

// The router and the app are built with the tests; nothing else is needed.
#define SKIP_WITHOUT_PROGRAMS()                                                              \
  if (access(e2e::Program("router").c_str(), X_OK) != 0 || access(e2e::Program("app").c_str(), X_OK) != 0) { \
    MESSAGE("skipped: the e2e programs are not built");                                     \
    return;                                                                                 \
  }

// 80/20 by smooth weighted round robin: exactly 40 and 10 of 50; the canary fails every other request.
const std::map<std::string, int> kSplit8020 = {{"200 podinfo-primary", 40}, {"200 podinfo", 5}, {"500 podinfo", 5}};

const httplib::Headers kHeader = {{"x-canary", "insider"}};
// Flagger's cookie regex (its A/B guides) wants no blank after the ';' ahead of the cookie.
const httplib::Headers kCookie = {{"Cookie", "session=1;canary=always"}};

// VirtualService podinfo as Flagger's Istio router writes it: http[0] routes podinfo-primary and podinfo-canary.
json VirtualService(long long primary, long long canary, const json& ab_match = nullptr) {
  json split = {{{"destination", {{"host", "podinfo-primary"}}}, {"weight", primary}},
                {{"destination", {{"host", "podinfo-canary"}}}, {"weight", canary}}};
  json http = json::array();
  if (!ab_match.is_null()) {
    http.push_back({{"match", ab_match}, {"route", split}});
    // The default route: the primary alone, with the weight Flagger writes (0 during A/B): all of the traffic.
    http.push_back({{"route", {{{"destination", {{"host", "podinfo-primary"}}}, {"weight", primary}}}}});
  } else {
    http.push_back({{"route", split}});
  }
  return json::array({{{"apiVersion", "networking.istio.io/v1beta1"},
                       {"kind", "VirtualService"},
                       {"metadata", {{"name", "podinfo"}, {"namespace", "test"}}},
                       {"spec", {{"hosts", {"podinfo"}}, {"gateways", {"mesh"}}, {"http", http}}}}});
}

}  // namespace

TEST_CASE("e2e: the stand-in router splits requests by the VirtualService weights and exports Istio's series") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  CHECK(bench.Apply(VirtualService(80, 20)).metrics == "istio");
  CHECK(bench.Send(50) == kSplit8020);
  const std::vector<Sample> m = bench.Metrics();
  const std::string labels =
      "reporter=\"destination\",destination_workload=\"podinfo\",destination_workload_namespace=\"test\","
      "destination_service_name=\"podinfo\",response_code=\"500\"";
  const std::string text = bench.MetricsText();
  CHECK(text.find("istio_requests_total{" + labels + "} 5\n") != std::string::npos);
  CHECK(text.find("istio_request_duration_milliseconds_bucket{" + labels + ",le=\"+Inf\"} 5\n") != std::string::npos);
  // Flagger's request-success-rate selects the canary's 10 requests, 5 of them good.
  CHECK(Select(m, R"(istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", response_code!~"5.*" })") == 5);
  CHECK(Select(m, R"(istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo" })") == 10);
  CHECK(Select(m, R"(istio_request_duration_milliseconds_bucket{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo", le="+Inf" })") == 10);
  CHECK(Select(m, R"(istio_requests_total{ reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo-primary" })") == 40);

  // A new config is picked up: everything to the canary.
  bench.Apply(VirtualService(0, 100));
  CHECK(bench.Where({}) == "podinfo");
}

TEST_CASE("e2e: the stand-in router follows a VirtualService A/B match route and sends the rest to the primary") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  // Flagger's A/B: the match route at 0/100, then the primary alone.
  bench.Apply(VirtualService(0, 100, json::parse(R"([
    {"headers": {"x-canary": {"exact": "insider"}}, "uri": {"prefix": "/"}},
    {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}, "uri": {"prefix": "/"}}])")));
  CHECK(bench.Where(kHeader) == "podinfo");
  CHECK(bench.Where(kCookie) == "podinfo");
  CHECK(bench.Where({{"x-canary", "outsider"}}) == "podinfo-primary");
  CHECK(bench.Where({{"Cookie", "canary=never"}}) == "podinfo-primary");
  CHECK(bench.Send(10) == std::map<std::string, int>{{"200 podinfo-primary", 10}});
}

TEST_CASE("e2e: the stand-in router splits by HTTPRoute backendRefs and exports the app's own histogram") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  const json route = json::parse(R"([{
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"parentRefs": [{"name": "public-gateway", "namespace": "test"}],
             "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 80},
                                        {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898, "weight": 20}]}]}}])");
  const e2e::AppliedRouting routing = bench.Apply(route);
  CHECK(routing.provider == "gatewayapi");
  CHECK(routing.metrics == "app");
  CHECK(bench.Send(50) == kSplit8020);
  const std::vector<Sample> m = bench.Metrics();
  const std::string text = bench.MetricsText();
  CHECK(text.find(std::string("http_request_duration_seconds_count{kubernetes_namespace=\"test\",kubernetes_pod_name=\"") +
                  kCanaryPod + "\",status=\"500\"} 5\n") != std::string::npos);
  // Flagger's HTTP queries select the canary's pods only: the primary's pod names do not match the regex.
  const std::string pods = R"re(kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)")re";
  CHECK(Select(m, R"(http_request_duration_seconds_count{kubernetes_namespace="test", )" + pods + R"(, status!~"5.*"})") == 5);
  CHECK(Select(m, R"(http_request_duration_seconds_count{kubernetes_namespace="test", )" + pods + "}") == 10);
  CHECK(Select(m, R"(http_request_duration_seconds_bucket{kubernetes_namespace="test", )" + pods + R"(, le="+Inf"})") == 10);
  CHECK(Select(m, R"(http_request_duration_seconds_count{kubernetes_namespace="test"})") == 50);
}

TEST_CASE("e2e: the stand-in router follows HTTPRoute A/B matches (v1 and v1beta1) and sends the rest to the primary") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  // Flagger's A/B: rule 0 with the merged matches at 0/100, rule 1 the plain match to the primary.
  const json route = json::parse(R"([{
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"parentRefs": [{"name": "public-gateway", "namespace": "test"}],
             "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"},
                                     "headers": [{"name": "x-canary", "type": "Exact", "value": "insider"}]},
                                    {"path": {"type": "PathPrefix", "value": "/"},
                                     "headers": [{"name": "cookie", "type": "RegularExpression", "value": "^(.*?;)?(canary=always)(;.*)?$"}]}],
                        "backendRefs": [{"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 0},
                                        {"group": "", "kind": "Service", "name": "podinfo-canary", "port": 9898, "weight": 100}]},
                       {"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                        "backendRefs": [{"group": "", "kind": "Service", "name": "podinfo-primary", "port": 9898, "weight": 100}]}]}}])");
  bench.Apply(route);
  CHECK(bench.Where(kHeader) == "podinfo");
  CHECK(bench.Where(kCookie) == "podinfo");
  CHECK(bench.Where({{"x-canary", "outsider"}}) == "podinfo-primary");
  CHECK(bench.Send(10) == std::map<std::string, int>{{"200 podinfo-primary", 10}});

  // The same rules in a v1beta1 HTTPRoute route the same way.
  json v1beta1 = route;
  v1beta1[0]["apiVersion"] = "gateway.networking.k8s.io/v1beta1";
  CHECK(bench.Apply(v1beta1).provider == "gatewayapi");
  CHECK(bench.Where(kCookie) == "podinfo");
  CHECK(bench.Where({}) == "podinfo-primary");

  // The rule with more header matches takes precedence wherever it is listed (Gateway API's rule precedence).
  json reversed = route;
  std::swap(reversed[0]["spec"]["rules"][0], reversed[0]["spec"]["rules"][1]);
  bench.Apply(reversed);
  CHECK(bench.Where(kHeader) == "podinfo");
  CHECK(bench.Where({}) == "podinfo-primary");
}

TEST_CASE("e2e: the stand-in router splits by the SMI TrafficSplit and exports Linkerd's series") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  // Flagger's SMI router: canary first, primary second; weights are Quantities (a string or a number).
  const e2e::AppliedRouting routing = bench.Apply(json::parse(R"([{
    "apiVersion": "split.smi-spec.io/v1alpha1", "kind": "TrafficSplit",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"service": "podinfo",
             "backends": [{"service": "podinfo-canary", "weight": "20"}, {"service": "podinfo-primary", "weight": 80}]}}])"));
  CHECK(routing.provider == "linkerd");
  CHECK(routing.metrics == "linkerd");
  CHECK(bench.Send(50) == kSplit8020);
  const std::string text = bench.MetricsText();
  CHECK(text.find("response_total{namespace=\"test\",deployment=\"podinfo\",direction=\"inbound\","
                  "classification=\"failure\",status_code=\"500\"} 5\n") != std::string::npos);
  CHECK(text.find("response_total{namespace=\"test\",deployment=\"podinfo\",direction=\"inbound\","
                  "classification=\"success\",status_code=\"200\"} 5\n") != std::string::npos);
  const std::vector<Sample> m = bench.Metrics();
  CHECK(Select(m, R"(response_total{namespace="test", deployment=~"podinfo", classification!="failure", direction="inbound"})") == 5);
  CHECK(Select(m, R"(response_total{namespace="test", deployment=~"podinfo", direction="inbound"})") == 10);
  CHECK(Select(m, R"(response_latency_ms_bucket{namespace="test", deployment=~"podinfo", direction="inbound", le="+Inf"})") == 10);
  CHECK(Select(m, R"(response_latency_ms_count{namespace="test", deployment=~"podinfo", direction="inbound"})") == 10);
  CHECK(Select(m, R"(response_total{namespace="test", deployment=~"podinfo-primary", direction="inbound"})") == 40);
}

// The user's Ingress podinfo and Flagger's copy podinfo-canary with `annotations`.
json Ingresses(const json& annotations) {
  const json main = json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
    "metadata": {"name": "podinfo", "namespace": "test"},
    "spec": {"ingressClassName": "nginx",
             "rules": [{"host": "app.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix",
               "backend": {"service": {"name": "podinfo", "port": {"number": 9898}}}}]}}]}})");
  json canary = main;
  canary["metadata"]["name"] = "podinfo-canary";
  canary["metadata"]["annotations"] = annotations;
  canary["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] = "podinfo-canary";
  return json::array({main, canary});
}

TEST_CASE("e2e: the stand-in router splits by the canary Ingress weight and exports NGINX's series") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  const e2e::AppliedRouting routing = bench.Apply(Ingresses(
      {{"nginx.ingress.kubernetes.io/canary", "true"}, {"nginx.ingress.kubernetes.io/canary-weight", "20"}}));
  CHECK(routing.provider == "nginx");
  CHECK(routing.ingress == "podinfo");
  CHECK(bench.Send(50) == kSplit8020);
  // Both count under the main Ingress and its Service; the canary label names the canary's upstream.
  const std::string text = bench.MetricsText();
  CHECK(text.find("nginx_ingress_controller_requests{namespace=\"test\",ingress=\"podinfo\",service=\"podinfo\","
                  "canary=\"test-podinfo-canary-9898\",status=\"500\"} 5\n") != std::string::npos);
  CHECK(text.find("nginx_ingress_controller_requests{namespace=\"test\",ingress=\"podinfo\",service=\"podinfo\","
                  "canary=\"\",status=\"200\"} 40\n") != std::string::npos);
  const std::vector<Sample> m = bench.Metrics();
  CHECK(Select(m, R"(nginx_ingress_controller_requests{namespace="test", ingress="podinfo", canary!="", status!~"5.*"})") == 5);
  CHECK(Select(m, R"(nginx_ingress_controller_requests{namespace="test", ingress="podinfo", canary!=""})") == 10);
  CHECK(Select(m, R"(nginx_ingress_controller_response_duration_seconds_count{namespace="test", ingress="podinfo", canary!=""})") == 10);
  CHECK(Select(m, R"(nginx_ingress_controller_response_duration_seconds_sum{namespace="test", ingress="podinfo", canary!=""})") > 0);

  // Back to weight 0: all to the primary.
  bench.Apply(Ingresses({{"nginx.ingress.kubernetes.io/canary", "true"}, {"nginx.ingress.kubernetes.io/canary-weight", "0"}}));
  CHECK(bench.Send(10) == std::map<std::string, int>{{"200 podinfo-primary", 10}});
}

TEST_CASE("e2e: the stand-in router follows the canary Ingress header and cookie rules in ingress-nginx's order") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  const std::string p = "nginx.ingress.kubernetes.io/";
  // Flagger's A/B: by-header with a value, by-cookie, and canary-weight "0".
  bench.Apply(Ingresses({{p + "canary", "true"}, {p + "canary-weight", "0"}, {p + "canary-by-header", "x-canary"},
                         {p + "canary-by-header-value", "insider"}, {p + "canary-by-cookie", "canary"}}));
  CHECK(bench.Where(kHeader) == "podinfo");
  CHECK(bench.Where(kCookie) == "podinfo");
  CHECK(bench.Where({{"x-canary", "outsider"}}) == "podinfo-primary");
  CHECK(bench.Where({{"Cookie", "canary=never"}}) == "podinfo-primary");
  // The header is asked first: a matching header wins over cookie "never".
  CHECK(bench.Where({{"x-canary", "insider"}, {"Cookie", "canary=never"}}) == "podinfo");
  CHECK(bench.Send(10) == std::map<std::string, int>{{"200 podinfo-primary", 10}});

  // By header without a value: "always" and "never", ahead of the cookie and the weight.
  bench.Apply(Ingresses({{p + "canary", "true"}, {p + "canary-weight", "100"}, {p + "canary-by-header", "x-canary"},
                         {p + "canary-by-cookie", "canary"}}));
  CHECK(bench.Where({{"x-canary", "always"}}) == "podinfo");
  CHECK(bench.Where({{"x-canary", "never"}, {"Cookie", "canary=always"}}) == "podinfo-primary");
  CHECK(bench.Where({{"x-canary", "insider"}, {"Cookie", "canary=never"}}) == "podinfo-primary");
  CHECK(bench.Where({{"x-canary", "insider"}}) == "podinfo");  // neither rule: the weight, 100 %

  // By header pattern: a regular expression found in the value.
  bench.Apply(Ingresses({{p + "canary", "true"}, {p + "canary-weight", "0"}, {p + "canary-by-header", "user-agent"},
                         {p + "canary-by-header-pattern", "Firefox"}}));
  CHECK(bench.Where({{"user-agent", "Mozilla/5.0 Firefox/120.0"}}) == "podinfo");
  CHECK(bench.Where({{"user-agent", "curl/8.0"}}) == "podinfo-primary");
}

TEST_CASE("e2e: the stand-in router sends everything to the apex Service without routing objects") {
  SKIP_WITHOUT_PROGRAMS();
  RouterBench bench;
  const e2e::AppliedRouting routing = bench.Apply(json::array());
  CHECK(routing.provider == "kubernetes");
  CHECK(routing.metrics == "app");
  CHECK(bench.Send(10) == std::map<std::string, int>{{"200 podinfo-primary", 10}});
  CHECK(Select(bench.Metrics(), std::string(R"(http_request_duration_seconds_count{kubernetes_pod_name=")") + kPrimaryPod +
                                    "\"}") == 10);
}

}  // namespace gitcanary
