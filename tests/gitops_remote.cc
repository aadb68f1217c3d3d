#include "tests/gitops_remote.h"

#include <doctest/doctest.h>

#include <sstream>
#include <thread>

#include "render/canary_status.h"
#include "render/loader.h"

namespace gitcanary::testing {

std::string CanaryApp(const std::string& name, const std::string& tag, const std::string& extra_analysis) {
  return "apiVersion: apps/v1\n"
         "kind: Deployment\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "  namespace: test\n"
         "spec:\n"
         "  selector:\n"
         "    matchLabels:\n"
         "      app: " + name + "\n"
         "  template:\n"
         "    metadata:\n"
         "      labels:\n"
         "        app: " + name + "\n"
         "    spec:\n"
         "      containers:\n"
         "        - name: app\n"
         "          image: ghcr.io/example/" + name + ":" + tag + "\n"
         "---\n"
         "# The canary: comments here must survive annotations-mode write-back.\n"
         "apiVersion: flagger.app/v1beta1\n"
         "kind: Canary\n"
         "metadata:\n"
         "  name: " + name + "\n"
         "  namespace: test\n"
         "spec:\n"
         "  targetRef:\n"
         "    apiVersion: apps/v1\n"
         "    kind: Deployment\n"
         "    name: " + name + "\n"
         "  service:\n"
         "    port: 9898\n"
         "  analysis:\n"
         "    interval: 1s\n"
         "    threshold: 2\n"
         "    maxWeight: 30\n"
         "    stepWeight: 10\n" + extra_analysis;
}

GitopsRemote::GitopsRemote(const TempDir& dir) : remote_(dir / "remote.git"), work_(dir / "work") {
  Sh("git init -q --bare -b main " + remote_);
  Sh("git clone -q " + remote_ + " " + work_ + " 2>/dev/null");
  Sh("git -C " + work_ + " config user.name Person && git -C " + work_ + " config user.email person@example.com");
}

void GitopsRemote::Commit(const std::vector<std::pair<std::string, std::string>>& files, const std::string& message) {
  Sh("cd " + work_ + " && (git pull -q --rebase origin main 2>/dev/null || true)");
  for (const auto& [path, content] : files) WriteFile(work_ + "/" + path, content);
  Sh("cd " + work_ + " && git add -A && git commit -qm '" + message + "'");
  // serve may push between our pull and push: rebase and try again.
  Sh("cd " + work_ + " && for i in 1 2 3 4 5 6 7 8 9 10; do git push -q origin HEAD:main 2>/dev/null && exit 0; "
     "git pull -q --rebase origin main; done; exit 1");
}

namespace {

StatusAt ParseStatus(const std::string& text, const std::string& commit, const std::string& subject) {
  StatusAt out{commit, subject, "", -1, -1};
  auto docs = render::ParseManifests(text, commit);
  REQUIRE_MESSAGE(docs.ok(), docs.status().message());
  for (const render::Manifest& m : *docs) {
    if (!render::IsStatusDocument(m)) continue;
    auto record = render::ParseStatusDocument(m);
    REQUIRE_MESSAGE(record.ok(), record.status().message());
    out.phase = std::string(PhaseName(record->status.phase));
    out.weight = record->status.canary_weight;
    out.failed_checks = record->status.failed_checks;
  }
  return out;
}

std::string StatusPath(const std::string& name) { return "apps/" + name + "/" + name + ".gitcanary-status.yaml"; }

}  // namespace

std::vector<StatusAt> GitopsRemote::StatusHistory(const std::string& name) const {
  RunResult log = Run({"/usr/bin/git", "--git-dir", remote_, "log", "--first-parent", "--reverse",
                       "--format=%H%n%B%x1e", "main", "--", StatusPath(name)});
  REQUIRE(log.exit_code == 0);
  std::vector<StatusAt> out;
  std::istringstream records(log.out);
  std::string record;
  while (std::getline(records, record, '\x1e')) {
    if (!record.empty() && record[0] == '\n') record.erase(0, 1);
    if (record.size() < 40) continue;
    const std::string commit = record.substr(0, 40);
    // The message line about this canary: the subject, or a body line of a
    // commit that changed several canaries.
    std::string subject;
    std::istringstream lines(record.substr(40));
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("canary test/" + name + ":", 0) == 0) subject = line;
    RunResult show = Run({"/usr/bin/git", "--git-dir", remote_, "show", commit + ":" + StatusPath(name)});
    if (show.exit_code != 0) continue;  // deleted at this commit
    out.push_back(ParseStatus(show.out, commit, subject));
  }
  return out;
}

StatusAt GitopsRemote::LatestStatus(const std::string& name) const {
  RunResult show = Run({"/usr/bin/git", "--git-dir", remote_, "show", "main:" + StatusPath(name)});
  if (show.exit_code != 0) return StatusAt{};
  return ParseStatus(show.out, "main", "");
}

std::pair<long long, long long> GitopsRemote::RenderedWeights(const std::string& commit, const std::string& name) const {
  RunResult r = Gitcanary({"render", "--repo", remote_, "--revision", commit, "apps/" + name});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto docs = render::ParseManifests(r.out, "render output");
  REQUIRE(docs.ok());
  for (const render::Manifest& m : *docs) {
    if (m.kind != "VirtualService" || m.name != name) continue;
    const yaml::Node* http = m.doc.Path({"spec", "http"});
    REQUIRE(http != nullptr);
    REQUIRE(http->items.size() >= 1);
    const yaml::Node* route = http->items[0].Find("route");
    REQUIRE(route != nullptr);
    long long primary = -1, canary = -1;
    for (const yaml::Node& d : route->items) {
      const yaml::Node* host = d.Path({"destination", "host"});
      const yaml::Node* weight = d.Find("weight");
      REQUIRE(host != nullptr);
      REQUIRE(weight != nullptr);
      (host->value == name + "-primary" ? primary : canary) = weight->AsInt().value_or(-1);
    }
    return {primary, canary};
  }
  FAIL("no VirtualService " << name << " in the render of " << commit);
  return {-1, -1};
}

std::string OneWebhook(const std::string& name, const std::string& type, const std::string& url) {
  return "    webhooks:\n"
         "      - name: " + name + "\n"
         "        type: " + type + "\n"
         "        url: " + url + "\n";
}

bool WaitForPhase(const GitopsRemote& repo, const std::string& name, const std::string& phase,
                  std::chrono::steady_clock::time_point deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (repo.LatestStatus(name).phase == phase) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string Sequence(const std::vector<StatusAt>& history) {
  std::string out;
  for (const StatusAt& s : history) out += (out.empty() ? "" : ", ") + s.phase + " " + std::to_string(s.weight);
  return out;
}

}  // namespace gitcanary::testing
