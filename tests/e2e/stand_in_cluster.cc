#include "tests/e2e/stand_in_cluster.h"

#include "tests/e2e/applied_routing.h"
#include "render/json_emit.h"
#include "render/loader.h"
#include "tests/helm_release_checks.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace gitcanary::e2e {

using testing::ChildProcess;
using testing::ReadFile;
using testing::RunResult;

std::string Program(const std::string& name) { return std::string(GITCANARY_E2E_DIR) + "/gitcanary_e2e_" + name; }

std::string MissingTools(bool helm_release) {
  for (const char* tool : {"/usr/bin/prometheus", "/usr/bin/hey"})
    if (access(tool, X_OK) != 0) return std::string(tool) + " is not installed (scripts/install_test_tools.sh installs it)";
  for (const char* program : {"app", "router", "loadtester"})
    if (access(Program(program).c_str(), X_OK) != 0) return Program(program) + " is not built";
  testing::HelmTools tools;
  if (helm_release) return testing::LocateHelmTools("GITCANARY_TEST_HELM4", &tools);
  return "";
}

std::string HelmChartAt(const testing::TempDir& dir, const std::string& version) {
  const std::string chart = testing::SourceDir() + "/examples/flux-helmrelease/chart";
  return version == "6.14.1" ? chart : testing::ChartAtVersion(chart, dir.path(), version);
}

std::string PodSpec::Version() const {
  const std::size_t colon = image.rfind(':');
  return colon == std::string::npos ? image : image.substr(colon + 1);
}

// One running "pod": an app process of one PodSpec.
struct StandInCluster::Pod {
  PodSpec spec;
  std::string name;  // <deployment>-<template hash>-<pod id>, as a ReplicaSet names its pods
  int port = -1;
  std::unique_ptr<ChildProcess> process;
};

int WaitForPort(const std::string& file, const std::string& probe, ChildProcess& process, Clock::time_point deadline,
                bool any_status) {
  int port = -1;
  const bool answered = testing::WaitFor(
      [&] {
        if (process.Exited()) return true;
        std::ifstream in(file);
        if (!(in >> port)) return false;
        httplib::Client client("127.0.0.1", port);
        client.set_connection_timeout(0, 200000);
        client.set_read_timeout(1, 0);
        httplib::Result r = client.Get(probe);
        return r && (any_status || r->status == 200);
      },
      deadline);
  return answered && !process.Exited() ? port : -1;
}

namespace {

// `n` in base 36 (digits and lower-case letters), at least `width` characters.
std::string Base36(unsigned long long n, std::size_t width) {
  std::string out;
  do {
    out.insert(out.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36]);
    n /= 36;
  } while (n > 0);
  while (out.size() < width) out.insert(out.begin(), '0');
  return out;
}

// A stand-in for the pod-template-hash of a ReplicaSet: 10 base-36 characters of an FNV-1a hash.
std::string TemplateHash(const PodSpec& spec) {
  unsigned long long h = 14695981039346656037ULL;
  for (char c : spec.image + "|" + std::to_string(spec.error_percent) + "|" + std::to_string(spec.delay_ms)) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return Base36(h, 10).substr(0, 10);
}

// The env value NAME of a container, as a number (0 when absent).
long long EnvValue(const nlohmann::json& container, const std::string& name) {
  for (const auto& e : container.value("env", nlohmann::json::array()))
    if (e.value("name", "") == name) return std::atoll(e.value("value", "0").c_str());
  return 0;
}

}  // namespace

StandInCluster::StandInCluster(const testing::TempDir& dir, const testing::GitopsRemote& repo, std::string app,
                               Traffic traffic)
    : dir_(dir), repo_(repo), app_(std::move(app)), traffic_(std::move(traffic)) {}

StandInCluster::~StandInCluster() {
  // Pods first, then the router and its scraper; each ChildProcess ends with SIGTERM, then SIGKILL.
  primary_.reset();
  canary_.reset();
  prometheus_.reset();
  loadtester_.reset();
  router_.reset();
}

void StandInCluster::Start(Clock::time_point deadline) {
  testing::WriteFile(dir_ / "routes.json", R"({"generation": 0, "namespace": "test", "metrics": "istio", "routes": []})");
  router_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{Program("router"), "--config", dir_ / "routes.json", "--port-file", dir_ / "router.port",
                               "--admin-port-file", dir_ / "router-admin.port"},
      dir_.path(), dir_ / "router.log");
  loadtester_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{Program("loadtester"), "--port-file", dir_ / "loadtester.port", "--log",
                               dir_ / "loadtester.log", "--timeout", "30"},
      dir_.path(), dir_ / "loadtester.stderr");
  admin_port_ = WaitForPort(dir_ / "router-admin.port", "/config", *router_, deadline);
  router_port_ = WaitForPort(dir_ / "router.port", "/", *router_, deadline, true);  // 503: nothing routed yet
  loadtester_port_ = WaitForPort(dir_ / "loadtester.port", "/healthz", *loadtester_, deadline);
  REQUIRE_MESSAGE(admin_port_ > 0, Logs());
  REQUIRE_MESSAGE(router_port_ > 0, Logs());
  REQUIRE_MESSAGE(loadtester_port_ > 0, Logs());

  prometheus_port_ = testing::FreePort();
  testing::WriteFile(dir_ / "prometheus.yml",
                     "global:\n"
                     "  scrape_interval: 1s\n"
                     "  scrape_timeout: 1s\n"
                     "  evaluation_interval: 1s\n"
                     "scrape_configs:\n"
                     "  - job_name: stand-in-router\n"
                     "    static_configs:\n"
                     "      - targets: ['127.0.0.1:" + std::to_string(admin_port_) + "']\n");
  prometheus_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml"),
                               "--storage.tsdb.path=" + (dir_ / "prometheus-data"),
                               "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_)},
      dir_.path(), dir_ / "prometheus.log");
  // Ready once it has scraped the router: up{job="stand-in-router"} is 1.
  httplib::Client client("127.0.0.1", prometheus_port_);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(2, 0);
  const bool scraping = testing::WaitFor(
      [&] {
        if (prometheus_->Exited()) return true;
        httplib::Result r = client.Get("/api/v1/query?query=up%7Bjob%3D%22stand-in-router%22%7D");
        return r && r->status == 200 && r->body.find("\"value\":[") != std::string::npos &&
               r->body.find(",\"1\"]") != std::string::npos;
      },
      deadline);
  REQUIRE_MESSAGE((scraping && !prometheus_->Exited()), "Prometheus did not start scraping the router\n" << Logs());
}

std::string StandInCluster::Manifests(const AppVersion& v) const {
  const std::string& provider = traffic_.provider;
  const bool nginx = provider == "nginx", gateway_api = provider.rfind("gatewayapi:", 0) == 0;
  const std::string env = "          env:\n"
                          "            - name: ERROR_PERCENT\n"
                          "              value: \"" + std::to_string(v.error_percent) + "\"\n"
                          "            - name: DELAY_MS\n"
                          "              value: \"" + std::to_string(v.delay_ms) + "\"\n";
  // The user's Ingress to the apex Service, which the canary Ingress copies.
  const std::string ingress = !nginx ? "" :
         "---\n"
         "apiVersion: networking.k8s.io/v1\n"
         "kind: Ingress\n"
         "metadata:\n"
         "  name: " + app_ + "\n"
         "  namespace: test\n"
         "spec:\n"
         "  ingressClassName: nginx\n"
         "  rules:\n"
         "    - host: app.example.com\n"
         "      http:\n"
         "        paths:\n"
         "          - path: /\n"
         "            pathType: Prefix\n"
         "            backend:\n"
         "              service:\n"
         "                name: " + app_ + "\n"
         "                port:\n"
         "                  number: 9898\n";
  const std::string routing =
      (provider.empty() ? "" : "  provider: " + provider + "\n") +
      (nginx ? "  ingressRef:\n"
               "    apiVersion: networking.k8s.io/v1\n"
               "    kind: Ingress\n"
               "    name: " + app_ + "\n"
             : "") +
      "  service:\n"
      "    port: 9898\n" +
      (gateway_api ? "    gatewayRefs:\n"
                     "      - name: public-gateway\n"
                     "        namespace: test\n"
                   : "");
  // A/B: the cookie is matched by name for NGINX (the client sends canary=always),
  // by a regular expression on the Cookie header elsewhere, as Flagger's guides do.
  const std::string cookie_match = nginx ? "            exact: canary\n"
                                         : "            regex: \"^(.*?;)?(canary=always)(;.*)?$\"\n";
  const std::string strategy = !traffic_.ab ? "    maxWeight: 60\n"
                                              "    stepWeight: 20\n"
                                            : "    iterations: 2\n"
                                              "    match:\n"
                                              "      - headers:\n"
                                              "          x-canary:\n"
                                              "            exact: insider\n"
                                              "      - headers:\n"
                                              "          cookie:\n" + cookie_match;
  const std::string load_header = traffic_.ab ? "-H 'x-canary: insider' " : "";
  // A HelmRelease app: the chart renders the Deployment, and the Canary names its HelmRelease.
  const std::string workload = traffic_.helm_release ? HelmReleaseManifests(v) :
         "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: " + app_ + "\n"
         "  namespace: test\n"
         "spec:\n"
         "  selector:\n"
         "    matchLabels:\n"
         "      app: " + app_ + "\n"
         "  template:\n"
         "    metadata:\n"
         "      labels:\n"
         "        app: " + app_ + "\n"
         "    spec:\n"
         "      containers:\n"
         "        - name: app\n"
         "          image: ghcr.io/example/" + app_ + ":" + v.tag + "\n" + env;
  return (v.comment.empty() ? "" : "# " + v.comment + "\n") + workload + ingress +
         "---\n"
         "apiVersion: flagger.app/v1beta1\n"
         "kind: Canary\n"
         "metadata:\n"
         "  name: " + app_ + "\n"
         "  namespace: test\n" +
         (traffic_.helm_release ? "  annotations:\n    gitcanary.io/helmrelease: " + app_ + "\n" : "") +
         "spec:\n"
         "  targetRef:\n"
         "    apiVersion: apps/v1\n"
         "    kind: Deployment\n"
         "    name: " + app_ + "\n" + routing +
         "  analysis:\n"
         "    interval: 2s\n"
         "    threshold: 2\n" + strategy +
         "    metrics:\n"
         "      - name: request-success-rate\n"
         "        thresholdRange: {min: 99}\n"
         "        interval: 15s\n"
         "      - name: request-duration\n"
         "        thresholdRange: {max: 500}\n"
         "        interval: 15s\n"
         "    webhooks:\n"
         "      - name: load-test\n"
         "        type: rollout\n"
         "        url: http://127.0.0.1:" + std::to_string(loadtester_port_) + "/\n"
         "        timeout: 20s\n"
         "        metadata:\n"
         "          type: cmd\n"
         // The sleep lets Prometheus (scraping every second) see the end of the burst.
         "          cmd: \"hey -z 2s -q 10 -c 2 " + load_header + router_url() + "/ >/dev/null && sleep 1\"\n";
}

std::unique_ptr<StandInCluster::Pod> StandInCluster::StartPod(const PodSpec& spec, const std::string& workload) {
  auto pod = std::make_unique<Pod>();
  pod->spec = spec;
  const std::string name = workload + "-" + std::to_string(++pods_started_);
  pod->name = workload + "-" + TemplateHash(spec) + "-" + Base36(static_cast<unsigned long long>(pods_started_), 5);
  pod->process = std::make_unique<ChildProcess>(
      std::vector<std::string>{Program("app"), "--version", spec.Version(), "--port-file", dir_ / (name + ".port"),
                               "--error-percent", std::to_string(spec.error_percent), "--delay-ms",
                               std::to_string(spec.delay_ms)},
      dir_.path(), dir_ / "pods.log");
  pod->port = WaitForPort(dir_ / (name + ".port"), "/healthz", *pod->process, Clock::now() + std::chrono::seconds(5));
  return pod;
}

void StandInCluster::WriteRoutes(const nlohmann::json& config) {
  testing::WriteFile(dir_ / "routes.json.tmp", config.dump(2));
  std::rename((dir_ / "routes.json.tmp").c_str(), (dir_ / "routes.json").c_str());
  // Applied once the router has loaded it (it polls every 200 ms).
  testing::WaitFor([&] { return RouterConfig().find("\"generation\":" + std::to_string(generation_) + ",") !=
                                std::string::npos; },
                   Clock::now() + std::chrono::seconds(3));
}

std::string StandInCluster::HelmReleaseManifests(const AppVersion& v) const {
  return "apiVersion: source.toolkit.fluxcd.io/v1\n"
         "kind: HelmRepository\n"
         "metadata:\n"
         "  name: podinfo\n"
         "  namespace: test\n"
         "spec:\n"
         "  interval: 5m\n"
         "  url: https://stefanprodan.github.io/podinfo\n"
         "---\n"
         "apiVersion: helm.toolkit.fluxcd.io/v2\n"
         "kind: HelmRelease\n"
         "metadata:\n"
         "  name: " + app_ + "\n"
         "  namespace: test\n"
         "spec:\n"
         "  interval: 5m\n"
         "  chart:\n"
         "    spec:\n"
         "      chart: podinfo\n"
         "      version: " + v.chart_version + "\n"
         "      sourceRef:\n"
         "        kind: HelmRepository\n"
         "        name: podinfo\n"
         "  values:\n"
         "    image:\n"
         "      repository: ghcr.io/example/" + app_ + "\n"
         "      tag: \"" + v.tag + "\"\n"
         "    service:\n"
         "      enabled: false\n"
         "    extraEnvs:\n"
         "      - name: ERROR_PERCENT\n"
         "        value: \"" + std::to_string(v.error_percent) + "\"\n"
         "      - name: DELAY_MS\n"
         "        value: \"" + std::to_string(v.delay_ms) + "\"\n";
}

bool StandInCluster::Objects(const std::string& commit, nlohmann::json* items, std::string* error) {
  if (!traffic_.helm_release) {
    RunResult r = testing::Gitcanary({"render", "--repo", repo_.remote(), "--revision", commit, "apps/" + app_, "-o", "json"});
    if (r.exit_code != 0) {
      *error = "render of " + commit + " failed: " + r.err;
      return false;
    }
    *items = nlohmann::json::parse(r.out).at("items");
    return true;
  }
  // helm-controller's part: each rendered HelmRelease templated with its
  // chart and values, then post-rendered by its own kustomize patches.
  RunResult r = testing::Gitcanary({"render", "--repo", repo_.remote(), "--revision", commit, "apps/" + app_});
  if (r.exit_code != 0) {
    *error = "render of " + commit + " failed: " + r.err;
    return false;
  }
  testing::HelmTools tools;
  if (std::string missing = testing::LocateHelmTools("GITCANARY_TEST_HELM4", &tools); !missing.empty()) {
    *error = missing;
    return false;
  }
  std::map<std::string, std::string> charts;
  for (const char* version : {"6.14.1", "6.15.0"}) charts[std::string("podinfo@") + version] = HelmChartAt(dir_, version);
  const testing::HelmReleaseBuild build = testing::BuildHelmReleases(tools, r.out, charts, "test", &helm_cache_);
  if (!build.error.empty()) {
    *error = "build of " + commit + "'s HelmReleases failed: " + build.error;
    return false;
  }
  // What the cluster now runs must hold the HelmRelease canary's facts, in
  // the phase the canary release's annotations name.
  std::string phase, weight;
  auto rendered = render::ParseManifests(r.out, "render");
  if (rendered.ok())
    for (const render::Manifest& m : *rendered)
      if (m.kind == "HelmRelease" && m.name == app_) {
        const yaml::Node* p = m.doc.Path({"metadata", "annotations", "gitcanary.io/phase"});
        const yaml::Node* w = m.doc.Path({"metadata", "annotations", "gitcanary.io/canary-weight"});
        phase = p == nullptr ? "" : p->value;
        weight = w == nullptr ? "" : w->value;
      }
  const bool idle = phase == "Initialized" || phase == "Succeeded" || (phase == "Failed" && weight == "0");
  std::vector<std::string> problems = testing::HelmCanaryProblems(build, {"test", app_, idle});
  for (const std::string& p : testing::CollisionProblems(build)) problems.push_back(p);
  if (!problems.empty()) {
    *error = "the build of " + commit + " (phase " + phase + " " + weight + "): " + problems.front();
    return false;
  }
  *items = nlohmann::json::array();
  for (const render::Manifest* m : testing::AllObjects(build)) {
    std::string json;
    yaml::EmitJson(m->doc, &json);
    items->push_back(nlohmann::json::parse(json));
  }
  return true;
}

bool StandInCluster::Apply(const std::string& commit, std::string* error) {
  Applied a;
  a.commit = commit;
  AppliedRouting routing;
  std::map<std::string, std::string> workloads;  // Service -> Deployment
  try {
    nlohmann::json items;  // a range-for over .at() of a temporary dangles
    if (!Objects(commit, &items, error)) return false;
    for (const auto& item : items) {
      const std::string kind = item.value("kind", ""), name = item["metadata"].value("name", "");
      if (kind == "Deployment" && (name == app_ || name == app_ + "-primary")) {
        const auto& spec = item.at("spec");
        const auto& container = spec.at("template").at("spec").at("containers").at(0);
        PodSpec pod{container.value("image", ""), EnvValue(container, "ERROR_PERCENT"), EnvValue(container, "DELAY_MS")};
        if (spec.value("replicas", 1) == 0) pod = PodSpec{};
        (name == app_ ? a.canary : a.primary) = pod;
      }
    }
    if (!ReadRouting(items, app_, &routing, error)) {
      *error = "render of " + commit + ": " + *error;
      return false;
    }
    workloads = ServiceWorkloads(items);
  } catch (const std::exception& e) {
    *error = "render of " + commit + ": " + e.what();
    return false;
  }
  // Roll the pods whose template changed: start the new one, route to it, then stop the old.
  std::unique_ptr<Pod> old_primary, old_canary;
  if (!primary_ || primary_->spec != a.primary) {
    old_primary = std::move(primary_);
    if (!a.primary.image.empty()) primary_ = StartPod(a.primary, app_ + "-primary");
  }
  if (!canary_ || canary_->spec != a.canary) {
    old_canary = std::move(canary_);
    if (!a.canary.image.empty()) canary_ = StartPod(a.canary, app_);
  }
  const auto resolve = [&](const std::string& service) {
    Endpoint e;
    const auto it = workloads.find(service);
    if (it == workloads.end()) return e;
    e.workload = it->second;
    const Pod* pod = e.workload == app_ ? canary_.get() : e.workload == app_ + "-primary" ? primary_.get() : nullptr;
    if (pod != nullptr) {
      e.pod = pod->name;
      e.port = pod->port;
    }
    return e;
  };
  // The weights per Deployment of each rule: the last rule without a match is the default route.
  a.provider = routing.provider;
  for (const RoutingRule& rule : routing.rules) {
    long long primary = 0, canary = 0;
    for (const ServiceWeight& b : rule.backends) {
      const std::string workload = resolve(b.service).workload;
      if (workload == app_) canary += b.weight;
      if (workload == app_ + "-primary") primary += b.weight;
    }
    if (rule.match.empty()) {
      a.primary_weight = primary;
      a.canary_weight = canary;
    } else {
      a.matched += (a.matched.empty() ? "" : ", ") + DescribeMatch(rule) + ": " + std::to_string(primary) + "/" +
                   std::to_string(canary);
    }
  }
  WriteRoutes(e2e::RouterConfig(routing, ++generation_, "test", resolve));
  applied_.push_back(a);
  return true;
}

void StandInCluster::Sync() {
  RunResult head = testing::Run({"/usr/bin/git", "--git-dir", repo_.remote(), "rev-parse", "--verify", "-q", "main"});
  if (head.exit_code != 0 || head.out.size() < 40) return;  // nothing committed yet
  const std::string tip = head.out.substr(0, 40);
  if (tip == head_) return;
  // Every commit since the last one applied, oldest first, so that no state is
  // skipped when two commits land within one poll (Promoting, then Finalising).
  RunResult list = testing::Run({"/usr/bin/git", "--git-dir", repo_.remote(), "rev-list", "--reverse",
                                 "--first-parent", head_.empty() ? tip : head_ + ".." + tip});
  std::istringstream commits(list.out);
  for (std::string commit; std::getline(commits, commit);) {
    if (commit.size() < 40) continue;
    std::string error;
    if (!Apply(commit, &error)) errors_.push_back(error);
  }
  head_ = tip;
}

bool StandInCluster::WaitFor(const std::function<bool()>& done, Clock::time_point deadline) {
  // `done` usually reads git: sync once more after it holds, so that the
  // cluster has applied at least the commit that made it true.
  while (Clock::now() < deadline) {
    Sync();
    if (done()) {
      Sync();
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Sync();
  return done();
}

bool StandInCluster::WaitForPhase(const std::string& phase, Clock::time_point deadline) {
  return WaitFor([&] { return repo_.LatestStatus(app_).phase == phase; }, deadline);
}

void StandInCluster::SyncFor(std::chrono::milliseconds duration) {
  WaitFor([] { return false; }, Clock::now() + duration);
}

std::map<std::string, int> StandInCluster::Sample(int n, const std::map<std::string, std::string>& headers) const {
  std::map<std::string, int> out;
  httplib::Client client("127.0.0.1", router_port_);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(5, 0);
  for (int i = 0; i < n; ++i) {
    httplib::Result r = client.Get("/", httplib::Headers(headers.begin(), headers.end()));
    std::string answer = r ? r->body : "no answer";
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    if (r && r->status != 200) answer = std::to_string(r->status) + " " + answer;
    ++out[answer];
  }
  return out;
}

std::string StandInCluster::RouterConfig() const {
  httplib::Client client("127.0.0.1", admin_port_);
  client.set_connection_timeout(0, 200000);
  client.set_read_timeout(1, 0);
  httplib::Result r = client.Get("/config");
  return r && r->status == 200 ? r->body : "";
}

std::vector<std::string> StandInCluster::ServeArgs(const std::string& id) const {
  return {GITCANARY_BINARY, "serve", "--repo", repo_.remote(), "--cache-dir", dir_ / ("cache-" + id),
          "--min-interval", "1s", "--poll", "200ms", "--readiness", "none", "--listen", "off",
          "--prometheus", prometheus_url(), "--replica-id", id, "--lease-ttl", "10s",
          "--allow-egress", "127.0.0.0/8"};
}

void StandInCluster::StopPrometheus() {
  if (prometheus_) prometheus_->Stop(SIGTERM, std::chrono::seconds(10));
}

namespace {
int CountLines(const std::string& text, const std::string& prefix) {
  int n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) n += line.rfind(prefix, 0) == 0;
  return n;
}
}  // namespace

int StandInCluster::HookStarts() const { return CountLines(ReadFile(dir_ / "loadtester.log"), "start "); }
int StandInCluster::HookEnds() const { return CountLines(ReadFile(dir_ / "loadtester.log"), "end "); }

std::string StandInCluster::router_url() const { return "http://127.0.0.1:" + std::to_string(router_port_); }
std::string StandInCluster::prometheus_url() const { return "http://127.0.0.1:" + std::to_string(prometheus_port_); }

std::string StandInCluster::Logs() const {
  std::string out;
  for (const char* log : {"router.log", "loadtester.log", "loadtester.stderr", "pods.log", "prometheus.log"}) {
    const std::string text = ReadFile(dir_ / log);
    if (!text.empty()) out += std::string("--- ") + log + "\n" + testing::Tail(text) + "\n";
  }
  for (const std::string& e : errors_) out += "sync error: " + e + "\n";
  return out;
}

std::string Steps(const std::vector<testing::StatusAt>& history) {
  std::string out;
  for (const testing::StatusAt& s : history) {
    out += (out.empty() ? "" : ", ") + s.phase + " " + std::to_string(s.weight);
    if (s.failed_checks > 0) out += " (" + std::to_string(s.failed_checks) + " failed)";
  }
  return out;
}

}  // namespace gitcanary::e2e
