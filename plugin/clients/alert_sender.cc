#include "plugin/clients/alert_sender.h"

#include <utility>

#include "policies/webhook.h"

namespace gitcanary::plugin {
namespace {

std::string Where(const policies::AlertProvider& provider) {
  return "alert provider " + policies::ProviderLabel(provider) + " (" + provider.type + ")";
}

// `text` with every occurrence of `from` replaced by `to`.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty() || from == to) return text;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A caller's message with the URL shown as ShownUrl allows, whatever form of
// it the caller quoted.
std::string Scrub(const policies::AlertProvider& provider, const std::string& url,
                  std::string message) {
  const std::string shown = policies::ShownUrl(provider, url);
  message = ReplaceAll(std::move(message), url, shown);
  message = ReplaceAll(std::move(message), policies::RedactUrl(url), shown);
  return policies::RedactUrls(message);
}

// What this client cannot do as Flagger does; see the header.
Status Unsupported(const policies::AlertProvider& provider) {
  if (!provider.token.empty()) {
    return Status::Invalid(Where(provider) +
                           ": the secret's `token` (sent as a Bearer token by Flagger) is not "
                           "supported yet; remove it or use a webhook address");
  }
  if (!provider.proxy.empty()) {
    return Status::Invalid(Where(provider) + ": spec.proxy is not supported yet");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> GetKey(const policies::AlertProvider& provider,
                                          const std::string& secret, const std::string& key,
                                          SecretSource& secrets) {
  Result<std::optional<std::string>> value = secrets.Get(provider.ns, secret, key);
  if (value.ok()) return value;
  const std::string message = Where(provider) + ": secretRef: " + value.status().message();
  return value.status().code() == Code::kIo ? Status::Io(message) : Status::Invalid(message);
}

}  // namespace

Status SendAlert(WebhookCaller& caller, const policies::AlertProvider& provider,
                 const policies::AlertEvent& event) {
  Result<std::string> body = policies::AlertPayload(provider, event);
  if (!body.ok()) return body.status();
  Result<std::string> url = policies::AlertUrl(provider);
  if (!url.ok()) return url.status();
  Status supported = Unsupported(provider);
  if (!supported.ok()) return supported;

  Result<WebhookResponse> res = caller.Post({*url, *body, kAlertTimeoutMs, 0});
  if (!res.ok()) {
    const std::string message = Where(provider) + ": " + res.status().message();
    const std::string scrubbed = Scrub(provider, *url, message);
    return res.status().code() == Code::kInvalidInput ? Status::Invalid(scrubbed)
                                                      : Status::Io(scrubbed);
  }
  if (res->status >= 200 && res->status < 300) return Status::Ok();
  const std::string reason = policies::WebhookFailureReason(res);
  return Status::Io(Scrub(provider, *url,
                          Where(provider) + ": POST " + policies::ShownUrl(provider, *url) + ": " + reason));
}

Result<policies::AlertProvider> ResolveProviderAddress(policies::AlertProvider provider,
                                                       const std::optional<std::string>& secret_name,
                                                       SecretSource& secrets) {
  if (!secret_name) return provider;
  Result<std::optional<std::string>> address = GetKey(provider, *secret_name, "address", secrets);
  if (!address.ok()) return address.status();
  if (!address->has_value()) {
    return Status::Invalid(Where(provider) + ": secretRef: " + secrets.Describe(provider.ns, *secret_name) +
                           " has no key \"address\"; a secretRef is read only from the AlertProvider's own namespace");
  }
  Result<std::optional<std::string>> token = GetKey(provider, *secret_name, "token", secrets);
  if (!token.ok()) return token.status();
  provider.address = std::move(**address);
  provider.address_from_secret = true;
  provider.token = token->value_or("");
  return provider;
}

}  // namespace gitcanary::plugin
