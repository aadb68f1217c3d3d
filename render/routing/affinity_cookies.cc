#include "render/routing/affinity_cookies.h"

#include "core/affinity_cookie.h"

namespace gitcanary::render {

using yaml::Node;

AffinityCookies ResolveCookies(const RoutingInput& in, const Node& affinity) {
  AffinityCookies c = in.cookies;
  if (in.canary_weight == 0) return c;
  auto name = [&](const char* key) {
    const Node* n = affinity.Find(key);
    return n != nullptr && n->IsScalar() ? n->value : std::string();
  };
  if (c.canary.empty()) c.canary = AffinityCookie(name("cookieName"), in.revision);
  if (c.primary.empty() && !name("primaryCookieName").empty())
    c.primary = AffinityCookie(name("primaryCookieName"), in.revision);
  return c;
}

Result<std::string> BuildCookie(const Node& affinity, const std::string& cookie, long long max_age, const Fields& f) {
  const std::string path = "spec.analysis.sessionAffinity";
  std::string out = cookie + "; Max-Age=" + std::to_string(max_age);
  auto text = [&](const char* key, const char* attr) -> Status {
    auto v = f.String(affinity, key, path);
    if (!v.ok()) return v.status();
    if (v->has_value() && !(*v)->empty()) out.append("; ").append(attr).append("=").append(**v);
    return Status::Ok();
  };
  auto flag = [&](const char* key, const char* attr) -> Status {
    auto v = f.Bool(affinity, key, path);
    if (!v.ok()) return v.status();
    if (v->value_or(false)) out.append("; ").append(attr);
    return Status::Ok();
  };
  for (Status s : {text("domain", "Domain"), flag("httpOnly", "HttpOnly"), flag("partitioned", "Partitioned"),
                   text("path", "Path"), text("sameSite", "SameSite"), flag("secure", "Secure")}) {
    if (!s.ok()) return s;
  }
  return out;
}

}  // namespace gitcanary::render
