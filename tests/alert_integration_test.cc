// Integration tests for alert sending: SendAlert through the real
// HttpWebhookCaller to a cpp-httplib server on 127.0.0.1 (random port,
// background thread, stopped by a destructor even when a check fails), and
// ResolveProviderAddress with FileEnvSecretSource on a temp directory. The
// server records each request and answers per path: 200, 202 (what MS Teams
// answers), 204, and 500. Every wait is bounded.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/alert_sender.h"
#include "plugin/clients/secret_source_impl.h"
#include "plugin/clients/webhook_client.h"
#include "tests/loopback_egress.h"
#include "policies/alert.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using policies::AlertEvent;
using policies::AlertProvider;
using policies::Severity;

struct Received {
  std::string path, body, content_type;
};

class AlertServer {
 public:
  AlertServer() {
    for (const char* path : {"/slack", "/discord/slack", "/generic", "/hooks/T0KEN/ok"}) Answer(path, 200, "ok");
    Answer("/teams", 202, "");
    Answer("/empty", 204, "");
    Answer("/error", 500, "boom");
    Answer("/hooks/T0KEN/fail", 500, "no_service");
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto start = std::chrono::steady_clock::now();
    while (port_ > 0 && !server_.is_running() && std::chrono::steady_clock::now() - start < 5s) {
      std::this_thread::sleep_for(5ms);
    }
  }
  ~AlertServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  bool ready() const { return port_ > 0 && server_.is_running(); }
  std::string HostPort() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string Url(const std::string& path) const { return "http://" + HostPort() + path; }
  std::vector<Received> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Answer(const std::string& path, int status, std::string body) {
    server_.Post(path, [this, status, body](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back({req.path, req.body, req.get_header_value("Content-Type")});
      }
      res.status = status;
      if (!body.empty()) res.set_content(body, "text/plain");
    });
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::vector<Received> requests_;
};

AlertProvider Provider(const std::string& type, const std::string& address) {
  AlertProvider p;
  p.name = "on-call";
  p.ns = "flagger";
  p.type = type;
  p.address = address;
  return p;
}

AlertEvent Event(Severity severity) {
  AlertEvent e;
  e.canary_name = "podinfo";
  e.ns = "test";
  e.phase = "Failed";
  e.message = "Failed checks threshold reached 5";
  e.severity = severity;
  e.fields = {{"Cluster", "prod"}, {"Target", "Deployment/podinfo.test"}};
  e.checksum = "85d557f47b";
  e.timestamp_ms = 1700000000000;
  return e;
}

// The one request the server got, parsed as JSON.
json OnlyBody(AlertServer& server, const std::string& path) {
  std::vector<Received> seen = server.Requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].path == path);
  CHECK(seen[0].content_type == "application/json");
  return json::parse(seen[0].body);  // throws, failing the test, when not JSON
}

// Sends `event` at `severity` to `provider` and returns the one body the
// server received at `received_path`.
json SendAndReceive(AlertServer& server, const AlertProvider& provider, Severity severity,
                    const std::string& received_path) {
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Status st = SendAlert(caller, provider, Event(severity));
  REQUIRE_MESSAGE(st.ok(), st.message());
  return OnlyBody(server, received_path);
}

TEST_CASE("alert: slack receives SlackPayload as JSON") {
  AlertServer server;
  REQUIRE(server.ready());
  AlertProvider p = Provider("slack", server.Url("/slack"));
  p.channel = "on-call-alerts";
  const json body = SendAndReceive(server, p, Severity::kError, "/slack");
  CHECK(body["channel"] == "on-call-alerts");
  CHECK(body["username"] == "flagger");
  CHECK(body["icon_emoji"] == ":rocket:");
  const json& a = body["attachments"][0];
  CHECK(a["color"] == "danger");
  CHECK(a["author_name"] == "podinfo.test");
  CHECK(a["text"] == "Failed checks threshold reached 5");
  REQUIRE(a["fields"].size() == 2);
  CHECK(a["fields"][1] == json{{"title", "Target"}, {"value", "Deployment/podinfo.test"}, {"short", false}});
}

TEST_CASE("alert: msteams receives a MessageCard and its 202 counts as sent") {
  AlertServer server;
  REQUIRE(server.ready());
  const json body = SendAndReceive(server, Provider("msteams", server.Url("/teams")), Severity::kWarn, "/teams");
  CHECK(body["@type"] == "MessageCard");
  CHECK(body["themeColor"] == "0076D7");
  CHECK(body["summary"] == "podinfo.test");
  CHECK(body["sections"][0]["activityTitle"] == "Failed checks threshold reached 5");
  CHECK(body["sections"][0]["facts"][0] == json{{"name", "Cluster"}, {"value", "prod"}});
}

TEST_CASE("alert: generic receives the event webhook body and 204 is success") {
  AlertServer server;
  REQUIRE(server.ready());
  const json body = SendAndReceive(server, Provider("generic", server.Url("/generic")), Severity::kError, "/generic");
  CHECK(body["name"] == "podinfo");
  CHECK(body["namespace"] == "test");
  CHECK(body["phase"] == "Failed");
  CHECK(body["checksum"] == "85d557f47b");
  CHECK(body["metadata"]["eventMessage"] == "Failed checks threshold reached 5");
  CHECK(body["metadata"]["eventType"] == "Warning");
  CHECK(body["metadata"]["timestamp"] == "1700000000000");
  CHECK(body["metadata"]["Target"] == "Deployment/podinfo.test");
  // Any 2xx is success for Flagger's notifier, unlike its webhooks (<= 202).
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Status empty = SendAlert(caller, Provider("generic", server.Url("/empty")), Event(Severity::kInfo));
  CHECK_MESSAGE(empty.ok(), empty.message());
}

TEST_CASE("alert: discord posts to the /slack endpoint") {
  AlertServer server;
  REQUIRE(server.ready());
  const json body = SendAndReceive(server, Provider("discord", server.Url("/discord")), Severity::kInfo, "/discord/slack");
  CHECK(body["attachments"][0]["color"] == "good");
}

TEST_CASE("alert: a 500 is an error naming the provider, sent once, without credentials") {
  AlertServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  const std::string url = "http://bot:s3cret@" + server.HostPort() + "/error";
  Status st = SendAlert(caller, Provider("slack", url), Event(Severity::kError));
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kIo);
  CHECK(st.message() == "alert provider flagger/on-call (slack): POST " + server.Url("/error") +
                            ": HTTP 500: boom");
  CHECK(st.message().find("s3cret") == std::string::npos);
  CHECK(server.Requests().size() == 1);  // Flagger's notifier does not retry
}

TEST_CASE("alert: a refused connection is an Io error naming the provider") {
  HttpWebhookCaller caller(testing::LoopbackEgress(), HttpWebhookCaller::Options{10, 50, 64 * 1024});
  // A loopback port that is bound but not listening, held for the test.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  const int port = ntohs(addr.sin_port);
  const std::string url = "http://u:pw@127.0.0.1:" + std::to_string(port) + "/slack";
  Status st = SendAlert(caller, Provider("msteams", url), Event(Severity::kInfo));
  close(fd);
  REQUIRE(bound);
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kIo);
  CHECK(st.message().rfind("alert provider flagger/on-call (msteams): POST http://127.0.0.1:", 0) == 0);
  CHECK(st.message().find("pw@") == std::string::npos);
}

TEST_CASE("alert: a secretRef address from a mounted file overrides spec.address") {
  AlertServer server;
  REQUIRE(server.ready());
  gitcanary::testing::TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "flagger/slack-url/address", server.Url("/hooks/T0KEN/ok") + "\n");
  FileEnvSecretSource secrets(tmp.path());
  HttpWebhookCaller caller(testing::LoopbackEgress());

  Result<AlertProvider> p =
      ResolveProviderAddress(Provider("slack", server.Url("/error")), std::string("slack-url"), secrets);
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  CHECK(p->address == server.Url("/hooks/T0KEN/ok"));
  CHECK(p->token.empty());
  Status st = SendAlert(caller, *p, Event(Severity::kInfo));
  REQUIRE_MESSAGE(st.ok(), st.message());
  CHECK(OnlyBody(server, "/hooks/T0KEN/ok")["attachments"][0]["color"] == "good");

  // Without a secretRef the spec's address stays.
  Result<AlertProvider> plain = ResolveProviderAddress(Provider("slack", "https://a.example/x"),
                                                       std::nullopt, secrets);
  REQUIRE(plain.ok());
  CHECK(plain->address == "https://a.example/x");
  CHECK_FALSE(plain->address_from_secret);
}

TEST_CASE("alert: failures with a secret address do not show its path") {
  AlertServer server;
  REQUIRE(server.ready());
  gitcanary::testing::TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "flagger/slack-url/address", server.Url("/hooks/T0KEN/fail"));
  FileEnvSecretSource secrets(tmp.path());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Result<AlertProvider> p = ResolveProviderAddress(Provider("slack", ""), std::string("slack-url"), secrets);
  REQUIRE(p.ok());
  Status st = SendAlert(caller, *p, Event(Severity::kError));
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "alert provider flagger/on-call (slack): POST http://" + server.HostPort() +
                            "/...: HTTP 500: no_service");
  CHECK(st.message().find("T0KEN") == std::string::npos);
}

TEST_CASE("alert: secretRef without an address, with a token, or with a bad name fails") {
  gitcanary::testing::TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "flagger/only-token/token", "xoxb-123");
  gitcanary::testing::WriteFile(tmp / "flagger/with-token/address", "https://slack.com/api/chat.postMessage");
  gitcanary::testing::WriteFile(tmp / "flagger/with-token/token", "xoxb-456\n");
  FileEnvSecretSource secrets(tmp.path());

  Result<AlertProvider> none = ResolveProviderAddress(Provider("slack", "https://a.example/x"),
                                                      std::string("only-token"), secrets);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == Code::kInvalidInput);
  CHECK(none.status().message() ==
        "alert provider flagger/on-call (slack): secretRef: secret \"only-token\" in namespace flagger (" +
            (tmp / "flagger/only-token/") +
            " or GITCANARY_SECRET_FLAGGER__ONLY_TOKEN_<KEY>) has no key \"address\"; a secretRef is read only "
            "from the AlertProvider's own namespace");

  Result<AlertProvider> bad = ResolveProviderAddress(Provider("slack", ""), std::string("../etc"), secrets);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalidInput);
  CHECK(bad.status().message().rfind("alert provider flagger/on-call (slack): secretRef: secret name", 0) == 0);

  Result<AlertProvider> with_token = ResolveProviderAddress(Provider("slack", ""), std::string("with-token"), secrets);
  REQUIRE(with_token.ok());
  CHECK(with_token->token == "xoxb-456");
  // Flagger would send it as a Bearer header, which this client cannot: refused, nothing sent.
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Status st = SendAlert(caller, *with_token, Event(Severity::kInfo));
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == Code::kInvalidInput);
  CHECK(st.message().find("xoxb") == std::string::npos);
  CHECK(st.message().find("token") != std::string::npos);
}

TEST_CASE("alert: a provider's secretRef is never read from another namespace") {
  AlertServer server;
  REQUIRE(server.ready());
  gitcanary::testing::TempDir tmp;
  // team-b's Secret "slack-url" exists; the provider is in team-a.
  gitcanary::testing::WriteFile(tmp / "team-b/slack-url/address", server.Url("/hooks/team-b"));
  gitcanary::testing::ScopedEnv flat("GITCANARY_SECRET_SLACK_URL_ADDRESS", server.Url("/hooks/flat"));
  gitcanary::testing::ScopedEnv other("GITCANARY_SECRET_TEAM_B__SLACK_URL_ADDRESS", server.Url("/hooks/env-b"));
  FileEnvSecretSource secrets(tmp.path());
  AlertProvider provider = Provider("slack", server.Url("/hooks/spec"));
  provider.ns = "team-a";
  Result<AlertProvider> p = ResolveProviderAddress(provider, std::string("slack-url"), secrets);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Code::kInvalidInput);
  CHECK(p.status().message().find("secret \"slack-url\" in namespace team-a") != std::string::npos);
  CHECK(server.Requests().empty());  // nothing sent: the executor sends only a resolved provider
}

}  // namespace
}  // namespace gitcanary::plugin
