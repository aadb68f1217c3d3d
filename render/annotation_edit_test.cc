// SetAnnotationInPlace and RemoveAnnotationInPlace: YAML text in, YAML text
// out, compared byte for byte, and read back with the project's parser to
// check the annotation holds exactly the value written. A property test checks
// that no line outside the annotation's entry changes in files with comments
// everywhere.
#include "render/annotation_edit.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

constexpr const char* kKey = "gitcanary.io/status";
constexpr const char* kJson = R"({"phase":"Progressing","canaryWeight":20})";
constexpr const char* kJsonQ = R"('{"phase":"Progressing","canaryWeight":20}')";

// A Canary named podinfo with `meta` as the body of its metadata.
std::string Canary(const std::string& meta) {
  return "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n" + meta +
         "spec:\n  targetRef:\n    name: podinfo\n";
}

std::string Set(std::string_view text, std::string_view value, std::string_view key = kKey) {
  Result<std::string> r = SetAnnotationInPlace(text, "Canary", "podinfo", key, value);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

std::string Remove(std::string_view text, std::string_view key = kKey) {
  Result<std::string> r = RemoveAnnotationInPlace(text, "Canary", "podinfo", key);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

// The annotation as the project's parser reads it back; nullopt when absent.
std::optional<std::string> ReadBack(std::string_view text, std::string_view key = kKey) {
  auto docs = yaml::ParseYamlStream(text, "t.yaml");
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  for (const yaml::Node& doc : *docs) {
    const yaml::Node* kind = doc.Find("kind");
    const yaml::Node* name = doc.Path({"metadata", "name"});
    if (kind == nullptr || kind->value != "Canary" || name == nullptr || name->value != "podinfo") continue;
    const yaml::Node* ann = doc.Path({"metadata", "annotations"});
    const yaml::Node* v = ann != nullptr ? ann->Find(key) : nullptr;
    if (v == nullptr) return std::nullopt;
    CHECK(v->IsStringScalar());
    return v->value;
  }
  FAIL("no Canary podinfo");
  return std::nullopt;
}

std::vector<std::string> SplitLines(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n') out.emplace_back(s.substr(start, i + 1 - start)), start = i + 1;
  if (start < s.size()) out.emplace_back(s.substr(start));
  return out;
}

TEST_CASE("annotation set in place replaces an existing value's bytes only") {
  // `before` is the entry's text; `after` the text the new value is written in,
  // with `$` standing for the value.
  struct Row { const char* name; std::string before, after; };
  const Row rows[] = {
      {"plain with a trailing comment", "    gitcanary.io/status: old  # machine-owned\n",
       "    gitcanary.io/status: $  # machine-owned\n"},
      {"literal block", "    gitcanary.io/status: |  # json\n      {\"phase\":\n        \"Initialized\"}\n\n",
       "    gitcanary.io/status: $\n\n"},
      {"folded plain", "    gitcanary.io/status: first\n      second # end\n", "    gitcanary.io/status: $ # end\n"},
      {"double-quoted over lines", "    gitcanary.io/status: \"a \\\"b\\\"\n      c\"\n", "    gitcanary.io/status: $\n"},
      {"empty value", "    gitcanary.io/status:   # none yet\n", "    gitcanary.io/status: $   # none yet\n"},
      {"null value", "    'gitcanary.io/status': ~\n", "    'gitcanary.io/status': $\n"},
  };
  auto file = [](const std::string& entry) {
    return Canary("  name: podinfo\n  annotations:\n    first: 1\n" + entry + "    other: x # keep\n");
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    const std::string out = Set(file(row.before), kJson);
    std::string after = row.after;
    after.replace(after.find('$'), 1, kJsonQ);
    CHECK(out == file(after));
    CHECK(ReadBack(out) == kJson);
  }
}

TEST_CASE("annotation set in place appends a new key after the last entry") {
  const std::string before = Canary(
      "  name: podinfo\n  annotations:\n    a: one\n    b: |\n      two\n      lines\n    # after b\n\n");
  const std::string after = Canary(
      "  name: podinfo\n  annotations:\n    a: one\n    b: |\n      two\n      lines\n    gitcanary.io/status: " +
      std::string(kJsonQ) + "\n    # after b\n\n");
  const std::string out = Set(before, kJson);
  CHECK(out == after);
  CHECK(ReadBack(out) == kJson);
  CHECK(ReadBack(out, "b") == "two\nlines\n");
}

TEST_CASE("annotation set in place adds annotations as metadata's last key") {
  const std::string before = Canary(
      "  name: podinfo   # the app\n  # labels below\n  labels:\n    app: podinfo  # app label\n\n  # end of metadata\n");
  const std::string after = Canary(
      "  name: podinfo   # the app\n  # labels below\n  labels:\n    app: podinfo  # app label\n  annotations:\n"
      "    gitcanary.io/status: " + std::string(kJsonQ) + "\n\n  # end of metadata\n");
  const std::string out = Set(before, kJson);
  CHECK(out == after);
  CHECK(ReadBack(out) == kJson);
}

TEST_CASE("annotation set in place follows the file's indentation") {
  struct Row { const char* name; std::string before, after; };
  const Row rows[] = {
      {"indentation 4",
       "kind: Canary\nmetadata:\n    name: podinfo\n    labels:\n        app: podinfo\nspec:\n    analysis:\n"
       "        metrics:\n        -   name: request-success-rate\n            thresholdRange:\n                min: 99\n",
       "kind: Canary\nmetadata:\n    name: podinfo\n    labels:\n        app: podinfo\n    annotations:\n"
       "        k: 'v'\nspec:\n    analysis:\n"
       "        metrics:\n        -   name: request-success-rate\n            thresholdRange:\n                min: 99\n"},
      {"sequences with '- '",
       "kind: Canary\nspec:\n  gateways:\n  - public\n  - mesh\nmetadata:\n  name: podinfo\n  finalizers:\n  - a\n  - b\n",
       "kind: Canary\nspec:\n  gateways:\n  - public\n  - mesh\nmetadata:\n  name: podinfo\n  finalizers:\n  - a\n  - b\n"
       "  annotations:\n    k: 'v'\n"},
      {"indented sequence in annotations' place",
       "kind: Canary\nmetadata:\n   name: podinfo\n   finalizers:\n     - a\n     - b: c\n       d: e\n",
       "kind: Canary\nmetadata:\n   name: podinfo\n   finalizers:\n     - a\n     - b: c\n       d: e\n"
       "   annotations:\n      k: 'v'\n"},
      {"existing entries at indentation 6",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n        a: b\n",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n        a: b\n        k: 'v'\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    const std::string out = Set(row.before, "v", "k");
    CHECK(out == row.after);
    CHECK(ReadBack(out, "k") == "v");
  }
}

TEST_CASE("annotation set in place edits only the matching document of a stream") {
  const std::string first =
      "# app\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  annotations:\n"
      "    gitcanary.io/status: deployment's\n---\n";
  const std::string canary = "# the canary\napiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n";
  const std::string last = "--- # another\nkind: Canary\nmetadata:\n  name: other\n";
  const std::string out = Set(first + canary + last, kJson);
  CHECK(out == first + canary + "  annotations:\n    gitcanary.io/status: " + kJsonQ + "\n" + last);
  CHECK(ReadBack(out) == kJson);
}

TEST_CASE("annotation edits in place keep CRLF line ends and a missing final newline") {
  struct Row { const char* name; std::string before, after; bool remove; };
  const Row rows[] = {
      {"CRLF, new annotations", "kind: Canary\r\nmetadata:\r\n  name: podinfo # x\r\nspec: {}\r\n",
       "kind: Canary\r\nmetadata:\r\n  name: podinfo # x\r\n  annotations:\r\n    k: 'v'\r\nspec: {}\r\n", false},
      {"CRLF, replace", "kind: Canary\r\nmetadata:\r\n  name: podinfo\r\n  annotations:\r\n    k: |\r\n      old\r\n    z: y\r\n",
       "kind: Canary\r\nmetadata:\r\n  name: podinfo\r\n  annotations:\r\n    k: 'v'\r\n    z: y\r\n", false},
      {"CRLF, remove", "kind: Canary\r\nmetadata:\r\n  name: podinfo\r\n  annotations:\r\n    k: a\r\n    z: y\r\n",
       "kind: Canary\r\nmetadata:\r\n  name: podinfo\r\n  annotations:\r\n    z: y\r\n", true},
      {"no final newline, append", "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    a: b",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    a: b\n    k: 'v'", false},
      {"no final newline, replace", "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    k: old  ",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    k: 'v'  ", false},
      {"no final newline, new annotations", "kind: Canary\nmetadata:\n  name: podinfo",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    k: 'v'", false},
      {"no final newline, remove", "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    a: b\n    k: old",
       "kind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    a: b", true},
      {"byte order mark", "\xEF\xBB\xBFkind: Canary\nmetadata:\n  name: podinfo\n",
       "\xEF\xBB\xBFkind: Canary\nmetadata:\n  name: podinfo\n  annotations:\n    k: 'v'\n", false},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    const std::string out = row.remove ? Remove(row.before, "k") : Set(row.before, "v", "k");
    CHECK(out == row.after);
    CHECK(ReadBack(out, "k") == (row.remove ? std::nullopt : std::optional<std::string>("v")));
  }
}

TEST_CASE("annotation values are written as one quoted scalar on one line, keys plain when safe") {
  struct Row { std::string value, written; };
  const std::string long_json = "{\"log\":\"" + std::string(40000, 'x') + "\"}";
  const Row rows[] = {
      {R"(it's "quoted")", R"('it''s "quoted"')"},
      {"a: b # c, [d] {e} &f *g !h |i >j %k @l `m", "'a: b # c, [d] {e} &f *g !h |i >j %k @l `m'"},
      {"h\xC3\xA9llo \xE2\x86\x92 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80", "'h\xC3\xA9llo \xE2\x86\x92 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80'"},
      {"", "''"},
      {"  spaced  ", "'  spaced  '"},
      {"line1\nline2", R"("line1\nline2")"},
      {"back\\slash \"q\" 'x'\r\n", R"("back\\slash \"q\" 'x'\r\n")"},
      {"tab\there\x01\x7F\x1B", R"("tab\there\x01\x7F\e")"},
      {"nel\xC2\x85 ls\xE2\x80\xA8 \xC3\xA9", "\"nel\\x85 ls\\u2028 \xC3\xA9\""},
      {long_json, "'" + long_json + "'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.written.substr(0, 60));
    const std::string out = Set(Canary("  name: podinfo\n"), row.value);
    CHECK(out == Canary("  name: podinfo\n  annotations:\n    gitcanary.io/status: " + row.written + "\n"));
    CHECK(ReadBack(out) == row.value);
    const std::string replaced = Set(Canary("  name: podinfo\n  annotations:\n    gitcanary.io/status: x\n"), row.value);
    CHECK(ReadBack(replaced) == row.value);
  }
  const Row keys[] = {{"app.kubernetes.io/part-of", "app.kubernetes.io/part-of"}, {"n", "'n'"}, {"On", "'On'"},
                      {"1.5", "'1.5'"}, {"a b", "'a b'"}, {"a:b", "'a:b'"}, {"-x", "'-x'"}};
  for (const Row& row : keys) {
    const std::string out = Set(Canary("  name: podinfo\n"), "v", row.value);
    CHECK(out == Canary("  name: podinfo\n  annotations:\n    " + row.written + ": 'v'\n"));
    CHECK(ReadBack(out, row.value) == "v");
  }
}

TEST_CASE("annotation set in place turns empty and flow-style annotations into a block mapping") {
  struct Row { const char* before; const char* after; };
  const Row rows[] = {
      {"  annotations: {}\n", "  annotations:\n    k: 'v'\n"},
      {"  annotations: {} # none\n", "  annotations: # none\n    k: 'v'\n"},
      {"  annotations:\n", "  annotations:\n    k: 'v'\n"},
      {"  annotations: ~\n", "  annotations:\n    k: 'v'\n"},
      {"  annotations: {a: b, 'c': \"d\",\n    k: old} # note\n", "  annotations: # note\n    a: 'b'\n    c: 'd'\n    k: 'v'\n"},
      {"  annotations: {num: 5}\n", "  annotations:\n    num: '5'\n    k: 'v'\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.before));
    const std::string out = Set(Canary("  name: podinfo\n" + std::string(row.before)), "v", "k");
    CHECK(out == Canary("  name: podinfo\n" + std::string(row.after)));
    CHECK(ReadBack(out, "k") == "v");
  }
}

TEST_CASE("annotation remove in place removes the entry and nothing else") {
  struct Row { const char* name; std::string before, after; };
  const Row rows[] = {
      {"middle entry with a block value",
       "  annotations:\n    a: b # a\n    # about k\n    k: |\n      x\n      y\n    z: y\n",
       "  annotations:\n    a: b # a\n    # about k\n    z: y\n"},
      {"last entry", "  annotations:\n    a: b\n    k: 'v' # c\n  # end\n", "  annotations:\n    a: b\n  # end\n"},
      {"only entry", "  annotations: # mine\n    k: v\n  labels: {}\n", "  annotations: {} # mine\n  labels: {}\n"},
      {"absent key", "  annotations:\n    a: b\n", "  annotations:\n    a: b\n"},
      {"absent annotations", "  labels: {}\n", "  labels: {}\n"},
      {"flow", "  annotations: {a: b, k: v}\n", "  annotations:\n    a: 'b'\n"},
      {"flow, only entry", "  annotations: {k: v} # c\n", "  annotations: {} # c\n"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    const std::string out = Remove(Canary("  name: podinfo\n" + row.before), "k");
    CHECK(out == Canary("  name: podinfo\n" + row.after));
    CHECK(ReadBack(out, "k") == std::nullopt);
  }
  const std::string text = Canary("  name: podinfo # n\n  annotations: {}\n");
  CHECK(Remove(Set(text, kJson)) == text);
}

TEST_CASE("annotation edits in place report errors naming the kind and name") {
  struct Row { const char* name; std::string text; const char* fragment; };
  const std::string canary = Canary("  name: podinfo\n");
  const Row rows[] = {
      {"no document", "kind: Canary\nmetadata:\n  name: other\n---\nkind: Deployment\nmetadata:\n  name: podinfo\n",
       "no document of kind Canary named podinfo"},
      {"two documents", canary + "---\n" + canary, "2 documents are Canary podinfo (lines 1 and "},
      {"unparsable", "kind: Canary\nmetadata:\n  name: podinfo\n  x: [\n", "Canary podinfo: the text does not parse"},
      {"flow metadata", R"({"kind": "Canary", "metadata": {"name": "podinfo"}})", "metadata of Canary podinfo is in flow style"},
      {"annotations a list", Canary("  name: podinfo\n  annotations:\n  - a\n"), "annotations of Canary podinfo is a list"},
      {"value a mapping", Canary("  name: podinfo\n  annotations:\n    gitcanary.io/status:\n      a: b\n"),
       "annotation gitcanary.io/status of Canary podinfo is a mapping"},
  };
  for (const Row& row : rows) {
    CAPTURE(std::string(row.name));
    Result<std::string> set = SetAnnotationInPlace(row.text, "Canary", "podinfo", kKey, "v");
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == Code::kInvalidInput);
    CHECK(set.status().message().find(row.fragment) != std::string::npos);
    CHECK(set.status().message().find("podinfo") != std::string::npos);
  }
}

// Files with comments everywhere; each holds Canary podinfo.
const char* const kCommented[] = {
    "# head\n---\n# before\napiVersion: flagger.app/v1beta1 # v\nkind: Canary  # k\n# m\nmetadata: # meta\n"
    "  # inside\n  name: podinfo # n\n  annotations: # a\n    # first\n    x: '1' # x\n    # between\n"
    "    gitcanary.io/status: >- # folded\n      old\n      status\n    # after\n    y: \"2\" # y\n"
    "  # end meta\nspec: # spec\n  # s\n  targetRef: {name: podinfo} # t\n# tail\n",
    "kind: Deployment\nmetadata:\n  name: podinfo\n  annotations:\n    gitcanary.io/status: dep\n---\n"
    "kind: Canary\n\n\nmetadata:\n\n    # c1\n    labels: # l\n        a: b # ab\n\n        # c2\n"
    "    name: 'podinfo'   # n\n\n    # c3\n\n---\n# trailing document\nkind: Service\n",
    "# list\nkind: Canary\nspec:\n  metrics:\n  - name: a # a\n    # c\n  - name: b\nmetadata:\n"
    "  annotations:\n    gitcanary.io/status: |\n      {\"a\":\n       1}\n  name: podinfo\n  # last\n",
};

TEST_CASE("annotation edits in place keep every line outside the annotation entry") {
  const std::string values[] = {kJson, "two\nlines", "plain"};
  for (const char* file : kCommented) {
    CAPTURE(std::string(file));
    for (int op = 0; op < 4; ++op) {
      const std::string key = op == 1 ? "new.example/key" : kKey;
      const std::string out = op == 3 ? Remove(file, key) : Set(file, values[op % 3], key);
      CHECK(ReadBack(out, key) == (op == 3 ? std::nullopt : std::optional<std::string>(values[op % 3])));
      const std::vector<std::string> a = SplitLines(file), b = SplitLines(out);
      std::size_t prefix = 0, suffix = 0;
      while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
      while (suffix + prefix < a.size() && suffix + prefix < b.size() &&
             a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
      // Changed lines: the entry's old lines (first the key's line), and its
      // new line, possibly under a new `annotations:` line.
      REQUIRE(b.size() - suffix - prefix <= 2);
      for (std::size_t i = prefix; i < b.size() - suffix; ++i)
        CHECK((b[i].find(key + ": ") != std::string::npos || b[i].find("annotations:") != std::string::npos));
      if (prefix < a.size() - suffix)
        CHECK((a[prefix].find(key + ":") != std::string::npos || a[prefix].find("annotations:") != std::string::npos));
    }
  }
}

}  // namespace
}  // namespace gitcanary::render
