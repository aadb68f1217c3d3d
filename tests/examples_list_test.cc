// Every example directory is listed, in the table of examples/README.md and
// in the table of README.md's "## Examples" section, so a new example cannot
// go unmentioned. A directory counts as an example when it holds YAML at any
// depth; it is listed when a row's first cell names it or a directory in it.
#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t stop = text.find('\n', start);
    if (stop == std::string::npos) stop = text.size();
    out.push_back(text.substr(start, stop - start));
    start = stop + 1;
  }
  return out;
}

// The backticked names in the first cell of each table row of `text`, with
// `prefix` removed (names without it are left out) and cut at the first '/'.
std::set<std::string> ListedDirs(const std::string& text, const std::string& prefix) {
  std::set<std::string> out;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("| ", 0) != 0) continue;
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (std::size_t open = cell.find('`'); open != std::string::npos; open = cell.find('`', open + 1)) {
      const std::size_t close = cell.find('`', open + 1);
      if (close == std::string::npos) break;
      const std::string name = cell.substr(open + 1, close - open - 1);
      open = close;
      if (name.rfind(prefix, 0) != 0) continue;
      const std::string rest = name.substr(prefix.size());
      out.insert(rest.substr(0, rest.find('/')));
    }
  }
  return out;
}

std::string Section(const std::string& text, const std::string& heading) {
  const std::size_t start = text.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  const std::size_t end = text.find("\n## ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The directories of examples/ that hold a YAML file at any depth.
std::vector<std::string> ExampleDirs() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const fs::directory_entry& dir : fs::directory_iterator(SourceDir() + "/examples")) {
    if (!dir.is_directory()) continue;
    for (const fs::directory_entry& file : fs::recursive_directory_iterator(dir.path())) {
      const std::string ext = file.path().extension().string();
      if (file.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        out.push_back(dir.path().filename().string());
        break;
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("examples: every example directory is listed in examples/README.md and in README's Examples") {
  const std::vector<std::string> dirs = ExampleDirs();
  REQUIRE(dirs.size() >= 19);
  const std::set<std::string> in_examples = ListedDirs(ReadFile(SourceDir() + "/examples/README.md"), "");
  const std::string section = Section(ReadFile(SourceDir() + "/README.md"), "## Examples");
  REQUIRE(!section.empty());
  const std::set<std::string> in_readme = ListedDirs(section, "examples/");
  for (const std::string& dir : dirs) {
    CAPTURE(dir);
    CHECK(in_examples.count(dir) == 1);
    CHECK(in_readme.count(dir) == 1);
  }
}

TEST_CASE("examples: ListedDirs reads the first cell of table rows") {
  const std::string text =
      "| example | shows |\n|---|---|\n| `examples/a`, `examples/b-c` | uses `examples/x` |\n"
      "| `examples/d/app` | d |\nnot a row `examples/e`\n| `f/` | f |\n";
  CHECK(ListedDirs(text, "examples/") == std::set<std::string>{"a", "b-c", "d"});
  CHECK(ListedDirs(text, "") == std::set<std::string>{"examples", "f"});
}
