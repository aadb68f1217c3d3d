// The egress guard with the real HTTP clients, on loopback only: every server
// and every address a test names, refused ones included, is in 127.0.0.0/8.
// The policy under test denies part of loopback (127.0.0.1 allowed, 127.0.0.2
// not; 127.0.0.3 standing for the Kubernetes API service), and a recorder on
// the denied address proves that nothing reached it. A fake resolver stands
// for names that resolve to denied addresses, and for DNS rebinding.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/alert_sender.h"
#include "plugin/clients/egress_guard.h"
#include "plugin/clients/metrics_factory.h"
#include "plugin/clients/webhook_client.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {
namespace {

using namespace std::chrono_literals;

// An HTTP server on one loopback address that records every request and
// answers 200 (POST) or a Prometheus vector (GET /api/v1/query), or 302 to
// `redirect` when that is set.
class Recorder {
 public:
  explicit Recorder(const std::string& address, int port = 0, std::string redirect = "")
      : address_(address), redirect_(std::move(redirect)) {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        hosts_.push_back(req.get_header_value("Host"));
      }
      if (!redirect_.empty()) {
        res.set_redirect(redirect_);
        return;
      }
      res.set_content(R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"7"]}]}})",
                      "application/json");
    };
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    if (port == 0) {
      port_ = server_.bind_to_any_port(address);
    } else if (server_.bind_to_port(address, port)) {
      port_ = port;
    }
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && port_ > 0 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
  }
  ~Recorder() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ready() const { return port_ > 0 && server_.is_running(); }
  int port() const { return port_; }
  std::string Url(const std::string& path = "/hook") const {
    return "http://" + address_ + ":" + std::to_string(port_) + path;
  }
  std::vector<std::string> hosts() {
    std::lock_guard<std::mutex> lock(mu_);
    return hosts_;
  }

 private:
  std::string address_, redirect_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::vector<std::string> hosts_;  // the Host header of each request
};

// Answers from a table; a name missing from it does not resolve.
class FakeResolver : public HostResolver {
 public:
  using Table = std::map<std::string, std::vector<std::string>>;
  explicit FakeResolver(Table table) : table_(std::move(table)) {}
  Result<std::vector<policies::IpAddress>> Resolve(const std::string& host) const override {
    auto it = table_.find(host);
    if (it == table_.end()) return Status::Io("cannot resolve host " + host);
    std::vector<policies::IpAddress> out;
    for (const std::string& a : it->second) out.push_back(*policies::ParseIpAddress(a));
    return out;
  }

 private:
  Table table_;
};

std::shared_ptr<const EgressGuard> Guard(const std::vector<std::string>& allow, const std::string& api = "",
                                         const HostResolver* resolver = nullptr) {
  auto policy = policies::EgressPolicy::Make(allow, {}, api);
  REQUIRE(policy.ok());
  return std::make_shared<const EgressGuard>(*policy, resolver);
}

WebhookRequest Hook(const std::string& url) { return {url, R"({"name":"podinfo"})", 2000, 2}; }

TEST_CASE("egress: a webhook to a denied loopback address is refused with the reason and the recorder gets nothing") {
  Recorder recorder("127.0.0.2");
  REQUIRE(recorder.ready());
  HttpWebhookCaller caller(Guard({"127.0.0.1"}));
  auto res = caller.Post(Hook(recorder.Url()));
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().code() == Code::kInvalidInput);
  CHECK(res.status().message() == "egress denied: 127.0.0.2 is loopback (allow it with --allow-egress 127.0.0.2)");
  std::this_thread::sleep_for(100ms);
  CHECK(recorder.hosts().empty());
  // The same call with the address allowed reaches it: the recorder can hear.
  HttpWebhookCaller allowed(Guard({"127.0.0.1", "127.0.0.2"}));
  auto ok = allowed.Post(Hook(recorder.Url()));
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  CHECK(recorder.hosts().size() == 1);
}

TEST_CASE("egress: a redirect to a denied address is not followed and sends nothing there") {
  Recorder recorder("127.0.0.2");
  REQUIRE(recorder.ready());
  Recorder redirector("127.0.0.1", 0, recorder.Url("/stolen"));
  REQUIRE(redirector.ready());
  HttpWebhookCaller caller(Guard({"127.0.0.1"}));
  auto res = caller.Post(Hook(redirector.Url()));
  REQUIRE(res.ok());
  CHECK(res->status == 302);
  CHECK_FALSE(policies::WebhookSucceeded(res->status));  // a failed check
  CHECK(redirector.hosts().size() == 1);

  PrometheusConfig config;
  config.address = "http://127.0.0.1:" + std::to_string(redirector.port());
  config.egress = Guard({"127.0.0.1"});
  auto value = PrometheusClient(config).Query("up");
  REQUIRE_FALSE(value.ok());
  CHECK(value.status().message().find("answered HTTP 302") != std::string::npos);
  std::this_thread::sleep_for(100ms);
  CHECK(recorder.hosts().empty());
}

TEST_CASE("egress: the API service address is refused under a broad allow and reached when allowed exactly") {
  Recorder api("127.0.0.3");
  REQUIRE(api.ready());
  HttpWebhookCaller broad(Guard({"127.0.0.0/8"}, "127.0.0.3"));
  auto res = broad.Post(Hook(api.Url()));
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().message() ==
        "egress denied: 127.0.0.3 is the Kubernetes API service (KUBERNETES_SERVICE_HOST; allow exactly this address "
        "with --allow-egress 127.0.0.3)");
  std::this_thread::sleep_for(100ms);
  CHECK(api.hosts().empty());
  HttpWebhookCaller exact(Guard({"127.0.0.0/8", "127.0.0.3"}, "127.0.0.3"));
  auto ok = exact.Post(Hook(api.Url()));
  REQUIRE(ok.ok());
  CHECK(api.hosts().size() == 1);
  // By name: refused before any lookup.
  auto named = broad.Post(Hook("http://kubernetes.default.svc.cluster.local/api"));
  REQUIRE_FALSE(named.ok());
  CHECK(named.status().message() ==
        "egress denied: kubernetes.default.svc.cluster.local names the Kubernetes API service (allow it with "
        "--allow-egress kubernetes.default.svc.cluster.local)");
}

TEST_CASE("egress: a name that resolves to a denied address is refused (fake resolver and the system's localhost)") {
  const FakeResolver resolver(FakeResolver::Table{{"hooks.example", {"169.254.169.254"}},
                               {"mixed.example", {"127.0.0.1", "169.254.169.254"}},
                               {"fine.example", {"127.0.0.1"}}});
  const auto guard = Guard({"127.0.0.1"}, "", &resolver);
  auto denied = guard->Admit("hooks.example");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().message() ==
        "egress denied: hooks.example resolves to 169.254.169.254, which is link-local (allow it with --allow-egress "
        "169.254.169.254)");
  auto mixed = guard->Admit("mixed.example");
  REQUIRE_FALSE(mixed.ok());  // one denied address refuses the name
  CHECK(mixed.status().message().find("169.254.169.254, which is link-local") != std::string::npos);
  auto fine = guard->Admit("fine.example");
  REQUIRE(fine.ok());
  CHECK(*fine == std::vector<std::string>{"127.0.0.1"});
  auto unknown = guard->Admit("nowhere.example");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == Code::kIo);
  CHECK(guard->Admit("[::ffff:169.254.169.254]").status().message() ==
        "egress denied: 169.254.169.254 is link-local (allow it with --allow-egress 169.254.169.254)");

  // The system resolver: localhost is loopback, and only 127.0.0.2 is allowed.
  Recorder local("127.0.0.1");
  REQUIRE(local.ready());
  HttpWebhookCaller caller(Guard({"127.0.0.2/32"}));
  auto res = caller.Post(Hook("http://localhost:" + std::to_string(local.port()) + "/hook"));
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().message().rfind("egress denied: localhost resolves to ", 0) == 0);
  CHECK(res.status().message().find("is loopback") != std::string::npos);
  std::this_thread::sleep_for(100ms);
  CHECK(local.hosts().empty());
}

TEST_CASE("egress: the connection is pinned to the checked address and keeps the host name (DNS rebinding)") {
  // The check sees localhost at 127.0.0.2 (allowed); the system would say
  // 127.0.0.1 (denied), where a recorder listens on the same port.
  Recorder checked("127.0.0.2");
  REQUIRE(checked.ready());
  Recorder other("127.0.0.1", checked.port());
  REQUIRE(other.ready());
  const FakeResolver resolver(FakeResolver::Table{{"localhost", {"127.0.0.2"}}});
  const std::string url = "http://localhost:" + std::to_string(checked.port()) + "/hook";
  HttpWebhookCaller caller(Guard({"127.0.0.2"}, "", &resolver));
  auto res = caller.Post(Hook(url));
  REQUIRE(res.ok());
  CHECK(res->status == 200);
  CHECK(checked.hosts() == std::vector<std::string>{"localhost:" + std::to_string(checked.port())});
  CHECK(other.hosts().empty());

  PrometheusConfig config;
  config.address = "http://localhost:" + std::to_string(checked.port());
  config.egress = Guard({"127.0.0.2"}, "", &resolver);
  auto value = PrometheusClient(config).Query("up");
  REQUIRE(value.ok());
  CHECK(*value == 7);
  CHECK(checked.hosts().size() == 2);
  CHECK(other.hosts().empty());
}

TEST_CASE("egress: a MetricTemplate address is checked and the operator's --prometheus is not") {
  Recorder denied("127.0.0.2");
  REQUIRE(denied.ready());
  PrometheusConfig builtin;
  builtin.address = "http://127.0.0.2:" + std::to_string(denied.port());
  MetricsFactory factory(builtin, nullptr, Guard({"127.0.0.1"}));
  policies::MetricTemplate t;
  t.name = "errors";
  t.ns = "test";
  t.provider_type = "prometheus";
  t.address = "http://127.0.0.2:" + std::to_string(denied.port()) + "/prefix";
  t.query = "up";
  auto provider = factory.For(&t, "");
  REQUIRE(provider.ok());
  auto value = (*provider)->Query("up");
  REQUIRE_FALSE(value.ok());
  CHECK(value.status().message() == "Prometheus at " + t.address +
                                        ": egress denied: 127.0.0.2 is loopback (allow it with --allow-egress 127.0.0.2)");
  auto server = factory.For(nullptr, t.address);  // spec.metricsServer, from the repository
  REQUIRE(server.ok());
  CHECK_FALSE((*server)->Query("up").ok());
  std::this_thread::sleep_for(100ms);
  CHECK(denied.hosts().empty());
  // The built-in metrics' Prometheus is the operator's: not checked.
  auto own = factory.For(nullptr, "");
  REQUIRE(own.ok());
  auto up = (*own)->Query("up");
  REQUIRE(up.ok());
  CHECK(denied.hosts().size() == 1);
}

TEST_CASE("egress: an alert provider on a denied address is refused and gets nothing") {
  Recorder denied("127.0.0.2");
  REQUIRE(denied.ready());
  HttpWebhookCaller caller(Guard({"127.0.0.1"}));
  policies::AlertProvider provider;
  provider.name = "on-call";
  provider.ns = "test";
  provider.type = "generic";
  provider.address = denied.Url("/alert");
  policies::AlertEvent event;
  event.canary_name = "podinfo";
  event.ns = "test";
  event.phase = "Failed";
  event.message = "Canary analysis failed";
  Status st = SendAlert(caller, provider, event);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message().find("egress denied: 127.0.0.2 is loopback") != std::string::npos);
  std::this_thread::sleep_for(100ms);
  CHECK(denied.hosts().empty());
}

// The figure the README quotes: the check serve adds to a call. For a name,
// the lookup is moved, not added: the client connects to the checked address
// and resolves nothing itself.
TEST_CASE("egress: the check costs well under 1 ms per call") {
  auto policy = policies::EgressPolicy::Make({"127.0.0.1", "10.1.0.0/16", "hooks.example.com", "*.svc.cluster.local"},
                                             {"10.0.0.0/8"}, "10.96.0.1");
  REQUIRE(policy.ok());
  const EgressGuard guard(*policy);
  const std::vector<policies::IpAddress> resolved = {*policies::ParseIpAddress("203.0.113.7")};
  auto per_call_us = [](int n, const auto& body) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) body(i);
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n;
  };
  int allowed = 0;
  const double pure = per_call_us(10000, [&](int i) {
    allowed += policy->Check(i % 2 ? "hooks.internal" : "flagger-loadtester.test", resolved).allowed ? 1 : 0;
  });
  const double literal = per_call_us(10000, [&](int i) {
    allowed += guard.Admit(i % 2 ? "10.1.2.3" : "169.254.169.254").ok() ? 1 : 0;
  });
  CHECK(allowed == 10000 + 5000);  // 169.254.169.254 is refused
  int resolved_ok = 0;
  const double localhost = per_call_us(1000, [&](int) { resolved_ok += guard.Admit("localhost").ok() ? 1 : 0; });
  MESSAGE("localhost admitted " << resolved_ok << " of 1000 times");
  MESSAGE("egress check per call: policy " << pure << " us, address literal " << literal
                                           << " us, localhost through getaddrinfo " << localhost << " us");
  CHECK(pure < 1000.0);
  CHECK(literal < 1000.0);
  CHECK(localhost < 1000.0);
}

}  // namespace
}  // namespace gitcanary::plugin
