#include "plugin/sources/walk_memo_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "plugin/sources/replace_file.h"
#include "render/app_roots_memo_text.h"

namespace gitcanary::plugin {

namespace {

// A memo is a few hundred bytes per directory; a larger file is not ours.
constexpr off_t kMaxBytes = 256 << 20;

// The memo file, mapped in whole (one system call for all its pages, rather
// than a fault per page of a buffer); empty when there is none to read.
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= kMaxBytes) {
      void* at = mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (at != MAP_FAILED) text_ = std::string_view(static_cast<const char*>(at), static_cast<std::size_t>(st.st_size));
    }
    close(fd);
  }
  ~Mapped() {
    if (!text_.empty()) munmap(const_cast<char*>(text_.data()), text_.size());
  }
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

}  // namespace

WalkMemoFile::WalkMemoFile(std::string git_dir) : path_(git_dir + "gitcanary/app-roots-memo") {
  const Mapped file(path_);
  if (file.text().empty() || !render::ReadMemoText(file.text(), &memo_).ok()) return;
  read_.reserve(memo_.entries().size());
  for (const auto& [key, summary] : memo_.entries()) read_.push_back(key);
}

void WalkMemoFile::Save() const {
  const auto& entries = memo_.entries();
  if (entries.size() == read_.size() &&
      std::equal(entries.begin(), entries.end(), read_.begin(), [](const auto& e, const std::string& key) {
        return e.first == key;
      }))
    return;
  mkdir(path_.substr(0, path_.rfind('/')).c_str(), 0755);
  // A cache: without it the next diff reads more, so a failure is left alone.
  (void)ReplaceFile(path_, render::MemoText(memo_), Durability::kUnsynced);
}

}  // namespace gitcanary::plugin
