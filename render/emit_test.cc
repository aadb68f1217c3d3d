// Tests for the YAML and JSON emitters. Round trips parse with yaml-cpp and
// nlohmann::json directly so they do not depend on the project's own parser.
#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "render/json_emit.h"
#include "render/yaml_emit.h"

namespace gitcanary::yaml {
namespace {

Node S(std::string s) { return Node::String(std::move(s)); }
Node P(std::string s) { return Node::Plain(std::move(s)); }
Node Map(std::vector<std::pair<std::string, Node>> kv) {
  Node m = Node::Mapping();
  for (auto& [k, v] : kv) m.fields.push_back(Field{k, Mark{}, std::move(v)});
  return m;
}
Node Seq(std::vector<Node> items) {
  Node s = Node::Sequence();
  s.items = std::move(items);
  return s;
}
std::string Yaml(const Node& n) {
  std::string out;
  EmitYaml(n, &out);
  return out;
}
std::string Json(const Node& n, int depth = 0) {
  std::string out;
  EmitJson(n, &out, depth);
  return out;
}
// `k: <value>\n` for a one-key mapping, to check how a value is written.
std::string Value(Node v) { return Yaml(Map({{"k", std::move(v)}})); }

// yaml-cpp tree -> our tree: tag "!" marks a non-plain (quoted or block) scalar.
Node FromYamlCpp(const YAML::Node& y) {
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Node::Null();
    case YAML::NodeType::Scalar: {
      const std::string& s = y.Scalar();
      if (y.Tag() == "!") return S(s);
      if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Node::Null();
      return P(s);
    }
    case YAML::NodeType::Sequence: {
      Node out = Node::Sequence();
      for (const YAML::Node& item : y) out.items.push_back(FromYamlCpp(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Node out = Node::Mapping();
      for (const auto& kv : y) out.fields.push_back(Field{kv.first.Scalar(), Mark{}, FromYamlCpp(kv.second)});
      return out;
    }
  }
  return Node::Null();
}

// Emits t, parses it back with yaml-cpp, and checks the tree and the bytes are stable.
bool RoundTrips(const Node& t) {
  const std::string first = Yaml(t);
  Node back;
  try {
    back = FromYamlCpp(YAML::Load(first));
  } catch (const YAML::Exception& e) {
    FAIL_CHECK("yaml-cpp rejected:\n" << first << "\n" << e.what());
    return false;
  }
  const bool same = back == t;
  const std::string second = Yaml(back);
  CHECK_MESSAGE(same, "tree changed after round trip:\n" << first);
  CHECK_MESSAGE(second == first, "not a fixed point:\n" << first << "---\n" << second);
  return same && second == first;
}

// Independent expectation for EmitJson: YAML 1.2 core resolution of plain scalars.
nlohmann::ordered_json ExpectedJson(const Node& n) {
  switch (n.kind) {
    case Kind::kNull:
      return nullptr;
    case Kind::kScalar:
      if (auto b = n.AsBool()) return *b;
      if (auto i = n.AsInt()) return *i;
      if (auto d = n.AsFloat(); d && std::isfinite(*d)) return *d;
      return n.value;
    case Kind::kSequence: {
      auto a = nlohmann::ordered_json::array();
      for (const Node& item : n.items) a.push_back(ExpectedJson(item));
      return a;
    }
    case Kind::kMapping: {
      auto o = nlohmann::ordered_json::object();
      for (const Field& f : n.fields) o[f.key] = ExpectedJson(f.value);
      return o;
    }
  }
  return nullptr;
}

TEST_CASE("EmitYaml writes a Deployment in kubectl's block layout") {
  Node container = Map({{"name", S("web")},
                        {"image", S("nginx:1.25")},
                        {"args", Seq({P("--port=8080"), S("-v")})},
                        {"ports", Seq({Map({{"containerPort", P("8080")}, {"protocol", S("TCP")}})})},
                        {"env", Seq({Map({{"name", S("MODE")}, {"value", S("on")}}),
                                     Map({{"name", S("PORT")}, {"value", S("8080")}})})},
                        {"resources", Map({{"limits", Map({{"cpu", S("100m")}, {"memory", S("128Mi")}})},
                                           {"requests", Node::Mapping()}})}});
  Node doc = Map(
      {{"apiVersion", S("apps/v1")},
       {"kind", S("Deployment")},
       {"metadata", Map({{"name", S("web")},
                         {"labels", Map({{"app.kubernetes.io/name", S("web")}})},
                         {"annotations", Map({{"prometheus.io/scrape", S("true")}})}})},
       {"spec", Map({{"replicas", P("3")},
                     {"paused", P("false")},
                     {"template", Map({{"spec", Map({{"containers", Seq({container})},
                                                     {"volumes", Node::Sequence()}})}})}})}});
  CHECK(Yaml(doc) ==
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: web\n"
        "  labels:\n"
        "    app.kubernetes.io/name: web\n"
        "  annotations:\n"
        "    prometheus.io/scrape: \"true\"\n"
        "spec:\n"
        "  replicas: 3\n"
        "  paused: false\n"
        "  template:\n"
        "    spec:\n"
        "      containers:\n"
        "      - name: web\n"
        "        image: nginx:1.25\n"
        "        args:\n"
        "        - --port=8080\n"
        "        - \"-v\"\n"
        "        ports:\n"
        "        - containerPort: 8080\n"
        "          protocol: TCP\n"
        "        env:\n"
        "        - name: MODE\n"
        "          value: \"on\"\n"
        "        - name: PORT\n"
        "          value: \"8080\"\n"
        "        resources:\n"
        "          limits:\n"
        "            cpu: 100m\n"
        "            memory: 128Mi\n"
        "          requests: {}\n"
        "      volumes: []\n");
  CHECK(RoundTrips(doc));
}

TEST_CASE("EmitYaml quotes strings that YAML 1.1 or 1.2 would read as something else") {
  for (const char* s : {"true", "True", "FALSE", "yes", "Yes", "NO", "y", "N", "on", "Off", "null", "Null", "~",
                        "1.0", "0x10", "0o17", "0b101", "012", "1_000", "1e3", "+1", "1:20", "2024-01-01",
                        "2001-12-14t21:59:43.10-05:00", ".inf", "-.INF", ".NaN", ".5", "3", "<<", "="}) {
    CAPTURE(s);
    CHECK(Value(S(s)) == std::string("k: \"") + s + "\"\n");
  }
}

TEST_CASE("EmitYaml quotes strings that would not parse as that plain scalar") {
  for (const char* s : {"", " lead", "trail ", "a: b", "a #b", "ends:", "-x", "- x", "-", "?x", ":x", ",x",
                        "[x", "]x", "{x", "}x", "#x", "&x", "*", "!x", "|x", ">x", "'x", "\"x", "%x", "@x",
                        "`x", "---", "...", "...x"}) {
    CAPTURE(s);
    std::string want = "k: \"";
    for (char c : std::string(s)) want += c == '"' ? std::string("\\\"") : std::string(1, c);
    CHECK(Value(S(s)) == want + "\"\n");
  }
}

TEST_CASE("EmitYaml leaves ordinary strings and plain scalars unquoted") {
  for (const char* s : {"web", "nginx:1.25", "100m", "128Mi", "3scale", "10s", "http://x/y?a=b#c", "a#b", "a:b",
                        "it's", "say \"hi\"", "a,b[0]{x}", ".gitignore", "日本語", "a\\b", "nullable", "yesterday"}) {
    CAPTURE(s);
    CHECK(Value(S(s)) == std::string("k: ") + s + "\n");
  }
  for (const char* s : {"5", "-3", "true", "False", "0x1F", "1.5", "-.inf", "+7", "012", "--port=80", "-x", "yes"}) {
    CAPTURE(s);
    CHECK(Value(P(s)) == std::string("k: ") + s + "\n");
  }
  // Plain text that would not read back as itself is quoted (and becomes a string).
  CHECK(Value(P("a: b")) == "k: \"a: b\"\n");
  CHECK(Value(P("null")) == "k: \"null\"\n");
  CHECK(Value(P("")) == "k: \"\"\n");
  CHECK(Value(P("- x")) == "k: \"- x\"\n");
}

TEST_CASE("EmitYaml escapes control and non-printable characters in double quotes") {
  CHECK(Value(S("tab\there")) == "k: \"tab\\there\"\n");
  CHECK(Value(S(std::string("nul\0x\x01\x1b\x7f", 8))) == "k: \"nul\\0x\\x01\\e\\x7F\"\n");
  CHECK(Value(S(" \"q\" \\")) == "k: \" \\\"q\\\" \\\\\"\n");
  CHECK(Value(S("nel\xC2\x85 ls\xE2\x80\xA8 bom\xEF\xBB\xBF")) == "k: \"nel\\x85 ls\\u2028 bom\\uFEFF\"\n");
  CHECK(Value(S("bad\xFF")) == "k: \"bad\xEF\xBF\xBD\"\n");
  CHECK(Value(S("cr\r\nlf")) == "k: \"cr\\r\\nlf\"\n");
}

TEST_CASE("EmitYaml writes multi-line strings as literal blocks when safe") {
  CHECK(Value(S("line1\nline2\n")) == "k: |\n  line1\n  line2\n");
  CHECK(Value(S("line1\nline2")) == "k: |-\n  line1\n  line2\n");
  CHECK(Value(S("a\n\n\n")) == "k: |+\n  a\n\n\n");
  CHECK(Value(S("a\n\n  b\n")) == "k: |\n  a\n\n    b\n");
  CHECK(Value(S("\nfirst empty")) == "k: |-\n\n  first empty\n");
  CHECK(Yaml(Seq({S("a\nb")})) == "- |-\n  a\n  b\n");
  CHECK(Yaml(Seq({Map({{"name", S("x")}, {"script", S("echo hi\n")}})})) == "- name: x\n  script: |\n    echo hi\n");
  CHECK(Yaml(S("top\nlevel\n")) == "|\n  top\n  level\n");
  // Unsafe as a literal: double-quoted with \n escapes.
  CHECK(Value(S(" lead\nx")) == "k: \" lead\\nx\"\n");
  CHECK(Value(S("trail \nx")) == "k: \"trail \\nx\"\n");
  CHECK(Value(S("a\n  \nb")) == "k: \"a\\n  \\nb\"\n");
  CHECK(Value(S("tab\t\nx")) == "k: \"tab\\t\\nx\"\n");
  CHECK(Value(S("\n\n")) == "k: \"\\n\\n\"\n");
  CHECK(Yaml(Map({{"multi\nline key", P("1")}})) == "\"multi\\nline key\": 1\n");
}

TEST_CASE("EmitYaml writes empty collections, null and nested sequences") {
  CHECK(Yaml(Node::Mapping()) == "{}\n");
  CHECK(Yaml(Node::Sequence()) == "[]\n");
  CHECK(Yaml(Node::Null()) == "null\n");
  CHECK(Yaml(P("5")) == "5\n");
  CHECK(Yaml(Map({{"a", Node::Mapping()}, {"b", Node::Sequence()}, {"c", Node::Null()}})) ==
        "a: {}\nb: []\nc: null\n");
  CHECK(Yaml(Seq({Node::Mapping(), Node::Sequence(), Node::Null()})) == "- {}\n- []\n- null\n");
  Node nested = Seq({Seq({S("a"), S("b")}), Seq({Seq({S("c")}), Map({{"d", Seq({P("1")})}})})});
  CHECK(Yaml(nested) == "- - a\n  - b\n- - - c\n  - d:\n    - 1\n");
  CHECK(RoundTrips(nested));
}

TEST_CASE("EmitYaml keeps key order, quotes unsafe keys and never wraps long text") {
  CHECK(Yaml(Map({{"z", P("1")}, {"a", P("2")}, {"8080", S("x")}, {"true", P("3")}, {"a: b", P("4")}, {"", P("5")}})) ==
        "z: 1\na: 2\n\"8080\": x\n\"true\": 3\n\"a: b\": 4\n\"\": 5\n");
  const std::string long_value(3000, 'v');
  CHECK(Value(S(long_value + " " + long_value)) == "k: " + long_value + " " + long_value + "\n");
  // Keys longer than YAML's 1024-character implicit-key limit use the explicit form.
  const std::string long_key(1500, 'k');
  CHECK(Yaml(Map({{long_key, S("v")}})) == "? " + long_key + "\n: v\n");
  CHECK(Yaml(Seq({Map({{long_key, Seq({P("1")})}, {"b", P("2")}})})) == "- ? " + long_key + "\n  :\n  - 1\n  b: 2\n");
  CHECK(RoundTrips(Seq({Map({{long_key, Map({{"x", P("1")}})}, {"b", P("2")}})})));
}

TEST_CASE("EmitJson pretty-prints like kubectl and converts plain scalars") {
  Node doc = Map({{"apiVersion", S("v1")},
                  {"items", Seq({Map({{"a", P("1")}}), Node::Sequence()})},
                  {"meta", Node::Mapping()},
                  {"none", Node::Null()},
                  {"hex", P("0x1F")},
                  {"plus", P("+5")},
                  {"octal", P("0o17")},
                  {"float", P("1.50")},
                  {"exp", P("1e3")},
                  {"inf", P("-.inf")},
                  {"bool", P("True")},
                  {"str", S("5")},
                  {"word", P("yes")}});
  CHECK(Json(doc) ==
        "{\n"
        "  \"apiVersion\": \"v1\",\n"
        "  \"items\": [\n"
        "    {\n"
        "      \"a\": 1\n"
        "    },\n"
        "    []\n"
        "  ],\n"
        "  \"meta\": {},\n"
        "  \"none\": null,\n"
        "  \"hex\": 31,\n"
        "  \"plus\": 5,\n"
        "  \"octal\": 15,\n"
        "  \"float\": 1.5,\n"
        "  \"exp\": 1000,\n"
        "  \"inf\": \"-.inf\",\n"
        "  \"bool\": true,\n"
        "  \"str\": \"5\",\n"
        "  \"word\": \"yes\"\n"
        "}");
  CHECK(Json(Map({{"a", Seq({P("1")})}}), 1) == "{\n    \"a\": [\n      1\n    ]\n  }");
  CHECK(Json(Node::Sequence()) == "[]");
}

TEST_CASE("EmitJson escapes strings and passes UTF-8 through") {
  CHECK(Json(S("q\"b\\s/\n\t\r\b\f\x01\x1f\x7f")) == "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
  CHECK(Json(S("é 日本 \xF0\x9F\x98\x80")) == "\"é 日本 \xF0\x9F\x98\x80\"");
  CHECK(Json(S("ls\xE2\x80\xA8 bad\xFF\xC3")) == "\"ls\\u2028 bad\\ufffd\\ufffd\"");
  // Overlong forms and surrogates are not UTF-8 either: one U+FFFD per byte.
  CHECK(Json(S("\xC0\x80|\xED\xA0\x80")) == "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\"");
  CHECK(Json(Map({{"k\"ey", S("v")}})) == "{\n  \"k\\\"ey\": \"v\"\n}");
}

// Random trees over a nasty alphabet. mt19937_64 output is fully specified, so fixed seeds give fixed trees.
struct RandomTrees {
  std::mt19937_64 rng;
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }

  std::string Text() {
    static const std::vector<std::string> kPieces = {
        "",   " ",  "  ", ":",   ": ",  "#",   " #", "-",    "--",   "?",    "\n",    "\n\n", "\t", "\"",
        "'",  "\\", "{",  "}",   "[",   "]",   ",",  "&",    "*",    "!",    "|",     ">",    "%",  "@",
        "`",  "0",  "1",  "12",  "x",   "web", "e",  ".",    "+",    "_",    "yes",   "No",   "ON", "~",
        "null", "true", "0x", "1e3", "2024-01-01", "1:20", ".inf", "---", "...", "é", "日本", "\xC2\x85",
        "\xE2\x80\xA8", "\xEF\xBB\xBF", "\x7f", "\r", std::string(1, '\0'), "\x01", "\xF0\x9F\x98\x80", "a b"};
    std::string s;
    for (std::size_t n = Below(7); n > 0; --n) s += kPieces[Below(kPieces.size())];
    return s;
  }

  Node Scalar() {
    static const char* const kTyped[] = {"5",   "-3",  "0",     "0x1F", "0o17", "1.5",   "-.inf", ".nan", "1e3",
                                         "+7",  "012", "true",  "False", "yes", "--port=80", "-x", "web", "a b",
                                         "1_000", "99999999999999999999", "-0", "1:20"};
    switch (Below(10)) {
      case 0: return Node::Null();
      case 1: case 2: return P(kTyped[Below(std::size(kTyped))]);
      case 3: return P(Text());
      default: return S(Text());
    }
  }

  Node Tree(int depth) {
    const std::size_t pick = depth >= 4 ? 0 : Below(5);
    if (pick <= 1) return Scalar();
    if (pick == 2) {
      Node s = Node::Sequence();
      for (std::size_t n = Below(4); n > 0; --n) s.items.push_back(Tree(depth + 1));
      return s;
    }
    Node m = Node::Mapping();
    for (std::size_t n = Below(5); n > 0; --n) {
      std::string key = Below(40) == 0 ? std::string(1100, 'k') + Text() : Text();
      if (m.Find(key) == nullptr) m.fields.push_back(Field{key, Mark{}, Tree(depth + 1)});
    }
    return m;
  }
};

TEST_CASE("EmitYaml round-trips random trees through yaml-cpp and is a fixed point") {
  for (std::uint64_t seed : {1u, 2u, 3u, 42u}) {
    RandomTrees gen{std::mt19937_64(seed)};
    for (int i = 0; i < 500; ++i) {
      const Node t = gen.Tree(0);
      CAPTURE(seed);
      CAPTURE(i);
      if (!RoundTrips(t)) return;  // one failure is enough output
    }
  }
}

TEST_CASE("EmitJson output parses as JSON with the expected values") {
  RandomTrees gen{std::mt19937_64(7)};
  for (int i = 0; i < 500; ++i) {
    const Node t = gen.Tree(0);
    const std::string text = Json(t);
    nlohmann::ordered_json parsed;
    REQUIRE_NOTHROW(parsed = nlohmann::ordered_json::parse(text));
    CHECK_MESSAGE(parsed == ExpectedJson(t), text);
  }
}

// About the size of the 1000-app corpus: 6 documents per app, ~3.3 MB of YAML.
std::vector<Node> SyntheticCorpus() {
  std::vector<Node> docs;
  for (int app = 0; app < 1000; ++app) {
    const std::string name = "service-" + std::to_string(app);
    Node labels = Map({{"app.kubernetes.io/name", S(name)}, {"app.kubernetes.io/part-of", S("shop")},
                       {"team", S("payments")}});
    Node meta = Map({{"name", S(name)}, {"namespace", S("prod")}, {"labels", labels},
                     {"annotations", Map({{"prometheus.io/scrape", S("true")}, {"prometheus.io/port", S("9090")}})}});
    Node probe = Map({{"httpGet", Map({{"path", S("/healthz")}, {"port", P("8080")}})},
                      {"initialDelaySeconds", P("5")}, {"periodSeconds", P("10")}});
    Node container = Map(
        {{"name", S(name)}, {"image", S("registry.example.com/shop/" + name + ":1.4." + std::to_string(app))},
         {"args", Seq({P("--port=8080"), P("--log-level=info"), S("--config=/etc/app/config.yaml")})},
         {"ports", Seq({Map({{"name", S("http")}, {"containerPort", P("8080")}, {"protocol", S("TCP")}})})},
         {"env", Seq({Map({{"name", S("MODE")}, {"value", S("on")}}), Map({{"name", S("REPLICA")}, {"value", S("1")}}),
                      Map({{"name", S("DB_URL")}, {"value", S("postgres://db.prod.svc:5432/" + name)}})})},
         {"resources", Map({{"limits", Map({{"cpu", S("500m")}, {"memory", S("256Mi")}})},
                            {"requests", Map({{"cpu", S("100m")}, {"memory", S("128Mi")}})}})},
         {"livenessProbe", probe}, {"readinessProbe", probe}});
    Node pod = Map({{"metadata", Map({{"labels", labels}})},
                    {"spec", Map({{"serviceAccountName", S(name)}, {"containers", Seq({container})}})}});
    docs.push_back(Map({{"apiVersion", S("apps/v1")}, {"kind", S("Deployment")}, {"metadata", meta},
                        {"spec", Map({{"replicas", P("3")}, {"selector", Map({{"matchLabels", labels}})},
                                      {"template", pod}})}}));
    docs.push_back(Map({{"apiVersion", S("v1")}, {"kind", S("Service")}, {"metadata", meta},
                        {"spec", Map({{"selector", labels}, {"ports", Seq({Map({{"port", P("80")},
                                                                                 {"targetPort", S("http")}})})}})}}));
    docs.push_back(Map({{"apiVersion", S("v1")}, {"kind", S("ConfigMap")}, {"metadata", meta},
                        {"data", Map({{"config.yaml", S("server:\n  port: 8080\nlog:\n  level: info\n")},
                                      {"FEATURE_X", S("true")}, {"TIMEOUT", S("30s")}})}}));
    docs.push_back(Map({{"apiVersion", S("v1")}, {"kind", S("ServiceAccount")}, {"metadata", meta}}));
    docs.push_back(Map({{"apiVersion", S("autoscaling/v2")}, {"kind", S("HorizontalPodAutoscaler")}, {"metadata", meta},
                        {"spec", Map({{"minReplicas", P("2")}, {"maxReplicas", P("10")},
                                      {"scaleTargetRef", Map({{"kind", S("Deployment")}, {"name", S(name)}})}})}}));
    docs.push_back(Map({{"apiVersion", S("networking.k8s.io/v1")}, {"kind", S("Ingress")}, {"metadata", meta},
                        {"spec", Map({{"rules", Seq({Map({{"host", S(name + ".shop.example.com")}})})}})}}));
  }
  return docs;
}

TEST_CASE("EmitYaml and EmitJson are fast on a corpus-sized stream") {
  const std::vector<Node> docs = SyntheticCorpus();
  double best_yaml = 1e9, best_json = 1e9;
  std::string yaml, json;
  for (int run = 0; run < 3; ++run) {
    yaml.clear();
    json.clear();
    auto t0 = std::chrono::steady_clock::now();
    for (const Node& d : docs) {
      if (!yaml.empty()) yaml += "---\n";
      EmitYaml(d, &yaml);
    }
    auto t1 = std::chrono::steady_clock::now();
    for (const Node& d : docs) EmitJson(d, &json, 2);
    auto t2 = std::chrono::steady_clock::now();
    best_yaml = std::min(best_yaml, std::chrono::duration<double, std::milli>(t1 - t0).count());
    best_json = std::min(best_json, std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  MESSAGE(docs.size() << " docs, " << yaml.size() << " bytes YAML in " << best_yaml << " ms; " << json.size()
                      << " bytes JSON in " << best_json << " ms");
  CHECK(yaml.size() > 3'000'000);
#ifdef NDEBUG
  CHECK(best_yaml < 200);  // budget is 40 ms; generous margin against noisy machines
#endif
  // The stream parses back to the same documents.
  std::vector<YAML::Node> parsed = YAML::LoadAll(yaml);
  REQUIRE(parsed.size() == docs.size());
  for (std::size_t i = 0; i < docs.size(); i += 97) CHECK(FromYamlCpp(parsed[i]) == docs[i]);
}

}  // namespace
}  // namespace gitcanary::yaml
