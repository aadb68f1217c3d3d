#include "policies/status_state.h"

#include <cstdio>
#include <ctime>

namespace gitcanary::policies {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long DaysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339(long long unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000);
  const long long ms = unix_ms - static_cast<long long>(secs) * 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (ms != 0) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lld", ms);
    out += frac;
  }
  return out + "Z";
}

Result<long long> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return Status::Invalid("\"" + std::string(s) + "\" is not an RFC 3339 time (2026-11-22T04:16:49Z)"); };
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &month) || s[7] != '-' ||
      !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !Digits(s, 11, 2, &hour) ||
      s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' || !Digits(s, 17, 2, &second))
    return bad();
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return bad();
  std::size_t pos = 19;
  long long ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100, n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos, ++n;
    }
    if (n == 0) return bad();
  }
  long long offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, &om))
      return bad();
    offset_min = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const long long days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const long long secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return secs * 1000 + ms;
}

Result<policies::AnalysisState> StateOf(const std::optional<render::CanaryStatus>& status, const std::string& canary) {
  policies::AnalysisState state;
  if (!status) return state;
  state.phase = status->phase;
  state.canary_weight = static_cast<int>(status->canary_weight);
  state.failed_checks = static_cast<int>(status->failed_checks);
  state.iterations = static_cast<int>(status->iterations);
  state.last_applied_spec = status->last_applied_spec;
  state.last_promoted_spec = status->last_promoted_spec;
  state.affinity_cookie = status->session_affinity_cookie;
  state.affinity_primary_cookie = status->primary_session_affinity_cookie;
  state.affinity_previous_cookie = status->previous_session_affinity_cookie;
  if (!status->last_transition_time.empty()) {
    auto ms = ParseRfc3339(status->last_transition_time);
    if (!ms.ok()) return Status::Invalid("canary " + canary + ": status.lastTransitionTime: " + ms.status().message());
    state.last_transition_ms = *ms;
  }
  return state;
}

render::CanaryStatus WithState(const std::optional<render::CanaryStatus>& base, const policies::AnalysisState& next) {
  render::CanaryStatus out = base.value_or(render::CanaryStatus{});
  out.phase = next.phase;
  out.canary_weight = next.canary_weight;
  out.failed_checks = next.failed_checks;
  out.iterations = next.iterations;
  out.last_applied_spec = next.last_applied_spec;
  out.last_promoted_spec = next.last_promoted_spec;
  out.session_affinity_cookie = next.affinity_cookie;
  out.primary_session_affinity_cookie = next.affinity_primary_cookie;
  out.previous_session_affinity_cookie = next.affinity_previous_cookie;
  out.last_transition_time = next.last_transition_ms > 0 ? FormatRfc3339(next.last_transition_ms) : "";
  return out;
}

}  // namespace gitcanary::policies
