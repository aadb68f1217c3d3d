// FileEnvSecretSource: the SecretSource that reads mounted secret files, then
// the environment.
//
// Layouts. The default, namespaced, keeps each namespace's secrets apart, so
// that a team's MetricTemplate can only ever read its own namespace's Secrets:
// Get(ns, name, key) reads `<dir>/<ns>/<name>/<key>`, and when that file does
// not exist the variable GITCANARY_SECRET_<NS>__<NAME>_<KEY>. The flat layout
// (serve --secrets-layout flat) is for a single tenant: it ignores the
// namespace and reads `<dir>/<name>/<key>`, then GITCANARY_SECRET_<NAME>_<KEY>.
//
// `<dir>/<ns>/<name>` is the layout a Kubernetes Secret mounted as a volume at
// that path has (the key files may be symlinks into `..data`, which are
// followed). One trailing newline ("\n" or "\r\n") is stripped, since editors
// and `echo` add one. In a variable's name, namespace, name and key are
// upper-cased and every byte other than A-Z and 0-9 is written as '_' (so
// "on-call" / "address" in namespace "team-a" is
// GITCANARY_SECRET_TEAM_A__ON_CALL_ADDRESS). Distinct names or keys of one
// namespace can share a variable, as in the flat layout; the double '_' after
// the namespace keeps namespaces apart, and a namespace that would blur it
// (one whose escaped form holds "__" or starts or ends with '_', such as
// "a--b") has no variable: its secrets are read from files only. An empty
// variable is an empty value. Neither file nor variable: nullopt.
//
// Errors, none of which quote a value: a namespace, name or key that is empty,
// contains '/' or a NUL byte, or starts with '.' (no path traversal, no
// `..data`) is Invalid; a file that exists but is not a regular file, cannot
// be read, or is over kMaxSecretBytes is an Io error naming its path.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/secret_source.h"
#include "core/status.h"

namespace gitcanary::plugin {

inline constexpr std::size_t kMaxSecretBytes = 64 * 1024;
inline constexpr const char* kDefaultSecretsDir = "/etc/gitcanary/secrets";
inline constexpr const char* kSecretsDirEnv = "GITCANARY_SECRETS_DIR";

enum class SecretsLayout { kNamespaced, kFlat };

// "namespaced" or "flat" (serve --secrets-layout).
Result<SecretsLayout> ParseSecretsLayout(std::string_view text);

class FileEnvSecretSource : public SecretSource {
 public:
  explicit FileEnvSecretSource(std::string dir, SecretsLayout layout = SecretsLayout::kNamespaced)
      : dir_(std::move(dir)), layout_(layout) {}

  Result<std::optional<std::string>> Get(const std::string& ns, const std::string& secret_name,
                                         const std::string& key) override;
  std::string Describe(const std::string& ns, const std::string& secret_name) const override;

  const std::string& dir() const { return dir_; }
  SecretsLayout layout() const { return layout_; }

 private:
  std::string dir_;
  SecretsLayout layout_;
};

// The secrets directory when no --secrets-dir is given: $GITCANARY_SECRETS_DIR
// when set and non-empty, else kDefaultSecretsDir.
std::string SecretsDirFromEnvironment();

// GITCANARY_SECRET_<NS>__<NAME>_<KEY>, the namespaced layout's variable; ""
// when the namespace has none (see above).
std::string SecretEnvName(const std::string& ns, const std::string& secret_name, const std::string& key);

// GITCANARY_SECRET_<NAME>_<KEY>, the flat layout's variable.
std::string FlatSecretEnvName(const std::string& secret_name, const std::string& key);

}  // namespace gitcanary::plugin
