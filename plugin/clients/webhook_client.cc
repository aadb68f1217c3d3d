#include "plugin/clients/webhook_client.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "policies/webhook.h"

namespace gitcanary::plugin {
namespace {

using Clock = std::chrono::steady_clock;

// The outcome of one POST: a response, or why there was none.
struct Attempt {
  std::optional<WebhookResponse> response;
  std::string error;
  bool retryable = true;  // for a transport error: worth another attempt
};

std::string DescribeError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connection timed out";
    case httplib::Error::Read: return "connection closed before a complete response";
    case httplib::Error::Write: return "could not send the request";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "could not load the CA certificates";
    case httplib::Error::SSLServerVerification: return "TLS server certificate verification failed";
    default: return "HTTP client error " + httplib::to_string(error);
  }
}

// Go's retryablehttp does not retry certificate errors: they will not heal.
bool RetryableError(httplib::Error error) {
  return error != httplib::Error::SSLServerVerification && error != httplib::Error::SSLLoadingCerts;
}

bool IsTimeoutLike(httplib::Error error) {
  return error == httplib::Error::Read || error == httplib::Error::Write ||
         error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout ||
         error == httplib::Error::Canceled;
}

void Configure(httplib::Client& client, const policies::WebhookUrl& url, long long timeout_ms, bool skip_tls_verify) {
  const auto timeout = std::chrono::milliseconds(timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_keep_alive(false);
  client.set_follow_location(false);
  client.set_url_encode(false);  // the target is sent as written, as Go sends EscapedPath
  if (url.has_userinfo) client.set_basic_auth(url.user, url.password);
  if (skip_tls_verify) client.enable_server_certificate_verification(false);
}

// One POST to `url`, connected to `address` (one the egress guard checked).
Attempt PostTo(const policies::WebhookUrl& url, const std::string& address, const std::string& body,
               long long timeout_ms, std::size_t max_body, bool skip_tls_verify) {
  httplib::Client client(url.scheme + "://" + url.host_port);
  if (!client.is_valid()) return {std::nullopt, "host not supported by the HTTP client", false};
  Configure(client, url, timeout_ms, skip_tls_verify);
  client.set_hostname_addr_map({{HostOfAuthority(url.host_port), address}});

  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::milliseconds(timeout_ms);
  std::string received;
  bool late = false;
  httplib::Request req;
  req.method = "POST";
  req.path = url.target;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", "gitcanary"}};
  req.body = body;
  req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
    if (Clock::now() > deadline) {
      late = true;
      return false;
    }
    if (received.size() < max_body) received.append(data, std::min(len, max_body - received.size()));
    return true;
  };

  httplib::Result res = client.send(req);
  if (res) return {WebhookResponse{res->status, std::move(received)}, "", true};
  const httplib::Error error = res.error();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  // httplib reports a timeout as the operation that timed out; the clock tells.
  if (late || (IsTimeoutLike(error) && elapsed.count() + 10 >= timeout_ms)) {
    return {std::nullopt, "timed out after " + std::to_string(timeout_ms) + " ms", true};
  }
  return {std::nullopt, DescribeError(error), RetryableError(error)};
}

// One attempt: the checked addresses in order, moving on only when connecting failed.
Attempt PostOnce(const policies::WebhookUrl& url, const std::vector<std::string>& addresses, const std::string& body,
                 long long timeout_ms, std::size_t max_body, bool skip_tls_verify) {
  Attempt last{std::nullopt, "no address to connect to", false};
  for (const std::string& address : addresses) {
    last = PostTo(url, address, body, timeout_ms, max_body, skip_tls_verify);
    if (last.response || last.error != DescribeError(httplib::Error::Connection)) break;
  }
  return last;
}

}  // namespace

Result<WebhookResponse> HttpWebhookCaller::Post(const WebhookRequest& request) {
  Result<policies::WebhookUrl> url = policies::ParseWebhookUrl(request.url);
  if (!url.ok()) return url.status();
  const long long timeout_ms =
      request.timeout_ms > 0 ? request.timeout_ms : policies::kDefaultWebhookTimeoutMs;
  const int attempts = 1 + std::max(0, request.retries);

  Attempt last;
  int made = 0;
  while (made < attempts) {
    if (made > 0) {
      const long long wait = std::min(options_.backoff_step_ms * made, options_.max_backoff_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::max(0LL, wait)));
    }
    // Resolved and checked for each attempt; a refusal ends the call before anything is sent.
    Result<std::vector<std::string>> addresses = egress_->Admit(HostOfAuthority(url->host_port));
    if (!addresses.ok() && addresses.status().code() == Code::kInvalidInput) return addresses.status();
    last = addresses.ok() ? PostOnce(*url, *addresses, request.body, timeout_ms, options_.max_body_bytes,
                                     request.skip_tls_verify)
                          : Attempt{std::nullopt, addresses.status().message(), true};
    ++made;
    const bool again =
        last.response ? policies::WebhookRetryable(last.response->status) : last.retryable;
    if (!again) break;
  }
  if (last.response) return std::move(*last.response);
  return Status::Io("POST " + policies::RedactUrl(request.url) + ": " + last.error + " (" +
                    std::to_string(made) + (made == 1 ? " attempt)" : " attempts)"));
}

}  // namespace gitcanary::plugin
