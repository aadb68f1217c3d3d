// Integration tests of `gitcanary serve --write-mode annotations` on real
// processes: the status of record is the Canary's `gitcanary.io/status`
// annotation, edited in place in a file that people also edit. Every serve
// commit may change that one line (and add `annotations:` when there was
// none); every other byte of the file stays, no status file appears, and
// `gitcanary render` at each commit reads the annotation and routes its weights.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "render/canary_status.h"
#include "render/loader.h"
#include "tests/gitops_remote.h"
#include "tests/test_util.h"

namespace gitcanary {
namespace {

using testing::GitopsRemote;
using testing::RunResult;
using testing::TempDir;

const char kCanaryFile[] = "apps/podinfo/canary.yaml";

std::string Deployment(const std::string& tag) {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: podinfo\n"
         "  namespace: test\n"
         "spec:\n"
         "  selector:\n"
         "    matchLabels:\n"
         "      app: podinfo\n"
         "  template:\n"
         "    metadata:\n"
         "      labels:\n"
         "        app: podinfo\n"
         "    spec:\n"
         "      containers:\n"
         "        - name: app\n"
         "          image: ghcr.io/example/podinfo:" + tag + "\n";
}

// A Canary as people write it: comments, three-space indentation, a flow
// mapping as metadata's last key, no annotations, and a ConfigMap after it.
const char kHandWritten[] =
    "# podinfo's canary. The web team owns this file; gitcanary writes only its status.\n"
    "apiVersion: flagger.app/v1beta1\n"
    "kind: Canary\n"
    "metadata:\n"
    "   name: podinfo        # three spaces, on purpose\n"
    "   namespace: test\n"
    "   labels: {team: web}\n"
    "spec:\n"
    "   # what is analysed\n"
    "   targetRef:\n"
    "      apiVersion: apps/v1\n"
    "      kind: Deployment\n"
    "      name: podinfo\n"
    "   service:\n"
    "      port: 9898   # podinfo's port\n"
    "   analysis:\n"
    "      interval: 1s\n"
    "      threshold: 2\n"
    "      maxWeight: 30\n"
    "      stepWeight: 10\n"
    "\n"
    "# notes for reviewers\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata:\n"
    "  name: podinfo-notes\n"
    "  namespace: test\n"
    "data:\n"
    "  owner: \"web team\"   # paged at night\n";

// The Deployment and the Canary in one CRLF file; the Canary already has
// annotations (with a comment among them), not as metadata's last key.
std::string CrlfWithAnnotations(const std::string& tag) {
  std::string lf = Deployment(tag) +
                   "---\n"
                   "apiVersion: flagger.app/v1beta1\n"
                   "kind: Canary\n"
                   "metadata:\n"
                   "  name: podinfo\n"
                   "  annotations:\n"
                   "    # who to call\n"
                   "    example.com/owner: 'web team'   # paged at night\n"
                   "    example.com/empty: \"\"\n"
                   "  namespace: test\n"
                   "spec:\n"
                   "  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n"
                   "  service:\n"
                   "    port: 9898\n"
                   "  analysis:\n"
                   "    interval: 1s\n"
                   "    threshold: 2\n"
                   "    maxWeight: 30\n"
                   "    stepWeight: 10\n"
                   "# end of file, no newline after this comment";
  std::string out;
  for (char c : lf) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
  return out;
}

std::vector<std::string> Lines(const std::string& text) {  // each with its line end
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    const std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

std::string Show(const GitopsRemote& repo, const std::string& rev, const std::string& path) {
  RunResult r = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "show", rev + ":" + path});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

std::string Head(const GitopsRemote& repo) {
  RunResult r = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "rev-parse", "main"});
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, 40);
}

// The status in the Canary's annotation in `text`; fails when it has none.
render::CanaryStatus AnnotatedStatus(const std::string& text) {
  auto docs = render::ParseManifests(text, kCanaryFile);
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  for (const render::Manifest& m : *docs) {
    if (m.kind != "Canary") continue;
    auto record = render::ParseStatusAnnotation(m);
    REQUIRE_MESSAGE(record.ok(), record.status().message());
    REQUIRE(record->has_value());
    return (*record)->status;
  }
  FAIL("no Canary in\n" << text);
  return {};
}

// What serve may change between `before` and `after`: the status entry's
// line, and a new `annotations:` line above a first entry when there was no
// annotations mapping; every other line byte for byte.
void CheckOnlyStatusLine(const std::string& before, const std::string& after, const std::string& entry_indent,
                         const std::string& eol) {
  std::vector<std::string> old_lines = Lines(before), new_lines = Lines(after);
  const std::string key = entry_indent + "gitcanary.io/status: '{";
  auto is_status = [&](const std::string& line) { return line.rfind(key, 0) == 0; };
  std::size_t at = new_lines.size();
  for (std::size_t i = 0; i < new_lines.size(); ++i)
    if (is_status(new_lines[i])) {
      REQUIRE_MESSAGE(at == new_lines.size(), "two status lines in\n" << after);
      at = i;
    }
  REQUIRE_MESSAGE(at < new_lines.size(), "no status line at indent \"" << entry_indent << "\" in\n" << after);
  const std::string& line = new_lines[at];
  CHECK(line.size() > eol.size());
  CHECK(line.compare(line.size() - eol.size(), eol.size(), eol) == 0);
  CHECK(line.compare(line.size() - eol.size() - 2, 2, "}'") == 0);  // one single-quoted line
  const bool had = std::any_of(old_lines.begin(), old_lines.end(), is_status);
  const bool had_annotations = before.find("annotations:") != std::string::npos;
  new_lines.erase(new_lines.begin() + static_cast<std::ptrdiff_t>(at));
  if (had) {
    REQUIRE(old_lines.size() == new_lines.size() + 1);
    CHECK(is_status(old_lines[at]));
    old_lines.erase(old_lines.begin() + static_cast<std::ptrdiff_t>(at));
  } else if (!had_annotations) {
    REQUIRE(at > 0);
    const std::string annotations_line = new_lines[at - 1];
    CHECK(annotations_line.find_first_not_of(' ') < entry_indent.size());
    CHECK(annotations_line.substr(annotations_line.find_first_not_of(' ')) == "annotations:" + eol);
    new_lines.erase(new_lines.begin() + static_cast<std::ptrdiff_t>(at - 1));
  }
  CHECK(new_lines == old_lines);
}

RunResult ServeOnce(const GitopsRemote& repo, const std::string& cache) {
  return testing::Gitcanary({"serve", "--repo", repo.remote(), "--cache-dir", cache, "--once", "--all-due",
                             "--min-interval", "1s", "--readiness", "none", "--listen", "off", "--write-mode",
                             "annotations"});
}

// One serve pass, and the checks on what it wrote; returns the status.
render::CanaryStatus Step(const GitopsRemote& repo, const std::string& cache, const std::string& entry_indent,
                          const std::string& eol) {
  const std::string before = Show(repo, "main", kCanaryFile);
  const std::string head = Head(repo);
  RunResult r = ServeOnce(repo, cache);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string commit = Head(repo);
  REQUIRE_MESSAGE(commit != head, "serve committed nothing:\n" << r.out << r.err);
  RunResult changed = testing::Run(
      {"/usr/bin/git", "--git-dir", repo.remote(), "diff", "--name-only", commit + "^", commit});
  CHECK(changed.out == std::string(kCanaryFile) + "\n");
  RunResult tree = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "ls-tree", "-r", "--name-only", commit});
  CHECK(tree.out.find("gitcanary-status") == std::string::npos);
  const std::string after = Show(repo, commit, kCanaryFile);
  CheckOnlyStatusLine(before, after, entry_indent, eol);
  render::CanaryStatus status = AnnotatedStatus(after);
  // render reads the annotation: w to the canary in Progressing and Promoting.
  const long long w = status.phase == Phase::kProgressing || status.phase == Phase::kPromoting ? status.canary_weight : 0;
  CAPTURE(PhaseName(status.phase));
  CHECK(repo.RenderedWeights(commit, "podinfo") == std::pair<long long, long long>{100 - w, w});
  return status;
}

std::string Sequence(const std::vector<render::CanaryStatus>& steps) {
  std::string out;
  for (const render::CanaryStatus& s : steps)
    out += (out.empty() ? "" : ", ") + std::string(PhaseName(s.phase)) + " " + std::to_string(s.canary_weight);
  return out;
}

const char kPromotion[] =
    "Initialized 0, Progressing 0, Progressing 10, Progressing 20, Progressing 30, Promoting 30, Finalising 0, "
    "Succeeded 0";

}  // namespace

TEST_CASE("annotations mode: serve edits the status annotation of a hand-written Canary in place, to Succeeded") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/deployment.yaml", Deployment("1.0.0")}, {kCanaryFile, kHandWritten}}, "add podinfo");
  std::vector<render::CanaryStatus> steps;
  // metadata's children sit at 3 spaces; a new annotations mapping indents its entries 3 more.
  steps.push_back(Step(repo, dir / "cache", "      ", "\n"));
  CHECK(Show(repo, "main", kCanaryFile).find("   labels: {team: web}\n   annotations:\n      gitcanary.io/status: '{") !=
        std::string::npos);
  repo.Commit({{"apps/podinfo/deployment.yaml", Deployment("1.0.1")}}, "podinfo 1.0.1");
  for (int i = 0; i < 7 && steps.back().phase != Phase::kSucceeded; ++i)
    steps.push_back(Step(repo, dir / "cache", "      ", "\n"));
  CHECK(Sequence(steps) == kPromotion);
  // The primary runs the promoted 1.0.1, from the snapshot in the annotation.
  RunResult render = testing::Gitcanary({"render", "--repo", repo.remote(), "apps/podinfo"});
  REQUIRE_MESSAGE(render.exit_code == 0, render.err);
  CHECK(render.out.find("image: ghcr.io/example/podinfo:1.0.1") != std::string::npos);
  CHECK(render.out.find("name: podinfo-notes") != std::string::npos);
  // Nothing is left to do: the next pass commits nothing.
  const std::string head = Head(repo);
  REQUIRE(ServeOnce(repo, dir / "cache").exit_code == 0);
  CHECK(Head(repo) == head);
}

TEST_CASE("annotations mode: a CRLF file with existing annotations keeps every other byte through a promotion") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{kCanaryFile, CrlfWithAnnotations("1.0.0")}}, "add podinfo");
  std::vector<render::CanaryStatus> steps;
  steps.push_back(Step(repo, dir / "cache", "    ", "\r\n"));
  const std::string initialised = Show(repo, "main", kCanaryFile);
  CHECK(initialised.find("    example.com/empty: \"\"\r\n    gitcanary.io/status: '{") != std::string::npos);
  CHECK(initialised.substr(initialised.size() - 7) == "comment");  // no final newline added
  // The person bumps the image in the same file, which now holds the status.
  std::string bumped = initialised;
  const std::size_t tag = bumped.find("podinfo:1.0.0");
  REQUIRE(tag != std::string::npos);
  bumped.replace(tag, 13, "podinfo:1.0.1");
  repo.Commit({{kCanaryFile, bumped}}, "podinfo 1.0.1");
  for (int i = 0; i < 7 && steps.back().phase != Phase::kSucceeded; ++i)
    steps.push_back(Step(repo, dir / "cache", "    ", "\r\n"));
  CHECK(Sequence(steps) == kPromotion);
  const std::string last = Show(repo, "main", kCanaryFile);
  CHECK(last.substr(last.size() - 7) == "comment");  // still no final newline
  CHECK(last.find("    example.com/owner: 'web team'   # paged at night\r\n") != std::string::npos);
}

TEST_CASE("annotations mode: operator commands and status read and edit the annotation in place") {
  TempDir dir;
  GitopsRemote repo(dir);
  repo.Commit({{"apps/podinfo/deployment.yaml", Deployment("1.0.0")}, {kCanaryFile, kHandWritten}}, "add podinfo");
  Step(repo, dir / "cache", "      ", "\n");
  repo.Commit({{"apps/podinfo/deployment.yaml", Deployment("1.0.1")}}, "podinfo 1.0.1");
  Step(repo, dir / "cache", "      ", "\n");
  const render::CanaryStatus progressing = Step(repo, dir / "cache", "      ", "\n");
  REQUIRE(progressing.canary_weight == 10);
  const std::string before = Show(repo, "main", kCanaryFile);
  RunResult abort = testing::Gitcanary({"abort", "test/podinfo", "--repo", repo.remote()}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(abort.exit_code == 0, abort.err);
  const std::string after = Show(repo, "main", kCanaryFile);
  CheckOnlyStatusLine(before, after, "      ", "\n");
  CHECK(AnnotatedStatus(after).phase == Phase::kFailed);
  RunResult tree = testing::Run({"/usr/bin/git", "--git-dir", repo.remote(), "ls-tree", "-r", "--name-only", "main"});
  CHECK(tree.out.find("gitcanary-status") == std::string::npos);
  CHECK(repo.RenderedWeights("main", "podinfo") == std::pair<long long, long long>{100, 0});
  RunResult status = testing::Gitcanary({"status", "--repo", repo.remote()}, "", {{"TMPDIR", dir.path()}});
  REQUIRE_MESSAGE(status.exit_code == 0, status.err);
  CHECK(status.out.find("test        podinfo             Failed            0       0       ") != std::string::npos);
}

}  // namespace gitcanary
