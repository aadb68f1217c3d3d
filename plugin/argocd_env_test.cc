#include "plugin/argocd_env.h"

#include <doctest/doctest.h>

namespace gitcanary::plugin {

TEST_CASE("ARGOCD_APP_PARAMETERS parses Argo CD's list of string, array and map parameters") {
  auto params = ParseAppParameters(
      R"([{"name":"mode","string":"flagger"},{"name":"hosts","array":["a","b"]},{"name":"labels","map":{"k":"v"}}])");
  REQUIRE(params.ok());
  REQUIRE(params->size() == 3);
  CHECK((*params)[0].name == "mode");
  CHECK((*params)[0].string == std::optional<std::string>("flagger"));
  CHECK((*params)[1].array == std::optional<std::vector<std::string>>({"a", "b"}));
  CHECK((*params)[2].map->at("k") == "v");
}

TEST_CASE("ARGOCD_APP_PARAMETERS that is not a list of named parameters is refused with its index") {
  struct Row {
    const char* json;
    const char* message;
  };
  const Row rows[] = {
      {"{", "not valid JSON"},
      {R"({"name":"mode"})", "expected a JSON list"},
      {R"([{"string":"git"}])", "ARGOCD_APP_PARAMETERS[0]: \"name\" must be a non-empty string"},
      {R"([{"name":"mode","string":"git"},{"name":"x","array":[1]}])", "ARGOCD_APP_PARAMETERS[1] (x): array items must be strings"},
      {R"([{"name":"m","map":{"k":2}}])", "map values must be strings"},
      {R"([{"name":"mode","int":3}])", "unexpected field \"int\""},
      {R"([7])", "ARGOCD_APP_PARAMETERS[0]: expected an object"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.json);
    auto params = ParseAppParameters(row.json);
    REQUIRE_FALSE(params.ok());
    CHECK(params.status().message().find(row.message) != std::string::npos);
  }
}

TEST_CASE("CMP options: parameters win over plugin env, and the JSON list over PARAM_ variables") {
  Environment env = {{"ARGOCD_ENV_GITCANARY_MODE", "git"},
                     {"ARGOCD_APP_PARAMETERS", R"([{"name":"mode","string":"flagger"}])"},
                     {"PARAM_MODE", "git"},
                     {"ARGOCD_APP_NAME", "podinfo"},
                     {"ARGOCD_APP_NAMESPACE", "test"},
                     {"ARGOCD_APP_REVISION", "0123abcd"},
                     {"ARGOCD_APP_SOURCE_PATH", "apps/podinfo"}};
  auto options = ReadCmpOptions(env);
  REQUIRE(options.ok());
  CHECK(options->mode == std::optional<std::string>("flagger"));
  CHECK(options->namespace_ == std::optional<std::string>("test"));
  CHECK(options->app_name == "podinfo");
  CHECK(options->revision == "0123abcd");
  CHECK(options->source_path == "apps/podinfo");
}

TEST_CASE("CMP options: PARAM_ variables are read when there is no parameter list") {
  auto options = ReadCmpOptions({{"PARAM_MODE", "flagger"}, {"PARAM_NAMESPACE", "shop"}, {"ARGOCD_APP_NAMESPACE", "test"}});
  REQUIRE(options.ok());
  CHECK(options->mode == std::optional<std::string>("flagger"));
  CHECK(options->namespace_ == std::optional<std::string>("shop"));
}

TEST_CASE("CMP options: the plugin env sets the mode, and empty values count as unset") {
  auto options = ReadCmpOptions({{"ARGOCD_ENV_GITCANARY_MODE", "flagger"}, {"ARGOCD_ENV_OTHER", "x"}});
  REQUIRE(options.ok());
  CHECK(options->mode == std::optional<std::string>("flagger"));
  CHECK_FALSE(options->namespace_.has_value());
  auto blank = ReadCmpOptions({{"ARGOCD_APP_PARAMETERS", R"([{"name":"mode","string":""}])"}});
  REQUIRE(blank.ok());
  CHECK_FALSE(blank->mode.has_value());
}

TEST_CASE("CMP options: an Application without parameters gets null, which is no parameters") {
  // Argo CD marshals a nil parameter list, so it sends the JSON literal null.
  auto params = ParseAppParameters("null");
  REQUIRE(params.ok());
  CHECK(params->empty());
  auto options = ReadCmpOptions({{"ARGOCD_APP_PARAMETERS", "null"}, {"ARGOCD_ENV_GITCANARY_MODE", "flagger"}, {"PARAM_MODE", "git"}});
  REQUIRE(options.ok());
  // No parameters: the PARAM_ variables are read, and they win over the env entry.
  CHECK(options->mode == std::optional<std::string>("git"));
}

TEST_CASE("CMP options: unknown gitcanary options are errors, so a typo never changes a render") {
  auto env_typo = ReadCmpOptions({{"ARGOCD_ENV_GITCANARY_MOD", "git"}});
  REQUIRE_FALSE(env_typo.ok());
  CHECK(env_typo.status().message().find("ARGOCD_ENV_GITCANARY_MOD") != std::string::npos);
  auto param_typo = ReadCmpOptions({{"ARGOCD_APP_PARAMETERS", R"([{"name":"mod","string":"git"}])"}});
  REQUIRE_FALSE(param_typo.ok());
  CHECK(param_typo.status().message().find("unknown plugin parameter \"mod\"") != std::string::npos);
  auto array_mode = ReadCmpOptions({{"ARGOCD_APP_PARAMETERS", R"([{"name":"mode","array":["git"]}])"}});
  REQUIRE_FALSE(array_mode.ok());
  CHECK(array_mode.status().message().find("must be a string") != std::string::npos);
}

}  // namespace gitcanary::plugin
