// Helpers for integration tests: a temp directory that cleans itself up, file
// writing, and running the real gitcanary binary with captured output.
#pragma once

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/file_source.h"

namespace gitcanary::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

// Writes `content` to `path`, creating parent directories.
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `args` (argv[0] included) with extra environment; stdin is /dev/null
// unless `input` is given. Bounded by `timeout_seconds`.
RunResult Run(const std::vector<std::string>& args, const std::string& input = "",
              const std::map<std::string, std::string>& env = {}, int timeout_seconds = 60);

// Runs the gitcanary binary under test with `args`.
RunResult Gitcanary(const std::vector<std::string>& args, const std::string& input = "",
                    const std::map<std::string, std::string>& env = {});

// Runs a shell command (for git set-up in tests); fails the test on non-zero exit.
void Sh(const std::string& command);

std::string SourceDir();

// Sets (or with nullopt unsets) an environment variable; restores it on exit.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};


// The entry called `name` in a directory listing, or nullptr; and all the names.
const DirEntry* Find(const std::vector<DirEntry>& entries, const std::string& name);
std::vector<std::string> Names(const std::vector<DirEntry>& entries);

}  // namespace gitcanary::testing
