// PassWebhookMemo: the webhooks of one serve pass, each sent at most once.
//
// A pass whose status commit loses the push race fetches the new head and
// decides again. A canary whose status is unchanged there is decided from the
// same state, so it reaches the same webhooks with the same bodies; sending
// them again would run a load test or a gate twice for one step. The memo
// answers a repeated request (same URL and body) with the first answer,
// success or error, for the rest of the pass. It is made per pass, so the
// next analysis iteration calls every webhook afresh, as Flagger does.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "core/webhook_caller.h"

namespace gitcanary::plugin {

class PassWebhookMemo : public WebhookCaller {
 public:
  explicit PassWebhookMemo(WebhookCaller* inner) : inner_(inner) {}

  Result<WebhookResponse> Post(const WebhookRequest& request) override {
    std::pair<std::string, std::string> key{request.url, request.body};
    if (auto it = answers_.find(key); it != answers_.end()) return it->second;
    Result<WebhookResponse> answer = inner_->Post(request);
    answers_.emplace(std::move(key), answer);
    return answer;
  }

 private:
  WebhookCaller* inner_;
  std::map<std::pair<std::string, std::string>, Result<WebhookResponse>> answers_;
};

}  // namespace gitcanary::plugin
