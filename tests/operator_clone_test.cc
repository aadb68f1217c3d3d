// The operator commands as a person runs them from a work clone: who the
// commits say acted (git's identity from the config HOME holds, the clone's
// own config, --author, else a fallback said on stderr), warnings for a
// branch behind or ahead of its upstream (--fetch fetches first), the push a
// local commit still needs, and `--repo .` from a subdirectory.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

RunResult Serve(const GitopsRemote& repo, const std::string& cache) {
  return testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once", "--all-due",
                             "--min-interval", "1s", "--readiness", "none", "--listen", "off"});
}

void ServeUntil(const GitopsRemote& repo, const std::string& cache, const std::string& phase) {
  for (int i = 0; i < 10 && repo.LatestStatus("podinfo").phase != phase; ++i) {
    RunResult r = Serve(repo, cache);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  REQUIRE(repo.LatestStatus("podinfo").phase == phase);
}

std::string Git(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/git"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = testing::Run(argv);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// `gitcanary ARGS` run by a shell in directory `cwd`.
RunResult GitcanaryIn(const std::string& cwd, const std::string& args, const std::map<std::string, std::string>& env) {
  return testing::Run({"/bin/sh", "-c", "cd '" + cwd + "' && exec '" GITCANARY_BINARY "' " + args}, "", env);
}

// The environment of a person's shell with no identity set in it: git's
// identity comes from the config files only.
struct CleanIdentityEnv {
  testing::ScopedEnv name{"GIT_AUTHOR_NAME", std::nullopt};
  testing::ScopedEnv email{"GIT_AUTHOR_EMAIL", std::nullopt};
  testing::ScopedEnv mail{"EMAIL", std::nullopt};
  testing::ScopedEnv config{"GIT_CONFIG_GLOBAL", std::nullopt};
};

// podinfo at 1.0.0, initialised, then 1.0.1 under analysis (Progressing).
void Progressing(GitopsRemote& repo, const std::string& cache) {
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ServeUntil(repo, cache, "Initialized");
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.1")}}, "podinfo 1.0.1");
  ServeUntil(repo, cache, "Progressing");
}

}  // namespace

TEST_CASE("operator commits record who acted: git config, the clone's config, --author, else a fallback said on stderr") {
  CleanIdentityEnv clean;
  struct Case {
    const char* what;
    std::string where;          // remote, url, clone
    std::vector<std::string> extra;
    bool global_config;         // HOME holds a .gitconfig with user.name/email
    std::string author;         // expected "Name <email>"
    bool fallback_warned;
  };
  const std::vector<Case> cases = {
      {"the global config, for the bare remote's path", "remote", {}, true, "Grace Global <grace@example.com>", false},
      {"the global config, for a remote URL", "url", {}, true, "Grace Global <grace@example.com>", false},
      {"the clone's own config over the global one", "clone", {}, true, "Person <person@example.com>", false},
      {"--author over any config", "remote", {"--author", "Ada Admin <ada@example.com>"}, true,
       "Ada Admin <ada@example.com>", false},
      {"nothing configured: $USER, said on stderr", "remote", {}, false, "olga <olga@localhost>", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    TempDir dir;
    GitopsRemote repo(dir);
    Progressing(repo, dir / "cache");
    testing::Sh("mkdir -p " + dir / "tmp" + " " + dir / "xdg" + " " + dir / "home");
    if (c.global_config)
      testing::WriteFile(dir / "home/.gitconfig", "[user]\n\tname = Grace Global\n\temail = grace@example.com\n");
    const std::map<std::string, std::string> env{
        {"HOME", dir / "home"}, {"XDG_CONFIG_HOME", dir / "xdg"}, {"TMPDIR", dir / "tmp"}, {"USER", "olga"}};
    std::vector<std::string> args{"abort", "test/podinfo", "-m", "errors"};
    std::string git_dir = repo.remote();
    if (c.where == "remote") args.insert(args.end(), {"--repo", repo.remote()});
    if (c.where == "url") args.insert(args.end(), {"--repo", "file://" + repo.remote(), "--cache-dir", dir / "op"});
    if (c.where == "clone") {
      testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main");
      args.insert(args.end(), {"--repo", repo.work()});
      git_dir = repo.work() + "/.git";
    }
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    RunResult run = testing::Gitcanary(args, "", env);
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    const std::string name = c.author.substr(0, c.author.find(" <"));
    CHECK(Git({"--git-dir", git_dir, "log", "-1", "--format=%an <%ae>", "main"}) == c.author);
    const std::string subject = Git({"--git-dir", git_dir, "log", "-1", "--format=%s", "main"});
    CHECK(subject.find("canary test/podinfo: aborted by " + name + ": rolled back (Progressing -> Failed") == 0);
    const std::string message = Git({"--git-dir", git_dir, "log", "-1", "--format=%B", "main"});
    CHECK(message.substr(message.size() - std::string("Acted-by: " + c.author).size()) == "Acted-by: " + c.author);
    CHECK(message.find("\n\nerrors\n\nRequested with `gitcanary abort`.\n\nActed-by: ") != std::string::npos);
    CHECK(run.out.find("canary test/podinfo: aborted by " + name + ": rolled back (commit ") == 0);
    CHECK((run.err.find("no git identity (user.name and user.email not configured)") != std::string::npos) ==
          c.fallback_warned);
    CHECK(run.err.find("operator@localhost") == std::string::npos);
    // Only a commit on a clone's branch still has to be pushed.
    const std::string head = Git({"--git-dir", git_dir, "rev-parse", "main"});
    const std::string hint = "committed " + head.substr(0, 7) + " on main; run git push to publish it to origin/main";
    CHECK((run.err.find(hint) != std::string::npos) == (c.where == "clone"));
  }
  // A malformed --author is a usage error.
  TempDir dir;
  GitopsRemote repo(dir);
  Progressing(repo, dir / "cache");
  RunResult bad = testing::Gitcanary({"abort", "test/podinfo", "--repo", repo.remote(), "--author", "just a name"}, "",
                                     {{"TMPDIR", dir.path()}});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--author wants \"Name <email>\"") != std::string::npos);
}

TEST_CASE("status history and the operator commands warn when a work clone's branch is behind or ahead of its upstream") {
  TempDir dir;
  GitopsRemote repo(dir);
  const std::map<std::string, std::string> env{{"TMPDIR", dir.path()}};
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ServeUntil(repo, dir / "cache", "Initialized");
  const std::string behind = "warning: branch main is 1 commit behind origin/main: this reads the local branch; "
                             "run git pull to bring it up to date";
  const std::string as_fetched = "(origin/main as last fetched; --fetch fetches it first)";
  // serve's commit is on the remote, not yet fetched: nothing known to warn about.
  RunResult unknown = testing::Gitcanary({"status", "--repo", repo.work()}, "", env);
  REQUIRE_MESSAGE(unknown.exit_code == 0, unknown.err);
  CHECK(unknown.err.find("warning") == std::string::npos);
  // --fetch fetches the upstream first, then compares.
  RunResult fetched = testing::Gitcanary({"status", "--repo", repo.work(), "--fetch"}, "", env);
  CHECK(fetched.exit_code == 0);
  CHECK(fetched.err.find(behind) != std::string::npos);
  CHECK(fetched.err.find(as_fetched) == std::string::npos);
  CHECK(Git({"-C", repo.work(), "rev-parse", "origin/main"}) == Git({"--git-dir", repo.remote(), "rev-parse", "main"}));
  // Now the clone knows: the warning comes without --fetch, saying when it was fetched.
  RunResult known = testing::Gitcanary({"status", "--repo", repo.work()}, "", env);
  CHECK(known.err.find(behind + " " + as_fetched) != std::string::npos);
  RunResult acting = testing::Gitcanary({"approve", "test/podinfo", "--repo", repo.work()}, "", env);
  CHECK(acting.exit_code == 1);  // nothing to approve; the warning comes first all the same
  CHECK(acting.err.find(behind) != std::string::npos);
  // Ahead: a local commit not pushed.
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main && echo notes > NOTES && git add NOTES && "
              "git commit -qm notes");
  RunResult ahead = testing::Gitcanary({"history", "test/podinfo", "--repo", repo.work()}, "", env);
  REQUIRE_MESSAGE(ahead.exit_code == 0, ahead.err);
  CHECK(ahead.err.find("warning: branch main is 1 commit ahead of origin/main: run git push to publish it") !=
        std::string::npos);
  // Diverged: another clone pushed meanwhile.
  testing::Sh("git clone -q " + repo.remote() + " " + dir / "other" + " && cd " + dir / "other" +
              " && echo x > X && git add X && git -c user.name=o -c user.email=o@e commit -qm x && git push -q origin main");
  RunResult diverged = testing::Gitcanary({"status", "--repo", repo.work(), "--fetch"}, "", env);
  CHECK(diverged.exit_code == 0);
  CHECK(diverged.err.find("warning: branch main and origin/main have diverged (1 ahead, 1 behind): run git pull "
                          "--rebase, then git push") != std::string::npos);
  // In step again: quiet. The bare remote itself has no upstream to compare with.
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main && git push -q origin main");
  RunResult clean = testing::Gitcanary({"status", "--repo", repo.work(), "--fetch"}, "", env);
  CHECK(clean.exit_code == 0);
  CHECK(clean.err.empty());
  RunResult bare = testing::Gitcanary({"status", "--repo", repo.remote()}, "", env);
  CHECK(bare.exit_code == 0);
  CHECK(bare.err.empty());
}

TEST_CASE("--repo . from a subdirectory of a work clone finds the repository, and DIR is relative to it") {
  TempDir dir;
  GitopsRemote repo(dir);
  const std::map<std::string, std::string> env{{"TMPDIR", dir.path()}};
  repo.Commit({{"apps/podinfo/app.yaml", testing::CanaryApp("podinfo", "1.0.0")}}, "add podinfo");
  ServeUntil(repo, dir / "cache", "Initialized");
  testing::Sh("cd " + repo.work() + " && git pull -q --rebase origin main");
  const std::string apps = repo.work() + "/apps";
  // The operator commands: the same repository as from its top.
  RunResult top = testing::Gitcanary({"status", "--repo", repo.work()}, "", env);
  REQUIRE_MESSAGE(top.exit_code == 0, top.err);
  RunResult below = GitcanaryIn(apps + "/podinfo", "status --repo .", env);
  CHECK_MESSAGE(below.exit_code == 0, below.err);
  CHECK(below.out == top.out);
  // render: DIR from the working directory, as `git -C` would take it.
  RunResult want = testing::Gitcanary({"render", "--repo", repo.work(), "apps/podinfo"});
  REQUIRE_MESSAGE(want.exit_code == 0, want.err);
  for (const std::string& args : {std::string("render --repo . podinfo"), std::string("render --repo . ./podinfo/"),
                                  std::string("render --repo podinfo ."), std::string("render --repo . ../apps/podinfo")}) {
    CAPTURE(args);
    RunResult run = GitcanaryIn(apps, args, env);
    CHECK_MESSAGE(run.exit_code == 0, run.err);
    CHECK(run.out == want.out);
  }
  RunResult from_top = GitcanaryIn(repo.work(), "render --repo . apps/podinfo", env);
  CHECK(from_top.out == want.out);
  RunResult outside = GitcanaryIn(apps, "render --repo . ../..", env);
  CHECK(outside.exit_code != 0);
  CHECK(outside.out.empty());
  CHECK(outside.err.find("../..: outside the repository") != std::string::npos);
  // lint reads PATH the same way.
  RunResult lint_top = testing::Gitcanary({"lint", "--repo", repo.work(), "apps/podinfo"});
  RunResult lint_below = GitcanaryIn(apps, "lint --repo . podinfo", env);
  CHECK(lint_below.exit_code == lint_top.exit_code);
  CHECK(lint_below.out == lint_top.out);
}

}  // namespace gitcanary
