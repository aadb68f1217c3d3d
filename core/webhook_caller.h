// WebhookCaller: the I/O seam for calling Flagger-compatible webhooks.
//
// policies/ decides which webhook to call with which JSON body and how to read
// the answer (policies/webhook.h); the executor in plugin/ carries the call out
// through this interface, so decisions can be tested without a network.
// plugin/clients/webhook_client.h holds the HTTP implementation. Post() sends `body` as
// application/json with an HTTP POST and returns the final HTTP response,
// whatever its status, once no retry is left or wanted. It returns an error
// Status only when no response could be had at all (bad URL, connection
// refused, timeout, TLS failure) after the retries. Error messages name the
// URL with any user:pass@ removed.
#pragma once

#include <string>

#include "core/status.h"

namespace gitcanary {

struct WebhookRequest {
  std::string url;
  std::string body;
  long long timeout_ms = 0;  // per attempt; <= 0 means the default (10 s)
  int retries = 0;           // extra attempts after a transport error or a retryable status
  bool skip_tls_verify = false;  // the hook's disableTLS: an https server's certificate is not checked
};

struct WebhookResponse {
  int status = 0;
  std::string body;
};

class WebhookCaller {
 public:
  virtual ~WebhookCaller() = default;
  virtual Result<WebhookResponse> Post(const WebhookRequest& request) = 0;
};

}  // namespace gitcanary
