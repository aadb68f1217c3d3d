#include "render/app_roots_memo_text.h"

#include <charconv>
#include <unordered_map>
#include <memory>
#include <optional>
#include <vector>

#include "render/app_roots_summary.h"

namespace gitcanary::render {

namespace {

using Summary = AppRootsMemo::Summary;

// The first line. Change the number whenever what a summary holds, or what
// the walk puts in it, changes: texts of older builds are then refused.
constexpr std::string_view kHeader = "gitcanary app-roots memo 1\n";

void PutNumber(std::size_t n, std::string* out) { *out += std::to_string(n) + ";"; }
void PutString(std::string_view s, std::string* out) {
  *out += std::to_string(s.size()) + ":";
  *out += s;
}
void PutList(const std::vector<std::string>& list, std::string* out) {
  PutNumber(list.size(), out);
  for (const std::string& s : list) PutString(s, out);
}

// Paths inside `dir` are written relative to it ('+' and the rest), others
// whole ('=').
void PutPaths(const std::string& dir, const std::vector<std::string>& paths, std::string* out) {
  PutNumber(paths.size(), out);
  for (const std::string& p : paths) {
    const bool inside = !dir.empty() && p.size() > dir.size() + 1 && p.compare(0, dir.size(), dir) == 0 &&
                        p[dir.size()] == '/';
    PutString(inside ? "+" + p.substr(dir.size() + 1) : "=" + p, out);
  }
}

// Reads what the Put functions wrote; any misfit sets `bad` and yields nothing.
class Reader {
 public:
  explicit Reader(std::string_view text) : rest_(text) {}
  bool bad() const { return bad_; }
  bool done() const { return rest_.empty(); }

  // A count or a length, neither of which can exceed what is left.
  std::size_t Number(char end = ';') {
    const std::size_t n = Index(end);
    if (n > rest_.size()) bad_ = true;
    return bad_ ? 0 : n;
  }
  std::size_t Index(char end = ';') {
    std::size_t n = 0;
    auto [after, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), n);
    if (ec != std::errc() || after == rest_.data() + rest_.size() || *after != end) {
      bad_ = true;
      return 0;
    }
    rest_.remove_prefix(static_cast<std::size_t>(after - rest_.data()) + 1);
    return n;
  }
  std::string_view Raw() {
    const std::size_t n = Number(':');
    if (bad_) return {};
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  std::string String() { return std::string(Raw()); }
  std::vector<std::string> List() {
    std::vector<std::string> out(Number());
    for (std::string& s : out) s = String();
    return out;
  }
  std::vector<std::string> Paths(std::string_view dir) {
    std::vector<std::string> out(Number());
    for (std::string& p : out) {
      const std::string_view raw = Raw();
      if (raw.empty() || (raw[0] != '+' && raw[0] != '=')) {
        bad_ = true;
      } else if (raw[0] == '=') {
        p.assign(raw.substr(1));
      } else {
        p.reserve(dir.size() + raw.size());
        p.append(dir).append(1, '/').append(raw.substr(1));
      }
    }
    return out;
  }
  bool Flag() {
    const std::size_t n = Number();
    if (n > 1) bad_ = true;
    return n == 1;
  }
  void Expect(char c) {
    if (rest_.empty() || rest_[0] != c) bad_ = true;
    else rest_.remove_prefix(1);
  }

 private:
  std::string_view rest_;
  bool bad_ = false;
};

// The directory of a memo key (directory, tree id and flag, each after a
// newline; a directory name may hold newlines itself); nullopt when malformed.
std::optional<std::string_view> DirOfKey(std::string_view key) {
  const std::size_t last = key.rfind('\n');
  if (last == std::string_view::npos || last == 0) return std::nullopt;
  const std::size_t id = key.rfind('\n', last - 1);
  if (id == std::string_view::npos) return std::nullopt;
  return key.substr(0, id);
}

}  // namespace

std::string MemoText(const AppRootsMemo& memo) {
  std::unordered_map<const Summary*, std::size_t> index;
  for (const auto& [key, s] : memo.entries()) index.emplace(s.get(), index.size());
  std::string out(kHeader);
  for (const auto& [key, s] : memo.entries()) {
    const std::string dir(DirOfKey(key).value_or(""));
    PutString(key, &out);
    PutNumber(s->discovering, &out);
    PutNumber(s->leaf, &out);
    PutNumber(static_cast<std::size_t>(s->kind), &out);
    PutNumber(s->published_from.has_value(), &out);
    if (s->published_from) PutString(*s->published_from, &out);
    PutList(s->pointed, &out);
    PutPaths(dir, s->referenced, &out);
    PutPaths(dir, s->named, &out);
    PutNumber(s->children.size(), &out);
    for (const auto& [path, child] : s->children) {
      auto it = index.find(child.get());
      PutNumber(it == index.end() ? index.size() : it->second, &out);  // none: the reader refuses it
    }
    out += '\n';
  }
  return out;
}

Status ReadMemoText(std::string_view text, AppRootsMemo* memo) {
  if (text.substr(0, kHeader.size()) != kHeader) return Status::Invalid("not a memo of this format");
  Reader in(text.substr(kHeader.size()));
  std::vector<std::shared_ptr<Summary>> made;
  std::vector<std::string_view> dirs;  // of each entry, into its key
  std::vector<std::vector<std::size_t>> children;  // of each entry, by index
  while (!in.done() && !in.bad()) {
    auto s = std::make_shared<Summary>();
    s->key = in.String();
    std::optional<std::string_view> dir = DirOfKey(s->key);
    if (!dir || (!made.empty() && s->key <= made.back()->key)) break;  // keys come sorted, once each
    s->discovering = in.Flag();
    s->leaf = in.Flag();
    const std::size_t kind = in.Number();
    if (kind > static_cast<std::size_t>(Summary::Kind::kKustomization)) break;
    s->kind = static_cast<Summary::Kind>(kind);
    if (in.Flag()) s->published_from = in.String();
    s->pointed = in.List();
    s->referenced = in.Paths(*dir);
    s->named = in.Paths(*dir);
    std::vector<std::size_t> own(in.Number());
    for (std::size_t& i : own) i = in.Index();
    in.Expect('\n');
    made.push_back(std::move(s));
    dirs.push_back(*dir);
    children.push_back(std::move(own));
  }
  if (in.bad() || !in.done()) return Status::Invalid("damaged memo");
  for (std::size_t i = 0; i < made.size(); ++i) {
    for (std::size_t c : children[i]) {
      // A child lies strictly below its parent, so the entries form trees: a
      // damaged text cannot make a cycle.
      const std::string_view dir = dirs[i];
      if (c >= made.size() || dirs[c].size() <= dir.size() ||
          (!dir.empty() && (dirs[c].compare(0, dir.size(), dir) != 0 || dirs[c][dir.size()] != '/')))
        return Status::Invalid("damaged memo: a child entry is missing or misplaced");
      made[i]->children.emplace_back(std::string(dirs[c]), made[c]);
    }
  }
  auto& entries = memo->entries();
  for (std::shared_ptr<Summary>& s : made) entries.emplace_hint(entries.end(), s->key, std::move(s));
  return Status::Ok();
}

}  // namespace gitcanary::render
