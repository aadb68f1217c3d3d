// `gitcanary post-render`: a Helm post-renderer.
//
// Helm 3 (`helm install --post-renderer gitcanary --post-renderer-args
// post-render`) and the Helm 4 plugin in deploy/helm-plugin both hand every
// rendered manifest to this command on stdin and install what it prints. The
// stream is rendered like an app directory: the chart's Deployments, Services
// and Canaries come out rewritten for the canary, with the HPAs and routing
// generated. Helm 4's `postrenderer.helm.sh/postrender-filename` annotation is
// kept on every object that came in with it; objects generated from a chart's
// object carry the file name of that object's source... no: they carry none,
// and Helm files them itself.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kPostRenderHelp[];

int RunPostRender(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
