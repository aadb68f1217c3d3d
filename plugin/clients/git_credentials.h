// Git credentials from the command line: a token read from a file or a
// variable, and one written in a remote URL moved out of it. Shared by serve
// and the operator commands; nothing here prints a secret.
#pragma once

#include <string>

#include "core/status.h"
#include "git/git_remote.h"

namespace gitcanary::plugin {

// Moves a password or token written in the URL's user info
// (https://user:TOKEN@host/...) into `creds`, so that it reaches libgit2's
// credential callback but never the cache's configuration on disk, logs or
// messages. Returns the URL without it.
std::string MoveUrlCredentials(const std::string& url, git::Credentials* creds);

// The token from `--token-file` or `--token-env` (one of them); "" when neither.
Result<std::string> ReadToken(const std::string& file, const std::string& env);

}  // namespace gitcanary::plugin
