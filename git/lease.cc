#include "git/lease.h"

#include <sstream>
#include <utility>

namespace gitcanary::git {

std::string LeaseMessage(const std::string& holder, long long expires_ms) {
  return "gitcanary lease\n\nholder: " + holder + "\nexpires: " + std::to_string(expires_ms) + "\n";
}

LeaseInfo ParseLeaseMessage(const std::string& message) {
  LeaseInfo info;
  std::istringstream lines(message);
  std::string line;
  bool have_expiry = false;
  while (std::getline(lines, line)) {
    if (line.rfind("holder: ", 0) == 0) {
      info.holder = line.substr(8);
    } else if (line.rfind("expires: ", 0) == 0) {
      try {
        std::size_t used = 0;
        info.expires_ms = std::stoll(line.substr(9), &used);
        have_expiry = used == line.size() - 9;
      } catch (const std::exception&) {
        have_expiry = false;
      }
    }
  }
  if (!have_expiry) return LeaseInfo{};
  return info;
}

Lease::Lease(GitRemote* remote, std::string holder, long long ttl_ms, std::string ref)
    : remote_(remote), holder_(std::move(holder)), ttl_ms_(ttl_ms), ref_(std::move(ref)) {}

Status Lease::Refresh() {
  // Over http(s) each fetch is two requests, and a lease replaced between them
  // fails the second one (the commit first named is no longer reachable on the
  // server), so a failed fetch is tried again.
  auto fetched = remote_->Fetch({ref_});
  for (int retry = 0; !fetched.ok() && retry < 2; ++retry) fetched = remote_->Fetch({ref_});
  if (!fetched.ok()) return fetched.status();
  const std::optional<std::string>& head = fetched->at(ref_);
  current_ = LeaseInfo{};
  if (!head) return Status::Ok();
  auto log = remote_->FirstParentLog(*head, 1);
  if (!log.ok()) return log.status();
  current_ = ParseLeaseMessage(log->front().message);
  current_.commit = *head;
  return Status::Ok();
}

Result<bool> Lease::Write(long long expires_ms, long long now_ms) {
  auto commit = remote_->WriteCommit("", {}, Author{}, now_ms / 1000, LeaseMessage(holder_, expires_ms));
  if (!commit.ok()) return commit.status();
  auto replaced = remote_->ReplaceRef(ref_, current_.commit, *commit);
  if (!replaced.ok()) return replaced.status();
  if (*replaced != PushResult::kPushed) return false;
  current_ = LeaseInfo{holder_, expires_ms, *commit};
  return true;
}

Result<bool> Lease::Acquire(long long now_ms) {
  if (holder_.empty() || holder_.find('\n') != std::string::npos)
    return Status::Invalid("lease holder id must be one non-empty line: '" + holder_ + "'");
  if (ttl_ms_ <= 0) return Status::Invalid("lease ttl must be positive");
  if (Status st = Refresh(); !st.ok()) return st;
  const bool live = !current_.holder.empty() && current_.expires_ms > now_ms;
  const bool ours = live && current_.holder == holder_;
  if (ours && current_.expires_ms - now_ms > ttl_ms_ / 2) return true;
  if (live && !ours) return false;
  return Write(now_ms + ttl_ms_, now_ms);
}

Status Lease::Release(long long now_ms) {
  if (Status st = Refresh(); !st.ok()) return st;
  if (current_.holder != holder_ || current_.expires_ms <= now_ms) return Status::Ok();
  auto written = Write(now_ms, now_ms);
  return written.ok() ? Status::Ok() : written.status();
}

}  // namespace gitcanary::git
