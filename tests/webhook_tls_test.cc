// A webhook's disableTLS against a real https server on 127.0.0.1 with a
// self-signed certificate: refused by default, as Flagger refuses it, and
// called when the hook sets disableTLS (Flagger's InsecureSkipVerify).
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "plugin/clients/webhook_client.h"
#include "tests/loopback_egress.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using testing::TempDir;

// An httplib::SSLServer on 127.0.0.1 answering POST /hook with 200.
class TlsHookServer {
 public:
  TlsHookServer(const std::string& cert, const std::string& key) : server_(cert.c_str(), key.c_str()) {
    server_.Post("/hook", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~TlsHookServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = -1;
};

}  // namespace

TEST_CASE("webhook: a self-signed https server is refused unless the hook sets disableTLS") {
  TempDir dir;
  testing::Sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=gitcanary-test "
              "-addext subjectAltName=IP:127.0.0.1 -keyout '" + (dir / "hook.key") + "' -out '" +
              (dir / "hook.crt") + "' 2>/dev/null");
  TlsHookServer server(dir / "hook.crt", dir / "hook.key");
  HttpWebhookCaller caller(testing::LoopbackEgress());
  WebhookRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/hook";
  request.body = "{}";
  request.timeout_ms = 5000;
  auto verified = caller.Post(request);
  REQUIRE(!verified.ok());
  CHECK(verified.status().message().find("certificate") != std::string::npos);
  request.skip_tls_verify = true;
  auto skipped = caller.Post(request);
  REQUIRE_MESSAGE(skipped.ok(), skipped.status().message());
  CHECK(skipped->status == 200);
  CHECK(skipped->body == "ok");
}

}  // namespace gitcanary::plugin
