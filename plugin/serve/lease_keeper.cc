#include "plugin/serve/lease_keeper.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "plugin/serve/json_log.h"
#include "policies/status_state.h"

namespace gitcanary::plugin {

LeaseKeeper::LeaseKeeper(std::unique_ptr<git::GitRemote> remote, std::string holder, long long ttl_ms, Clock now)
    : remote_(std::move(remote)),
      holder_(holder),
      ttl_ms_(ttl_ms),
      now_(std::move(now)),
      lease_(remote_.get(), std::move(holder), ttl_ms) {
  thread_ = std::thread([this] { Run(); });
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::SetWhy(std::string why) {
  std::lock_guard<std::mutex> lock(why_mu_);
  why_ = std::move(why);
}

void LeaseKeeper::Record(bool held) {
  const git::LeaseInfo& info = lease_.Current();
  if (held) {
    held_until_ = info.expires_ms;
    SetWhy("");
    return;
  }
  held_until_ = 0;
  SetWhy(info.holder.empty() || info.holder == holder_
             ? "another replica took it first"
             : info.holder + " holds it until " + policies::FormatRfc3339(info.expires_ms));
}

Result<bool> LeaseKeeper::Acquire() {
  bool was_held = false;
  Result<bool> held = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_held = held_until_ > 0;
    held = lease_.Acquire(now_());
    if (!held.ok()) {
      SetWhy("the lease could not be renewed: " + held.status().message());
      return held;
    }
    Record(*held);
  }
  if (*held && !was_held) wake_.notify_all();
  return held;
}

Status LeaseKeeper::Release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  held_until_ = 0;
  return lease_.Release(now_());
}

Status LeaseKeeper::StillHeld() const {
  const long long until = held_until_.load();
  const long long now = now_();
  if (until - now >= margin_ms()) return Status::Ok();
  std::string why;
  {
    std::lock_guard<std::mutex> lock(why_mu_);
    why = why_;
  }
  if (until == 0) return Status::Io(why.empty() ? "this replica does not hold the lease" : why);
  return Status::Io(std::to_string(std::max(0LL, until - now)) + " ms of the lease left, under the " +
                    std::to_string(margin_ms()) + " ms margin" + (why.empty() ? "" : ": " + why));
}

long long LeaseKeeper::Tick() {
  ++ticks_;
  const long long retry = std::max(5LL, ttl_ms_ / 20);
  const long long until = held_until_.load();
  const long long now = now_();
  if (now >= until) {
    // Lapsed: whatever a pass started under it must stop; the loop may take a new one.
    std::string why;
    {
      std::lock_guard<std::mutex> lock(why_mu_);
      why = why_;
    }
    held_until_ = 0;
    SetWhy("it lapsed at " + policies::FormatRfc3339(until) + " before a renewal got through" +
           (why.empty() ? "" : " (" + why + ")"));
    LogWarn("lease lapsed", {{"expired", policies::FormatRfc3339(until)}});
    return 0;
  }
  auto held = lease_.Acquire(now);
  if (!held.ok()) {
    if (!failing_) LogWarn("lease renewal failed; retrying", {{"error", held.status().message()}});
    failing_ = true;
    SetWhy("the last renewal failed: " + held.status().message());
    return retry;
  }
  failing_ = false;
  if (*held && lease_.Current().expires_ms != until) ++renewals_;
  Record(*held);
  if (!*held) {
    LogWarn("lease lost", {{"reason", lease_.Current().holder.empty() ? "lost a race" : lease_.Current().holder}});
    return 0;
  }
  // Lease::Acquire renews only once at most half the ttl is left: aim just past that
  // moment, and look at least every ttl/4 so that a lost lease is noticed soon.
  const long long renew_in = held_until_.load() - ttl_ms_ / 2 + std::max(1LL, ttl_ms_ / 100) - now_();
  return std::max(5LL, std::min(ttl_ms_ / 4, renew_in));
}

void LeaseKeeper::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (held_until_.load() == 0) {
      wake_.wait(lock, [this] { return stopping_ || held_until_.load() > 0; });
      continue;
    }
    const long long wait_ms = Tick();
    wake_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return stopping_; });
  }
}

}  // namespace gitcanary::plugin
