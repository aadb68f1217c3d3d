// Tests for revision checksums: the canonical form Digest hashes, what makes a
// new revision (template, referenced ConfigMap and Secret content) and what
// does not (key order, quoting, unreferenced configs, metadata), and the
// config references found in a pod template.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "render/loader.h"
#include "render/revision_checksum.h"
#include "render/yaml_parse.h"

namespace gitcanary::render {
namespace {

using yaml::Node;

Node Yaml(std::string_view text) {
  auto docs = yaml::ParseYamlStream(text, "test.yaml");
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  REQUIRE(docs->size() == 1);
  return (*docs)[0];
}

// An independent FNV-1a 64 over a byte string, checked against the published
// test vectors below, to pin the canonical form Digest hashes.
std::string Fnv1a64(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  char out[17];
  for (int i = 15; i >= 0; --i, h >>= 4) out[i] = "0123456789abcdef"[h & 0xF];
  out[16] = '\0';
  return out;
}

bool IsHex16(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

const char* kTemplate =
    "metadata:\n"
    "  labels:\n"
    "    app: web\n"
    "spec:\n"
    "  containers:\n"
    "  - name: web\n"
    "    image: ghcr.io/acme/web:1.0.0\n"
    "    env:\n"
    "    - name: LOG_LEVEL\n"
    "      valueFrom:\n"
    "        configMapKeyRef: {name: web-config, key: level}\n"
    "    - name: DB_PASSWORD\n"
    "      valueFrom:\n"
    "        secretKeyRef: {name: db, key: password}\n";

// The same template: keys reordered, strings quoted differently.
const char* kTemplateReordered =
    "spec:\n"
    "  containers:\n"
    "  - env:\n"
    "    - valueFrom:\n"
    "        configMapKeyRef: {key: \"level\", name: 'web-config'}\n"
    "      name: \"LOG_LEVEL\"\n"
    "    - name: DB_PASSWORD\n"
    "      valueFrom: {secretKeyRef: {\"key\": password, \"name\": db}}\n"
    "    image: \"ghcr.io/acme/web:1.0.0\"\n"
    "    name: 'web'\n"
    "metadata:\n"
    "  labels: {\"app\": \"web\"}\n";

Manifest Object(const std::string& text) {
  auto parsed = ParseManifests(text, "configs.yaml");
  REQUIRE_MESSAGE(parsed.ok(), parsed.status().message());
  REQUIRE(parsed->size() == 1);
  return (*parsed)[0];
}

std::string ConfigMap(std::string_view name, std::string_view level, std::string_view labels = "{}") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + std::string(name) +
         "\n  labels: " + std::string(labels) + "\ndata:\n  level: " + std::string(level) + "\n";
}

std::string Secret(std::string_view password_b64) {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: " +
         std::string(password_b64) + "\n";
}

// The checksum of `tmpl` with the ConfigMap `web-config` (level), an
// unreferenced ConfigMap `other` (other_level) and the Secret `db`.
std::string Checksum(const char* tmpl, std::string_view level = "info", std::string_view other_level = "debug",
                     std::string_view password = "aHVudGVyMg==", std::string_view labels = "{}") {
  Node t = Yaml(tmpl);
  Manifest cm = Object(ConfigMap("web-config", level, labels));
  Manifest other = Object(ConfigMap("other", other_level));
  Manifest secret = Object(Secret(password));
  return RevisionChecksum(t, {{"web-config", &cm.doc}, {"other", &other.doc}}, {{"db", &secret.doc}});
}

TEST_CASE("the reference FNV-1a 64 matches the published test vectors") {
  CHECK(Fnv1a64("") == "cbf29ce484222325");
  CHECK(Fnv1a64("a") == "af63dc4c8601ec8c");
  CHECK(Fnv1a64("foobar") == "85944171f73967e8");
}

TEST_CASE("Digest hashes the documented canonical form") {
  // null is "n": FNV-1a 64 of the single byte 0x6e.
  CHECK(Digest(Node::Null()) == Fnv1a64("n"));
  CHECK(Digest(Node::Null()) == "af63e34c8601f871");
  CHECK(Digest(Node::String("web")) == Fnv1a64("s3:web"));
  CHECK(Digest(Node::Int(5)) == Fnv1a64("p1:5"));
  // Keys sorted, each written as a string scalar; sequences keep their order.
  CHECK(Digest(Yaml("{b: [x, 2], a: true}")) == Fnv1a64("m2:s1:ap4:trues1:bl2:s1:xp1:2"));
}

TEST_CASE("Digest is 16 hex chars, independent of key order and quoting, typed for scalars") {
  std::string d = Digest(Yaml(kTemplate));
  CHECK(IsHex16(d));
  CHECK(d == Digest(Yaml(kTemplate)));
  CHECK(d == Digest(Yaml(kTemplateReordered)));
  CHECK(Digest(Yaml("a: web")) == Digest(Yaml("a: \"web\"")));
  CHECK(Digest(Yaml("a: 5")) != Digest(Yaml("a: \"5\"")));
  CHECK(Digest(Yaml("a: true")) != Digest(Yaml("a: \"true\"")));
  CHECK(Digest(Yaml("a: null")) == Digest(Yaml("a:")));
  CHECK(Digest(Yaml("a: null")) != Digest(Yaml("a: \"\"")));
  CHECK(Digest(Yaml("[a, b]")) != Digest(Yaml("[b, a]")));
  // Length prefixes keep boundaries: these would collide as plain concatenations.
  CHECK(Digest(Yaml("[ab, c]")) != Digest(Yaml("[a, bc]")));
  CHECK(Digest(Yaml("{a: {}}")) != Digest(Yaml("{a: []}")));
}

TEST_CASE("the same template in another key order and quoting gives the same checksum") {
  std::string c = Checksum(kTemplate);
  CHECK(IsHex16(c));
  CHECK(c == Checksum(kTemplate));
  CHECK(c == Checksum(kTemplateReordered));
}

TEST_CASE("changing the image changes the checksum") {
  std::string tmpl = kTemplate;
  tmpl.replace(tmpl.find("1.0.0"), 5, "1.0.1");
  CHECK(Checksum(tmpl.c_str()) != Checksum(kTemplate));
}

TEST_CASE("a referenced ConfigMap's data is part of the revision, an unreferenced one is not") {
  std::string base = Checksum(kTemplate);
  CHECK(Checksum(kTemplate, "warn") != base);
  CHECK(Checksum(kTemplate, "info", "trace") == base);
}

TEST_CASE("ConfigMap metadata such as labels does not change the checksum") {
  CHECK(Checksum(kTemplate, "info", "debug", "aHVudGVyMg==", "{team: payments}") == Checksum(kTemplate));
}

TEST_CASE("Secret data changes the checksum but never appears in it") {
  std::string base = Checksum(kTemplate);
  std::string changed = Checksum(kTemplate, "info", "debug", "czNjcjN0");
  CHECK(changed != base);
  CHECK(IsHex16(changed));
  CHECK(changed.find("czNjcjN0") == std::string::npos);
}

TEST_CASE("a whole ConfigMap and its bare data give the same checksum, missing configs are skipped") {
  Node t = Yaml(kTemplate);
  Manifest cm = Object(ConfigMap("web-config", "info", "{app: web}"));
  Node data = *cm.doc.Find("data");
  std::string whole = RevisionChecksum(t, {{"web-config", &cm.doc}}, {});
  CHECK(RevisionChecksum(t, {{"web-config", &data}}, {}) == whole);
  // Without the ConfigMap (not in git) the checksum is that of the template alone.
  std::string none = RevisionChecksum(t, {}, {});
  CHECK(none != whole);
  CHECK(RevisionChecksum(t, {{"unrelated", &cm.doc}}, {}) == none);
  // Empty data is the same as no data section.
  Manifest empty = Object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {}\n");
  Manifest bare = Object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\n");
  CHECK(RevisionChecksum(t, {{"web-config", &empty.doc}}, {}) ==
        RevisionChecksum(t, {{"web-config", &bare.doc}}, {}));
}

TEST_CASE("binaryData and data are distinct sections of a ConfigMap") {
  Node t = Yaml(kTemplate);
  Manifest as_data = Object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {k: QUJD}\n");
  Manifest as_binary =
      Object("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\nbinaryData: {k: QUJD}\n");
  CHECK(RevisionChecksum(t, {{"web-config", &as_data.doc}}, {}) !=
        RevisionChecksum(t, {{"web-config", &as_binary.doc}}, {}));
}

const char* kAllRefs =
    "spec:\n"
    "  containers:\n"
    "  - name: web\n"
    "    env:\n"
    "    - {name: A, valueFrom: {configMapKeyRef: {name: web-env, key: a}}}\n"
    "    - {name: B, valueFrom: {secretKeyRef: {name: db-password, key: b}}}\n"
    "    - {name: C, value: plain}\n"
    "    envFrom:\n"
    "    - configMapRef: {name: shared-env}\n"
    "    - secretRef: {name: api-keys}\n"
    "  - name: sidecar\n"
    "    env:\n"
    "    - {name: A, valueFrom: {configMapKeyRef: {name: web-env, key: a}}}\n"
    "  initContainers:\n"
    "  - name: migrate\n"
    "    envFrom:\n"
    "    - configMapRef: {name: migrations}\n"
    "    env:\n"
    "    - {name: D, valueFrom: {secretKeyRef: {name: db-admin, key: d}}}\n"
    "  volumes:\n"
    "  - {name: conf, configMap: {name: nginx-conf}}\n"
    "  - {name: tls, secret: {secretName: tls-cert}}\n"
    "  - {name: scratch, emptyDir: {}}\n"
    "  - name: bundle\n"
    "    projected:\n"
    "      sources:\n"
    "      - configMap: {name: ca-bundle}\n"
    "      - secret: {name: token}\n"
    "      - serviceAccountToken: {path: sa}\n";

TEST_CASE("ReferencedConfigs finds every reference kind, sorted and unique") {
  ConfigRefs refs = ReferencedConfigs(Yaml(kAllRefs));
  CHECK(refs.config_maps ==
        std::vector<std::string>{"ca-bundle", "migrations", "nginx-conf", "shared-env", "web-env"});
  CHECK(refs.secrets == std::vector<std::string>{"api-keys", "db-admin", "db-password", "tls-cert", "token"});
}

TEST_CASE("ReferencedConfigs of a template without references or without a spec is empty") {
  ConfigRefs none = ReferencedConfigs(Yaml("spec:\n  containers:\n  - {name: web, image: web:1}\n"));
  CHECK(none.config_maps.empty());
  CHECK(none.secrets.empty());
  ConfigRefs no_spec = ReferencedConfigs(Yaml("metadata: {labels: {app: web}}\n"));
  CHECK(no_spec.config_maps.empty());
  CHECK(no_spec.secrets.empty());
}

TEST_CASE("configs Flagger does not track stay out of the revision") {
  Node t = Yaml(kTemplate);
  auto config_map = [](const std::string& annotations, const std::string& level) {
    return Object("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  annotations: " + annotations +
                  "\ndata: {level: " + level + "}\n");
  };
  Manifest off_info = config_map("{flagger.app/config-tracking: disabled}", "info");
  Manifest off_debug = config_map("{flagger.app/config-tracking: disabled}", "debug");
  Manifest on_info = config_map("{flagger.app/config-tracking: enabled}", "info");
  Manifest on_debug = config_map("{flagger.app/config-tracking: enabled}", "debug");
  CHECK(RevisionChecksum(t, {{"web-config", &off_info.doc}}, {}) == RevisionChecksum(t, {{"web-config", &off_debug.doc}}, {}));
  CHECK(RevisionChecksum(t, {{"web-config", &off_info.doc}}, {}) == RevisionChecksum(t, {}, {}));
  CHECK(RevisionChecksum(t, {{"web-config", &on_info.doc}}, {}) != RevisionChecksum(t, {{"web-config", &on_debug.doc}}, {}));
  auto secret = [](const std::string& type) {
    return Object("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: " + type + "\ndata: {password: aGk=}\n");
  };
  CHECK_FALSE(TrackedConfig(secret("kubernetes.io/dockerconfigjson").doc));
  CHECK_FALSE(TrackedConfig(secret("kubernetes.io/service-account-token").doc));
  for (const char* type : {"Opaque", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/tls"})
    CHECK(TrackedConfig(secret(type).doc));
  CHECK(TrackedConfig(Object("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\n").doc));  // no type: Opaque
  CHECK(TrackedConfig(Yaml("{level: info}")));  // a snapshot's bare data
}

}  // namespace
}  // namespace gitcanary::render
