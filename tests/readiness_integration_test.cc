// Integration tests for ReadinessChecker against real servers on 127.0.0.1.
//
// kubernetes mode: a fake API server (ServerThread) that checks the bearer
// token and the exact path and answers canned Deployments (ready, rolling,
// progress deadline exceeded, 404, 403, slow), over plain HTTP and over TLS
// with a CA made by the openssl CLI. prometheus mode: Debian's real Prometheus
// scraping an exporter in this process that serves kube-state-metrics series
// for several Deployments, read through the default query. Every case is
// bounded in time; the Prometheus and TLS cases skip when their tool is missing.
#include <doctest/doctest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/readiness.h"
#include "tests/process_harness.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using plugin::ReadinessChecker;
using plugin::ReadinessConfig;
using plugin::ReadinessMode;
using testing::Clock;
using testing::ServerThread;
using testing::TempDir;

std::string DeploymentJson(const std::string& name, int desired, int updated, int available,
                           const std::string& progressing_reason) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
         R"(","namespace":"test","generation":4},"spec":{"replicas":)" + std::to_string(desired) +
         R"(},"status":{"observedGeneration":4,"replicas":)" + std::to_string(desired) +
         R"(,"updatedReplicas":)" + std::to_string(updated) + R"(,"availableReplicas":)" +
         std::to_string(available) + R"(,"conditions":[{"type":"Progressing","status":"False","reason":")" +
         progressing_reason + R"(","message":"ReplicaSet \")" + name + R"(-7f\" has timed out progressing."}]}})";
}

std::string StatusJson(int code, const std::string& reason, const std::string& message) {
  return R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":")" + message +
         R"(","reason":")" + reason + R"(","code":)" + std::to_string(code) + "}";
}

// A fake API server: GET {prefix}/apis/apps/v1/namespaces/NS/deployments/NAME
// with "Bearer <token>", where `token` can change while it runs.
class FakeApiServer {
 public:
  explicit FakeApiServer(std::string token)
      : token_(std::move(token)), server_([this](httplib::Server& s) { Routes(s); }) {}
  std::string url() const { return server_.url(); }
  void set_token(std::string token) {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = std::move(token);
  }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Routes(httplib::Server& s) {
    // Every request, whatever its method and path, before it is answered.
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req.method + " " + req.path);
      return httplib::Server::HandlerResponse::Unhandled;
    });
    s.Get(R"((/k8s)?/apis/apps/v1/namespaces/([a-z0-9-]+)/deployments/([a-z0-9.-]+))",
          [this](const httplib::Request& req, httplib::Response& res) { Answer(req, res); });
  }

  void Answer(const httplib::Request& req, httplib::Response& res) {
    const std::string ns = req.matches[2], name = req.matches[3];
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (req.get_header_value("Authorization") != "Bearer " + token_) {
        res.status = 401;
        res.set_content(StatusJson(401, "Unauthorized", "Unauthorized"), "application/json");
        return;
      }
    }
    if (ns == "locked") {
      res.status = 403;
      res.set_content(StatusJson(403, "Forbidden",
                                 "deployments.apps \\\"" + name + "\\\" is forbidden: User \\\"system:serviceaccount:"
                                 "gitcanary:gitcanary\\\" cannot get resource \\\"deployments\\\" in API group "
                                 "\\\"apps\\\" in the namespace \\\"locked\\\""),
                      "application/json");
      return;
    }
    if (name == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(800));
    if (name == "podinfo" || name == "podinfo-primary" || name == "slow") {
      res.set_content(DeploymentJson(name, 3, 3, 3, "NewReplicaSetAvailable"), "application/json");
    } else if (name == "rolling") {
      res.set_content(DeploymentJson(name, 3, 1, 3, "ReplicaSetUpdated"), "application/json");
    } else if (name == "stuck") {
      res.set_content(DeploymentJson(name, 3, 3, 1, "ProgressDeadlineExceeded"), "application/json");
    } else {
      res.status = 404;
      res.set_content(StatusJson(404, "NotFound", "deployments.apps \\\"" + name + "\\\" not found"),
                      "application/json");
    }
  }

  std::mutex mu_;
  std::string token_;
  std::vector<std::string> requests_;
  ServerThread server_;  // last: its routes use the members above
};

// kube-state-metrics' Deployment series for the exporter.
struct KsmDeployment {
  std::string name, extra_labels;
  int spec, replicas, updated, available, generation, observed;
};

std::string KsmMetrics(const std::vector<KsmDeployment>& deployments) {
  std::string out;
  const auto family = [&](const char* metric, auto field) {
    out += std::string("# TYPE ") + metric + " gauge\n";
    for (const KsmDeployment& d : deployments) {
      out += std::string(metric) + "{namespace=\"test\",deployment=\"" + d.name + "\"" + d.extra_labels +
             "} " + std::to_string(d.*field) + "\n";
    }
  };
  family("kube_deployment_spec_replicas", &KsmDeployment::spec);
  family("kube_deployment_status_replicas", &KsmDeployment::replicas);
  family("kube_deployment_status_replicas_updated", &KsmDeployment::updated);
  family("kube_deployment_status_replicas_available", &KsmDeployment::available);
  family("kube_deployment_metadata_generation", &KsmDeployment::generation);
  family("kube_deployment_status_observed_generation", &KsmDeployment::observed);
  return out;
}

// An httplib::SSLServer on 127.0.0.1 in a background thread.
class TlsServerThread {
 public:
  TlsServerThread(const std::string& cert, const std::string& key, const std::string& body)
      : server_(cert.c_str(), key.c_str()) {
    server_.Get(R"(/apis/apps/v1/namespaces/test/deployments/podinfo)",
                [body](const httplib::Request&, httplib::Response& res) {
                  res.set_content(body, "application/json");
                });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~TlsServerThread() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = -1;
};

// A self-signed certificate for `san` (e.g. "IP:127.0.0.1") as DIR/NAME.crt and DIR/NAME.key.
void MakeCertificate(const TempDir& dir, const std::string& name, const std::string& san) {
  testing::Sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=gitcanary-test "
              "-addext subjectAltName=" + san + " -keyout '" + (dir / (name + ".key")) + "' -out '" +
              (dir / (name + ".crt")) + "' 2>/dev/null");
}

// A kubernetes-mode config for `api_server` with the token in `token_file`.
ReadinessConfig Kubernetes(const std::string& api_server, const std::string& token_file, long timeout_ms) {
  ReadinessConfig c;
  c.mode = ReadinessMode::kKubernetes;
  c.api_server = api_server;
  c.token_file = token_file;
  c.timeout_ms = timeout_ms;
  return c;
}

ReadinessConfig Prometheus(const std::string& url, long timeout_ms) {
  ReadinessConfig c;
  c.prometheus_url = url;
  c.timeout_ms = timeout_ms;
  return c;
}

}  // namespace

TEST_CASE("ReadinessChecker kubernetes: a fake API server's Deployments, with the token re-read") {
  TempDir dir;
  testing::WriteFile(dir / "token", "tok-1\n");
  FakeApiServer api("tok-1");
  ReadinessChecker checker(Kubernetes(api.url(), dir / "token", 2000));
  struct Case {
    std::string ns, name;
    bool ready;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"test", "podinfo", true, ""},
      {"test", "podinfo-primary", true, ""},
      {"test", "rolling", false,
       "deployment test/rolling: waiting for rollout to finish: 1 out of 3 new replicas have been updated"},
      {"test", "stuck", false,
       "deployment test/stuck exceeded its progress deadline: ReplicaSet \"stuck-7f\" has timed out progressing."},
      {"test", "absent", false, "deployment test/absent not found"},
      {"locked", "podinfo", false,
       "deployment locked/podinfo: the API server refused the token (HTTP 403): gitcanary needs get on "
       "deployments in namespace locked (deployments.apps \"podinfo\" is forbidden: User "
       "\"system:serviceaccount:gitcanary:gitcanary\" cannot get resource \"deployments\" in API group "
       "\"apps\" in the namespace \"locked\")"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    policies::Readiness got = checker.Check(c.ns, c.name);
    CHECK(got.ready == c.ready);
    CHECK(got.reason == c.reason);
  }
  std::vector<std::string> want_requests;
  for (const Case& c : cases) {
    want_requests.push_back("GET /apis/apps/v1/namespaces/" + c.ns + "/deployments/" + c.name);
  }
  CHECK(api.requests() == want_requests);

  // The token rotates: the file is read again before every request.
  api.set_token("tok-2");
  policies::Readiness got = checker.Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: the API server refused the token (HTTP 401): the token in " +
                          (dir / "token") + " is not valid or has expired");
  CHECK(got.reason.find("tok-1") == std::string::npos);
  testing::WriteFile(dir / "token", "tok-2\n");
  got = checker.Check("test", "podinfo");
  CHECK_MESSAGE(got.ready, got.reason);

  unlink((dir / "token").c_str());
  got = checker.Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: cannot read the token file " + (dir / "token") +
                          ": No such file or directory");
}

TEST_CASE("ReadinessChecker kubernetes: path prefix, timeout and an unreachable API server") {
  TempDir dir;
  testing::WriteFile(dir / "token", "tok");
  FakeApiServer api("tok");
  ReadinessConfig config = Kubernetes(api.url() + "/k8s/", dir / "token", 200);
  policies::Readiness got = ReadinessChecker(config).Check("test", "podinfo");
  CHECK_MESSAGE(got.ready, got.reason);
  CHECK(api.requests() == std::vector<std::string>{"GET /k8s/apis/apps/v1/namespaces/test/deployments/podinfo"});

  auto start = Clock::now();
  got = ReadinessChecker(config).Check("test", "slow");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/slow: Kubernetes API server at " + api.url() +
                          "/k8s/: no complete reply within 200 ms");
  CHECK(Clock::now() - start < std::chrono::milliseconds(700));

  config.api_server = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  got = ReadinessChecker(config).Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: Kubernetes API server at " + config.api_server +
                          ": connection failed (refused or unreachable)");
  CHECK(got.reason.find("tok") == std::string::npos);
}

TEST_CASE("ReadinessChecker kubernetes: TLS is verified against ca_file") {
  if (access("/usr/bin/openssl", X_OK) != 0) {
    MESSAGE("skipped: the openssl CLI is not installed");
    return;
  }
  TempDir dir;
  MakeCertificate(dir, "server", "IP:127.0.0.1");
  MakeCertificate(dir, "other", "IP:127.0.0.1");
  MakeCertificate(dir, "elsewhere", "DNS:kubernetes.default.svc");
  testing::WriteFile(dir / "token", "tok");
  TlsServerThread api(dir / "server.crt", dir / "server.key",
                      DeploymentJson("podinfo", 2, 2, 2, "NewReplicaSetAvailable"));
  ReadinessConfig config =
      Kubernetes("https://127.0.0.1:" + std::to_string(api.port()), dir / "token", 2000);
  config.ca_file = dir / "server.crt";
  policies::Readiness got = ReadinessChecker(config).Check("test", "podinfo");
  CHECK_MESSAGE(got.ready, got.reason);

  config.ca_file = dir / "other.crt";
  got = ReadinessChecker(config).Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: Kubernetes API server at " + config.api_server +
                          ": TLS certificate verification failed");

  // Trusted, but issued for another name: the host name is checked too.
  {
    TlsServerThread elsewhere(dir / "elsewhere.crt", dir / "elsewhere.key",
                              DeploymentJson("podinfo", 2, 2, 2, "NewReplicaSetAvailable"));
    ReadinessConfig other = Kubernetes("https://127.0.0.1:" + std::to_string(elsewhere.port()), dir / "token", 2000);
    other.ca_file = dir / "elsewhere.crt";
    got = ReadinessChecker(other).Check("test", "podinfo");
    CHECK_FALSE(got.ready);
    CHECK(got.reason == "deployment test/podinfo: Kubernetes API server at " + other.api_server +
                            ": TLS certificate verification failed");
  }

  config.ca_file = dir / "missing.crt";
  got = ReadinessChecker(config).Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: cannot read the CA file " + config.ca_file +
                          ": No such file or directory");
}

TEST_CASE("ReadinessChecker prometheus: kube-state-metrics series through a real Prometheus") {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(30);
  // podinfo is exported twice, as by two kube-state-metrics replicas.
  const std::string metrics = KsmMetrics({
      {"podinfo", ",replica=\"a\"", 3, 3, 3, 3, 2, 2},
      {"podinfo", ",replica=\"b\"", 3, 3, 3, 3, 2, 2},
      {"podinfo-primary", "", 3, 3, 3, 1, 5, 5},
      {"rolling", "", 2, 3, 1, 2, 6, 6},
      {"zero", "", 0, 0, 0, 0, 3, 3},
      {"unobserved", "", 3, 3, 3, 3, 8, 7},
  });
  std::atomic<int> scrapes{0};
  ServerThread exporter([&](httplib::Server& s) {
    s.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
      ++scrapes;
      res.set_content(metrics, "text/plain; version=0.0.4");
    });
  });
  TempDir dir;
  testing::PrometheusProcess prometheus(dir.path(), "127.0.0.1:" + std::to_string(exporter.port()));
  if (!prometheus.Installed()) {
    MESSAGE("skipped: prometheus not installed (scripts/test.sh installs it)");
    return;
  }
  if (!prometheus.WaitReady(deadline)) FAIL("prometheus not ready; log:\n" << prometheus.Log());
  ReadinessChecker checker(Prometheus(prometheus.url(), 2000));

  policies::Readiness got;
  while (Clock::now() < deadline && !(got = checker.Check("test", "podinfo")).ready) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE_MESSAGE(got.ready, got.reason << "\nprometheus log:\n" << prometheus.Log());

  const std::string ready_at = " (ready at 1: every desired replica updated and available)";
  struct Case {
    std::string name;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"podinfo-primary", "deployment test/podinfo-primary not ready: readiness query returned 0.3333" + ready_at},
      {"rolling", "deployment test/rolling not ready: readiness query returned 0" + ready_at},
      {"zero", "deployment test/zero not ready: readiness query returned 0" + ready_at},
      {"unobserved", "deployment test/unobserved not ready: readiness query returned 0" + ready_at},
      {"absent", "deployment test/absent: readiness query returned no data "
                 "(is kube-state-metrics scraped, and does the Deployment exist?)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    got = checker.Check("test", c.name);
    CHECK_FALSE(got.ready);
    CHECK(got.reason == c.reason);
  }
  MESSAGE("prometheus readiness took "
          << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
          << " ms after " << scrapes.load() << " scrapes");
}

TEST_CASE("ReadinessChecker prometheus: an unreachable Prometheus is not ready, with the reason") {
  const std::string url = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  ReadinessChecker checker(Prometheus(url, 500));
  policies::Readiness got = checker.Check("test", "podinfo");
  CHECK_FALSE(got.ready);
  CHECK(got.reason == "deployment test/podinfo: Prometheus at " + url +
                          ": connection failed (refused or unreachable)");
}

}  // namespace gitcanary
