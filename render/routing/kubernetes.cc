#include "render/routing/kubernetes.h"

#include <string>

#include "render/routing/refused_fields.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

const std::vector<RefusedField>& KubernetesRefusedFields() {
  static const std::vector<RefusedField> kRefused = {
      {"analysis", "match",
       "there is no router to send the matching requests to the canary (Flagger drops the match and runs "
       "Blue/Green); remove it and test the canary through its -canary Service, or use a provider with A/B: istio, "
       "gatewayapi:v1, gatewayapi:v1beta1 or nginx"},
      {"analysis", "mirror",
       "there is no router to copy requests to the canary (Flagger skips mirroring for this provider); remove it, "
       "or use provider istio or gatewayapi:v1 / gatewayapi:v1beta1"},
      {"analysis", "sessionAffinity",
       "there is no router to set or read its cookies; remove it, or use provider istio or gatewayapi:v1 / "
       "gatewayapi:v1beta1"},
      {"service", "match", "the Service takes every request, not only the matching ones; remove it"},
      {"service", "mirror", "there is no router to send copies of requests; remove it"},
  };
  return kRefused;
}

// stepWeight or stepWeights (normalising has made sure iterations is not set
// beside them): a weighted canary, which Flagger silently turns into
// Blue/Green with 10 iterations.
Status RefuseWeights(const RouteContext& c) {
  const Node* analysis = c.spec.Find("analysis");
  if (analysis == nullptr || !analysis->IsMapping()) return Status::Ok();
  for (const char* key : {"stepWeight", "stepWeights"}) {
    const Node* step = analysis->Find(key);
    if (step == nullptr || !AsksForSomething(*step)) continue;
    return c.f.Error(*step, std::string("spec.analysis.") + key,
                     "not supported with provider kubernetes: the Service " + c.names.apex +
                         " always selects the primary, so no traffic shifts by weight (Flagger runs it as "
                         "Blue/Green with 10 iterations instead); set analysis.iterations for Blue/Green, or use a "
                         "provider that shifts weight");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<Node>> MakeKubernetesRoutes(const RouteContext& c) {
  if (Status s = RefuseFields(c, KubernetesRefusedFields()); !s.ok()) return s;
  if (Status s = RefuseWeights(c); !s.ok()) return s;
  return std::vector<Node>{};
}

}  // namespace gitcanary::render
