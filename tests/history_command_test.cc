// `gitcanary history`: the parsers of commit lines and analysis notes, and
// ReadHistory/RunHistory against a bare repository built with the git CLI.
// The repository holds a canary's whole release written by hand: status
// commits Initialized 0 -> Progressing 0 -> 10 -> 20 -> Promoting ->
// Finalising -> Succeeded, with a person's image bump, an unrelated commit,
// another canary's commit and a comment-only rewrite of the status in between,
// and an analysis note on one commit. It is read through a file:// URL, so the
// cache lives in the test's temporary directory.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "plugin/commands/history_command.h"
#include "policies/presentation/history_text.h"
#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

using policies::HistoryRow;
using testing::Run;
using testing::Sh;
using testing::TempDir;
using testing::WriteFile;

constexpr long long kT = 1714557600;  // 2024-05-01T10:00:00Z
const char kStatusFile[] = "apps/podinfo/podinfo.gitcanary-status.yaml";

const char kPromoted[] = R"(promoted:
  template:
    metadata:
      labels: {app: podinfo}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/podinfo:6.0.0
)";

std::string Indent(const std::string& text, const std::string& by) {
  std::string out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) out += by + line + "\n";
  return out;
}

std::string StatusBody(const std::string& phase, int weight, int minute) {
  return "phase: " + phase + "\ncanaryWeight: " + std::to_string(weight) +
         "\nfailedChecks: 0\niterations: 0\nlastAppliedSpec: rev2\nlastPromotedSpec: rev1\n"
         "lastTransitionTime: \"2024-05-01T10:" + (minute < 10 ? "0" : "") + std::to_string(minute) + ":00Z\"\n" +
         kPromoted;
}

std::string StatusDoc(const std::string& phase, int weight, int minute) {
  return "apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: podinfo\n  namespace: test\n"
         "status:\n" + Indent(StatusBody(phase, weight, minute), "  ");
}

// A bare repository and a work clone; commits are dated kT + dt.
class HandRepo {
 public:
  explicit HandRepo(const TempDir& tmp) : tmp_(tmp), bare_(tmp / "remote.git"), work_(tmp / "work") {
    Sh("git init -q --bare -b main " + bare_);
    Sh("git clone -q " + bare_ + " " + work_ + " 2>/dev/null");
    Sh("git -C " + work_ + " config user.name Person && git -C " + work_ + " config user.email person@example.com");
  }

  std::string Commit(const std::vector<std::pair<std::string, std::string>>& files, const std::string& message,
                     long long dt) {
    for (const auto& [path, content] : files) WriteFile(work_ + "/" + path, content);
    WriteFile(tmp_ / "message", message);
    const std::string date = std::to_string(kT + dt) + " +0000";
    Sh("cd " + work_ + " && git add -A && GIT_AUTHOR_DATE='" + date + "' GIT_COMMITTER_DATE='" + date +
       "' git commit -q -F " + (tmp_ / "message"));
    return Head();
  }

  void Note(const std::string& commit, const std::string& text) {
    WriteFile(tmp_ / "note", text);
    Sh("cd " + work_ + " && git notes --ref=gitcanary add -F " + (tmp_ / "note") + " " + commit);
  }

  void Push() { Sh("cd " + work_ + " && git push -q origin HEAD:main && (git push -q origin refs/notes/gitcanary || true)"); }

  std::string Head() const {
    testing::RunResult r = Run({"/usr/bin/git", "-C", work_, "rev-parse", "HEAD"});
    REQUIRE(r.exit_code == 0);
    return r.out.substr(0, 40);
  }

  std::string url() const { return "file://" + bare_; }
  std::vector<std::string> RepoArgs() const { return {"--repo", url(), "--cache-dir", tmp_ / "cache"}; }

 private:
  const TempDir& tmp_;
  std::string bare_, work_;
};

struct Release {
  std::vector<std::string> c;  // c[1..12]
};

// The hand-written release described at the top.
Release WriteRelease(HandRepo& repo) {
  Release r;
  r.c.resize(13);
  const std::string status = kStatusFile;
  r.c[1] = repo.Commit({{"apps/podinfo/podinfo.yaml", testing::CanaryApp("podinfo", "6.0.0")}, {"README.md", "x\n"}},
                       "podinfo: the app at 6.0.0", 0);
  r.c[2] = repo.Commit({{status, StatusDoc("Initialized", 0, 1)}},
                       "canary test/podinfo: Initializing -> Initialized (primary ready)", 60);
  r.c[3] = repo.Commit({{"apps/podinfo/podinfo.yaml", testing::CanaryApp("podinfo", "6.0.1")}},
                       "podinfo: image 6.0.1\n\nA person's release.\n", 120);
  r.c[4] = repo.Commit({{status, StatusDoc("Progressing", 0, 3)}},
                       "canary test/podinfo: Initialized -> Progressing, revision rev2 (new revision detected)", 180);
  r.c[5] = repo.Commit({{"README.md", "y\n"}}, "docs: readme", 240);
  r.c[6] = repo.Commit({{status, StatusDoc("Progressing", 10, 5)}},
                       "canary test/podinfo: weight 0 -> 10 (request-success-rate 99.82 >= 95; request-duration 212 "
                       "<= 500)",
                       300);
  repo.Note(r.c[6],
            "gitcanary analysis at 2024-05-01T10:05:00Z\n\ncanary test/other\n  phase: Progressing\n"
            "  metric request-success-rate: other = 1.000000\n\ncanary test/podinfo\n"
            "  transition: weight 0 -> 10\n  phase: Progressing\n  weight: 10\n  failed checks: 0\n"
            "  revision: rev2\n  reason: metrics passed\n"
            "  metric request-success-rate: sum(rate(x{namespace=\"test\"}[1m])) = 99.823456\n"
            "  metric request-duration: histogram_quantile(0.99, y) = 212.000000\n");
  r.c[7] = repo.Commit({{status, StatusDoc("Progressing", 20, 6)}},
                       "canary test/podinfo: weight 10 -> 20 (request-success-rate 99.5 >= 95; request-duration no "
                       "data)",
                       360);
  r.c[8] = repo.Commit({{"apps/podinfo/other.txt", "o\n"}}, "canary test/other: weight 0 -> 10", 420);
  r.c[9] = repo.Commit({{status, StatusDoc("Promoting", 20, 8)}},
                       "canary test/podinfo: Progressing -> Promoting (canary analysis completed)", 480);
  r.c[10] = repo.Commit({{status, StatusDoc("Finalising", 0, 9)}},
                        "gitcanary: status of 2 canaries\n\ncanary test/other: weight 10 -> 20\n"
                        "canary test/podinfo: Promoting -> Finalising, weight 20 -> 0 (promotion rolled out)\n",
                        540);
  r.c[11] = repo.Commit({{status, StatusDoc("Succeeded", 0, 10)}},
                        "canary test/podinfo: Finalising -> Succeeded (promotion completed)", 600);
  r.c[12] = repo.Commit({{status, "# machine-owned\n" + StatusDoc("Succeeded", 0, 10)}}, "status: a comment", 660);
  repo.Push();
  return r;
}

Result<policies::Timeline> History(const HandRepo& repo, const std::string& id, std::size_t limit = 0) {
  auto args = ParseArgs(repo.RepoArgs(), RepoFlags());
  REQUIRE(args.ok());
  auto access = RepoAccess::Open(*args);
  REQUIRE_MESSAGE(access.ok(), access.status().message());
  HistoryOptions options;
  options.limit = limit;
  return ReadHistory(**access, id, options);
}

std::string Sequence(const policies::Timeline& t) {
  std::string out;
  for (const HistoryRow& r : t.rows) {
    if (!out.empty()) out += ", ";
    out += r.kind == HistoryRow::Kind::kChange ? "change " + r.commit.substr(0, 7)
                                               : std::string(PhaseName(r.phase)) + " " + std::to_string(r.weight);
  }
  return out;
}

// Runs RunHistory in process, capturing stderr (stdout is only written on success).
std::pair<int, std::string> RunCaptured(const std::vector<std::string>& args) {
  std::ostringstream err;
  std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
  const int code = RunHistory(args);
  std::cerr.rdbuf(old);
  return {code, err.str()};
}

TEST_CASE("history: commit lines and notes give the metric values") {
  CHECK(policies::SubjectFor("gitcanary: status of 2 canaries\n\ncanary a/b: x\ncanary t/p: weight 0 -> 10\n", "t/p") ==
        "canary t/p: weight 0 -> 10");
  CHECK(policies::SubjectFor("podinfo: image 6.0.1\n\nbody\n", "t/p") == "podinfo: image 6.0.1");
  auto m = policies::MetricsFromSubject("canary t/p: weight 10 -> 20 (request-success-rate 99.82 >= 95; latency no data; "
                              "errors 3 < 5; p50 12.5 in [1, 20]; plain 7)");
  REQUIRE(m.size() == 5);
  CHECK(m[0].name == "request-success-rate");
  CHECK(m[0].value == 99.82);
  CHECK(m[0].min == 95);
  CHECK_FALSE(m[0].max.has_value());
  CHECK(m[1].name == "latency");
  CHECK_FALSE(m[1].value.has_value());
  CHECK(m[2].value == 3);
  CHECK(m[2].min == 5);  // a failing "<" names the minimum
  CHECK(m[3].value == 12.5);
  CHECK(m[3].min == 1);
  CHECK(m[3].max == 20);
  CHECK(m[4].value == 7);
  CHECK_FALSE(m[4].min.has_value());
  CHECK(policies::MetricsFromSubject("canary t/p: x (d 600 > 500)")[0].max == 500);
  CHECK(policies::MetricsFromSubject("canary t/p: weight 0 -> 10 (pre-rollout checks passed)").empty());
  CHECK(policies::MetricsFromSubject("canary t/p: approved (weight 20 -> 30)").empty());
  CHECK(policies::MetricsFromSubject("canary t/p: failed checks 1 -> 2 (webhook gate: HTTP 500 (denied))").empty());
  CHECK(policies::MetricsFromSubject("canary t/p: weight 0 -> 10").empty());

  const std::string note = "gitcanary analysis at X\n\ncanary t/other\n  metric a: q = 1.000000\n\ncanary t/p\n"
                           "  phase: Progressing\n  metric a: sum(x{l=\"v\"}) = 99.823456\n"
                           "  metric b: q = Prometheus query failed: HTTP 503\n  webhook w: ok\n";
  auto n = policies::MetricsFromNote(note, "t/p");
  REQUIRE(n.has_value());
  REQUIRE(n->size() == 2);
  CHECK((*n)[0].name == "a");
  CHECK((*n)[0].value == 99.823456);
  CHECK((*n)[1].name == "b");
  CHECK_FALSE((*n)[1].value.has_value());
  CHECK_FALSE(policies::MetricsFromNote(note, "t/none").has_value());
}

TEST_CASE("history: the timeline of a hand-written release, oldest first") {
  TempDir tmp;
  HandRepo repo(tmp);
  const Release r = WriteRelease(repo);
  auto t = History(repo, "test/podinfo");
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  CHECK(t->id == "test/podinfo");
  // No rows for the readme, the other canary's commit or the comment-only rewrite.
  CHECK(Sequence(*t) == "Initialized 0, change " + r.c[3].substr(0, 7) +
                            ", Progressing 0, Progressing 10, Progressing 20, Promoting 20, Finalising 0, Succeeded 0");
  REQUIRE(t->rows.size() == 8);
  const std::vector<std::string> commits{r.c[2], r.c[3], r.c[4], r.c[6], r.c[7], r.c[9], r.c[10], r.c[11]};
  const std::vector<long long> minutes{1, 2, 3, 5, 6, 8, 9, 10};
  for (std::size_t i = 0; i < commits.size(); ++i) {
    CHECK(t->rows[i].commit == commits[i]);
    CHECK(t->rows[i].time == kT + 60 * minutes[i]);
  }
  CHECK(t->rows[1].kind == HistoryRow::Kind::kChange);
  CHECK(t->rows[1].subject == "podinfo: image 6.0.1");
  // The note's values win over the rounded ones in the subject.
  REQUIRE(t->rows[3].metrics.size() == 2);
  CHECK(t->rows[3].metrics[0].name == "request-success-rate");
  CHECK(t->rows[3].metrics[0].value == 99.823456);
  CHECK(t->rows[3].metrics[1].value == 212);
  CHECK(t->rows[3].metrics[0].min == 95);  // the threshold from the subject
  CHECK(t->rows[3].metrics[1].max == 500);
  // Without a note, the subject's.
  REQUIRE(t->rows[4].metrics.size() == 2);
  CHECK(t->rows[4].metrics[0].value == 99.5);
  CHECK_FALSE(t->rows[4].metrics[1].value.has_value());
  CHECK(t->rows[2].metrics.empty());
  // A commit about two canaries: this canary's line.
  CHECK(t->rows[6].subject == "canary test/podinfo: Promoting -> Finalising, weight 20 -> 0 (promotion rolled out)");

  const std::string svg = policies::HistoryChartSvg(*t);
  CHECK(svg.find(">test/podinfo: Succeeded<") != std::string::npos);
  CHECK(svg.find("<g id=\"metric-1\" class=\"metric\">") != std::string::npos);
}

TEST_CASE("history: json and table rows") {
  TempDir tmp;
  HandRepo repo(tmp);
  const Release r = WriteRelease(repo);
  auto t = History(repo, "test/podinfo");
  REQUIRE(t.ok());
  const nlohmann::json rows = nlohmann::json::parse(policies::HistoryJson(*t));
  REQUIRE(rows.size() == 8);
  const nlohmann::json& step = rows[3];
  CHECK(step["commit"] == r.c[6]);
  CHECK(step["time"] == "2024-05-01T10:05:00Z");
  CHECK(step["kind"] == "status");
  CHECK(step["phase"] == "Progressing");
  CHECK(step["weight"] == 10);
  CHECK(step["failed_checks"] == 0);
  CHECK(step["metrics"]["request-success-rate"] == 99.823456);
  CHECK(step["metrics"]["request-duration"] == 212.0);
  CHECK(step["subject"] ==
        "canary test/podinfo: weight 0 -> 10 (request-success-rate 99.82 >= 95; request-duration 212 <= 500)");
  CHECK(rows[4]["metrics"]["request-duration"].is_null());
  CHECK(rows[1]["kind"] == "change");
  CHECK(rows[1]["phase"].is_null());
  CHECK(rows[1]["weight"].is_null());
  CHECK(rows[7]["phase"] == "Succeeded");
  // The keys in the documented order.
  std::vector<std::string> keys;
  const nlohmann::ordered_json first = nlohmann::ordered_json::parse(policies::HistoryJson(*t))[0];
  for (auto it = first.begin(); it != first.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"commit", "time", "kind", "phase", "weight", "failed_checks", "iterations",
                                         "metrics", "subject"});

  const std::string table = policies::HistoryTable(*t);
  std::istringstream lines(table);
  std::vector<std::string> l;
  for (std::string line; std::getline(lines, line);) l.push_back(line);
  REQUIRE(l.size() == 9);
  CHECK(l[0].rfind("TIME                  PHASE        WEIGHT  FAILED  ITER  METRICS", 0) == 0);
  CHECK(l[4].rfind("2024-05-01T10:05:00Z  Progressing  10      0       0     "
                   "request-success-rate=99.82 request-duration=212  " + r.c[6].substr(0, 7) +
                       "  canary test/podinfo: weight 0 -> 10 (",
                   0) == 0);
  CHECK(l[2].rfind("2024-05-01T10:02:00Z  -            -       -       -     -", 0) == 0);
  CHECK(l[5].find("request-duration=n/a") != std::string::npos);
  // Columns line up: COMMIT starts at the same offset in every row.
  const std::size_t at = l[0].find("COMMIT");
  for (std::size_t i = 1; i < l.size(); ++i) CHECK(l[i].substr(at, 7) == t->rows[i - 1].commit.substr(0, 7));
}

TEST_CASE("history: --limit keeps the newest status changes") {
  TempDir tmp;
  HandRepo repo(tmp);
  WriteRelease(repo);
  auto three = History(repo, "test/podinfo", 3);
  REQUIRE(three.ok());
  CHECK(Sequence(*three) == "Promoting 20, Finalising 0, Succeeded 0");
  auto six = History(repo, "test/podinfo", 6);
  REQUIRE(six.ok());
  CHECK(Sequence(*six) == "Progressing 0, Progressing 10, Progressing 20, Promoting 20, Finalising 0, Succeeded 0");
  auto all = History(repo, "test/podinfo", 100);
  REQUIRE(all.ok());
  CHECK(all->rows.size() == 8);
}

TEST_CASE("history: a status kept in the Canary's annotation") {
  TempDir tmp;
  HandRepo repo(tmp);
  const std::string app = testing::CanaryApp("podinfo", "6.0.0");
  const std::string meta = "  name: podinfo\n  namespace: test\nspec:\n  targetRef:";
  auto annotated = [&](const std::string& json) {
    std::string text = app;
    const std::size_t at = text.rfind(meta);
    return text.insert(at + std::string("  name: podinfo\n  namespace: test\n").size(),
                       "  annotations:\n    gitcanary.io/status: '" + json + "'\n");
  };
  const std::string promoted =
      R"("promoted":{"template":{"metadata":{"labels":{"app":"podinfo"}},"spec":{"containers":[{"name":"app","image":"i"}]}}})";
  auto body = [&](const std::string& phase, int weight, int minute) {
    return "{\"phase\":\"" + phase + "\",\"canaryWeight\":" + std::to_string(weight) +
           ",\"lastTransitionTime\":\"2024-05-01T10:0" + std::to_string(minute) + ":00Z\"," + promoted + "}";
  };
  repo.Commit({{"apps/podinfo/podinfo.yaml", app}}, "podinfo: the app", 0);
  repo.Commit({{"apps/podinfo/podinfo.yaml", annotated(body("Initialized", 0, 1))}},
              "canary test/podinfo: Initializing -> Initialized", 60);
  repo.Commit({{"apps/podinfo/podinfo.yaml", annotated(body("Progressing", 10, 2))}},
              "canary test/podinfo: weight 0 -> 10 (request-success-rate 100 >= 99)", 120);
  repo.Commit({{"apps/podinfo/podinfo.yaml", annotated(body("Failed", 0, 3))}},
              "canary test/podinfo: Progressing -> Failed, weight 10 -> 0 (request-success-rate 12 < 99)", 180);
  repo.Push();
  auto t = History(repo, "test/podinfo");
  REQUIRE_MESSAGE(t.ok(), t.status().message());
  CHECK(Sequence(*t) == "Initialized 0, Progressing 10, Failed 0");
  REQUIRE(t->rows[2].metrics.size() == 1);
  CHECK(t->rows[2].metrics[0].value == 12);
  CHECK(policies::TimelineOutcome(*t) == "Failed");
}

TEST_CASE("history: errors name the canary, the branch and the repository") {
  TempDir tmp;
  HandRepo repo(tmp);
  repo.Commit({{"apps/podinfo/podinfo.yaml", testing::CanaryApp("podinfo", "6.0.0")}}, "podinfo: the app", 0);
  repo.Commit({{"README.md", "x\n"}}, "docs", 60);
  repo.Push();
  auto unknown = History(repo, "test/nope");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message() == "no canary test/nope on branch main of " + repo.url());
  auto none = History(repo, "test/podinfo");
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message() == "no status recorded yet for test/podinfo");

  std::vector<std::string> args = repo.RepoArgs();
  auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.end(), args.begin(), args.end());
    return RunCaptured(extra);
  };
  auto [code, err] = with({"test/nope"});
  CHECK(code == 1);
  CHECK(err == "gitcanary: no canary test/nope on branch main of " + repo.url() + "\n");
  std::tie(code, err) = with({"test/podinfo", "--branch", "gone"});
  CHECK(code == 1);
  CHECK(err.find("branch gone does not exist") != std::string::npos);
  std::tie(code, err) = with({"podinfo"});
  CHECK(code == 2);
  CHECK(err.rfind("gitcanary: give the canary as NAMESPACE/NAME\n", 0) == 0);
  std::tie(code, err) = with({"test/podinfo", "-o", "yaml"});
  CHECK(code == 2);
  CHECK(err.rfind("gitcanary: unknown output format \"yaml\"; expected table or json\n", 0) == 0);
  std::tie(code, err) = with({"test/podinfo", "--limit", "0"});
  CHECK(code == 2);
  std::tie(code, err) = with({"test/podinfo", "--limit", "ten"});
  CHECK(code == 2);
  std::tie(code, err) = with({"test/podinfo", "--colour"});
  CHECK(code == 2);
}

TEST_CASE("history: --svg to an unwritable path is an error and prints nothing") {
  TempDir tmp;
  HandRepo repo(tmp);
  WriteRelease(repo);
  std::vector<std::string> args{"test/podinfo", "--svg", tmp / "missing-dir/chart.svg"};
  for (const std::string& a : repo.RepoArgs()) args.push_back(a);
  auto [code, err] = RunCaptured(args);
  CHECK(code == 1);
  CHECK(err.rfind("gitcanary: cannot write the chart to " + (tmp / "missing-dir/chart.svg") + ": ", 0) == 0);
  args[2] = tmp.path();  // a directory
  std::tie(code, err) = RunCaptured(args);
  CHECK(code == 1);
  CHECK(err.find("cannot write the chart to") != std::string::npos);
}

}  // namespace
}  // namespace gitcanary::plugin
