// Names derived from a Canary, checked as the API server checks them
// (Service names are DNS-1035 labels, Deployment and HPA names DNS-1123
// subdomains, port names IANA service names). Lengths are counted by hand.
#include <doctest/doctest.h>

#include <string>

#include "render/canary_spec.h"
#include "render/generated_names.h"
#include "render/loader.h"

namespace gitcanary::render {
namespace {

Status Normalise(const std::string& target, const std::string& service_extra) {
  const std::string text = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: web\nspec:\n"
                           "  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: " + target + "\n"
                           "  service:\n    port: 80\n" + service_extra + "  analysis:\n    stepWeight: 10\n";
  auto parsed = ParseManifests(text, "canary.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  auto r = NormaliseCanary((*parsed)[0]);
  return r.ok() ? Status::Ok() : r.status();
}

}  // namespace

TEST_CASE("generated names: <apex>-primary and <apex>-canary Services must fit in 63 characters") {
  const std::string fits(55, 'a');  // 55 + "-primary" = 63
  CHECK(Normalise(fits, "").ok());
  Status s = Normalise(fits + "b", "");
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:9:11: spec.targetRef.name: the Service name \"" + fits + "b-primary\" is 64 characters "
                       "long; at most 63 are allowed; set spec.service.name (or spec.targetRef.name) to at most 55 characters");
  // service.name, when set, is the apex: a long target name is then fine for Services.
  CHECK(Normalise(fits + "b", "    name: web\n").ok());
  s = Normalise("web", "    name: " + fits + "b\n");
  REQUIRE(!s.ok());
  CHECK(s.message().find("canary.yaml:12:11: spec.service.name: the Service name \"" + fits + "b-primary\" is 64") == 0);
}

TEST_CASE("generated names: a Service name must be a DNS-1035 label") {
  Status s = Normalise("web", "    name: 1web\n");
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:12:11: spec.service.name: the Service name \"1web\" must start with a lowercase "
                       "letter (a DNS-1035 label); set spec.service.name to such a name");
  CHECK(!Normalise("Web", "").ok());
}

TEST_CASE("generated names: service.portName must be an IANA service name") {
  CHECK(Normalise("web", "    portName: http\n").ok());
  CHECK(Normalise("web", "    portName: grpc-web\n").ok());
  Status s = Normalise("web", "    portName: HTTP\n");
  REQUIRE(!s.ok());
  CHECK(s.message() == "canary.yaml:12:15: spec.service.portName: \"HTTP\" is not a valid Service port name: it may hold "
                       "only lowercase letters, digits and '-' (an IANA service name, e.g. http or grpc-web)");
  CHECK(!Normalise("web", "    portName: http-longer-than-15\n").ok());
  CHECK(!Normalise("web", "    portName: \"8080\"\n").ok());
  CHECK(!Normalise("web", "    portName: http--x\n").ok());
}

TEST_CASE("generated names: the rules, as Kubernetes' validation states them") {
  CHECK(Dns1035LabelProblem("podinfo-primary").empty());
  CHECK(!Dns1035LabelProblem("podinfo-").empty());
  CHECK(!Dns1035LabelProblem("pod_info").empty());
  CHECK(!Dns1035LabelProblem(std::string(64, 'a')).empty());
  CHECK(Dns1123SubdomainProblem("1podinfo.v2-primary").empty());
  CHECK(!Dns1123SubdomainProblem("podinfo..x").empty());
  CHECK(!Dns1123SubdomainProblem(std::string(254, 'a')).empty());
  CHECK(IanaServiceNameProblem("h2c").empty());
  CHECK(!IanaServiceNameProblem("123").empty());
  CHECK(!IanaServiceNameProblem("-http").empty());
}

}  // namespace gitcanary::render
