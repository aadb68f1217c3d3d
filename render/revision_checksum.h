// Revision checksums: what identifies the revision of a canary's workload.
//
// A revision is the target's pod template plus the ConfigMaps and Secrets the
// template references. The checksum is a stable hex digest of the canonical
// (key-sorted, style-independent) form of those parts, so the same pod
// template always gives the same checksum, whatever the key order or quoting in
// the file, and a change in a tracked ConfigMap or Secret changes it. Secret
// data enters only as a digest.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "render/yaml_tree.h"

namespace gitcanary::render {

struct ConfigRefs {
  std::vector<std::string> config_maps;  // sorted, unique
  std::vector<std::string> secrets;      // sorted, unique
};

// The ConfigMaps and Secrets a pod template references: env valueFrom
// configMapKeyRef/secretKeyRef, envFrom configMapRef/secretRef, volumes
// configMap/secret and projected sources, in every container and initContainer.
ConfigRefs ReferencedConfigs(const yaml::Node& pod_template);

// Whether Flagger tracks a ConfigMap or Secret (whole object): not when it is
// annotated `flagger.app/config-tracking` with a value starting "disable", nor
// a Secret of a type other than Opaque, basic-auth, ssh-auth or tls (registry
// and token Secrets). Untracked ones are shared by primary and canary and do
// not enter the revision. A bare data mapping is tracked.
bool TrackedConfig(const yaml::Node& object);

// A stable hex digest (16 hex chars) of a node's canonical form.
std::string Digest(const yaml::Node& node);

// The revision checksum. `config_maps` and `secrets` map a name to the whole
// object (or its data); missing and untracked ones are skipped (not every
// config is in git).
std::string RevisionChecksum(const yaml::Node& pod_template,
                             const std::map<std::string, const yaml::Node*>& config_maps,
                             const std::map<std::string, const yaml::Node*>& secrets);

}  // namespace gitcanary::render
