// Tests for the unified line diff: hunk text worked out by hand as `diff -u`
// prints it, and, on random inputs, that the hunks apply back to the new text
// and delete exactly N - LCS lines (a shortest edit script).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "render/line_diff.h"
#include "tests/slowdown.h"

namespace gitcanary::render {
namespace {

std::string Numbers(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::to_string(i) + "\n";
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    out.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

// Applies hunks (texts ending in "\n", no "No newline" markers) to `before`.
std::string Apply(const std::string& before, const std::string& hunks) {
  const auto src = Lines(before), patch = Lines(hunks);
  std::vector<std::string> out;
  std::size_t at = 0;
  for (const std::string& l : patch) {
    if (l.rfind("@@ -", 0) == 0) {
      std::size_t start = std::stoul(l.substr(4));
      const bool empty = l.find(",0 ") != std::string::npos && l.find(",0 ") < l.find(" +");
      std::size_t to = empty ? start : start - 1;
      while (at < to) out.push_back(src[at++]);
    } else if (l[0] == ' ') {
      REQUIRE(src.at(at) == l.substr(1));
      out.push_back(src[at++]);
    } else if (l[0] == '-') {
      REQUIRE(src.at(at++) == l.substr(1));
    } else if (l[0] == '+') {
      out.push_back(l.substr(1));
    }
  }
  while (at < src.size()) out.push_back(src[at++]);
  std::string text;
  for (const std::string& l : out) text += l + "\n";
  return text;
}

std::size_t Lcs(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<std::size_t>> t(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j)
      t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : std::max(t[i - 1][j], t[i][j - 1]);
  return t[a.size()][b.size()];
}

TEST_CASE("line diff: equal texts have no diff") {
  CHECK(UnifiedHunks("a\nb\n", "a\nb\n") == "");
  CHECK(UnifiedDiff("", "", "a/x", "b/x") == "");
}

TEST_CASE("line diff: one changed line in the middle with its context") {
  CHECK(UnifiedDiff("a\nb\nc\n", "a\nB\nc\n", "a/x", "b/x") == "--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  CHECK(UnifiedHunks("x\n", "y\n") == "@@ -1 +1 @@\n-x\n+y\n");
}

TEST_CASE("line diff: added and removed texts use empty ranges") {
  CHECK(UnifiedDiff("", "x\ny\n", "/dev/null", "b/x") == "--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  CHECK(UnifiedHunks("x\n", "") == "@@ -1 +0,0 @@\n-x\n");
  // Inserting after line 2 of 2: the empty old range names the line before it.
  CHECK(UnifiedHunks("1\n2\n", "1\n2\n3\n") == "@@ -1,2 +1,3 @@\n 1\n 2\n+3\n");
}

TEST_CASE("line diff: context is three lines and cut at the edges") {
  CHECK(UnifiedHunks(Numbers(1, 5), "1\n2\n4\n5\n") == "@@ -1,5 +1,4 @@\n 1\n 2\n-3\n 4\n 5\n");
  std::string after = Numbers(1, 10);
  after.replace(after.find("5\n"), 2, "five\n");
  CHECK(UnifiedHunks(Numbers(1, 10), after) == "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST_CASE("line diff: changes at most six lines apart share a hunk, seven apart split") {
  // Lines 1 and 8 change: 6 unchanged lines between -> one hunk.
  std::string merged = "one\n" + Numbers(2, 7) + "eight\n" + Numbers(9, 10);
  CHECK(UnifiedHunks(Numbers(1, 10), merged) ==
        "@@ -1,10 +1,10 @@\n-1\n+one\n 2\n 3\n 4\n 5\n 6\n 7\n-8\n+eight\n 9\n 10\n");
  // Lines 1 and 9 change: 7 unchanged lines between -> two hunks.
  std::string split = "one\n" + Numbers(2, 8) + "nine\n10\n";
  CHECK(UnifiedHunks(Numbers(1, 10), split) ==
        "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -6,5 +6,5 @@\n 6\n 7\n 8\n-9\n+nine\n 10\n");
}

TEST_CASE("line diff: deletions come before insertions within a change") {
  CHECK(UnifiedHunks("a\nb\nc\nd\n", "a\nX\nY\nd\n") == "@@ -1,4 +1,4 @@\n a\n-b\n-c\n+X\n+Y\n d\n");
}

TEST_CASE("line diff: a missing final newline is marked") {
  CHECK(UnifiedHunks("a\n", "a") == "@@ -1 +1 @@\n-a\n+a\n\\ No newline at end of file\n");
  CHECK(UnifiedHunks("a\nb", "a\nc") ==
        "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n");
}

TEST_CASE("line diff: random edits apply back and are shortest") {
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> a, b;
    const int n = static_cast<int>(rng() % 40), m = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) a.push_back(std::string(1, static_cast<char>('a' + rng() % 5)));
    for (int i = 0; i < m; ++i) b.push_back(std::string(1, static_cast<char>('a' + rng() % 5)));
    std::string ta, tb;
    for (auto& l : a) ta += l + "\n";
    for (auto& l : b) tb += l + "\n";
    const std::string hunks = UnifiedHunks(ta, tb);
    CHECK(Apply(ta, hunks) == tb);
    std::size_t deleted = 0, inserted = 0;
    for (const std::string& l : Lines(hunks)) {
      if (l[0] == '-') ++deleted;
      if (l[0] == '+') ++inserted;
    }
    const std::size_t lcs = Lcs(a, b);
    CHECK(deleted == a.size() - lcs);
    CHECK(inserted == b.size() - lcs);
  }
}

TEST_CASE("line diff: large texts diff fast in linear memory") {
  std::string a, b, c;
  for (int i = 0; i < 20000; ++i) {
    a += "line " + std::to_string(i) + "\n";
    b += (i % 100 == 0 ? "changed " : "line ") + std::to_string(i) + "\n";
    c += "other " + std::to_string(i) + "\n";
  }
  const double start = gitcanary::testing::ThreadCpuMs();
  const std::string few = UnifiedHunks(a, b);
  const std::string all = UnifiedHunks(a, c);
  const double ms = gitcanary::testing::ThreadCpuMs() - start;
  CHECK(Apply(a, few) == b);
  CHECK(Apply(a, all) == c);
  CHECK(all.rfind("@@ -1,20000 +1,20000 @@\n", 0) == 0);
  CHECK(ms < 1000 * gitcanary::testing::kSlowdown);  // CPU time, so a loaded machine does not count
}

}  // namespace
}  // namespace gitcanary::render
