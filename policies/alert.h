// Alerts: Flagger's `analysis.alerts` and AlertProvider, as pure functions.
//
// Which alerts a canary event reaches (AlertWanted), the facts an alert
// carries (AlertFields), the URL it goes to (AlertUrl) and the exact JSON body
// each provider type receives (AlertPayload). No I/O: plugin/clients/alert_sender.h
// posts the body through a WebhookCaller and resolves a provider's secretRef.
//
// Everything follows Flagger (fluxcd/flagger, checked at commit 15bd6ad):
// severity filtering is pkg/controller/events.go `alert()`, the fields are its
// `alertMetadata()`, the defaults (username "flagger", channel "general") are
// alert()'s, and the bodies are pkg/notifier/{slack,discord,rocket,teams,
// gchat}.go as Go's json.Marshal writes them (struct field order, no
// whitespace, Go's string escaping). `generic` is gitcanary's own type; see
// AlertPayload.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitcanary::policies {

// Flagger's AlertSeverity: "info", "warn", "error".
enum class Severity { kInfo, kWarn, kError };

// "info", "warn" or "error".
std::string_view SeverityName(Severity s);

// Parses a CanaryAlert's `severity`. The CRD allows "", info, warn, error.
// "" is kInfo, Flagger's documented default ("default info"). Deliberate
// difference: Flagger's code compares the empty string with the event's
// severity, which is never empty, so in Flagger an alert without a severity
// is never sent. Anything else is an Invalid error.
Result<Severity> ParseSeverity(std::string_view text);

// Whether an alert configured with `configured` receives an event of
// severity `event`, exactly as events.go filters: info receives everything,
// warn receives warn and error, error receives only error.
bool AlertWanted(Severity configured, Severity event);

// An AlertProvider's spec (pkg/apis/flagger/v1beta1/alert.go) plus the token a
// secretRef may add. `ns` is the provider's namespace.
struct AlertProvider {
  std::string name, ns;
  std::string type;      // slack, msteams, discord, rocket, gchat, or generic
  std::string address;   // spec.address, or the secret's `address`
  std::string channel;   // "" = "general"
  std::string username;  // "" = "flagger"
  std::string proxy;     // spec.proxy
  std::string token;     // the secret's `token`: sent as a Bearer token by Flagger
  // The address came from a secret: its path (a Slack or Discord hook's path
  // is the credential) is left out of messages.
  bool address_from_secret = false;
};

// One alert about one canary. Flagger's alerts (pkg/controller/scheduler.go,
// scheduler_hooks.go), message and severity:
//   "New <Kind> detected, initialization completed."                info, metadata
//   "New revision detected, progressing canary analysis."           info, metadata
//   "Canary analysis completed successfully, promotion finished."   info
//   "Canary analysis was skipped, promotion finished."              info
//   "Canary is waiting for approval." / "Canary traffic increase is waiting
//   for approval." / "Canary promotion is waiting for approval."    warn
//   "Rolling back manual webhook invoked"                           warn
//   "Failed checks threshold reached <n>"                           error
//   "Progress deadline exceeded <err>"                              error
//   "Promotion failed, primary not ready: <err>"                    error
// `fields` are the facts alert() attaches, in order (AlertFields). `phase`, `checksum` and `timestamp_ms` (Unix ms, taken
// by the executor from its clock) are used by the generic body only.
struct AlertEvent {
  std::string canary_name, ns, phase, message;
  Severity severity = Severity::kInfo;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string checksum;
  long long timestamp_ms = 0;
};

// What alert() and alertMetadata() read from a Canary, as written in it
// (no defaults applied: threshold <= 0 reads as 1, a missing
// progressDeadlineSeconds as 600, and max_weight is printed as is, 0 when
// maxWeight is not set, as Flagger prints it).
struct AlertFacts {
  std::string cluster_name;  // Flagger's -cluster-name; "" = no "Cluster" field
  std::string target_kind, target_name, ns;
  int threshold = 0;
  std::optional<long long> progress_deadline_seconds;
  int iterations = 0;
  bool has_match = false;  // analysis.match is non-empty
  int step_weight = 0;
  std::vector<int> step_weights;
  int max_weight = 0;
};

// The fields of an alert, as alert() builds them:
//   "Cluster"                  cluster_name, when set (always, even without metadata)
// and when `metadata` is true (Flagger passes true only for "New revision
// detected..." and "New <Kind> detected, initialization completed."):
//   "Target"                   "<kind>/<name>.<namespace>"
//   "Failed checks threshold"  threshold, "1" when <= 0
//   "Progress deadline"        "<seconds>s", "600s" when unset
//   "Traffic routing"          "A/B Testing" (match + iterations), "Blue/Green"
//                              (iterations), "Weight step: S max: M" (stepWeight
//                              > 0), "Weight steps: 10,20,50 max: M"
//                              (stepWeights), else no field.
std::vector<std::pair<std::string, std::string>> AlertFields(const AlertFacts& facts,
                                                             bool metadata);

// Whether `type` is one AlertPayload formats.
bool KnownAlertType(std::string_view type);

// The URL the alert is posted to: the provider's address, checked with
// ValidateWebhookUrl (so http(s) only; Flagger accepts any request URI). For
// discord, Flagger's rewrite to Discord's Slack-compatible endpoint: unless
// the address ends with "/slack", "/slack" is joined to its path, which is
// cleaned as Go's path.Join does ("//" and "." collapse, ".." goes up); query
// and the rest are kept. Errors name the provider and the URL as ShownUrl
// gives it (for an address from a secret, not even that).
Result<std::string> AlertUrl(const AlertProvider& provider);

// The JSON body Flagger's notifier for `provider.type` posts, byte for byte:
//   slack, discord  SlackPayload: {"channel","username","icon_url":"",
//                   "icon_emoji":":rocket:","attachments":[{"color","author_name":
//                   "<name>.<ns>","text":message,"mrkdwn_in":["text"],"fields":
//                   [{"title","value","short":false}...]}]}; color "danger" for
//                   error, else "good"
//   rocket          the same with color "#FF0000" for error, else "#0076D7"
//   msteams         MessageCard: {"@type":"MessageCard","@context":
//                   "http://schema.org/extensions","themeColor","summary":
//                   "<name>.<ns>","sections":[{"activityTitle":message,
//                   "activitySubtitle":"<name>.<ns>","facts":[{"name","value"}...]}]};
//                   themeColor "FF0000" for error, else "0076D7"
//   gchat           {"cards":[{"header":{"title":"Flagger","subtitle":"<name>.<ns>",
//                   "imageUrl":"https://flagger.app/favicon.png"},"sections":[one
//                   textParagraph widget for the message, one per field]}]}
//   generic         gitcanary's own: Flagger has no generic alert provider. The
//                   body is the one Flagger's event webhook receives
//                   (CallEventWebhook, see WebhookPayload): name, namespace,
//                   phase, checksum and metadata {eventMessage: message,
//                   eventType: "Normal" for info else "Warning", timestamp:
//                   timestamp_ms} plus one entry per field (the three keys win).
// Unknown types are an Invalid error naming the provider and listing the types.
Result<std::string> AlertPayload(const AlertProvider& provider, const AlertEvent& event);

// `url` as messages show it for `provider`: without user info (RedactUrl),
// and when the address came from a secret, cut after the host:
// "https://hooks.slack.com/..." (the path is the credential).
std::string ShownUrl(const AlertProvider& provider, std::string_view url);

// "<ns>/<name>" of a provider, or "<name>" when it has no namespace.
std::string ProviderLabel(const AlertProvider& provider);

}  // namespace gitcanary::policies
