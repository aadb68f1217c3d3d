#include "plugin/sources/disk_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

namespace gitcanary::plugin {
namespace {

// Directory entries and the first read of each file go through one buffer of
// this size per thread.
constexpr std::size_t kScratchBytes = 64 * 1024;

// Drops empty and "." segments, keeps "..": "./a//b/" -> "a/b", "" -> ".".
std::string CleanDir(const std::string& dir) {
  const bool absolute = !dir.empty() && dir[0] == '/';
  std::string out = absolute ? "/" : "";
  std::size_t start = 0;
  while (start <= dir.size()) {
    std::size_t end = dir.find('/', start);
    if (end == std::string::npos) end = dir.size();
    std::string_view seg(dir.data() + start, end - start);
    if (!seg.empty() && seg != ".") {
      if (!out.empty() && out.back() != '/') out += '/';
      out += seg;
    }
    start = end + 1;
  }
  return out.empty() ? "." : out;
}

std::string Join(const std::string& dir, const std::string& name) {
  if (name.empty()) return dir;
  if (dir == ".") return name;
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// The status for a failed system call on `what` (a Describe() string).
Status ErrnoStatus(const std::string& what, int err) {
  if (err == ENOTDIR) return Status::Invalid(what + ": not a directory");
  if (err == ELOOP) return Status::Invalid(what + ": is a symbolic link (not followed)");
  return Status::Io(what + ": " + std::strerror(err));
}

EntryType TypeOfStat(const struct stat& st) {
  if (S_ISREG(st.st_mode)) return EntryType::kFile;
  if (S_ISDIR(st.st_mode)) return EntryType::kDirectory;
  if (S_ISLNK(st.st_mode)) return EntryType::kSymlink;
  return EntryType::kOther;
}

// Type of a directory entry from d_type, falling back to fstatat.
EntryType TypeOfDirent(int dir_fd, unsigned char d_type, const char* name) {
  switch (d_type) {
    case DT_REG: return EntryType::kFile;
    case DT_DIR: return EntryType::kDirectory;
    case DT_LNK: return EntryType::kSymlink;
    case DT_UNKNOWN: break;
    default: return EntryType::kOther;
  }
  struct stat st;
  if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return EntryType::kOther;
  return TypeOfStat(st);
}

// The text of the symlink `name` in `dir_fd`, growing the buffer as needed.
Result<std::string> ReadLinkAt(int dir_fd, const char* name, const std::string& what) {
  std::string buf(256, '\0');
  for (;;) {
    ssize_t n = readlinkat(dir_fd, name, buf.data(), buf.size());
    if (n < 0) return ErrnoStatus(what, errno);
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The layout getdents64(2) fills in; glibc declares no wrapper for it.
struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Each thread's buffer for directory entries and for the first read of a
// file, reused for every directory and file the thread reads.
char* ScratchBuffer() {
  thread_local std::unique_ptr<char[]> buf(new char[kScratchBytes]);
  return buf.get();
}

// The entries of the open directory `fd`, sorted by name: getdents64 into the
// scratch buffer, d_type for the type (fstatat only where the file system
// leaves it unknown), readlinkat only for symlinks.
Result<std::vector<DirEntry>> ReadEntries(int fd, const std::string& full) {
  std::vector<DirEntry> out;
  char* buf = ScratchBuffer();
  for (;;) {
    const long n = syscall(SYS_getdents64, fd, buf, kScratchBytes);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(full, errno);
    if (n == 0) break;
    for (long at = 0; at < n;) {
      const auto* ent = reinterpret_cast<const LinuxDirent64*>(buf + at);
      at += ent->d_reclen;
      if (std::strcmp(ent->d_name, ".") == 0 || std::strcmp(ent->d_name, "..") == 0) continue;
      DirEntry entry;
      entry.name = ent->d_name;
      entry.type = TypeOfDirent(fd, ent->d_type, ent->d_name);
      if (entry.type == EntryType::kSymlink) {
        auto target = ReadLinkAt(fd, ent->d_name, Join(full, entry.name));
        if (!target.ok()) return target.status();
        entry.link_target = std::move(target).value();
      }
      out.push_back(std::move(entry));
    }
  }
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

// Fills `data` (sized to the file) from `fd`, whose first `got` bytes are in
// it already; a file that shrank while read ends where it ended.
Result<std::string> ReadRest(int fd, const std::string& full, std::size_t got, std::string data) {
  while (got < data.size()) {
    const ssize_t n = read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(full, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
  return data;
}

// The contents of `full`, already known to be a regular file: open, one read
// into the scratch buffer, close for a file smaller than the buffer (a short
// read of a regular file is its end). A file that fills the buffer is sized
// with fstat before it is read further, so a file over `max_bytes` is refused
// after its first kScratchBytes, and with its size, as ReadChecked does.
Result<std::string> ReadRegular(const std::string& full, std::size_t max_bytes) {
  Fd fd(open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoStatus(full, errno);
  char* buf = ScratchBuffer();
  ssize_t n;
  do n = read(fd.get(), buf, kScratchBytes);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus(full, errno);
  if (static_cast<std::size_t>(n) < kScratchBytes) {
    if (static_cast<std::size_t>(n) > max_bytes) return FileTooLarge(full, static_cast<std::size_t>(n), max_bytes);
    return std::string(buf, static_cast<std::size_t>(n));
  }
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(full, errno);
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return FileTooLarge(full, st.st_size, max_bytes);
  std::string data(buf, static_cast<std::size_t>(n));
  data.resize(std::max<std::size_t>(static_cast<std::size_t>(st.st_size), data.size()));
  return ReadRest(fd.get(), full, static_cast<std::size_t>(n), std::move(data));
}

// Any path: open, fstat to refuse what is not a regular file (a directory, a
// FIFO: O_NONBLOCK so that it cannot hang us first), read.
Result<std::string> ReadChecked(const std::string& full, std::size_t max_bytes) {
  Fd fd(open(full.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return ErrnoStatus(full, errno);
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus(full, errno);
  if (!S_ISREG(st.st_mode)) return Status::Invalid(full + ": not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return FileTooLarge(full, st.st_size, max_bytes);
  return ReadRest(fd.get(), full, 0, std::string(static_cast<std::size_t>(st.st_size), '\0'));
}

// "a/b/c" -> {"a/b", "c"}; "c" -> {"", "c"}.
std::pair<std::string, std::string_view> SplitLast(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {std::string(), path};
  return {path.substr(0, slash), std::string_view(path).substr(slash + 1)};
}

}  // namespace

DiskSource::DiskSource(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_.push_back('.');
}

std::string DiskSource::Describe(const std::string& path) const { return Join(root_, path); }

Result<std::vector<DirEntry>> DiskSource::ListUncached(const std::string& dir) const {
  const std::string full = Describe(dir);
  Fd fd(open(full.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    int err = errno;
    struct stat st;  // O_DIRECTORY reports a symlink to a directory as ENOTDIR
    if (err == ENOTDIR && lstat(full.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) err = ELOOP;
    return ErrnoStatus(full, err);
  }
  return ReadEntries(fd.get(), full);
}

std::shared_ptr<const Result<std::vector<DirEntry>>> DiskSource::Listing(const std::string& dir) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = listings_.find(dir);
    if (it != listings_.end()) return it->second;
  }
  auto listed = std::make_shared<const Result<std::vector<DirEntry>>>(ListUncached(dir));
  std::lock_guard<std::mutex> lock(mu_);
  return listings_.emplace(dir, std::move(listed)).first->second;
}

Result<std::vector<DirEntry>> DiskSource::List(const std::string& dir) const { return *Listing(dir); }

std::optional<EntryType> DiskSource::ListedType(const std::string& path) const {
  auto [parent, name] = SplitLast(path);
  if (name.empty() || name == "." || name == "..") return std::nullopt;
  std::shared_ptr<const Result<std::vector<DirEntry>>> listing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = listings_.find(parent);
    if (it != listings_.end()) {
      listing = it->second;
    } else if (auto known = looked_up_.find(path); known != looked_up_.end()) {
      return known->second;
    } else if (++questions_[parent] < 2 && listings_.count(SplitLast(parent).first) == 0) {
      return std::nullopt;  // a lone question, such as a config file looked for up the tree
    }
  }
  if (listing == nullptr) listing = Listing(parent);
  if (!listing->ok()) return std::nullopt;
  const std::vector<DirEntry>& entries = **listing;
  auto it = std::lower_bound(entries.begin(), entries.end(), name,
                             [](const DirEntry& e, std::string_view n) { return e.name < n; });
  return it != entries.end() && it->name == name ? it->type : EntryType::kOther;
}

EntryType DiskSource::TypeOf(const std::string& path) const {
  if (auto listed = ListedType(path)) return *listed;
  struct stat st;
  const EntryType type = lstat(Describe(path).c_str(), &st) != 0 ? EntryType::kOther : TypeOfStat(st);
  std::lock_guard<std::mutex> lock(mu_);
  looked_up_.emplace(path, type);
  return type;
}

Result<std::string> DiskSource::Read(const std::string& path, std::size_t max_bytes) const {
  if (ListedType(path) == EntryType::kFile) return ReadRegular(Describe(path), max_bytes);
  return ReadChecked(Describe(path), max_bytes);
}

std::string ParentDir(const std::string& dir) {
  const std::string clean = CleanDir(dir);
  if (clean == "/") return clean;
  if (clean == ".") return "..";
  const std::size_t slash = clean.rfind('/');
  const std::string last = slash == std::string::npos ? clean : clean.substr(slash + 1);
  if (last == "..") return clean + "/..";
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return clean.substr(0, slash);
}

Result<std::string> FindRepoRoot(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return ErrnoStatus(dir, errno);
  if (!S_ISDIR(st.st_mode)) return ErrnoStatus(dir, ENOTDIR);
  std::string cur = CleanDir(dir);
  for (;;) {
    if (lstat(Join(cur, ".git").c_str(), &st) == 0) return cur;
    std::unique_ptr<char, decltype(&std::free)> real(realpath(cur.c_str(), nullptr), &std::free);
    if (real == nullptr) return ErrnoStatus(cur, errno);
    if (std::strcmp(real.get(), "/") == 0) return std::string();
    cur = ParentDir(cur);
  }
}

Result<std::string> PathBelow(const std::string& base, const std::string& path) {
  using CPath = std::unique_ptr<char, decltype(&std::free)>;
  CPath real_base(realpath(base.c_str(), nullptr), &std::free);
  if (real_base == nullptr) return ErrnoStatus(base, errno);
  CPath real_path(realpath(path.c_str(), nullptr), &std::free);
  if (real_path == nullptr) return ErrnoStatus(path, errno);
  std::string b = real_base.get();
  const std::string p = real_path.get();
  if (p == b) return std::string();
  if (b.back() != '/') b += '/';
  if (p.compare(0, b.size(), b) != 0) {
    return Status::Invalid(path + " is not inside " + base);
  }
  return p.substr(b.size());
}

}  // namespace gitcanary::plugin
