// Credentials inside URLs: a user:password@ (or token@) before the host, or
// a query parameter named like a secret (token, apikey, password, secret,
// signature, client_secret, X-Amz-Signature, ...).
//
// `gitcanary lint` reports such URLs in webhooks and provider addresses, and
// `gitcanary diff` shows every URL in the rendered objects with its
// credentials as ***, so a review never repeats them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "render/yaml_tree.h"

namespace gitcanary::render {

// The URL with its credentials shown as ***; nullopt when it carries none.
std::optional<std::string> RedactedCredentialUrl(std::string_view url);

// Replaces the credentials of every URL inside the scalars of `doc`
// (a URL starts at a scheme before "://" and ends at whitespace or a quote).
void RedactUrlCredentials(yaml::Node& doc);

}  // namespace gitcanary::render
