// Session affinity cookie values, derived rather than drawn at random: the
// same revision and cookie name always give the same ten letters, so the
// decision that stores a cookie in the status and the render that reads it
// agree, and replaying a history gives the same cookies.
#pragma once

#include <string>
#include <string_view>

namespace gitcanary {

// "<name>=<ten letters a-zA-Z>", the letters derived from `revision` and `name`.
std::string AffinityCookie(std::string_view name, std::string_view revision);

}  // namespace gitcanary
