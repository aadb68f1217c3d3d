#include "policies/webhook.h"

#include <cctype>
#include <utility>

namespace gitcanary::policies {
namespace {

constexpr char kHex[] = "0123456789abcdef";

unsigned char Byte(std::string_view s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// Length of the valid UTF-8 sequence starting at s[i], or 0 when none starts
// there. Same acceptance as Go's utf8.DecodeRuneInString: no overlong forms,
// no surrogates, nothing above U+10FFFF, no truncated sequence.
std::size_t Utf8Length(std::string_view s, std::size_t i) {
  const unsigned char c = Byte(s, i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // accepted range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || Byte(s, i + 1) < lo || Byte(s, i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (Byte(s, i + k) < 0x80 || Byte(s, i + k) > 0xBF) return 0;
  }
  return n;
}

// Go's escape for one ASCII byte, or "" when it is written as is.
std::string AsciiEscape(unsigned char c) {
  switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '<': case '>': case '&': break;  // escaped below, as HTML-safe Go does
    default:
      if (c >= 0x20) return "";
  }
  return std::string("\\u00") + kHex[c >> 4] + kHex[c & 0xF];
}

// [begin, end) of the authority (user info, host, port) of `url`: after
// "scheme://" when there is one, else from the start; up to '/', '?' or '#'.
std::pair<std::size_t, std::size_t> AuthorityRange(std::string_view url) {
  const std::size_t sep = url.find("://");
  const std::size_t begin = sep == std::string_view::npos ? 0 : sep + 3;
  std::size_t end = url.find_first_of("/?#", begin);
  if (end == std::string_view::npos) end = url.size();
  return {begin, end};
}

// `s` quoted for a message: '"', '\' and control bytes escaped.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// For messages about a URL that did not parse: RedactUrl, and then also
// everything up to a later '@' (as in "http://u:pa/ss@h", where the
// authority seems to end early), so no malformed user info is echoed.
std::string RedactBadUrl(std::string_view url) {
  std::string out = RedactUrl(url);
  const std::size_t begin = AuthorityRange(out).first;
  const std::size_t at = out.rfind('@');
  if (at != std::string::npos && at >= begin) out.erase(begin, at + 1 - begin);
  return out;
}

Status UrlError(std::string_view url, std::string_view detail) {
  std::string message = "webhook URL must be http(s), got " + Quote(RedactBadUrl(url));
  if (!detail.empty()) message += ": " + std::string(detail);
  return Status::Invalid(std::move(message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes; false on a malformed one.
bool PercentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

// Checks "host", "host:port" or "[v6]:port"; "" when fine, else the detail.
std::string CheckHostPort(std::string_view hp) {
  std::string_view host = hp, port;
  bool has_port = false;
  if (!hp.empty() && hp[0] == '[') {
    const std::size_t close = hp.find(']');
    if (close == std::string_view::npos) return "unclosed '[' in host";
    host = hp.substr(1, close - 1);
    std::string_view after = hp.substr(close + 1);
    if (!after.empty() && after[0] != ':') return "unexpected text after ']'";
    has_port = !after.empty();
    if (has_port) port = after.substr(1);
  } else if (const std::size_t colon = hp.find(':'); colon != std::string_view::npos) {
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
    has_port = true;
  }
  if (host.empty()) return "no host";
  if (!has_port) return "";
  if (port.empty() || port.size() > 5) return "bad port";
  long value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return "bad port";
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return "bad port";
  return "";
}

// Splits "user:pass" into the decoded parts; "" when fine, else the detail.
std::string SplitUserInfo(std::string_view info, WebhookUrl& out) {
  out.has_userinfo = true;
  const std::size_t colon = info.find(':');
  const std::string_view user = info.substr(0, colon);
  const std::string_view pass = colon == std::string_view::npos ? "" : info.substr(colon + 1);
  if (!PercentDecode(user, out.user) || !PercentDecode(pass, out.password)) {
    return "bad %-escape in user info";
  }
  return "";
}

// Replaces whitespace and control bytes by single spaces, trimmed.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

// `s` cut to at most `limit` bytes without splitting a UTF-8 sequence, with
// "..." appended when cut.
std::string Truncate(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s + "...";
}

}  // namespace

std::string GoJsonString(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = Byte(s, i);
    if (c < 0x80) {
      const std::string esc = AsciiEscape(c);
      if (esc.empty()) out += static_cast<char>(c);
      out += esc;
      ++i;
      continue;
    }
    const std::size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n == 3 && c == 0xE2 && Byte(s, i + 1) == 0x80 && (Byte(s, i + 2) & 0xFE) == 0xA8) {
      out += Byte(s, i + 2) == 0xA8 ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string WebhookPayload(const std::string& name, const std::string& ns, std::string_view phase,
                           const std::string& checksum,
                           const std::map<std::string, std::string>& metadata) {
  std::string out = "{\"name\":" + GoJsonString(name) + ",\"namespace\":" + GoJsonString(ns) +
                    ",\"phase\":" + GoJsonString(phase) + ",\"checksum\":" + GoJsonString(checksum);
  if (!metadata.empty()) {
    out += ",\"metadata\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {  // std::map: bytewise order, as Go sorts keys
      if (!first) out += ',';
      first = false;
      out += GoJsonString(key) + ":" + GoJsonString(value);
    }
    out += '}';
  }
  return out + "}";
}

std::string_view PhaseForHook(std::string_view hook_type, std::string_view canary_phase) {
  if (hook_type == "pre-rollout" || hook_type == "rollout" || hook_type.empty() ||
      hook_type == "confirm-traffic-increase" || hook_type == "confirm-promotion") {
    return "Progressing";
  }
  if (hook_type == "post-rollout") return canary_phase == "Failed" ? "Failed" : "Succeeded";
  if (hook_type == "confirm-rollout" || hook_type == "rollback" || hook_type == "event") {
    return canary_phase;
  }
  return "";
}

bool WebhookSucceeded(int http_status) { return http_status >= 200 && http_status <= 202; }

bool WebhookRetryable(int http_status) {
  return http_status == 429 || (http_status >= 500 && http_status != 501);
}

Result<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return UrlError(url, "");
  std::string scheme(url.substr(0, sep));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return UrlError(url, "");
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return UrlError(url, "contains whitespace or a control character");
  }
  WebhookUrl out;
  out.scheme = std::move(scheme);
  const auto [begin, end] = AuthorityRange(url);
  std::string_view authority = url.substr(begin, end - begin);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (std::string detail = SplitUserInfo(authority.substr(0, at), out); !detail.empty()) {
      return UrlError(url, detail);
    }
    authority.remove_prefix(at + 1);
  }
  if (std::string detail = CheckHostPort(authority); !detail.empty()) return UrlError(url, detail);
  out.host_port = std::string(authority);
  std::string_view rest = url.substr(end);
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest[0] == '?') out.target.push_back('/');
  out.target.append(rest);
  return out;
}

Status ValidateWebhookUrl(std::string_view url) {
  Result<WebhookUrl> parsed = ParseWebhookUrl(url);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

bool UrlHasCredentials(std::string_view url) {
  const auto [begin, end] = AuthorityRange(url);
  return url.substr(begin, end - begin).find('@') != std::string_view::npos;
}

std::string RedactUrl(std::string_view url) {
  const auto [begin, end] = AuthorityRange(url);
  const std::size_t at = url.substr(begin, end - begin).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, begin)) + std::string(url.substr(begin + at + 1));
}

std::string RedactUrls(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 3)) {
    const std::size_t begin = sep + 3;
    std::size_t end = text.find_first_of("/?#\"'<> \t\r\n", begin);
    if (end == std::string_view::npos) end = text.size();
    const std::size_t at = text.substr(begin, end - begin).rfind('@');
    if (at == std::string_view::npos) continue;
    out.append(text.substr(copied, begin - copied));
    copied = begin + at + 1;
  }
  out.append(text.substr(copied));
  return out;
}

std::string WebhookFailureReason(const Result<WebhookResponse>& result) {
  if (!result.ok()) {
    std::string message = OneLine(RedactUrls(result.status().message()));
    return message.empty() ? "webhook call failed" : message;
  }
  std::string reason = "HTTP " + std::to_string(result->status);
  std::string body = OneLine(RedactUrls(result->body));
  if (!body.empty()) reason += ": " + Truncate(std::move(body), kFailureBodyLimit);
  return reason;
}

}  // namespace gitcanary::policies
