#include "render/url_credentials.h"

#include <algorithm>
#include <cctype>

namespace gitcanary::render {

namespace {

bool SensitiveParam(std::string name) {
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view word : {"token", "access_token", "apikey", "api_key", "key", "password", "secret", "sig",
                                "signature"}) {
    if (name == word) return true;
    if (name.size() > word.size() && name.compare(name.size() - word.size(), word.size(), word) == 0 &&
        std::string_view("_-.").find(name[name.size() - word.size() - 1]) != std::string_view::npos)
      return true;  // client_secret, X-Amz-Signature, private-token
  }
  return false;
}

// Redacts the values of sensitive parameters in a query string (no '?').
std::string RedactQuery(std::string_view query, bool* found) {
  std::string out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = std::min(query.find('&', pos), query.size());
    std::string_view param = query.substr(pos, amp - pos);
    std::size_t eq = param.find('=');
    bool secret = eq != std::string_view::npos && eq + 1 < param.size() && SensitiveParam(std::string(param.substr(0, eq)));
    if (!out.empty() || pos > 0) out += '&';
    out += secret ? std::string(param.substr(0, eq + 1)) + "***" : std::string(param);
    *found = *found || secret;
    pos = amp + 1;
  }
  return out;
}

bool IsSchemeChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }

// `text` with each URL in it redacted.
std::string RedactInText(const std::string& text) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t sep = text.find("://"); sep != std::string::npos; sep = text.find("://", sep + 3)) {
    std::size_t start = sep;
    while (start > done && IsSchemeChar(text[start - 1])) --start;
    std::size_t end = sep + 3;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"' &&
           text[end] != '\'' && text[end] != '`')
      ++end;
    auto shown = RedactedCredentialUrl(std::string_view(text).substr(start, end - start));
    if (!shown) continue;
    out += text.substr(done, start - done) + *shown;
    done = end;
    sep = end - 3;
  }
  if (done == 0) return text;
  return out + text.substr(done);
}

}  // namespace

std::optional<std::string> RedactedCredentialUrl(std::string_view url) {
  std::string out(url);
  bool found = false;
  const std::size_t scheme = out.find("://");
  const std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const std::size_t end = std::min(out.find_first_of("/?#", start), out.size());
  const std::size_t at = out.substr(start, end - start).rfind('@');
  if (at != std::string::npos && at > 0) {
    out.replace(start, at, "***");
    found = true;
  }
  const std::size_t q = out.find('?', start);
  if (q != std::string::npos) {
    const std::size_t frag = std::min(out.find('#', q), out.size());
    out = out.substr(0, q + 1) + RedactQuery(std::string_view(out).substr(q + 1, frag - q - 1), &found) + out.substr(frag);
  }
  if (!found) return std::nullopt;
  return out;
}

void RedactUrlCredentials(yaml::Node& doc) {
  if (doc.IsScalar()) {
    if (doc.value.find("://") != std::string::npos) doc.value = RedactInText(doc.value);
    return;
  }
  for (yaml::Node& item : doc.items) RedactUrlCredentials(item);
  for (yaml::Field& f : doc.fields) RedactUrlCredentials(f.value);
}

}  // namespace gitcanary::render
