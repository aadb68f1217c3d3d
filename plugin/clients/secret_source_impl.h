// FileEnvSecretSource: the SecretSource that reads mounted secret files, then
// the environment.
//
// Get(name, key) reads `<dir>/<name>/<key>`, the layout a Kubernetes Secret
// mounted as a volume at `<dir>/<name>` has (the key files may be symlinks
// into `..data`, which are followed). One trailing newline ("\n" or "\r\n")
// is stripped, since editors and `echo` add one. When that file does not
// exist, the environment variable GITCANARY_SECRET_<NAME>_<KEY> is used: name
// and key upper-cased, every byte other than A-Z and 0-9 written as '_' (so
// "on-call" / "address" is GITCANARY_SECRET_ON_CALL_ADDRESS; distinct names can
// share a variable, the file layout has no such ambiguity). An empty variable
// is an empty value. Neither: nullopt.
//
// Errors, none of which quote a value: a name or key that is empty, contains
// '/' or a NUL byte, or starts with '.' (no path traversal, no `..data`) is
// Invalid; a file that exists but is not a regular file, cannot be read, or is
// over kMaxSecretBytes is an Io error naming its path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "core/secret_source.h"
#include "core/status.h"

namespace gitcanary::plugin {

inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;
inline constexpr const char* kDefaultSecretsDir = "/etc/gitcanary/secrets";
inline constexpr const char* kSecretsDirEnv = "GITCANARY_SECRETS_DIR";

class FileEnvSecretSource : public SecretSource {
 public:
  explicit FileEnvSecretSource(std::string dir) : dir_(std::move(dir)) {}

  Result<std::optional<std::string>> Get(const std::string& secret_name,
                                         const std::string& key) override;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// The secrets directory when no --secrets-dir is given: $GITCANARY_SECRETS_DIR
// when set and non-empty, else kDefaultSecretsDir.
std::string SecretsDirFromEnvironment();

// GITCANARY_SECRET_<NAME>_<KEY> for a secret name and key.
std::string SecretEnvName(const std::string& secret_name, const std::string& key);

}  // namespace gitcanary::plugin
