// `gitcanary diff` on a real git repository holding a copy of examples/: two
// commits that add, remove, change and rename resources, move a canary's
// weight and add a Secret; then the safety rules (redaction, exit codes, a
// render error per app), the incremental skip, and Markdown parts; last, an app
// whose shared base changes through a kustomization of its own, without kubectl.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "tests/test_util.h"

using namespace gitcanary::testing;
using nlohmann::json;

namespace {

const char kSecretValue[] = "hunter2-s3cr3t-value";

std::string Status(const std::string& name, const std::string& ns, int weight) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
         "\nstatus:\n  phase: Progressing\n  canaryWeight: " + std::to_string(weight) +
         "\n  failedChecks: 0\n  iterations: 0\n  lastTransitionTime: \"2026-11-22T10:00:00Z\"\n"
         "  promoted:\n    template:\n      metadata:\n        labels:\n          app: " + name +
         "\n      spec:\n        containers:\n        - name: podinfod\n          image: ghcr.io/stefanprodan/podinfo:5.2.0\n";
}

// A repository with examples/ at its top and a base commit.
struct Repo {
  TempDir dir;
  Repo() {
    Sh("cp -R " + SourceDir() + "/examples/. " + path());
    WriteFile(path() + "/podinfo/podinfo.gitcanary-status.yaml", Status("podinfo", "test", 10));
    Sh("cd " + path() + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  }
  std::string path() const { return dir.path() + "/repo"; }
  void Commit(const std::string& message) {
    Sh("cd " + path() + " && git add -A && git -c user.name=t -c user.email=t@e commit -qm '" + message + "'");
  }
  RunResult Diff(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"diff", "--repo", path(), "--base", "HEAD~1", "--head", "HEAD"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Gitcanary(args);
  }
};

// The head commit of the main case.
void MakeChanges(Repo& repo) {
  const std::string p = repo.path();
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + p + "/podinfo/deployment.yaml");
  WriteFile(p + "/podinfo/podinfo.gitcanary-status.yaml", Status("podinfo", "test", 20));
  Sh("rm -r " + p + "/hello-world");
  Sh("sed -i 's/name: catalog-config$/name: catalog-settings/' " + p + "/monorepo/apps/catalog/configmap.yaml");
  WriteFile(p + "/payments/secret.yaml", std::string("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: pay\n"
                                                      "stringData:\n  password: ") + kSecretValue + "\n");
  repo.Commit("head");
}

const json* App(const json& report, const std::string& name) {
  for (const json& app : report["apps"])
    if (app["app"] == name) return &app;
  return nullptr;
}

}  // namespace

TEST_CASE("diff: changes are grouped per app and per resource, with renames and the canary's weight") {
  Repo repo;
  MakeChanges(repo);
  RunResult run = repo.Diff({"--format", "json", "--mode", "git"});
  INFO(run.err);
  REQUIRE(run.exit_code == 1);
  json report = json::parse(run.out);
  CHECK(report["base"] == "HEAD~1");
  // Only the four apps that changed; hello-world is gone, payments is new.
  std::vector<std::string> apps;
  for (const json& app : report["apps"]) apps.push_back(app["app"]);
  CHECK(apps == std::vector<std::string>{"hello-world", "monorepo/apps/catalog", "payments", "podinfo"});

  const json* removed = App(report, "hello-world");
  CHECK((*removed)["added"] == 0);
  CHECK((*removed)["removed"].get<int>() > 0);
  CHECK((*removed)["changed"] == 0);

  const json* catalog = App(report, "monorepo/apps/catalog");
  REQUIRE((*catalog)["resources"].size() >= 1);
  bool renamed = false;
  for (const json& r : (*catalog)["resources"])
    if (r["change"] == "renamed") {
      renamed = true;
      CHECK(r["name"] == "catalog-settings");
      CHECK(r["renamedFrom"]["name"] == "catalog-config");
    }
  CHECK(renamed);

  const json* podinfo = App(report, "podinfo");
  REQUIRE((*podinfo)["status"].size() == 1);
  CHECK((*podinfo)["status"][0].get<std::string>().find("canary test/podinfo: weight 10 -> 20") == 0);
  // The new image goes to the canary Deployment only; the primary keeps the
  // promoted 5.2.0 of the status.
  bool image = false;
  for (const json& r : (*podinfo)["resources"])
    for (const json& f : r["fields"])
      if (f["path"] == "spec.template.spec.containers[name=podinfod].image") {
        image = image || (f["before"] == "ghcr.io/stefanprodan/podinfo:6.0.0" && f["after"] == "ghcr.io/stefanprodan/podinfo:6.1.0");
      }
  CHECK(image);
}

TEST_CASE("diff: Secret data never appears in any format unless --show-secrets") {
  Repo repo;
  MakeChanges(repo);
  for (const char* format : {"markdown", "unified", "json"}) {
    CAPTURE(format);
    RunResult run = repo.Diff({"--format", format});
    CHECK(run.exit_code == 1);
    CHECK(run.out.find("payments") != std::string::npos);
    CHECK(run.out.find(kSecretValue) == std::string::npos);
    CHECK(run.err.find(kSecretValue) == std::string::npos);
  }
  // kubectl's last-applied-configuration repeats a Secret's data.
  std::string secret = ReadFile(repo.path() + "/payments/secret.yaml");
  secret.replace(secret.find("  namespace: pay\n"), 16, std::string("  namespace: pay\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{\"stringData\":{\"password\":\"") +
                 kSecretValue + "-2\"}}'\n");
  WriteFile(repo.path() + "/payments/secret.yaml", secret);
  repo.Commit("last applied");
  RunResult applied = repo.Diff({"--format", "unified"});
  CHECK(applied.exit_code == 1);
  CHECK(applied.out.find("last-applied-configuration") != std::string::npos);
  CHECK(applied.out.find(kSecretValue) == std::string::npos);
  RunResult shown = repo.Diff({"--format", "unified", "--show-secrets"});
  CHECK(shown.out.find(kSecretValue) != std::string::npos);
}

TEST_CASE("diff: exit 0 with no change, 2 on usage errors and unknown revisions") {
  Repo repo;
  RunResult same = Gitcanary({"diff", "--repo", repo.path(), "--base", "HEAD", "--head", "HEAD", "--format", "json"});
  CHECK(same.exit_code == 0);
  CHECK(json::parse(same.out)["apps"].empty());
  // A commit that changes nothing any render reads (a README) is no change.
  WriteFile(repo.path() + "/podinfo/README.md", "more words\n");
  repo.Commit("docs");
  CHECK(repo.Diff({}).exit_code == 0);
  const std::vector<std::vector<std::string>> usage = {
      {"diff", "--repo", repo.path()},
      {"diff", "--repo", repo.path(), "--base", "HEAD", "--format", "html"},
      {"diff", "--repo", repo.path(), "--base", "HEAD", "--mode", "canary"},
      {"diff", "--repo", repo.path(), "--base", "no-such-branch"},
      {"diff", "--repo", "/nonexistent", "--base", "HEAD"},
      {"diff", "--bogus"},
  };
  for (const auto& args : usage) {
    CAPTURE(args.back());
    RunResult run = Gitcanary(args);
    CHECK(run.exit_code == 2);
    CHECK(run.out.empty());
    CHECK_FALSE(run.err.empty());
  }
}

TEST_CASE("diff: a render error in one revision is reported for that app and fails the run") {
  Repo repo;
  Sh("sed -i 's/stepWeight: 10/stepWeight: ten/' " + repo.path() + "/podinfo/canary.yaml");
  repo.Commit("break podinfo");
  RunResult run = repo.Diff({"--format", "json"});
  CHECK(run.exit_code == 2);
  json report = json::parse(run.out);
  const json* podinfo = App(report, "podinfo");
  REQUIRE(podinfo != nullptr);
  REQUIRE((*podinfo)["errors"].size() == 1);
  CHECK((*podinfo)["errors"][0].get<std::string>().find("head: ") == 0);
  CHECK((*podinfo)["errors"][0].get<std::string>().find("stepWeight") != std::string::npos);
  CHECK(run.err.find("does not render") != std::string::npos);
}

TEST_CASE("diff: unchanged apps are not rendered, unless a gitcanary.yaml above them changed") {
  Repo repo;
  // An app that cannot render, identical in both revisions: rendering it
  // would fail the run, so a clean exit proves it was skipped.
  WriteFile(repo.path() + "/broken/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {}\n");
  repo.Commit("broken app");
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + repo.path() + "/podinfo/deployment.yaml");
  repo.Commit("bump");
  RunResult one = repo.Diff({"--format", "json"});
  CHECK(one.exit_code == 1);
  json report = json::parse(one.out);
  REQUIRE(report["apps"].size() == 1);
  CHECK(report["apps"][0]["app"] == "podinfo");

  // The monorepo's template changes: its three annotated apps change with no
  // file of theirs touched (flagger mode shows the Canaries).
  Sh("sed -i 's/maxWeight: 60/maxWeight: 40/' " + repo.path() + "/monorepo/gitcanary.yaml");
  repo.Commit("template");
  RunResult config = repo.Diff({"--format", "json"});
  CHECK(config.exit_code == 1);
  const json changed = json::parse(config.out);
  std::vector<std::string> apps;
  for (const json& app : changed["apps"]) apps.push_back(app["app"]);
  CHECK(apps == std::vector<std::string>{"monorepo/apps/catalog", "monorepo/apps/checkout", "monorepo/apps/frontend"});

  // PATHS limit the search.
  RunResult limited = repo.Diff({"--format", "json", "monorepo/apps/checkout"});
  REQUIRE(json::parse(limited.out)["apps"].size() == 1);
}

TEST_CASE("diff: the apps list of the top-level gitcanary.yaml replaces discovery") {
  Repo repo;
  WriteFile(repo.path() + "/gitcanary.yaml", "apiVersion: gitcanary.io/v1alpha1\nkind: Config\napps:\n- podinfo\n");
  repo.Commit("list");
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + repo.path() + "/podinfo/deployment.yaml");
  Sh("sed -i 's/replicas: 5/replicas: 6/' " + repo.path() + "/hello-world/deployment.yaml");
  repo.Commit("both");
  RunResult run = repo.Diff({"--format", "json"});
  CHECK(run.exit_code == 1);
  json report = json::parse(run.out);
  REQUIRE(report["apps"].size() == 1);
  CHECK(report["apps"][0]["app"] == "podinfo");
}

TEST_CASE("diff: lint findings of a changed app are in the report, credentials hidden") {
  Repo repo;
  Sh("sed -i 's#url: http://flagger-loadtester.test/#url: http://ops:pa55word@flagger-loadtester.test/#' " + repo.path() +
     "/podinfo/canary.yaml");
  Sh("grep -q pa55word " + repo.path() + "/podinfo/canary.yaml");
  repo.Commit("creds");
  RunResult markdown = repo.Diff({"--mode", "flagger"});
  CHECK(markdown.exit_code == 1);
  CHECK(markdown.out.find("webhook-credentials") != std::string::npos);
  // The changed webhook URLs are shown, with the credentials as ***.
  CHECK(markdown.out.find("http://***@flagger-loadtester.test/") != std::string::npos);
  for (const char* format : {"markdown", "unified", "json"}) CHECK(repo.Diff({"--mode", "flagger", "--format", format}).out.find("pa55word") == std::string::npos);
  RunResult run = repo.Diff({"--mode", "flagger", "--format", "json"});
  json findings = json::parse(run.out)["apps"][0]["findings"];
  // Both webhooks of podinfo/canary.yaml (lines 42 and 49) carry the password.
  REQUIRE(findings.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(findings[i]["rule"] == "webhook-credentials");
    CHECK(findings[i]["severity"] == "error");
    CHECK(findings[i]["file"].get<std::string>().find("podinfo/canary.yaml") != std::string::npos);
    CHECK(findings[i]["line"] == (i == 0 ? 42 : 49));
    CHECK(findings[i]["message"].get<std::string>().find("pa55word") == std::string::npos);
  }
}

TEST_CASE("diff: Markdown over 65,536 characters is written in numbered parts") {
  Repo repo;
  // 300 new ConfigMaps with distinct data make a report of several parts.
  std::string many;
  for (int i = 0; i < 300; ++i)
    many += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-" + std::to_string(i) +
            "\n  namespace: bulk\ndata:\n  value: \"" + std::string(200, static_cast<char>('a' + i % 26)) + "\"\n";
  WriteFile(repo.path() + "/bulk/configmaps.yaml", many);
  repo.Commit("bulk");
  TempDir out;
  RunResult run = repo.Diff({"--output", out / "report.md"});
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  int parts = 0;
  for (int i = 1; i < 100; ++i) {
    const std::string file = out / (i == 1 ? std::string("report.md") : "report.md." + std::to_string(i));
    if (!std::filesystem::exists(file)) break;
    const std::string text = ReadFile(file);
    CAPTURE(file);
    CHECK(text.size() <= 65536);
    CHECK(text.rfind("<!-- gitcanary diff part " + std::to_string(i) + "/", 0) == 0);
    ++parts;
  }
  CHECK(parts >= 2);
  // Every ConfigMap is in some part.
  std::string all;
  for (int i = 1; i <= parts; ++i) all += ReadFile(out / (i == 1 ? std::string("report.md") : "report.md." + std::to_string(i)));
  CHECK(all.find("bulk/settings-0`") != std::string::npos);
  CHECK(all.find("bulk/settings-299`") != std::string::npos);
}

TEST_CASE("diff: a PATH or an apps entry that is no directory in either revision is an error, not no change") {
  Repo repo;
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + repo.path() + "/podinfo/deployment.yaml");
  repo.Commit("bump");
  for (const char* path : {"podinfoo", "podinfo/deployment.yaml"}) {
    CAPTURE(path);
    RunResult run = repo.Diff({path});
    CHECK(run.exit_code == 2);
    CHECK(run.out.empty());
    CHECK(run.err.find(std::string(path) + ": not a directory in either revision") != std::string::npos);
  }
  WriteFile(repo.path() + "/gitcanary.yaml", "apiVersion: gitcanary.io/v1alpha1\nkind: Config\napps:\n- podinfo\n- podinfo/README.md\n");
  repo.Commit("list a file");
  RunResult listed = repo.Diff({});
  CHECK(listed.exit_code == 2);
  CHECK(listed.err.find("apps: podinfo/README.md: not a directory") != std::string::npos);
}

TEST_CASE("diff: in git mode a change to the analysis alone shows as a changed Canary") {
  Repo repo;
  Sh("sed -i 's/stepWeight: 10/stepWeight: 20/' " + repo.path() + "/podinfo/canary.yaml");
  repo.Commit("faster steps");
  RunResult run = repo.Diff({"--mode", "git", "--format", "json"});
  CHECK(run.exit_code == 1);
  json report = json::parse(run.out);
  REQUIRE(report["apps"].size() == 1);
  const json& resources = report["apps"][0]["resources"];
  REQUIRE(resources.size() == 1);
  CHECK(resources[0]["kind"] == "Canary");
  CHECK(resources[0]["change"] == "changed");
  REQUIRE(resources[0]["fields"].size() == 1);
  CHECK(resources[0]["fields"][0]["path"] == "spec.analysis.stepWeight");
  CHECK(resources[0]["fields"][0]["before"] == "10");
  CHECK(resources[0]["fields"][0]["after"] == "20");
}

TEST_CASE("diff: --output removes the parts an earlier, longer report left behind") {
  Repo repo;
  TempDir out;
  WriteFile(out / "report.md.2", "stale");
  WriteFile(out / "report.md.3", "stale");
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + repo.path() + "/podinfo/deployment.yaml");
  repo.Commit("bump");
  CHECK(repo.Diff({"--output", out / "report.md"}).exit_code == 1);
  CHECK(std::filesystem::exists(out / "report.md"));
  CHECK_FALSE(std::filesystem::exists(out / "report.md.2"));
  CHECK_FALSE(std::filesystem::exists(out / "report.md.3"));
}

TEST_CASE("diff: without --repo it finds the repository from any directory of the work tree") {
  Repo repo;
  Sh("sed -i 's/podinfo:6.0.0/podinfo:6.1.0/' " + repo.path() + "/podinfo/deployment.yaml");
  repo.Commit("bump");
  RunResult run = Run({"/bin/sh", "-c", "cd '" + repo.path() + "/monorepo/apps' && exec '" GITCANARY_BINARY "' diff --base HEAD~1 --format json"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  CHECK(json::parse(run.out)["apps"][0]["app"] == "podinfo");
}

TEST_CASE("diff: a shared base reached through an app's own kustomization marks that app, and only it") {
  TempDir dir;
  const std::string p = dir.path() + "/repo";
  auto deployment = [](const std::string& name) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: shop\nspec:\n"
           "  selector:\n    matchLabels: {app: " + name + "}\n  template:\n    metadata:\n      labels: {app: " +
           name + "}\n    spec:\n      containers:\n      - name: app\n        image: example/" + name + ":1\n";
  };
  for (const std::string app : {"cart", "checkout", "search"}) {  // read nothing outside their directory
    WriteFile(p + "/apps/" + app + "/kustomization.yaml", "resources: [deployment.yaml]\n");
    WriteFile(p + "/apps/" + app + "/deployment.yaml", deployment(app));
  }
  WriteFile(p + "/apps/front/kustomization.yaml", "resources: [deployment.yaml, shared]\n");
  WriteFile(p + "/apps/front/deployment.yaml", deployment("front"));
  WriteFile(p + "/apps/front/shared/kustomization.yaml", "resources: [../../../bases/shared]\n");
  WriteFile(p + "/bases/shared/kustomization.yaml", "resources: [configmap.yaml]\n");
  WriteFile(p + "/bases/shared/configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: shop\ndata:\n  level: info\n");
  Sh("cd " + p + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  Sh("sed -i 's/level: info/level: debug/' " + p + "/bases/shared/configmap.yaml");
  Sh("cd " + p + " && git -c user.name=t -c user.email=t@e commit -qam shared");
  RunResult run = Gitcanary({"diff", "--repo", p, "--base", "HEAD~1", "--format", "json"});
  INFO(run.err);
  CHECK(run.exit_code == 1);
  const json report = json::parse(run.out);
  std::vector<std::string> apps;
  for (const json& app : report["apps"]) apps.push_back(app["app"]);
  CHECK(apps == std::vector<std::string>{"apps/front"});
}

TEST_CASE("diff: what discovery learnt is kept in the git directory, read back, and never changes a report") {
  Repo repo;
  MakeChanges(repo);
  const std::string memo = repo.path() + "/.git/gitcanary/app-roots-memo";
  RunResult first = repo.Diff({"--format", "json"});
  CHECK(first.exit_code == 1);
  REQUIRE(std::filesystem::is_regular_file(memo));
  const std::string written = ReadFile(memo);
  CHECK(written.rfind("gitcanary app-roots memo 1\n", 0) == 0);
  const auto Inode = [&] {
    struct stat st {};
    REQUIRE(stat(memo.c_str(), &st) == 0);
    return st.st_ino;
  };
  // Read back whole, it is what the second run would write, so it is left
  // alone: a memo that failed to read would be written anew (a rename).
  const auto kept = Inode();
  RunResult second = repo.Diff({"--format", "json"});
  CHECK(second.out == first.out);
  CHECK(Inode() == kept);

  // A damaged memo counts as none, and is replaced.
  WriteFile(memo, "gitcanary app-roots memo 1\n12:not a memo");
  RunResult damaged = repo.Diff({"--format", "json"});
  CHECK(damaged.out == first.out);
  CHECK(ReadFile(memo) == written);  // the same trees, the same memo
  // One that cannot be written (a file where its directory goes) is gone without.
  std::filesystem::remove_all(repo.path() + "/.git/gitcanary");
  WriteFile(repo.path() + "/.git/gitcanary", "in the way\n");
  RunResult unwritable = repo.Diff({"--format", "json"});
  CHECK(unwritable.exit_code == 1);
  CHECK(unwritable.out == first.out);
  CHECK(unwritable.err.empty());
}
