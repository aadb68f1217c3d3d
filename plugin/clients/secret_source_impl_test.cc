// Tests for FileEnvSecretSource on real files under a fresh mkdtemp directory
// (removed at the end) and on environment variables that are restored
// afterwards.
#include "plugin/clients/secret_source_impl.h"
#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gitcanary::plugin {

using gitcanary::testing::ScopedEnv;
namespace {

using gitcanary::testing::TempDir;



std::optional<std::string> MustGet(SecretSource& src, const std::string& name, const std::string& key) {
  Result<std::optional<std::string>> r = src.Get(name, key);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

TEST_CASE("secrets: a mounted file is read with one trailing newline stripped") {
  TempDir tmp;
  struct Case {
    std::string key, content, want;
  };
  const std::vector<Case> cases = {
      {"address", "https://hooks.slack.com/services/T/B/X\n", "https://hooks.slack.com/services/T/B/X"},
      {"plain", "abc", "abc"},
      {"two", "abc\n\n", "abc\n"},
      {"crlf", "abc\r\n", "abc"},
      {"inner", "a\nb", "a\nb"},
      {"empty", "", ""},
      {"newline", "\n", ""},
  };
  for (const Case& c : cases) gitcanary::testing::WriteFile(tmp / ("on-call/" + c.key), c.content);
  FileEnvSecretSource src(tmp.path());
  for (const Case& c : cases) {
    CAPTURE(c.key);
    CHECK(MustGet(src, "on-call", c.key) == std::optional<std::string>(c.want));
  }
}

TEST_CASE("secrets: Kubernetes' ..data symlink layout is followed") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "on-call/..2024_01_01/address", "https://example.com/hook\n");
  REQUIRE(symlink("..2024_01_01", (tmp / "on-call/..data").c_str()) == 0);
  REQUIRE(symlink("..data/address", (tmp / "on-call/address").c_str()) == 0);
  FileEnvSecretSource src(tmp.path());
  CHECK(MustGet(src, "on-call", "address") == std::optional<std::string>("https://example.com/hook"));
}

TEST_CASE("secrets: the environment is used when no file exists") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "on-call/address", "from-file");
  gitcanary::testing::WriteFile(tmp / "flat-file", "not a directory");
  ScopedEnv address("GITCANARY_SECRET_ON_CALL_ADDRESS", "from-env-address");
  ScopedEnv token("GITCANARY_SECRET_ON_CALL_TOKEN", "from-env-token");
  ScopedEnv flat("GITCANARY_SECRET_FLAT_FILE_KEY", "from-env-flat");
  ScopedEnv empty("GITCANARY_SECRET_TEAMS_ADDRESS", "");
  ScopedEnv unset("GITCANARY_SECRET_NOBODY_ADDRESS", std::nullopt);
  FileEnvSecretSource src(tmp.path());
  CHECK(MustGet(src, "on-call", "address") == std::optional<std::string>("from-file"));  // file wins
  CHECK(MustGet(src, "on-call", "token") == std::optional<std::string>("from-env-token"));
  CHECK(MustGet(src, "flat-file", "key") == std::optional<std::string>("from-env-flat"));
  CHECK(MustGet(src, "teams", "address") == std::optional<std::string>(""));
  CHECK(MustGet(src, "nobody", "address") == std::nullopt);
  FileEnvSecretSource missing_dir(tmp / "does-not-exist");
  CHECK(MustGet(missing_dir, "on-call", "address") == std::optional<std::string>("from-env-address"));
}

TEST_CASE("secrets: environment names upper-case and replace other bytes with _") {
  CHECK(SecretEnvName("on-call", "address") == "GITCANARY_SECRET_ON_CALL_ADDRESS");
  CHECK(SecretEnvName("slack.v2", "api-token") == "GITCANARY_SECRET_SLACK_V2_API_TOKEN");
  CHECK(SecretEnvName("Ab9", "k_1") == "GITCANARY_SECRET_AB9_K_1");
  CHECK(SecretEnvName("caf\xc3\xa9", "x") == "GITCANARY_SECRET_CAF___X");
}

TEST_CASE("secrets: names and keys that could leave the directory are Invalid") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "outside", "do not read");
  gitcanary::testing::WriteFile(tmp / "dir/.hidden/address", "hidden");
  ScopedEnv env("GITCANARY_SECRET__HIDDEN_ADDRESS", "from-env");
  FileEnvSecretSource src(tmp / "dir");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"..", "outside"}, {".hidden", "address"}, {"a/b", "address"}, {"", "address"},
      {"on-call", "..data"}, {"on-call", "x/y"}, {"on-call", ""},
      {"on-call", std::string("add\0ress", 8)},
  };
  for (const auto& [name, key] : bad) {
    CAPTURE(name);
    CAPTURE(key);
    Result<std::optional<std::string>> r = src.Get(name, key);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK(r.status().message().rfind("secret ", 0) == 0);
  }
}

TEST_CASE("secrets: unreadable and oversized files are Io errors that quote no content") {
  TempDir tmp;
  const std::string big(kMaxSecretBytes + 1, 's');
  gitcanary::testing::WriteFile(tmp / "big/address", big);
  gitcanary::testing::WriteFile(tmp / "limit/address", std::string(kMaxSecretBytes, 'k'));
  std::filesystem::create_directories(tmp / "dir/address");
  FileEnvSecretSource src(tmp.path());

  Result<std::optional<std::string>> too_big = src.Get("big", "address");
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == Code::kIo);
  CHECK(too_big.status().message() == "secret file " + (tmp / "big/address") +
                                          ": file is 65537 bytes, over the limit of 65536");

  CHECK(MustGet(src, "limit", "address")->size() == kMaxSecretBytes);  // exactly the limit is fine

  Result<std::optional<std::string>> dir = src.Get("dir", "address");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().code() == Code::kIo);
  CHECK(dir.status().message() == "secret file " + (tmp / "dir/address") + ": not a regular file");

  if (geteuid() != 0) {  // root reads mode-000 files
    gitcanary::testing::WriteFile(tmp / "locked/address", "hunter2");
    REQUIRE(chmod((tmp / "locked/address").c_str(), 0) == 0);
    Result<std::optional<std::string>> locked = src.Get("locked", "address");
    REQUIRE_FALSE(locked.ok());
    CHECK(locked.status().code() == Code::kIo);
    CHECK(locked.status().message().find(tmp / "locked/address") != std::string::npos);
    CHECK(locked.status().message().find("hunter2") == std::string::npos);
  }
}

TEST_CASE("secrets: the directory comes from GITCANARY_SECRETS_DIR or the default") {
  {
    ScopedEnv env("GITCANARY_SECRETS_DIR", std::nullopt);
    CHECK(SecretsDirFromEnvironment() == "/etc/gitcanary/secrets");
  }
  {
    ScopedEnv env("GITCANARY_SECRETS_DIR", "");
    CHECK(SecretsDirFromEnvironment() == "/etc/gitcanary/secrets");
  }
  {
    ScopedEnv env("GITCANARY_SECRETS_DIR", "/run/secrets/gitcanary");
    CHECK(SecretsDirFromEnvironment() == "/run/secrets/gitcanary");
  }
}

}  // namespace
}  // namespace gitcanary::plugin
