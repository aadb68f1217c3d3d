#include "plugin/sources/replace_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace gitcanary::plugin {

namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

Status ReplaceFile(const std::string& path, const std::string& content, Durability durability) {
  const std::size_t slash = path.rfind('/');
  std::string temp = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) +
                     ".gitcanary-write-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) return Status::Io(Errno("creating a temporary file beside " + path));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::Io(Errno("writing " + temp));
      close(fd);
      unlink(temp.c_str());
      return s;
    }
    done += static_cast<std::size_t>(n);
  }
  fchmod(fd, 0644);
  if ((durability == Durability::kSynced && fsync(fd) != 0) || close(fd) != 0) {
    unlink(temp.c_str());
    return Status::Io(Errno("writing " + temp));
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    Status s = Status::Io(Errno("renaming " + temp + " to " + path));
    unlink(temp.c_str());
    return s;
  }
  return Status::Ok();
}

}  // namespace gitcanary::plugin
