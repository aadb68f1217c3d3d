// SecretSource: the I/O seam that stands in for Flagger's `secretRef`.
//
// Flagger reads a Kubernetes Secret from the cluster; gitcanary has no cluster
// access, so a secret is looked up by name and key through this interface
// (plugin/clients/secret_source_impl.h reads mounted files and the environment, tests
// pass fakes). Get() returns the value, nullopt when the secret has no such
// key, or an error when the value exists but cannot be read or the name or key
// is not acceptable. Secret values never appear in error messages, logs,
// status or commits; callers keep it that way.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace gitcanary {

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  virtual Result<std::optional<std::string>> Get(const std::string& secret_name,
                                                 const std::string& key) = 0;
};

}  // namespace gitcanary
