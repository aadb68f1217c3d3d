#include "plugin/apps/render_app.h"

#include <mutex>

namespace gitcanary::plugin {

Result<render::Mode> ResolveMode(const std::optional<std::string>& given, const render::AppConfig& config) {
  if (given) return render::ParseMode(*given);
  return config.mode.value_or(render::Mode::kGit);
}

Result<render::RenderResult> RenderNonEmpty(std::vector<render::Manifest> manifests, const render::AppConfig& config,
                                            const render::RenderOptions& options, const std::string& what) {
  if (manifests.empty()) return Status::Invalid(what + ": no manifests found; refusing to render an empty result");
  auto result = render::Render(std::move(manifests), config, options);
  if (!result.ok()) return result.status();
  if (result->objects.empty()) return Status::Invalid(what + ": the render is empty; refusing to print an empty result");
  return result;
}

void KeepUntilExit(std::vector<render::Manifest> objects) {
  static auto* mu = new std::mutex();
  static auto* kept = new std::vector<std::vector<render::Manifest>>();
  std::lock_guard<std::mutex> lock(*mu);
  kept->push_back(std::move(objects));
}

}  // namespace gitcanary::plugin
