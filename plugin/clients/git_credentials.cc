#include "plugin/clients/git_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace gitcanary::plugin {

std::string MoveUrlCredentials(const std::string& url, git::Credentials* creds) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const std::size_t host = scheme + 3;
  const std::size_t at = url.find('@', host), slash = url.find('/', host);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return url;
  const std::string userinfo = url.substr(host, at - host);
  const std::size_t colon = userinfo.find(':');
  if (colon == std::string::npos) return url;
  if (creds->username.empty()) creds->username = userinfo.substr(0, colon);
  if (creds->token.empty()) creds->token = userinfo.substr(colon + 1);
  return url.substr(0, host) + userinfo.substr(0, colon) + url.substr(at);
}

Result<std::string> ReadToken(const std::string& file, const std::string& env) {
  if (!file.empty() && !env.empty()) return Status::Usage("give --token-file or --token-env, not both");
  std::string token;
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::Invalid("cannot read the token file " + file);
    std::ostringstream s;
    s << in.rdbuf();
    token = s.str();
  } else if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (v == nullptr) return Status::Invalid("environment variable " + env + " (the git token) is not set");
    token = v;
  } else {
    return std::string();
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return Status::Invalid("the git token in " + (file.empty() ? "$" + env : file) + " is empty");
  return token;
}

}  // namespace gitcanary::plugin
