#include "render/render.h"

#include "render/canary_spec.h"
#include "render/canary_templates.h"
#include "render/object_order.h"
#include "render/rewrite_app.h"

namespace gitcanary::render {

Result<RenderResult> Render(std::vector<Manifest> manifests, const AppConfig& config,
                            const RenderOptions& options) {
  if (options.mode == Mode::kGit) {
    return Status::Usage("git mode is not available yet; render with --mode flagger "
                         "(or set defaults.mode: flagger in gitcanary.yaml)");
  }
  RenderResult result;
  const std::string& ns = options.app_namespace;
  Status s = ExpandCanaryTemplates(manifests, config, ns, &result.explain);
  if (!s.ok()) return s;
  s = CheckDuplicates(manifests, ns);
  if (!s.ok()) return s;
  std::vector<CanaryRef> canaries;
  for (std::size_t i = 0; i < manifests.size(); ++i) {
    if (manifests[i].kind != "Canary" || manifests[i].Group() != kCanaryGroup) continue;
    auto info = NormaliseCanary(manifests[i]);
    if (!info.ok()) return info.status();
    canaries.push_back(CanaryRef{i, std::move(*info)});
  }
  s = RewriteApp(manifests, canaries, config, ns, &result.explain);
  if (!s.ok()) return s;
  SortForOutput(manifests, ns);
  result.objects = std::move(manifests);
  return result;
}

}  // namespace gitcanary::render
