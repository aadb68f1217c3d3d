// WriteStdout of text in pieces: everything arrives, in order, through a pipe
// that takes less at a time than is written; a reader that went away is an
// error exit.
#include "plugin/commands/exit_codes.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace gitcanary::plugin {
namespace {

// Runs WriteStdout(pieces) with stdout going into a pipe; returns its exit
// code and what a reader got (nothing when `read_it` is false: the reader end
// is closed first).
std::pair<int, std::string> ThroughPipe(const std::vector<std::string>& pieces, bool read_it) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(dup2(fds[1], STDOUT_FILENO) == STDOUT_FILENO);
  close(fds[1]);
  std::string got;
  std::thread reader;
  if (read_it) {
    reader = std::thread([&] {
      char buf[4096];
      for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    });
  } else {
    close(fds[0]);
  }
  const int code = WriteStdout(pieces);
  dup2(saved, STDOUT_FILENO);  // the pipe's last write end goes: the reader sees the end
  close(saved);
  if (read_it) {
    reader.join();
    close(fds[0]);
  }
  return {code, got};
}

TEST_CASE("WriteStdout: 3000 pieces of 1.6 MB in all arrive whole and in order through a 64 KiB pipe") {
  std::vector<std::string> pieces;
  std::string want;
  for (int i = 0; i < 3000; ++i) {  // more pieces than one writev takes (IOV_MAX, 1024), some empty
    const char fill = static_cast<char>('a' + i % 26);
    pieces.push_back(i % 7 == 3 ? std::string()
                                : std::to_string(i) + ":" + std::string(static_cast<std::size_t>(i % 1000), fill) + "\n");
    want += pieces.back();
  }
  auto [code, got] = ThroughPipe(pieces, true);
  CHECK(code == kExitOk);
  CHECK(got.size() == want.size());
  CHECK(got == want);
}

TEST_CASE("WriteStdout: a reader that went away is exit 1") {
  void (*before)(int) = std::signal(SIGPIPE, SIG_IGN);  // else the write kills the test
  auto [code, got] = ThroughPipe({"some text\n", std::string(100000, 'x')}, false);
  std::signal(SIGPIPE, before);
  CHECK(code == kExitInvalid);
  CHECK(got.empty());
}

}  // namespace
}  // namespace gitcanary::plugin
