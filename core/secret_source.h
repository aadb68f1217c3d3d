// SecretSource: the I/O seam that stands in for Flagger's `secretRef`.
//
// Flagger reads a Kubernetes Secret from the cluster, in the namespace of the
// object that names it; gitcanary has no cluster access, so a secret is looked
// up by namespace, name and key through this interface
// (plugin/clients/secret_source_impl.h reads mounted files and the
// environment, tests pass fakes). The namespace is always the referring
// object's own (a MetricTemplate's, an AlertProvider's): a secretRef is never
// resolved in another namespace. Get() returns the value, nullopt when the
// secret has no such key, or an error when the value exists but cannot be read
// or the namespace, name or key is not acceptable. Describe() says where a
// secret was looked for, for the message about one that is missing. Secret
// values never appear in error messages, logs, status or commits; callers keep
// it that way.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"

namespace gitcanary {

class SecretSource {
 public:
  virtual ~SecretSource() = default;
  virtual Result<std::optional<std::string>> Get(const std::string& ns, const std::string& secret_name,
                                                 const std::string& key) = 0;
  // "secret \"N\" in namespace NS" and where it was looked for; never a value.
  virtual std::string Describe(const std::string& ns, const std::string& secret_name) const {
    return "secret \"" + secret_name + "\" in namespace " + ns;
  }
};

}  // namespace gitcanary
