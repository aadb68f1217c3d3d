#include "plugin/sources/argocd_env.h"

#include <doctest/doctest.h>

#include <cctype>

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

TEST_CASE("CMP options: build options come from parameters, then env entries, then the sidecar's own variables") {
  Environment env = {{"GITCANARY_KUSTOMIZE", "kubectl kustomize"},
                     {"GITCANARY_HELM", "/tools/helm"},
                     {"GITCANARY_KUSTOMIZE_BUILD_OPTIONS", "--load-restrictor LoadRestrictionsNone"},
                     {"GITCANARY_BUILD_TIMEOUT", "2m"},
                     {"ARGOCD_ENV_GITCANARY_HELM_RELEASE_NAME", "web"},
                     {"ARGOCD_APP_PARAMETERS",
                      R"([{"name":"helm-values-files","array":["values-prod.yaml","","extra.yaml"]},)"
                      R"({"name":"helm-parameters","map":{"image.tag":"1.2.3","a":"b=c","hosts":"x,y\\,z","list":"{1,2}"}},)"
                      R"({"name":"build-timeout","string":"1m30s"}])"}};
  auto options = ReadCmpOptions(env);
  REQUIRE(options.ok());
  CHECK(options->kustomize == std::optional<std::string>("kubectl kustomize"));
  CHECK(options->helm == std::optional<std::string>("/tools/helm"));
  CHECK(options->kustomize_build_options == std::optional<std::string>("--load-restrictor LoadRestrictionsNone"));
  CHECK(options->helm_release_name == std::optional<std::string>("web"));
  CHECK(options->helm_values_files == std::vector<std::string>{"values-prod.yaml", "extra.yaml"});
  // Commas are escaped for helm --set, as Argo CD does for Helm parameters, but not in a {list}.
  CHECK(options->helm_set == std::vector<std::string>{"a=b=c", "hosts=x\\,y\\,z", "image.tag=1.2.3", "list={1,2}"});
  CHECK(options->build_timeout_ms == std::optional<int>(90'000));
  // The sidecar alone.
  auto sidecar = ReadCmpOptions({{"GITCANARY_KUSTOMIZE_BUILD_OPTIONS", "--enable-helm"}, {"GITCANARY_BUILD_TIMEOUT", "2m"}});
  REQUIRE(sidecar.ok());
  CHECK(sidecar->kustomize_build_options == std::optional<std::string>("--enable-helm"));
  CHECK(sidecar->build_timeout_ms == std::optional<int>(120'000));
  CHECK_FALSE(sidecar->kustomize.has_value());
  CHECK_FALSE(sidecar->helm_release_name.has_value());
}

TEST_CASE("CMP options: the tools and kustomize's options are the sidecar's, never an Application's") {
  for (const char* entry : {"ARGOCD_ENV_GITCANARY_KUSTOMIZE", "ARGOCD_ENV_GITCANARY_HELM",
                            "ARGOCD_ENV_GITCANARY_KUSTOMIZE_BUILD_OPTIONS"}) {
    CAPTURE(entry);
    auto refused = ReadCmpOptions({{entry, "/bin/sh -c evil"}});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("never by an Application") != std::string::npos);
  }
  for (const char* name : {"kustomize", "helm", "kustomize-build-options"}) {
    CAPTURE(name);
    auto refused = ReadCmpOptions(
        {{"ARGOCD_APP_PARAMETERS", std::string(R"([{"name":")") + name + R"(","string":"--enable-alpha-plugins --enable-exec"}])"}});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().message().find("is refused: what the sidecar runs is set on the sidecar") != std::string::npos);
  }
}

TEST_CASE("CMP options: an empty parameter is not set, so it never overrides an env entry") {
  for (const char* name : {"mode", "namespace", "helm-release-name", "build-timeout"}) {
    CAPTURE(name);
    std::string upper = name;
    for (char& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string value = std::string(name) == "mode" ? "git" : std::string(name) == "build-timeout" ? "45s" : "x";
    auto options = ReadCmpOptions({{"ARGOCD_ENV_GITCANARY_" + upper, value},
                                   {"ARGOCD_APP_PARAMETERS", std::string(R"([{"name":")") + name + R"(","string":""}])"}});
    REQUIRE(options.ok());
    if (std::string(name) == "mode") CHECK(options->mode == std::optional<std::string>("git"));
    if (std::string(name) == "namespace") CHECK(options->namespace_ == std::optional<std::string>("x"));
    if (std::string(name) == "helm-release-name") CHECK(options->helm_release_name == std::optional<std::string>("x"));
    if (std::string(name) == "build-timeout") CHECK(options->build_timeout_ms == std::optional<int>(45'000));
  }
  auto blank_param_var = ReadCmpOptions({{"ARGOCD_ENV_GITCANARY_MODE", "flagger"}, {"PARAM_MODE", ""}});
  REQUIRE(blank_param_var.ok());
  CHECK(blank_param_var->mode == std::optional<std::string>("flagger"));
}

TEST_CASE("CMP options: PARAM_ variables carry the string and array options when there is no list") {
  auto options = ReadCmpOptions({{"ARGOCD_APP_PARAMETERS", "null"},
                                 {"PARAM_HELM_RELEASE_NAME", "web"},
                                 {"PARAM_HELM_VALUES_FILES_0", "a.yaml"},
                                 {"PARAM_HELM_VALUES_FILES_1", "b.yaml"},
                                 {"PARAM_BUILD_TIMEOUT", "10s"}});
  REQUIRE(options.ok());
  CHECK(options->helm_release_name == std::optional<std::string>("web"));
  CHECK(options->helm_values_files == std::vector<std::string>{"a.yaml", "b.yaml"});
  CHECK(options->build_timeout_ms == std::optional<int>(10'000));
}

TEST_CASE("CMP options: a value of the wrong kind, a tool named by a parameter and a bad duration are errors") {
  struct Row {
    Environment env;
    const char* message;
  };
  const Row rows[] = {
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"helm-values-files","string":"a.yaml"}])"}}, "\"helm-values-files\" must be an array"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"helm-parameters","array":["a=b"]}])"}}, "\"helm-parameters\" must be a map"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"helm-parameters","map":{"":"b"}}])"}}, "an entry with an empty name"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"kustomize","string":"sh"}])"}}, "plugin parameter \"kustomize\" is refused"},
      {{{"ARGOCD_APP_PARAMETERS", R"([{"name":"build-timeout","string":"90"}])"}}, "plugin parameter \"build-timeout\": \"90\" is not a duration"},
      {{{"ARGOCD_ENV_GITCANARY_BUILD_TIMEOUT", "-1s"}}, "ARGOCD_ENV_GITCANARY_BUILD_TIMEOUT: \"-1s\" is not a duration"},
      {{{"GITCANARY_BUILD_TIMEOUT", "0"}}, "GITCANARY_BUILD_TIMEOUT: \"0\" is not a duration"},
      {{{"ARGOCD_ENV_GITCANARY_HELM_VALUES_FILES", "a.yaml"}}, "unknown plugin env ARGOCD_ENV_GITCANARY_HELM_VALUES_FILES"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.message);
    auto options = ReadCmpOptions(row.env);
    REQUIRE_FALSE(options.ok());
    CHECK(options.status().message().find(row.message) != std::string::npos);
  }
}

TEST_CASE("CMP options: ARGOCD_APP_SOURCE_PATH set but empty is the repository top, unset is a run by hand") {
  auto top = ReadCmpOptions({{"ARGOCD_APP_SOURCE_PATH", ""}});
  REQUIRE(top.ok());
  CHECK(top->source_path == std::optional<std::string>(""));
  auto by_hand = ReadCmpOptions({});
  REQUIRE(by_hand.ok());
  CHECK_FALSE(by_hand->source_path.has_value());
}

}  // namespace gitcanary::plugin
