// Bad input to `gitcanary render`: each case must give one error line naming the
// file (and line:col where there is one), a non-zero exit and nothing on stdout.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "tests/test_util.h"

using gitcanary::testing::Gitcanary;
using gitcanary::testing::RunResult;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace {

const char kDeployment[] = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1
        ports:
        - name: http
          containerPort: 8080
)";

const char kCanary[] = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: web
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  service:
    port: 80
    targetPort: 8080
  analysis:
    interval: 1m
    threshold: 5
    maxWeight: 50
    stepWeight: 10
)";

RunResult RenderDir(const TempDir& dir) {
  return Gitcanary({"render", "--mode", "flagger", dir.path()});
}

// The contract for every failed render.
void ExpectOneLineError(const RunResult& r, const std::string& file, const std::string& needle) {
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(file) != std::string::npos);
  CHECK(r.err.find(needle) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  INFO("stderr: " << r.err);
}

}  // namespace

TEST_CASE("render: a good app renders, so the failures below are caused by their input") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "canary.yaml", kCanary);
  RunResult r = RenderDir(dir);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("kind: Canary") != std::string::npos);
}

TEST_CASE("render: malformed YAML is reported at its line and column") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1, 2\n  b: 3\n");
  RunResult r = RenderDir(dir);
  ExpectOneLineError(r, "broken.yaml:7:", "invalid YAML");
}

TEST_CASE("render: a quoted string left open to the end of the file is malformed") {
  for (const char* value : {"\"unclosed", "'unclosed", "'it''s"}) {
    CAPTURE(value);
    TempDir dir;
    WriteFile(dir / "deployment.yaml", kDeployment);
    WriteFile(dir / "broken.yaml", std::string("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: ") + value + "\n");
    ExpectOneLineError(RenderDir(dir), "broken.yaml:6:6", "quoted string is never closed");
  }
}

TEST_CASE("render: a duplicate object names both places") {
  TempDir dir;
  WriteFile(dir / "a.yaml", kDeployment);
  WriteFile(dir / "b.yaml", std::string(kDeployment));
  RunResult r = RenderDir(dir);
  ExpectOneLineError(r, "b.yaml:4:9", "duplicate object Deployment web");
  CHECK(r.err.find("a.yaml:4:9") != std::string::npos);
}

TEST_CASE("render: the same object once namespace-less and once in the app namespace is a duplicate") {
  TempDir dir;
  WriteFile(dir / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
  WriteFile(dir / "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: prod\n");
  CHECK(Gitcanary({"render", "--mode", "flagger", dir.path()}).exit_code == 0);
  RunResult r = Gitcanary({"render", "--mode", "flagger", "--namespace", "prod", dir.path()});
  ExpectOneLineError(r, "b.yaml:4:9", "duplicate object");
}

TEST_CASE("render: a Canary whose target Deployment is missing") {
  TempDir dir;
  WriteFile(dir / "canary.yaml", kCanary);
  WriteFile(dir / "other.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n");
  RunResult r = RenderDir(dir);
  ExpectOneLineError(r, "canary.yaml:9:11", "Deployment \"web\" not found in namespace default");
}

TEST_CASE("render: an unknown Canary apiVersion") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  std::string canary = kCanary;
  canary.replace(canary.find("v1beta1"), 7, "v2");
  WriteFile(dir / "canary.yaml", canary);
  RunResult r = RenderDir(dir);
  ExpectOneLineError(r, "canary.yaml:1:13", "unknown Canary apiVersion \"flagger.app/v2\"");
}

TEST_CASE("render: wrong field types name the field path") {
  struct Row { const char* from; const char* to; const char* where; const char* message; };
  const Row rows[] = {
      {"stepWeight: 10", "stepWeight: ten", "canary.yaml:17:17", "spec.analysis.stepWeight: expected a number, got string \"ten\""},
      {"port: 80", "port: [80]", "canary.yaml:11:11", "spec.service.port: expected a number, got list"},
      {"interval: 1m", "interval: 1 minute", "canary.yaml:14:15", "spec.analysis.interval: not a duration"},
      {"name: web\n  service", "name: {a: b}\n  service", "canary.yaml:9:11", "spec.targetRef.name: expected a string, got mapping"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.to);
    TempDir dir;
    WriteFile(dir / "deployment.yaml", kDeployment);
    std::string canary = kCanary;
    auto at = canary.find(row.from);
    REQUIRE(at != std::string::npos);
    canary.replace(at, std::string(row.from).size(), row.to);
    WriteFile(dir / "canary.yaml", canary);
    ExpectOneLineError(RenderDir(dir), row.where, row.message);
  }
}

TEST_CASE("render: replicas of the wrong type in the target Deployment") {
  TempDir dir;
  std::string dep = kDeployment;
  dep.replace(dep.find("replicas: 3"), 11, "replicas: three");
  WriteFile(dir / "deployment.yaml", dep);
  std::string canary = kCanary;
  canary.replace(canary.find("  service:"), 0,
                 "  autoscalerRef:\n    apiVersion: autoscaling/v2\n    kind: HorizontalPodAutoscaler\n    name: web\n");
  WriteFile(dir / "canary.yaml", canary);
  ExpectOneLineError(RenderDir(dir), "deployment.yaml:6:13", "spec.replicas: expected an integer");
}

TEST_CASE("render: an alias bomb is refused by the document size limit, quickly") {
  TempDir dir;
  std::string bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  const char* prev = "a";
  const char* names[] = {"b", "c", "d", "e", "f", "g", "h", "i"};
  for (const char* n : names) {
    bomb += std::string("  ") + n + ": &" + n + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + prev;
    bomb += "]\n";
    prev = n;
  }
  WriteFile(dir / "bomb.yaml", bomb);
  auto start = std::chrono::steady_clock::now();
  RunResult r = RenderDir(dir);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ExpectOneLineError(r, "bomb.yaml:", "document too large");
  CHECK(seconds < 5.0);
}

TEST_CASE("render: a file over the size limit is refused unread") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  std::string big = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: \"";
  big += std::string(9 * 1024 * 1024, 'x');
  big += "\"\n";
  WriteFile(dir / "big.yaml", big);
  ExpectOneLineError(RenderDir(dir), "big.yaml", "over the limit of 8388608");
}

TEST_CASE("render: a symlink pointing outside the app directory is refused") {
  TempDir dir;
  WriteFile(dir / "outside/secret.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\n");
  WriteFile(dir / "app/deployment.yaml", kDeployment);
  std::filesystem::create_symlink("../outside/secret.yaml", dir / "app/link.yaml");
  ExpectOneLineError(Gitcanary({"render", "--mode", "flagger", dir / "app"}), "link.yaml",
                     "symlink points outside the app directory");
  std::filesystem::remove(dir / "app/link.yaml");
  std::filesystem::create_symlink("/etc", dir / "app/etc");
  ExpectOneLineError(Gitcanary({"render", "--mode", "flagger", dir / "app"}), "etc",
                     "symlink points outside the app directory");
}

TEST_CASE("render: a symlink inside the app directory is followed") {
  TempDir dir;
  WriteFile(dir / "app/base/deployment.yaml", kDeployment);
  std::filesystem::create_symlink("base", dir / "app/current");
  std::filesystem::rename(dir / "app/base", dir / "app/.base");
  std::filesystem::remove(dir / "app/current");
  std::filesystem::create_symlink(".base", dir / "app/current");
  RunResult r = Gitcanary({"render", "--mode", "flagger", dir / "app"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("name: web") != std::string::npos);
}

TEST_CASE("render: non-UTF-8 bytes are reported at their position") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  WriteFile(dir / "latin1.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  city: M\xfcnchen\n");
  ExpectOneLineError(RenderDir(dir), "latin1.yaml:6:10", "UTF-8");
}

TEST_CASE("render: a document without apiVersion and kind is an error") {
  TempDir dir;
  WriteFile(dir / "notes.yaml", "owner: team-a\nslack: '#team-a'\n");
  ExpectOneLineError(RenderDir(dir), "notes.yaml:1:1", "no apiVersion and kind");
}

TEST_CASE("render: unsafe rewrites say what to change") {
  SUBCASE("the Service's targetPort disagrees with the Canary's") {
    TempDir dir;
    WriteFile(dir / "deployment.yaml", kDeployment);
    WriteFile(dir / "canary.yaml", kCanary);
    WriteFile(dir / "service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 9090\n");
    ExpectOneLineError(RenderDir(dir), "service.yaml:10:17", "make spec.service.targetPort of the Canary match");
  }
  SUBCASE("an Ingress still routes some paths to a Service that stays") {
    TempDir dir;
    WriteFile(dir / "deployment.yaml", kDeployment);
    WriteFile(dir / "canary.yaml", kCanary);
    WriteFile(dir / "service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n");
    WriteFile(dir / "ingress.yaml", R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: site
spec:
  rules:
  - http:
      paths:
      - path: /web
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
      - path: /docs
        pathType: Prefix
        backend:
          service: {name: docs, port: {number: 80}}
)");
    ExpectOneLineError(RenderDir(dir), "ingress.yaml:13:", "still routes to Service docs");
  }
}

TEST_CASE("render: an empty directory is an error, never an empty success") {
  TempDir dir;
  WriteFile(dir / "README.md", "# nothing to render\n");
  RunResult r = RenderDir(dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("no manifests found") != std::string::npos);
  // A kustomization that builds nothing is refused the same way.
  WriteFile(dir / "kustomization.yaml", "resources: []\n");
  r = RenderDir(dir);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("the kustomization lists no objects; refusing an empty result") != std::string::npos);
}

TEST_CASE("render: usage errors exit 2") {
  CHECK(Gitcanary({"render", "--bogus"}).exit_code == 2);
  CHECK(Gitcanary({"render", "--mode", "helm", "."}).exit_code == 2);
  CHECK(Gitcanary({"render", "-o", "xml", "."}).exit_code == 2);
  CHECK(Gitcanary({"render", "--revision", "HEAD", "."}).exit_code == 2);
  CHECK(Gitcanary({"frobnicate"}).exit_code == 2);
  CHECK(Gitcanary({}).exit_code == 2);
}

TEST_CASE("render: --help and the top-level help go to stdout with exit 0") {
  RunResult top = Gitcanary({"--help"});
  CHECK(top.exit_code == 0);
  CHECK(top.out.find("render") != std::string::npos);
  RunResult sub = Gitcanary({"render", "--help"});
  CHECK(sub.exit_code == 0);
  CHECK(sub.out.find("--mode") != std::string::npos);
}

TEST_CASE("render: a Flagger field git mode does not implement is an error in git mode only") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  std::string canary = kCanary;
  canary.replace(canary.find("  service:\n"), 0,
                 "  autoscalerRef:\n    apiVersion: keda.sh/v1alpha1\n    kind: ScaledObject\n    name: web\n");
  WriteFile(dir / "canary.yaml", canary);
  ExpectOneLineError(Gitcanary({"render", "--mode", "git", dir.path()}), "canary.yaml:12:11",
                     "spec.autoscalerRef.kind: string \"ScaledObject\" is not supported in git mode, which implements "
                     "HorizontalPodAutoscaler only");
  RunResult flagger = RenderDir(dir);
  CHECK(flagger.exit_code == 0);
  CHECK(flagger.out.find("kind: ScaledObject") != std::string::npos);
}

TEST_CASE("render: flagger mode writes durations as Flagger's CRD takes them, and refuses a misspelt kind") {
  TempDir dir;
  WriteFile(dir / "deployment.yaml", kDeployment);
  std::string canary = kCanary;
  canary.replace(canary.find("interval: 1m"), 12, "interval: 1.5m");
  WriteFile(dir / "canary.yaml", canary);
  RunResult r = RenderDir(dir);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("interval: 90s") != std::string::npos);
  CHECK(r.out.find("1.5m") == std::string::npos);
  WriteFile(dir / "template.yaml", "apiVersion: flagger.app/v1beta1\nkind: MetricTemplat\nmetadata:\n  name: t\nspec: {}\n");
  ExpectOneLineError(RenderDir(dir), "template.yaml:2:7",
                     "kind: unknown kind \"MetricTemplat\" in the flagger.app group (did you mean MetricTemplate?)");
}
