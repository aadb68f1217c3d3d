// Integration tests for HttpWebhookCaller against a real cpp-httplib server on
// 127.0.0.1 (random port, background thread, stopped by a destructor even when
// a check fails). The server records each request's body and headers and
// answers per path: 200, 202, 204, 400, 500, a slow handler that outlives the
// client's timeout, and a flaky one that fails the first two calls with 500.
// Every wait is bounded.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugin/clients/webhook_client.h"
#include "tests/loopback_egress.h"
#include "policies/webhook.h"

namespace gitcanary::plugin {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Recorded {
  std::string path;
  std::string body;
  httplib::Headers headers;
};

class WebhookServer {
 public:
  WebhookServer() {
    Answer("/ok", 200, "fine");
    Answer("/accepted", 202, "queued");
    Answer("/nocontent", 204, "");
    Answer("/bad", 400, "bad request:\nmissing cmd\n");
    Answer("/error", 500, "boom");
    Answer("/big", 200, std::string(100 * 1024, 'b'));
    server_.Post("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, 5s, [this] { return released_; });  // released at teardown
      res.set_content("late", "text/plain");
    });
    server_.Post("/flaky", [this](const httplib::Request& req, httplib::Response& res) {
      const std::size_t n = Record(req);
      res.status = n <= 2 ? 500 : 200;
      res.set_content(n <= 2 ? "not yet" : "ok now", "text/plain");
    });
    server_.set_keep_alive_timeout(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (auto start = Clock::now(); port_ > 0 && !server_.is_running() && Clock::now() - start < 5s;) {
      std::this_thread::sleep_for(5ms);
    }
  }

  ~WebhookServer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool ready() const { return port_ > 0 && server_.is_running(); }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Recorded> Requests(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Recorded> out;
    for (const Recorded& r : requests_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

 private:
  void Answer(const std::string& path, int status, std::string body) {
    server_.Post(path, [this, status, body](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      res.status = status;
      if (!body.empty()) res.set_content(body, "text/plain");
    });
  }
  // Stores the request; returns how many requests its path has had.
  std::size_t Record(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back({req.path, req.body, req.headers});
    std::size_t n = 0;
    for (const Recorded& r : requests_) n += r.path == req.path ? 1 : 0;
    return n;
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  std::vector<Recorded> requests_;
};

// A loopback port that is bound but not listening, so connecting is refused;
// held until destruction so no one else takes it meanwhile.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = -1;
};

long long MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

const std::string kPayload = policies::WebhookPayload(
    "podinfo", "test", policies::PhaseForHook("pre-rollout", "Initialized"), "85d557f47b",
    {{"type", "cmd"}, {"cmd", "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/?a=1&b=<2>"}});

TEST_CASE("webhook: the server receives Flagger's exact body as application/json") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Result<WebhookResponse> res = caller.Post({server.Url("/ok"), kPayload, 2000, 0});
  REQUIRE_MESSAGE(res.ok(), res.status().message());
  CHECK(res->status == 200);
  CHECK(res->body == "fine");
  CHECK(policies::WebhookSucceeded(res->status));

  std::vector<Recorded> seen = server.Requests("/ok");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].body == kPayload);
  CHECK(seen[0].headers.find("Content-Type")->second == "application/json");
  CHECK(seen[0].headers.find("Content-Length")->second == std::to_string(kPayload.size()));
  CHECK(seen[0].headers.count("Authorization") == 0);
}

TEST_CASE("webhook: status codes follow Flagger's <= 202 rule, bodies in reasons") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  struct Case {
    std::string path;
    int status;
    bool succeeded;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"/ok", 200, true, "HTTP 200: fine"},
      {"/accepted", 202, true, "HTTP 202: queued"},
      {"/nocontent", 204, false, "HTTP 204"},
      {"/bad", 400, false, "HTTP 400: bad request: missing cmd"},
      {"/error", 500, false, "HTTP 500: boom"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.path);
    Result<WebhookResponse> res = caller.Post({server.Url(c.path), kPayload, 2000, 0});
    REQUIRE_MESSAGE(res.ok(), res.status().message());
    CHECK(res->status == c.status);
    CHECK(policies::WebhookSucceeded(res->status) == c.succeeded);
    CHECK(policies::WebhookFailureReason(res) == c.reason);
    CHECK(server.Requests(c.path).size() == 1);  // retries = 0: one request, even for 500
  }
}

TEST_CASE("webhook: a slow server times out within the bound") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  const Clock::time_point start = Clock::now();
  Result<WebhookResponse> res = caller.Post({server.Url("/slow"), kPayload, 300, 0});
  const long long elapsed = MillisSince(start);
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().code() == Code::kIo);
  CHECK(elapsed >= 250);
  CHECK(elapsed < 1000);
  const std::string reason = policies::WebhookFailureReason(res);
  CHECK(reason == "POST " + server.Url("/slow") + ": timed out after 300 ms (1 attempt)");
  CHECK(server.Requests("/slow").size() == 1);
}

TEST_CASE("webhook: retries after 5xx until a success") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  const Clock::time_point start = Clock::now();
  Result<WebhookResponse> res = caller.Post({server.Url("/flaky"), kPayload, 2000, 2});
  REQUIRE_MESSAGE(res.ok(), res.status().message());
  CHECK(res->status == 200);
  CHECK(res->body == "ok now");
  CHECK(MillisSince(start) < 2000);  // backoff 100 + 200 ms
  std::vector<Recorded> seen = server.Requests("/flaky");
  REQUIRE(seen.size() == 3);
  for (const Recorded& r : seen) CHECK(r.body == kPayload);
}

TEST_CASE("webhook: retries run out on the last 5xx and 4xx is not retried") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress(), HttpWebhookCaller::Options{10, 50, 64 * 1024});
  Result<WebhookResponse> flaky = caller.Post({server.Url("/flaky"), kPayload, 2000, 1});
  REQUIRE(flaky.ok());
  CHECK(flaky->status == 500);
  CHECK(policies::WebhookFailureReason(flaky) == "HTTP 500: not yet");
  CHECK(server.Requests("/flaky").size() == 2);

  Result<WebhookResponse> bad = caller.Post({server.Url("/bad"), kPayload, 2000, 3});
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);
  CHECK(server.Requests("/bad").size() == 1);
}

TEST_CASE("webhook: URL credentials become Basic auth and never show in reasons") {
  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller caller(testing::LoopbackEgress());
  const std::string url = "http://user:p%40ss@127.0.0.1:" + server.Url("/ok").substr(17);
  REQUIRE(policies::UrlHasCredentials(url));
  Result<WebhookResponse> res = caller.Post({url, kPayload, 2000, 0});
  REQUIRE_MESSAGE(res.ok(), res.status().message());
  std::vector<Recorded> seen = server.Requests("/ok");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].headers.find("Authorization")->second == "Basic dXNlcjpwQHNz");  // user:p@ss
}

TEST_CASE("webhook: a closed port is a transport error naming the URL") {
  ClosedPort closed;
  REQUIRE(closed.port() > 0);
  HttpWebhookCaller caller(testing::LoopbackEgress(), HttpWebhookCaller::Options{10, 50, 64 * 1024});
  const std::string where = "127.0.0.1:" + std::to_string(closed.port()) + "/hook";
  const Clock::time_point start = Clock::now();
  Result<WebhookResponse> res = caller.Post({"http://admin:s3cret@" + where, kPayload, 2000, 1});
  CHECK(MillisSince(start) < 2000);
  REQUIRE_FALSE(res.ok());
  CHECK(res.status().code() == Code::kIo);
  CHECK(res.status().message() == "POST http://" + where + ": could not connect (2 attempts)");
  CHECK(policies::WebhookFailureReason(res).find("s3cret") == std::string::npos);
}

TEST_CASE("webhook: bad URLs fail before any request and big bodies are capped") {
  HttpWebhookCaller caller(testing::LoopbackEgress());
  Result<WebhookResponse> ftp = caller.Post({"ftp://example.com/x", kPayload, 100, 3});
  REQUIRE_FALSE(ftp.ok());
  CHECK(ftp.status().code() == Code::kInvalidInput);
  CHECK(ftp.status().message() == "webhook URL must be http(s), got \"ftp://example.com/x\"");

  WebhookServer server;
  REQUIRE(server.ready());
  HttpWebhookCaller capped(testing::LoopbackEgress(), HttpWebhookCaller::Options{10, 50, 1000});
  Result<WebhookResponse> big = capped.Post({server.Url("/big"), kPayload, 0, 0});  // default timeout
  REQUIRE_MESSAGE(big.ok(), big.status().message());
  CHECK(big->status == 200);
  CHECK(big->body == std::string(1000, 'b'));
}

}  // namespace
}  // namespace gitcanary::plugin
