#include "render/line_diff.h"

#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <vector>

namespace gitcanary::render {

namespace {

// Lines keep their "\n" (the last one may lack it).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(start, end - start));
    start = end;
  }
  return out;
}

// Myers' linear-space diff over line ids; marks changed lines in del/ins.
class Myers {
 public:
  Myers(const std::vector<int>& a, const std::vector<int>& b, std::vector<char>* del, std::vector<char>* ins)
      : a_(a), b_(b), del_(*del), ins_(*ins) {
    const std::size_t max = (a.size() + b.size() + 1) / 2 + 2;
    offset_ = static_cast<long>(max);
    vf_.assign(2 * max + 1, 0);
    vb_.assign(2 * max + 1, 0);
  }
  void Run() { Compare(0, static_cast<long>(a_.size()), 0, static_cast<long>(b_.size())); }

 private:
  struct Snake {
    long x0, y0, x1, y1;  // relative to the subproblem
  };

  void Compare(long ao, long n, long bo, long m) {
    while (n > 0 && m > 0 && a_[ao] == b_[bo]) ++ao, ++bo, --n, --m;
    while (n > 0 && m > 0 && a_[ao + n - 1] == b_[bo + m - 1]) --n, --m;
    if (n == 0 || m == 0) {
      for (long i = 0; i < n; ++i) del_[ao + i] = 1;
      for (long j = 0; j < m; ++j) ins_[bo + j] = 1;
      return;
    }
    const Snake s = MiddleSnake(ao, n, bo, m);
    Compare(ao, s.x0, bo, s.y0);
    Compare(ao + s.x1, n - s.x1, bo + s.y1, m - s.y1);
  }

  long& F(long k) { return vf_[offset_ + k]; }
  long& B(long k) { return vb_[offset_ + k]; }

  Snake MiddleSnake(long ao, long n, long bo, long m) {
    const long delta = n - m;
    const bool odd = (delta & 1) != 0;
    F(1) = 0;
    B(1) = 0;
    for (long d = 0; d <= (n + m + 1) / 2; ++d) {
      for (long k = -d; k <= d; k += 2) {  // forward
        long x = (k == -d || (k != d && F(k - 1) < F(k + 1))) ? F(k + 1) : F(k - 1) + 1;
        long y = x - k;
        const long sx = x, sy = y;
        while (x < n && y < m && a_[ao + x] == b_[bo + y]) ++x, ++y;
        F(k) = x;
        const long c = delta - k;
        if (odd && c >= -(d - 1) && c <= d - 1 && x + B(c) >= n) return {sx, sy, x, y};
      }
      for (long k = -d; k <= d; k += 2) {  // backward, in reversed coordinates
        long x = (k == -d || (k != d && B(k - 1) < B(k + 1))) ? B(k + 1) : B(k - 1) + 1;
        long y = x - k;
        const long sx = x, sy = y;
        while (x < n && y < m && a_[ao + n - 1 - x] == b_[bo + m - 1 - y]) ++x, ++y;
        B(k) = x;
        const long c = delta - k;
        if (!odd && c >= -d && c <= d && x + F(c) >= n) return {n - x, m - y, n - sx, m - sy};
      }
    }
    return {0, 0, n, m};  // unreachable: the paths always meet
  }

  const std::vector<int>& a_;
  const std::vector<int>& b_;
  std::vector<char>& del_;
  std::vector<char>& ins_;
  std::vector<long> vf_, vb_;
  long offset_ = 0;
};

// Marks the lines of a (del) and b (ins) that are not in a longest common subsequence.
void MarkChanges(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                 std::vector<char>* del, std::vector<char>* ins) {
  std::unordered_map<std::string_view, int> ids;
  std::vector<int> ia(a.size()), ib(b.size());
  std::vector<char> in_a, in_b;
  auto id_of = [&](std::string_view line) {
    auto [it, fresh] = ids.emplace(line, static_cast<int>(ids.size()));
    if (fresh) in_a.push_back(0), in_b.push_back(0);
    return it->second;
  };
  for (std::size_t i = 0; i < a.size(); ++i) ia[i] = id_of(a[i]);
  for (std::size_t j = 0; j < b.size(); ++j) ib[j] = id_of(b[j]);
  for (int id : ia) in_a[id] = 1;
  for (int id : ib) in_b[id] = 1;
  // Lines without a partner are changes; Myers runs on the rest.
  std::vector<int> fa, fb;
  std::vector<std::size_t> ma, mb;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (in_b[ia[i]]) fa.push_back(ia[i]), ma.push_back(i); else (*del)[i] = 1;
  for (std::size_t j = 0; j < b.size(); ++j)
    if (in_a[ib[j]]) fb.push_back(ib[j]), mb.push_back(j); else (*ins)[j] = 1;
  std::vector<char> fdel(fa.size(), 0), fins(fb.size(), 0);
  Myers(fa, fb, &fdel, &fins).Run();
  for (std::size_t i = 0; i < fa.size(); ++i) (*del)[ma[i]] = fdel[i];
  for (std::size_t j = 0; j < fb.size(); ++j) (*ins)[mb[j]] = fins[j];
}

struct Group {
  std::size_t a, b, na, nb;  // start in a and b, lines deleted and inserted
};

std::vector<Group> Groups(const std::vector<char>& del, const std::vector<char>& ins) {
  std::vector<Group> out;
  std::size_t i = 0, j = 0;
  const std::size_t n = del.size(), m = ins.size();
  while (i < n || j < m) {
    if (i < n && j < m && !del[i] && !ins[j]) {
      ++i, ++j;
      continue;
    }
    Group g{i, j, 0, 0};
    while (i < n && del[i]) ++i, ++g.na;
    while (j < m && ins[j]) ++j, ++g.nb;
    if (g.na == 0 && g.nb == 0) break;  // inconsistent marks: cannot happen
    out.push_back(g);
  }
  return out;
}

std::string Range(std::size_t lo, std::size_t len) {
  if (len == 1) return std::to_string(lo + 1);
  return std::to_string(len == 0 ? lo : lo + 1) + "," + std::to_string(len);
}

void AppendLine(char mark, std::string_view line, std::string* out) {
  out->push_back(mark);
  out->append(line);
  if (line.empty() || line.back() != '\n') out->append("\n\\ No newline at end of file\n");
}

// Writes the hunk made of groups [first, last].
void WriteHunk(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
               const Group* first, const Group* last, std::size_t context, std::string* out) {
  const std::size_t a_lo = first->a > context ? first->a - context : 0;
  const std::size_t b_lo = first->b - (first->a - a_lo);
  const std::size_t a_end = last->a + last->na, a_hi = std::min(a.size(), a_end + context);
  const std::size_t b_hi = last->b + last->nb + (a_hi - a_end);
  *out += "@@ -" + Range(a_lo, a_hi - a_lo) + " +" + Range(b_lo, b_hi - b_lo) + " @@\n";
  std::size_t pos = a_lo;
  for (const Group* g = first; g <= last; ++g) {
    for (; pos < g->a; ++pos) AppendLine(' ', a[pos], out);
    for (std::size_t i = 0; i < g->na; ++i) AppendLine('-', a[g->a + i], out);
    for (std::size_t j = 0; j < g->nb; ++j) AppendLine('+', b[g->b + j], out);
    pos = g->a + g->na;
  }
  for (; pos < a_hi; ++pos) AppendLine(' ', a[pos], out);
}

}  // namespace

std::string UnifiedHunks(std::string_view before, std::string_view after, int context) {
  if (before == after) return "";
  const std::size_t ctx = context < 0 ? 0 : static_cast<std::size_t>(context);
  const auto a = SplitLines(before), b = SplitLines(after);
  std::vector<char> del(a.size(), 0), ins(b.size(), 0);
  // Common leading and trailing lines are unchanged; only the middle is diffed.
  std::size_t head = 0, tail = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const std::vector<std::string_view> ma(a.begin() + head, a.end() - tail), mb(b.begin() + head, b.end() - tail);
  std::vector<char> mdel(ma.size(), 0), mins(mb.size(), 0);
  MarkChanges(ma, mb, &mdel, &mins);
  std::copy(mdel.begin(), mdel.end(), del.begin() + head);
  std::copy(mins.begin(), mins.end(), ins.begin() + head);
  const std::vector<Group> groups = Groups(del, ins);
  std::string out;
  for (std::size_t start = 0; start < groups.size();) {
    std::size_t end = start;
    while (end + 1 < groups.size() && groups[end + 1].a - (groups[end].a + groups[end].na) <= 2 * ctx) ++end;
    WriteHunk(a, b, &groups[start], &groups[end], ctx, &out);
    start = end + 1;
  }
  return out;
}

std::string UnifiedDiff(std::string_view before, std::string_view after, std::string_view before_name,
                        std::string_view after_name, int context) {
  std::string hunks = UnifiedHunks(before, after, context);
  if (hunks.empty()) return hunks;
  std::string out;
  out.reserve(hunks.size() + before_name.size() + after_name.size() + 10);
  out.append("--- ").append(before_name).append("\n+++ ").append(after_name).append("\n");
  out += hunks;
  return out;
}

}  // namespace gitcanary::render
