#include "render/diff_report.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "render/line_diff.h"
#include "render/xml_escape.h"

namespace gitcanary::render {

namespace {

struct Counts {
  std::size_t added = 0, removed = 0, changed = 0, renamed = 0;
};

Counts Count(const AppDiff& app) {
  Counts c;
  for (const ResourceChange& r : app.changes) {
    switch (r.type) {
      case ChangeType::kAdded: ++c.added; break;
      case ChangeType::kRemoved: ++c.removed; break;
      case ChangeType::kChanged: ++c.changed; break;
      case ChangeType::kRenamed: ++c.renamed; break;
    }
  }
  return c;
}

std::string Plural(std::size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string OneLine(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return out;
}

// At most `limit` bytes, cut at a UTF-8 boundary and marked with "…".
std::string Cut(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t end = limit > 3 ? limit - 3 : 0;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s + "\xE2\x80\xA6";
}

// A line (ending in "\n") of at most `limit` bytes.
std::string CutLine(std::string_view line, std::size_t limit) {
  std::string_view body = line.substr(0, line.size() - (!line.empty() && line.back() == '\n' ? 1 : 0));
  return Cut(std::string(body), limit > 1 ? limit - 1 : 0) + "\n";
}

std::string EscapeInline(std::string_view s) {
  std::string out;
  for (char c : OneLine(s)) {
    if (c == '&') out += "&amp;";
    else if (std::string_view("\\`*_[]<>|~#!").find(c) != std::string_view::npos) out += '\\', out += c;
    else out += c;
  }
  return out;
}

std::size_t LongestRun(std::string_view s, char c) {
  std::size_t best = 0, run = 0;
  for (char x : s) best = std::max(best, run = x == c ? run + 1 : 0);
  return best;
}

// A code span; `|` is escaped so that it also works in table cells.
std::string Code(std::string_view s) {
  std::string text = OneLine(s), out;
  for (char c : text) (c == '|' ? out += "\\|" : out += c);
  const std::string ticks(LongestRun(text, '`') + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return ticks + (pad ? " " : "") + out + (pad ? " " : "") + ticks;
}

// One Markdown section as units that are never split (kept in one buffer),
// each with the constructs (details, fence, table) open after it: what closes
// and what reopens them.
class Section {
 public:
  struct Unit {
    std::size_t begin, end;
    std::uint32_t ctx;
  };
  struct Context {
    std::string reopen, close;
  };

  explicit Section(std::size_t cap) : cap_(cap) { ctx_.push_back({"", ""}); }

  // Appends one unit (ending in "\n"), cut to the line cap unless `cut` is false.
  void Add(std::string_view text, bool cut = true) {
    const std::size_t begin = text_.size();
    if (cut && text.size() > cap_) text_ += CutLine(text, cap_);
    else text_ += text;
    units_.push_back({begin, text_.size(), stack_.empty() ? 0 : stack_.back()});
  }
  void Open(std::string_view text, const std::string& reopen, const std::string& close) {
    const Context& outer = ctx_[stack_.empty() ? 0 : stack_.back()];
    ctx_.push_back({outer.reopen + reopen, close + outer.close});
    stack_.push_back(static_cast<std::uint32_t>(ctx_.size() - 1));
    Add(text, false);
  }
  void Close(std::string_view text) {
    stack_.pop_back();
    Add(text, false);
  }
  std::size_t size() const { return text_.size(); }
  std::string_view Text(const Unit& u) const { return std::string_view(text_).substr(u.begin, u.end - u.begin); }

  std::string text_;
  std::vector<Unit> units_;
  std::vector<Context> ctx_;

 private:
  std::size_t cap_;
  std::vector<std::uint32_t> stack_;
};

// Splits section `s` over chunks of at most `max` bytes, starting in `cur`.
void PackSplit(const Section& s, std::size_t max, std::string& cur, std::vector<std::string>* chunks) {
  std::size_t fresh = cur.size();  // size of the reopening text the current chunk starts with
  for (std::size_t i = 0; i < s.units_.size(); ++i) {
    const std::string_view text = s.Text(s.units_[i]);
    const std::string& close = s.ctx_[s.units_[i].ctx].close;
    if (cur.size() + text.size() + close.size() > max && cur.size() > fresh) {
      const Section::Context& open = s.ctx_[i == 0 ? 0 : s.units_[i - 1].ctx];
      cur += open.close;
      chunks->push_back(std::move(cur));
      cur = open.reopen;
      fresh = cur.size();
    }
    const std::size_t room = max - std::min(max, cur.size() + close.size());
    if (text.size() <= room) cur += text;
    else cur += CutLine(text, room);
  }
}

// Packs sections greedily into chunks of at most `max` bytes.
std::vector<std::string> Pack(const std::vector<Section>& sections, std::size_t max) {
  std::vector<std::string> chunks;
  std::string cur;
  for (const Section& s : sections) {
    if (!cur.empty() && cur.size() + s.size() > max) chunks.push_back(std::exchange(cur, std::string()));
    if (s.size() <= max) cur += s.text_;
    else PackSplit(s, max, cur, &chunks);
  }
  if (!cur.empty()) chunks.push_back(std::move(cur));
  return chunks;
}

std::string FieldText(const FieldChange& f) {
  constexpr std::size_t kValue = 160;
  if (f.before && f.after) return Code(Cut(*f.before, kValue)) + " -> " + Code(Cut(*f.after, kValue));
  if (f.after) return "added " + Code(Cut(*f.after, kValue));
  return "removed (was " + Code(Cut(f.before.value_or(""), kValue)) + ")";
}

void AddDiffBlock(const ResourceChange& r, std::size_t cap, Section* s) {
  const std::string hunks = UnifiedHunks(r.before_yaml, r.after_yaml);
  std::size_t run = 2;
  for (std::size_t pos = 0; pos < hunks.size();) {  // fence: longer than any backtick run that stays
    std::size_t end = std::min(hunks.find('\n', pos), pos + cap);
    run = std::max(run, LongestRun(std::string_view(hunks).substr(pos, end - pos), '`'));
    pos = hunks.find('\n', pos) + 1;
  }
  const std::string fence(run + 1, '`');
  s->Open(fence + "diff\n", fence + "diff\n", fence + "\n");
  for (std::size_t pos = 0; pos < hunks.size();) {
    const std::size_t nl = hunks.find('\n', pos);
    s->Add(std::string_view(hunks).substr(pos, nl + 1 - pos));
    pos = nl + 1;
  }
  s->Close(fence + "\n");
  s->Add("\n");
}

void AddResource(const ResourceChange& r, std::size_t cap, Section* s) {
  std::string head = "**" + std::string(ChangeTypeName(r.type)) + "** ";
  if (r.renamed_from) head += Code(r.renamed_from->Text()) + " -> ";
  s->Add(head + Code(r.key.Text()) + "\n");
  s->Add("\n");
  for (const FieldChange& f : r.fields) s->Add("- " + Code(f.path) + ": " + FieldText(f) + "\n");
  if (!r.fields.empty()) s->Add("\n");
  if (r.type != ChangeType::kRenamed) AddDiffBlock(r, cap, s);
}

std::string Summary(const AppDiff& app) {
  const Counts c = Count(app);
  std::string out = Cut(OneLine(app.app), 150) + ": +" + std::to_string(c.added) + " -" + std::to_string(c.removed) +
                    " ~" + std::to_string(c.changed);
  if (c.renamed > 0) out += " (" + std::to_string(c.renamed) + " renamed)";
  if (!app.errors.empty()) out += " (" + Plural(app.errors.size(), "render error") + ")";
  return EscapeXml(OneLine(out));
}

template <typename T, typename Fn>
void AddList(const char* title, const std::vector<T>& items, Fn line, Section* s) {
  if (items.empty()) return;
  s->Add(std::string("**") + title + "**\n");
  s->Add("\n");
  for (const T& item : items) s->Add("- " + line(item) + "\n");
  s->Add("\n");
}

Section AppSection(const AppDiff& app, std::size_t cap) {
  Section s(cap);
  const std::string summary = Summary(app);
  s.Open("<details><summary>" + summary + "</summary>\n\n",
         "<details><summary>" + summary + " (continued)</summary>\n\n", "\n</details>\n\n");
  AddList("Canary status", app.status_lines, [](const std::string& l) { return EscapeInline(l); }, &s);
  AddList("Render errors", app.errors, [](const std::string& e) { return Code(e); }, &s);
  AddList("Findings", app.findings, [](const Finding& f) {
    std::string where = f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "");
    return "**" + std::string(SeverityName(f.severity)) + "** " + EscapeInline(where) + ": " +
           EscapeInline(f.message) + " (" + EscapeInline(f.rule) + ")";
  }, &s);
  for (const ResourceChange& r : app.changes) AddResource(r, cap, &s);
  s.Close("\n</details>\n\n");
  return s;
}

std::string Notes(const AppDiff& app) {
  std::vector<std::string> parts;
  if (!app.status_lines.empty()) parts.push_back("canary status changed");
  if (!app.errors.empty()) parts.push_back("**" + Plural(app.errors.size(), "render error") + "**");
  if (!app.findings.empty()) parts.push_back(Plural(app.findings.size(), "finding"));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

Section HeaderSection(const DiffReport& report, std::size_t cap) {
  Section s(cap);
  s.Add("## gitcanary diff " + Code(report.base) + " -> " + Code(report.head) + "\n");
  s.Add("\n");
  if (report.apps.empty()) {
    s.Add("No app changed.\n");
    return s;
  }
  const std::string table = "| app | added | removed | changed | renamed | notes |\n|---|---:|---:|---:|---:|---|\n";
  s.Open(table, "(summary continued)\n\n" + table, "\n");
  for (const AppDiff& app : report.apps) {
    const Counts c = Count(app);
    s.Add("| " + Code(app.app) + " | " + std::to_string(c.added) + " | " + std::to_string(c.removed) + " | " +
          std::to_string(c.changed) + " | " + std::to_string(c.renamed) + " | " + Notes(app) + " |\n");
  }
  s.Close("\n");
  return s;
}

void Comment(std::string_view label, std::string_view text, std::string* out) {
  out->append("# ").append(label).append(": ").append(OneLine(text)).append("\n");
}

void UnifiedApp(const AppDiff& app, std::string* out) {
  if (app.changes.empty() && app.status_lines.empty() && app.errors.empty() && app.findings.empty()) return;
  Comment("app", app.app, out);
  for (const std::string& l : app.status_lines) Comment("status", l, out);
  for (const std::string& e : app.errors) Comment("render error", e, out);
  for (const Finding& f : app.findings) {
    Comment(SeverityName(f.severity),
            f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "") + ": " + f.message + " (" + f.rule + ")", out);
  }
  for (const ResourceChange& r : app.changes) {
    const std::string from = app.app + "/" + (r.renamed_from ? *r.renamed_from : r.key).Text();
    const std::string to = app.app + "/" + r.key.Text();
    if (r.renamed_from) Comment("renamed", r.renamed_from->Text() + " -> " + r.key.Text(), out);
    *out += UnifiedDiff(r.before_yaml, r.after_yaml, r.type == ChangeType::kAdded ? "/dev/null" : "a/" + from,
                        r.type == ChangeType::kRemoved ? "/dev/null" : "b/" + to);
  }
}

using Json = nlohmann::ordered_json;

void SetKey(const ResourceKey& k, Json* out) {
  (*out)["apiVersion"] = k.api_version;
  (*out)["kind"] = k.kind;
  (*out)["namespace"] = k.ns;
  (*out)["name"] = k.name;
}

Json ResourceJson(const ResourceChange& r) {
  Json out = Json::object();
  out["change"] = ChangeTypeName(r.type);
  SetKey(r.key, &out);
  if (r.renamed_from) SetKey(*r.renamed_from, &out["renamedFrom"]);
  Json& fields = out["fields"] = Json::array();
  for (const FieldChange& f : r.fields) {
    Json& field = fields.emplace_back(Json::object());
    field["path"] = f.path;
    if (f.before) field["before"] = *f.before;
    if (f.after) field["after"] = *f.after;
  }
  return out;
}

Json AppJson(const AppDiff& app) {
  const Counts c = Count(app);
  Json out = Json::object();
  out["app"] = app.app;
  out["added"] = c.added;
  out["removed"] = c.removed;
  out["changed"] = c.changed;
  out["renamed"] = c.renamed;
  out["status"] = app.status_lines;
  out["errors"] = app.errors;
  Json& findings = out["findings"] = Json::array();
  for (const Finding& f : app.findings) {
    Json& item = findings.emplace_back(Json::object());
    item["severity"] = SeverityName(f.severity);
    item["file"] = f.file;
    item["line"] = f.line;
    item["rule"] = f.rule;
    item["message"] = f.message;
  }
  Json& resources = out["resources"] = Json::array();
  for (const ResourceChange& r : app.changes) resources.push_back(ResourceJson(r));
  return out;
}

}  // namespace

std::vector<std::string> FormatMarkdown(const DiffReport& report, std::size_t max_chunk) {
  const std::size_t max = std::max(max_chunk, kMinMarkdownChunk);
  const std::size_t cap = max / 4;
  std::vector<Section> sections;
  sections.reserve(report.apps.size() + 1);
  sections.push_back(HeaderSection(report, cap));
  for (const AppDiff& app : report.apps) sections.push_back(AppSection(app, cap));
  return Pack(sections, max);
}

std::string FormatUnified(const DiffReport& report) {
  std::string out;
  for (const AppDiff& app : report.apps) UnifiedApp(app, &out);
  return out;
}

std::string FormatJson(const DiffReport& report) {
  Json out = Json::object();
  out["base"] = report.base;
  out["head"] = report.head;
  Json& apps = out["apps"] = Json::array();
  for (const AppDiff& app : report.apps) apps.push_back(AppJson(app));
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

bool HasChanges(const DiffReport& report) {
  for (const AppDiff& app : report.apps)
    if (!app.changes.empty() || !app.status_lines.empty()) return true;
  return false;
}

}  // namespace gitcanary::render
