#include "render/yaml_ranges.h"

#include <algorithm>

namespace gitcanary::yaml {
namespace {

bool Space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

RangeScanner::RangeScanner(std::string_view text) : t_(text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < t_.size(); ++i)
    if (t_[i] == '\n') starts_.push_back(i + 1);
}

std::size_t RangeScanner::Offset(Mark m) const {
  const auto line = static_cast<std::size_t>(m.line);
  return line < 1 || line > starts_.size() ? t_.size() : std::min(t_.size(), starts_[line - 1] + m.column - 1);
}

std::size_t RangeScanner::LineOf(std::size_t off) const {
  return static_cast<std::size_t>(std::upper_bound(starts_.begin(), starts_.end(), off) - starts_.begin()) - 1;
}

std::size_t RangeScanner::ContentEnd(std::size_t l) const {
  if (l + 1 >= starts_.size()) return t_.size();
  std::size_t e = starts_[l + 1] - 1;
  return e > starts_[l] && t_[e - 1] == '\r' ? e - 1 : e;
}

std::string RangeScanner::EolAt(std::size_t off) const {
  for (std::size_t l : {LineOf(off), std::size_t{0}})
    if (Next(l) > ContentEnd(l)) return std::string(t_.substr(ContentEnd(l), Next(l) - ContentEnd(l)));
  return "\n";
}

bool RangeScanner::OnlySpacesBefore(std::size_t off) const {
  return t_.substr(Start(LineOf(off)), off - Start(LineOf(off))).find_first_not_of(' ') == std::string_view::npos;
}

std::size_t RangeScanner::QuotedEnd(std::size_t at) const {
  const char q = t_[at];
  for (std::size_t i = at + 1; i < t_.size(); ++i) {
    const bool doubled = q == '\'' && i + 1 < t_.size() && t_[i + 1] == '\'';
    if ((q == '"' && t_[i] == '\\') || (t_[i] == q && doubled)) ++i;
    else if (t_[i] == q) return i + 1;
  }
  return t_.size();
}

std::size_t RangeScanner::FlowEnd(std::size_t at) const {
  int depth = 0;
  for (std::size_t i = at; i < t_.size(); ++i) {
    const char c = t_[i], prev = i > at ? t_[i - 1] : ' ';
    const bool token_start = std::string_view(" \t\r\n{[,:").find(prev) != std::string_view::npos;
    if ((c == '\'' || c == '"') && token_start) i = QuotedEnd(i) - 1;
    else if (c == '#' && Space(prev)) i = LineEndAt(i) - 1;  // a comment
    else if (c == '{' || c == '[') ++depth;
    else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
  }
  return t_.size();
}

std::size_t RangeScanner::PlainEnd(std::size_t at, int parent) const {
  std::size_t l = LineOf(at);
  bool commented = false;
  std::size_t end = PlainLineEnd(at, ContentEnd(l), &commented);
  while (!commented && ++l < starts_.size()) {
    std::size_t i = Start(l), e = ContentEnd(l);
    while (i < e && t_[i] == ' ') ++i;
    if (std::all_of(t_.begin() + i, t_.begin() + e, Space)) continue;
    if (static_cast<int>(i - Start(l)) <= parent || t_[i] == '#') break;
    end = PlainLineEnd(i, e, &commented);
  }
  return end;
}

std::size_t RangeScanner::BlockScalarEnd(std::size_t at, int parent) const {
  std::size_t l = LineOf(at), end = ContentEnd(l);
  int indent = -1;
  bool keep = false;
  for (std::size_t i = at + 1; i < end && !Space(t_[i]) && t_[i] != '#'; ++i) {
    if (t_[i] >= '1' && t_[i] <= '9') indent = parent + (t_[i] - '0');
    keep = keep || t_[i] == '+';
  }
  while (++l < starts_.size() && Start(l) < t_.size()) {
    std::size_t i = Start(l), e = ContentEnd(l);
    while (i < e && t_[i] == ' ') ++i;
    const int col = static_cast<int>(i - Start(l));
    if (i < e && indent < 0 && col <= parent) break;
    if (i < e && indent < 0) indent = col;
    if (i < e && col < indent) break;
    if (i < e || keep) end = e;
  }
  return end;
}

std::size_t RangeScanner::ScalarEnd(std::size_t at, int parent) const {
  while (at < t_.size() && (t_[at] == '&' || t_[at] == '!')) {  // anchor, tag
    while (at < t_.size() && !Space(t_[at])) ++at;
    while (at < t_.size() && (t_[at] == ' ' || t_[at] == '\t')) ++at;
  }
  if (at >= t_.size()) return t_.size();
  switch (t_[at]) {
    case '\'': case '"': return QuotedEnd(at);
    case '|': case '>': return BlockScalarEnd(at, parent);
    case '{': case '[': return FlowEnd(at);
    default: return PlainEnd(at, parent);
  }
}

std::optional<std::size_t> RangeScanner::AfterColon(const Field& f) const {
  std::size_t i = Offset(f.key_mark);
  if (i < t_.size() && (t_[i] == '\'' || t_[i] == '"')) i = QuotedEnd(i);
  for (; i < t_.size() && !(t_[i] == ':' && (i + 1 == t_.size() || Space(t_[i + 1]))); ++i)
    if (t_[i] == '\n') return std::nullopt;
  return i < t_.size() ? std::optional<std::size_t>(i + 1) : std::nullopt;
}

std::size_t RangeScanner::NullEnd(std::size_t colon) const {
  std::size_t i = std::min(t_.find_first_not_of(" \t", colon), t_.size());
  if (i == t_.size() || t_[i] == '#' || t_[i] == '\r' || t_[i] == '\n') return colon;
  return std::min(t_.find_first_of(" \t\r\n", i), t_.size());
}

std::optional<std::size_t> RangeScanner::NodeEnd(const Node& n, int parent) const {
  if (n.IsNull()) return std::nullopt;
  const std::size_t at = Offset(n.mark);
  if (n.IsScalar()) return ScalarEnd(at, parent);
  if (IsFlow(n)) return FlowEnd(at);
  if (n.IsMapping()) return n.fields.empty() ? std::nullopt : FieldEnd(n.fields.back());
  if (n.items.empty()) return std::nullopt;
  return NodeEnd(n.items.back(), n.mark.column - 1);
}

std::optional<std::size_t> RangeScanner::FieldEnd(const Field& f) const {
  std::optional<std::size_t> end =
      f.value.IsNull() ? AfterColon(f) : NodeEnd(f.value, f.key_mark.column - 1);
  if (end && *end <= Offset(f.key_mark)) return std::nullopt;  // e.g. an alias
  return end;
}

bool RangeScanner::IsFlow(const Node& n) const {
  const std::size_t at = Offset(n.mark);
  return at < t_.size() && (t_[at] == '{' || t_[at] == '[');
}

std::size_t RangeScanner::PlainLineEnd(std::size_t from, std::size_t e, bool* commented) const {
  std::size_t i = from;
  while (i < e && !(t_[i] == '#' && i > from && Space(t_[i - 1]))) ++i;
  *commented = i < e;
  while (i > from && Space(t_[i - 1])) --i;
  return i;
}

}  // namespace gitcanary::yaml
