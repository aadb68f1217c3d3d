// Alert sending: posts one alert to one AlertProvider, and resolves a
// provider's secretRef into its address.
//
// The I/O half of policies/alert.h. SendAlert posts AlertPayload to AlertUrl
// through a WebhookCaller the way Flagger's notifier does
// (pkg/notifier/client.go postMessage, checked at commit 15bd6ad): one POST of
// application/json, a 5 s timeout, no retry, and success for any HTTP 2xx.
// Errors say which provider failed and why, with the URL as
// policies::ShownUrl shows it: never user info, and for an address taken from
// a secret nothing past the host.
//
// Not supported yet, and so refused with an Invalid error rather than sent
// differently from Flagger: a secret `token` (Flagger sends it as
// `Authorization: Bearer`, which needs request headers in WebhookRequest) and
// `spec.proxy` (the HTTP client has no proxy support).
#pragma once

#include <optional>
#include <string>

#include "core/secret_source.h"
#include "core/status.h"
#include "core/webhook_caller.h"
#include "policies/alert.h"

namespace gitcanary::plugin {

// Flagger's notifier timeout (postMessage: context.WithTimeout 5 s).
inline constexpr long long kAlertTimeoutMs = 5'000;

// Posts the alert. Ok when the provider answered 2xx.
Status SendAlert(WebhookCaller& caller, const policies::AlertProvider& provider,
                 const policies::AlertEvent& event);

// The provider with its secretRef applied, as Flagger's alert() does: when
// `secret_name` is given, the secret, read in the provider's own namespace
// (provider.ns, never another), has its `address` replace spec.address (a
// secret without `address` is an Invalid error; Flagger skips the alert) and
// its `token`, when present, becomes the provider's token. Flagger reads no
// other key from the secret: proxy, username and channel come from the spec.
Result<policies::AlertProvider> ResolveProviderAddress(policies::AlertProvider provider,
                                                       const std::optional<std::string>& secret_name,
                                                       SecretSource& secrets);

}  // namespace gitcanary::plugin
