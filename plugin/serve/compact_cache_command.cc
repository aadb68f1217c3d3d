#include "plugin/serve/compact_cache_command.h"

#include <git2.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "git/cache_compaction.h"
#include "git/libgit2_handle.h"
#include "plugin/commands/args.h"
#include "plugin/commands/exit_codes.h"

namespace gitcanary::plugin {
namespace {

constexpr const char* kUsage =
    "usage: gitcanary-serve compact-cache --max-packs N --max-loose N --grace-seconds N DIR\n"
    "Compacts serve's git cache DIR (internal: serve runs it as a child process).\n";

// A whole number in [0, 10^12], or nullopt.
std::optional<long long> Number(const ParsedArgs& args, const std::string& flag) {
  auto text = args.Get(flag);
  if (!text || text->empty()) return std::nullopt;
  char* end = nullptr;
  const long long n = std::strtoll(text->c_str(), &end, 10);
  if (*end != '\0' || n < 0 || n > 1000000000000LL) return std::nullopt;
  return n;
}

}  // namespace

int RunCompactCache(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {{"max-packs", 0, true}, {"max-loose", 0, true}, {"grace-seconds", 0, true}});
  if (args.ok() && args->help) {
    std::cout << kUsage;
    return kExitOk;
  }
  const auto packs = args.ok() ? Number(*args, "max-packs") : std::nullopt;
  const auto loose = args.ok() ? Number(*args, "max-loose") : std::nullopt;
  const auto grace = args.ok() ? Number(*args, "grace-seconds") : std::nullopt;
  if (!packs || !loose || !grace || args->positionals.size() != 1) {
    std::cerr << (args.ok() ? "" : args.status().message() + "\n") << kUsage;
    return kExitUsage;
  }
  git::CompactionPolicy policy;
  policy.max_packs = static_cast<std::size_t>(*packs);
  policy.max_loose = static_cast<std::size_t>(*loose);
  policy.grace_seconds = *grace;
  const std::string& dir = args->positionals[0];
  git::Libgit2Session session;
  git::SetLongRunningLimits();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0 ||
      !git_repository_is_bare(raw)) {
    if (raw != nullptr) git_repository_free(raw);
    std::cerr << "gitcanary: " << dir << " is not serve's git cache (a bare repository)\n";
    return kExitInvalid;
  }
  git::GitPtr<git_repository> repo(raw);
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto done = git::CompactCache(repo.get(), dir, policy, now);
  if (!done.ok()) {
    std::cerr << "gitcanary: " << done.status().message() << "\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace gitcanary::plugin
