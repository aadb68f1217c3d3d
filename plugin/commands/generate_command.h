// `gitcanary generate`: the Argo CD Config Management Plugin entry point.
//
// Argo CD's cmp-server extracts a tarball of the repository (often without
// `.git`) into a fresh directory, $ARGOCD_CMP_WORKDIR (else $TMPDIR, else
// /tmp) /_cmp_server/<id>, and runs this command with the app path as working
// directory and the app's options in the environment (plugin/sources/argocd_env.h).
//
//   1. Locate: the extracted top is <id>; the app's path below it is
//      ARGOCD_APP_SOURCE_PATH, or a tail of it when the app's
//      manifest-generate-paths made Argo CD send only their common root. An app
//      directory that is a symlink is followed while it stays below <id>.
//      Outside that layout (a run by hand, a test) the top is the working
//      directory less ARGOCD_APP_SOURCE_PATH, or without it the nearest .git.
//   2. gitcanary.yaml: looked up along the app's path up to the top, never
//      above; when only part of the repository was sent, one must be in it.
//   3. Build the app as Argo CD would (plugin/apps/app_build.h: kustomize, helm
//      template, or plain manifests) with the build options from (1).
//   4. Render like `gitcanary render`, stamp every object with the revision
//      Argo CD is syncing, and print the YAML stream.
//
// Any error, and an empty result, exits non-zero with nothing on stdout and
// one stderr line starting "app NAME:", because Argo CD would prune every
// object on empty output and shows that line in its UI.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

extern const char kGenerateHelp[];

// The annotation that carries ARGOCD_APP_REVISION on every generated object.
inline constexpr char kSourceRevisionAnnotation[] = "gitcanary.io/source-revision";

int RunGenerate(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
