// HttpWebhookCaller: the WebhookCaller that really calls webhooks, over HTTP
// or HTTPS with cpp-httplib.
//
// One POST per attempt with Content-Type application/json, on a fresh
// connection. `timeout_ms` (default 10 s, as Flagger) bounds connecting, each
// socket read and write, and the whole time spent reading the response body.
// User info in the URL is sent as Basic auth, as Go's client (and so Flagger)
// does. HTTPS verifies the server certificate against the system CA store.
// Redirects are not followed. After a transport error, a 429 or a 5xx other
// than 501 (go-retryablehttp's policy, which Flagger uses), the call is retried
// up to `retries` more times, sleeping backoff_step_ms x attempt (at most
// max_backoff_ms) between attempts; Flagger's client backs off 1 s..30 s
// exponentially, which is longer than gitcanary's short ticks want. TLS
// certificate errors are not retried, as in Flagger. Post() returns the last
// response, or an error naming the URL without its credentials. Safe to call
// from several threads at once.
//
// Every call first passes its EgressGuard (plugin/clients/egress_guard.h): a
// refused host is never contacted, and the call returns the Invalid error
// "egress denied: <reason>" at once, without retries. Otherwise each attempt
// connects only to the addresses the guard checked, in order (the next one
// only when connecting to the previous failed), with the URL's host name kept
// for the Host header, SNI and certificate verification. A caller built
// without a guard uses DefaultEgressGuard().
#pragma once

#include <cstddef>
#include <memory>

#include "core/status.h"
#include "core/webhook_caller.h"
#include "plugin/clients/egress_guard.h"

namespace gitcanary::plugin {

class HttpWebhookCaller : public WebhookCaller {
 public:
  struct Options {
    long long backoff_step_ms = 100;
    long long max_backoff_ms = 1000;
    std::size_t max_body_bytes = 64 * 1024;  // response bytes kept; the rest is read and dropped
  };

  HttpWebhookCaller() = default;
  explicit HttpWebhookCaller(Options options) : options_(options) {}
  explicit HttpWebhookCaller(std::shared_ptr<const EgressGuard> egress) : egress_(std::move(egress)) {}
  HttpWebhookCaller(std::shared_ptr<const EgressGuard> egress, Options options)
      : options_(options), egress_(std::move(egress)) {}

  Result<WebhookResponse> Post(const WebhookRequest& request) override;

 private:
  Options options_;
  std::shared_ptr<const EgressGuard> egress_ = DefaultEgressGuard();
};

}  // namespace gitcanary::plugin
