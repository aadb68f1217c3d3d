// Session affinity cookies (analysis.sessionAffinity), shared by the
// providers that route by cookie (Istio, Gateway API).
//
// The cookie values come from the committed status. While the canary has
// weight, a cookie the status lacks is derived from the revision checksum
// (core/affinity_cookie.h), so a replayed history renders the same cookies.
// BuildCookie writes Flagger's Set-Cookie value: `<name>=<value>;
// Max-Age=<n>[; Domain=..][; HttpOnly][; Partitioned][; Path=..]
// [; SameSite=..][; Secure]`.
#pragma once

#include <string>

#include "core/status.h"
#include "render/fields.h"
#include "render/routing/router.h"
#include "render/yaml_tree.h"

namespace gitcanary::render {

// The canary's cookies for this render: the status's, and while the canary
// has weight a derived one for any the status lacks.
AffinityCookies ResolveCookies(const RoutingInput& in, const yaml::Node& affinity);

// `cookie; Max-Age=N` and the attributes set in `affinity`.
Result<std::string> BuildCookie(const yaml::Node& affinity, const std::string& cookie, long long max_age,
                                const Fields& f);

}  // namespace gitcanary::render
