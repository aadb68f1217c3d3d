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



std::optional<std::string> MustGet(SecretSource& src, const std::string& ns, const std::string& name,
                                   const std::string& key) {
  Result<std::optional<std::string>> r = src.Get(ns, name, key);
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
  for (const Case& c : cases) gitcanary::testing::WriteFile(tmp / ("flagger/on-call/" + c.key), c.content);
  FileEnvSecretSource src(tmp.path());
  for (const Case& c : cases) {
    CAPTURE(c.key);
    CHECK(MustGet(src, "flagger", "on-call", c.key) == std::optional<std::string>(c.want));
  }
}

TEST_CASE("secrets: Kubernetes' ..data symlink layout is followed") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "ops/on-call/..2024_01_01/address", "https://example.com/hook\n");
  REQUIRE(symlink("..2024_01_01", (tmp / "ops/on-call/..data").c_str()) == 0);
  REQUIRE(symlink("..data/address", (tmp / "ops/on-call/address").c_str()) == 0);
  FileEnvSecretSource src(tmp.path());
  CHECK(MustGet(src, "ops", "on-call", "address") == std::optional<std::string>("https://example.com/hook"));
}

TEST_CASE("secrets: the environment is used when no file exists") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "ops/on-call/address", "from-file");
  gitcanary::testing::WriteFile(tmp / "ops/flat-file", "not a directory");
  ScopedEnv address("GITCANARY_SECRET_OPS__ON_CALL_ADDRESS", "from-env-address");
  ScopedEnv token("GITCANARY_SECRET_OPS__ON_CALL_TOKEN", "from-env-token");
  ScopedEnv flat("GITCANARY_SECRET_OPS__FLAT_FILE_KEY", "from-env-flat");
  ScopedEnv empty("GITCANARY_SECRET_OPS__TEAMS_ADDRESS", "");
  ScopedEnv unset("GITCANARY_SECRET_OPS__NOBODY_ADDRESS", std::nullopt);
  FileEnvSecretSource src(tmp.path());
  CHECK(MustGet(src, "ops", "on-call", "address") == std::optional<std::string>("from-file"));  // file wins
  CHECK(MustGet(src, "ops", "on-call", "token") == std::optional<std::string>("from-env-token"));
  CHECK(MustGet(src, "ops", "flat-file", "key") == std::optional<std::string>("from-env-flat"));
  CHECK(MustGet(src, "ops", "teams", "address") == std::optional<std::string>(""));
  CHECK(MustGet(src, "ops", "nobody", "address") == std::nullopt);
  FileEnvSecretSource missing_dir(tmp / "does-not-exist");
  CHECK(MustGet(missing_dir, "ops", "on-call", "address") == std::optional<std::string>("from-env-address"));
}

TEST_CASE("secrets: environment names upper-case and replace other bytes with _") {
  struct Case {
    std::string ns, name, key, namespaced, flat;
  };
  const std::vector<Case> cases = {
      {"team-a", "on-call", "address", "GITCANARY_SECRET_TEAM_A__ON_CALL_ADDRESS", "GITCANARY_SECRET_ON_CALL_ADDRESS"},
      {"ops", "slack.v2", "api-token", "GITCANARY_SECRET_OPS__SLACK_V2_API_TOKEN", "GITCANARY_SECRET_SLACK_V2_API_TOKEN"},
      {"x9", "Ab9", "k_1", "GITCANARY_SECRET_X9__AB9_K_1", "GITCANARY_SECRET_AB9_K_1"},
      {"ops", "caf\xc3\xa9", "x", "GITCANARY_SECRET_OPS__CAF___X", "GITCANARY_SECRET_CAF___X"},
      // A namespace whose escaped form would blur the "__" after it has no variable.
      {"a--b", "s", "k", "", "GITCANARY_SECRET_S_K"},
      {"-a", "s", "k", "", "GITCANARY_SECRET_S_K"},
      {"a_", "s", "k", "", "GITCANARY_SECRET_S_K"},
      {"", "s", "k", "", "GITCANARY_SECRET_S_K"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ns);
    CAPTURE(c.name);
    CHECK(SecretEnvName(c.ns, c.name, c.key) == c.namespaced);
    CHECK(FlatSecretEnvName(c.name, c.key) == c.flat);
  }
  // Namespaces stay apart where a single '_' would join them: team / a-prom
  // and team-a / prom.
  CHECK(SecretEnvName("team", "a-prom", "token") != SecretEnvName("team-a", "prom", "token"));
}

TEST_CASE("secrets: a secret is read only from the namespace asked for") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "team-b/prom-auth/token", "team-b-token");
  gitcanary::testing::WriteFile(tmp / "prom-auth/token", "flat-token");  // the flat layout's place
  ScopedEnv flat_env("GITCANARY_SECRET_PROM_AUTH_TOKEN", "flat-env-token");
  ScopedEnv b_env("GITCANARY_SECRET_TEAM_B__PROM_AUTH_TOKEN", "team-b-env-token");
  ScopedEnv a_env("GITCANARY_SECRET_TEAM_A__PROM_AUTH_TOKEN", std::nullopt);
  FileEnvSecretSource src(tmp.path());
  CHECK(src.layout() == SecretsLayout::kNamespaced);
  CHECK(MustGet(src, "team-a", "prom-auth", "token") == std::nullopt);
  CHECK(MustGet(src, "team-b", "prom-auth", "token") == std::optional<std::string>("team-b-token"));
  CHECK(src.Describe("team-a", "prom-auth") == "secret \"prom-auth\" in namespace team-a (" +
                                                   (tmp / "team-a/prom-auth/") +
                                                   " or GITCANARY_SECRET_TEAM_A__PROM_AUTH_<KEY>)");
  // A namespace that is not a directory name is refused like a name.
  for (const std::string ns : {"..", ".", "a/b", ""}) {
    CAPTURE(ns);
    Result<std::optional<std::string>> r = src.Get(ns, "prom-auth", "token");
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidInput);
    CHECK(r.status().message().rfind("secret namespace", 0) == 0);
  }
}

TEST_CASE("secrets: the flat layout ignores the namespace") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "prom-auth/token", "flat-token\n");
  gitcanary::testing::WriteFile(tmp / "team-a/prom-auth/token", "namespaced-token");
  ScopedEnv env("GITCANARY_SECRET_ON_CALL_ADDRESS", "flat-env");
  FileEnvSecretSource src(tmp.path(), SecretsLayout::kFlat);
  CHECK(MustGet(src, "team-a", "prom-auth", "token") == std::optional<std::string>("flat-token"));
  CHECK(MustGet(src, "team-b", "prom-auth", "token") == std::optional<std::string>("flat-token"));
  CHECK(MustGet(src, "", "on-call", "address") == std::optional<std::string>("flat-env"));
  CHECK(src.Describe("team-a", "prom-auth") ==
        "secret \"prom-auth\" (flat layout: " + (tmp / "prom-auth/") + " or GITCANARY_SECRET_PROM_AUTH_<KEY>)");
}

TEST_CASE("secrets: the layout flag takes namespaced or flat") {
  CHECK(*ParseSecretsLayout("namespaced") == SecretsLayout::kNamespaced);
  CHECK(*ParseSecretsLayout("flat") == SecretsLayout::kFlat);
  for (const char* bad : {"", "Flat", "nested"}) {
    CAPTURE(bad);
    Result<SecretsLayout> r = ParseSecretsLayout(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kUsage);
  }
}

TEST_CASE("secrets: names and keys that could leave the directory are Invalid") {
  TempDir tmp;
  gitcanary::testing::WriteFile(tmp / "outside", "do not read");
  gitcanary::testing::WriteFile(tmp / "dir/ops/.hidden/address", "hidden");
  ScopedEnv env("GITCANARY_SECRET_OPS___HIDDEN_ADDRESS", "from-env");
  FileEnvSecretSource src(tmp / "dir");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"..", "outside"}, {".hidden", "address"}, {"a/b", "address"}, {"", "address"},
      {"on-call", "..data"}, {"on-call", "x/y"}, {"on-call", ""},
      {"on-call", std::string("add\0ress", 8)},
  };
  for (const auto& [name, key] : bad) {
    CAPTURE(name);
    CAPTURE(key);
    Result<std::optional<std::string>> r = src.Get("ops", name, key);
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
  FileEnvSecretSource src(tmp.path(), SecretsLayout::kFlat);

  Result<std::optional<std::string>> too_big = src.Get("", "big", "address");
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == Code::kIo);
  CHECK(too_big.status().message() == "secret file " + (tmp / "big/address") +
                                          ": file is 65537 bytes, over the limit of 65536");

  CHECK(MustGet(src, "", "limit", "address")->size() == kMaxSecretBytes);  // exactly the limit is fine

  Result<std::optional<std::string>> dir = src.Get("", "dir", "address");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.status().code() == Code::kIo);
  CHECK(dir.status().message() == "secret file " + (tmp / "dir/address") + ": not a regular file");

  if (geteuid() != 0) {  // root reads mode-000 files
    gitcanary::testing::WriteFile(tmp / "locked/address", "hunter2");
    REQUIRE(chmod((tmp / "locked/address").c_str(), 0) == 0);
    Result<std::optional<std::string>> locked = src.Get("", "locked", "address");
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
