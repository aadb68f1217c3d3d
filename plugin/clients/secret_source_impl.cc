#include "plugin/clients/secret_source_impl.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace gitcanary::plugin {
namespace {

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A name or key as it appears in messages: they are not secret.
std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 0xF];
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

Status CheckPart(const char* what, const std::string& part) {
  if (part.empty()) return Status::Invalid(std::string("secret ") + what + " must not be empty");
  if (part.find('/') != std::string::npos || part.find('\0') != std::string::npos ||
      part[0] == '.') {
    return Status::Invalid(std::string("secret ") + what + " " + Quoted(part) +
                           " must not contain '/' or NUL or start with '.'");
  }
  return Status::Ok();
}

Status IoError(const std::string& path, const std::string& what) {
  return Status::Io("secret file " + path + ": " + what);
}

// Strips one trailing newline, "\n" or "\r\n".
void StripNewline(std::string& value) {
  if (value.empty() || value.back() != '\n') return;
  value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
}

// The file's content; nullopt when it does not exist.
Result<std::optional<std::string>> ReadSecretFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang; regular files ignore it.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return IoError(path, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return IoError(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return IoError(path, "not a regular file");
  const auto too_large = [&](long long size) {
    return IoError(path, "file is " + std::to_string(size) + " bytes, over the limit of " +
                             std::to_string(kMaxSecretBytes));
  };
  if (static_cast<unsigned long long>(st.st_size) > kMaxSecretBytes) return too_large(st.st_size);

  std::string value(kMaxSecretBytes + 1, '\0');
  std::size_t got = 0;
  while (got < value.size()) {
    const ssize_t n = read(fd.get(), value.data() + got, value.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(path, std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > kMaxSecretBytes) return too_large(static_cast<long long>(got));  // grew meanwhile
  value.resize(got);
  StripNewline(value);
  return std::optional<std::string>(std::move(value));
}

}  // namespace

namespace {

// Upper-cased, every byte other than A-Z and 0-9 written as '_'.
std::string EnvPart(const std::string& part) {
  std::string out;
  for (unsigned char c : part) {
    if (c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += keep ? static_cast<char>(c) : '_';
  }
  return out;
}

}  // namespace

std::string FlatSecretEnvName(const std::string& secret_name, const std::string& key) {
  return "GITCANARY_SECRET_" + EnvPart(secret_name) + "_" + EnvPart(key);
}

std::string SecretEnvName(const std::string& ns, const std::string& secret_name, const std::string& key) {
  const std::string n = EnvPart(ns);
  if (n.empty() || n.front() == '_' || n.back() == '_' || n.find("__") != std::string::npos) return "";
  return "GITCANARY_SECRET_" + n + "__" + EnvPart(secret_name) + "_" + EnvPart(key);
}

Result<SecretsLayout> ParseSecretsLayout(std::string_view text) {
  if (text == "namespaced") return SecretsLayout::kNamespaced;
  if (text == "flat") return SecretsLayout::kFlat;
  return Status::Usage("--secrets-layout takes namespaced or flat, got \"" + std::string(text) + "\"");
}

std::string SecretsDirFromEnvironment() {
  const char* dir = std::getenv(kSecretsDirEnv);
  return dir != nullptr && *dir != '\0' ? std::string(dir) : std::string(kDefaultSecretsDir);
}

std::string FileEnvSecretSource::Describe(const std::string& ns, const std::string& secret_name) const {
  if (layout_ == SecretsLayout::kFlat) {
    return "secret " + Quoted(secret_name) + " (flat layout: " + dir_ + "/" + secret_name + "/ or " +
           FlatSecretEnvName(secret_name, "") + "<KEY>)";
  }
  const std::string env = SecretEnvName(ns, secret_name, "");
  return "secret " + Quoted(secret_name) + " in namespace " + ns + " (" + dir_ + "/" + ns + "/" + secret_name + "/" +
         (env.empty() ? "" : " or " + env + "<KEY>") + ")";
}

Result<std::optional<std::string>> FileEnvSecretSource::Get(const std::string& ns, const std::string& secret_name,
                                                            const std::string& key) {
  const bool flat = layout_ == SecretsLayout::kFlat;
  if (!flat) {
    Status ns_ok = CheckPart("namespace", ns);
    if (!ns_ok.ok()) return ns_ok;
  }
  Status name_ok = CheckPart("name", secret_name);
  if (!name_ok.ok()) return name_ok;
  Status key_ok = CheckPart("key", key);
  if (!key_ok.ok()) return key_ok;

  const std::string dir = flat ? dir_ : dir_ + "/" + ns;
  Result<std::optional<std::string>> file = ReadSecretFile(dir + "/" + secret_name + "/" + key);
  if (!file.ok() || file->has_value()) return file;
  const std::string var = flat ? FlatSecretEnvName(secret_name, key) : SecretEnvName(ns, secret_name, key);
  if (var.empty()) return std::optional<std::string>();
  const char* env = std::getenv(var.c_str());
  if (env == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(env);
}

}  // namespace gitcanary::plugin
