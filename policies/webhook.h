// Webhook policy: what gitcanary sends to a Flagger-compatible webhook and how
// it reads the answer. Pure functions, no I/O; plugin/clients/webhook_client.cc does
// the HTTP call through core/webhook_caller.h.
//
// Everything here follows Flagger (fluxcd/flagger, checked at commit 15bd6ad):
// the JSON body is CanaryWebhookPayload (pkg/apis/flagger/v1beta1/canary.go)
// as Go's encoding/json writes it; the phase per hook type is what
// pkg/controller/scheduler.go and scheduler_hooks.go pass to CallWebhook;
// success is `status <= 202` and the default timeout 10 s
// (pkg/controller/webhook.go); retries follow go-retryablehttp v0.7.8's
// DefaultRetryPolicy, which Flagger's webhook client uses. Differences are
// stated beside each function.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/webhook_caller.h"

namespace gitcanary::policies {

// Flagger's timeout when a webhook has none (webhook.go: `if len(w.Timeout) < 2
// { w.Timeout = "10s" }`, and callWebhook's `if timeout == "" { "10s" }`).
inline constexpr long long kDefaultWebhookTimeoutMs = 10'000;

// How much of a response body a failure reason quotes.
inline constexpr std::size_t kFailureBodyLimit = 200;

// Flagger's webhook body, byte for byte as Go's json.Marshal writes
// CanaryWebhookPayload: fields in the order name, namespace, phase, checksum,
// metadata; metadata keys sorted bytewise; "metadata" left out when empty
// (omitempty); no whitespace, no trailing newline. Strings are escaped as Go
// does: \" \\ \b \f \n \r \t, other control bytes as \u00XX, '<' '>' '&' as
// \u003c \u003e \u0026, U+2028/U+2029 as \u2028/\u2029, and each byte of
// invalid UTF-8 as \ufffd.
std::string WebhookPayload(const std::string& name, const std::string& ns, std::string_view phase,
                           const std::string& checksum,
                           const std::map<std::string, std::string>& metadata);

// A string as a JSON string literal, escaped as Go's encoding/json does (above).
std::string GoJsonString(std::string_view s);

// The "phase" Flagger sends for a hook type, given the canary's current phase
// (status.phase, or for post-rollout the outcome). An empty type is "rollout",
// as in Flagger. Returns "" for an unknown type. The result may view
// `canary_phase`, so it lives as long as that argument.
//   confirm-rollout           canary_phase    (runConfirmRolloutHooks: canary.Status.Phase)
//   pre-rollout               "Progressing"   (runPreRolloutHooks)
//   rollout, ""               "Progressing"   (runAnalysis)
//   confirm-traffic-increase  "Progressing"   (runConfirmTrafficIncreaseHooks)
//   confirm-promotion         "Progressing"   (runConfirmPromotionHooks, even while
//                                              status.phase is WaitingPromotion)
//   post-rollout              "Failed" when canary_phase is "Failed", else "Succeeded"
//                             (scheduler.go passes CanaryPhaseSucceeded after
//                             finalising, CanaryPhaseFailed from rollback and
//                             handleFailedPromotion)
//   rollback                  canary_phase    (runRollbackHooks(cd, cd.Status.Phase);
//                             Flagger calls it only in Progressing, Waiting and
//                             WaitingPromotion, gitcanary in every phase)
//   event                     canary_phase    (CallEventWebhook: r.Status.Phase)
std::string_view PhaseForHook(std::string_view hook_type, std::string_view canary_phase);

// Whether an HTTP status lets the canary go on. Flagger's callWebhook fails on
// `r.StatusCode > 202`, so 200, 201 and 202 pass and 203..299 (including 204
// No Content) FAIL, even though its docs say "non-2xx" fails. gitcanary keeps
// Flagger's rule exactly, so a webhook behaves the same under both: success is
// 200 <= status <= 202. (Go's client never returns 1xx as a final status, and
// 0 means no response.) 3xx fails too: Go's client would follow the redirect,
// gitcanary does not follow redirects.
bool WebhookSucceeded(int http_status);

// Whether a response is worth another attempt (when retries remain), as
// go-retryablehttp's baseRetryPolicy: 429, and 5xx except 501 Not Implemented.
bool WebhookRetryable(int http_status);

// A webhook URL split into what an HTTP client needs. `user` and `password`
// are percent-decoded (Go sends them as Basic auth); `target` is the path
// (default "/") and query as written, without the fragment.
struct WebhookUrl {
  std::string scheme;     // "http" or "https", lower-cased
  std::string host_port;  // as written: "example.com", "10.0.0.1:8080", "[::1]:80"
  bool has_userinfo = false;
  std::string user;
  std::string password;
  std::string target;
};

// Splits and checks a URL: http:// or https:// (any case), a non-empty host, an
// optional numeric port 1..65535, no whitespace or control characters. The
// error is `webhook URL must be http(s), got "URL": detail` with the URL's
// credentials removed.
Result<WebhookUrl> ParseWebhookUrl(std::string_view url);

// ParseWebhookUrl's verdict only.
Status ValidateWebhookUrl(std::string_view url);

// Whether the URL carries user info (user@ or user:pass@) in its authority.
// Allowed, as in Flagger, but lint warns: the secret then lives in git.
bool UrlHasCredentials(std::string_view url);

// The URL with its user info (everything up to the last '@' of the authority)
// removed: "https://u:p@h/x" -> "https://h/x". Other URLs are returned as is.
std::string RedactUrl(std::string_view url);

// `text` with the user info removed from every "scheme://user:pass@host" in it.
std::string RedactUrls(std::string_view text);

// One line saying why a call did not succeed: "HTTP 500: <body>" (body made
// one line, cut to kFailureBodyLimit bytes at a UTF-8 boundary, "..." when
// cut; just "HTTP 204" when empty) or the transport error's message. URL
// credentials are removed from both.
std::string WebhookFailureReason(const Result<WebhookResponse>& result);

}  // namespace gitcanary::policies
