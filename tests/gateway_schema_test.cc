// The Gateway servers gitcanary.yaml accepts (render/gateway_settings.h) are
// checked against Istio's own Gateway CRD (../shared/fixtures/schemas): every
// accepted field must exist there with the same type and every enum value we
// allow must be one of Istio's, and each generated Gateway must carry the
// fields the CRD requires. Skipped when the schemas are absent.
#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>

#include "render/app_config.h"
#include "render/gateway_settings.h"
#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

std::string IstioCrds() { return SourceDir() + "/../shared/fixtures/schemas/istio-crds.yaml"; }

// The Server schema of networking.istio.io Gateway, version v1.
YAML::Node ServerSchema() {
  for (const YAML::Node& doc : YAML::LoadAllFromFile(IstioCrds())) {
    if (!doc.IsMap() || doc["kind"].as<std::string>("") != "CustomResourceDefinition") continue;
    if (doc["metadata"]["name"].as<std::string>("") != "gateways.networking.istio.io") continue;
    for (const YAML::Node& version : doc["spec"]["versions"])
      if (version["name"].as<std::string>() == "v1")
        return version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["servers"]["items"];
  }
  return YAML::Node();
}

// The schema of "port.number" below `server`. (yaml-cpp's operator= writes
// through to the node, so the walk rebinds with reset.)
YAML::Node At(const YAML::Node& server, std::string_view path) {
  YAML::Node schema;
  schema.reset(server);
  std::size_t start = 0;
  while (start <= path.size() && schema.IsMap()) {
    std::size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) dot = path.size();
    YAML::Node next = schema["properties"][std::string(path.substr(start, dot - start))];
    schema.reset(next);
    start = dot + 1;
  }
  return schema;
}

}  // namespace

TEST_CASE("gateway servers: every accepted field has Istio's type, and required fields are required here") {
  if (!std::filesystem::exists(IstioCrds())) {
    MESSAGE("skipped: " << IstioCrds() << " is absent");
    return;
  }
  const YAML::Node server = ServerSchema();
  REQUIRE(server.IsMap());
  for (const gitcanary::render::ServerField& field : gitcanary::render::AcceptedServerFields()) {
    CAPTURE(field.path);
    const YAML::Node schema = At(server, field.path);
    REQUIRE(schema.IsMap());
    CHECK(schema["type"].as<std::string>() == std::string(field.type));
  }
  // The CRD requires port and hosts on a server, and number, protocol and name
  // on a port; gitcanary.yaml's servers give the first, render adds hosts.
  std::set<std::string> required;
  for (const YAML::Node& r : server["required"]) required.insert(r.as<std::string>());
  CHECK(required == std::set<std::string>{"port", "hosts"});
  std::set<std::string> port_required;
  for (const YAML::Node& r : At(server, "port")["required"]) port_required.insert(r.as<std::string>());
  CHECK(port_required == std::set<std::string>{"number", "protocol", "name"});
}

TEST_CASE("gateway servers: the tls enums accepted are exactly Istio's") {
  if (!std::filesystem::exists(IstioCrds())) {
    MESSAGE("skipped: " << IstioCrds() << " is absent");
    return;
  }
  const YAML::Node server = ServerSchema();
  REQUIRE(server.IsMap());
  // Each of Istio's values is accepted, and a value outside them is not.
  for (const char* field : {"mode", "minProtocolVersion", "maxProtocolVersion"}) {
    const YAML::Node values = At(server, std::string("tls.") + field)["enum"];
    REQUIRE(values.IsSequence());
    for (const YAML::Node& v : values) {
      const std::string text = "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ngateways:\n  ns/gw:\n    servers:\n"
                               "      - port: {number: 443, name: tls, protocol: TLS}\n        tls: {mode: PASSTHROUGH, " +
                               std::string(field) + ": " + v.as<std::string>() + "}\n";
      const std::string fixed = std::string(field) == "mode"
                                    ? "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ngateways:\n  ns/gw:\n    servers:\n"
                                      "      - port: {number: 443, name: tls, protocol: TLS}\n        tls: {mode: " +
                                          v.as<std::string>() + ", credentialName: c}\n"
                                    : text;
      CAPTURE(fixed);
      auto c = gitcanary::render::ParseAppConfig(fixed, "gitcanary.yaml");
      CHECK_MESSAGE(c.ok(), c.status().message());
    }
  }
  auto bad = gitcanary::render::ParseAppConfig(
      "apiVersion: gitcanary.io/v1alpha1\nkind: Config\ngateways:\n  ns/gw:\n    servers:\n"
      "      - port: {number: 443, name: tls, protocol: TLS}\n        tls: {mode: STRICT}\n",
      "gitcanary.yaml");
  CHECK_FALSE(bad.ok());
}
