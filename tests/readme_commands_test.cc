// The kustomize commands that README.md and examples/kustomize/README.md
// print, taken out of their code blocks and run as printed: in a fresh shell
// whose PATH has kubectl but no gitcanary, from a directory laid out as a
// checkout after scripts/setup.sh (deploy/, examples/ and build/gitcanary).
// A README that drifts from what works fails here. Also the plugin script's
// lookup of gitcanary: beside the script, on PATH, else a message that says
// what to do.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.h"

using namespace gitcanary::testing;

namespace {

// The text of the first ```sh block after the line `heading` that mentions
// `needle`, with backslash-newline continuations joined; "" when there is none
// before the next heading of the same or a higher level. Lines inside code
// blocks are never headings (a shell comment starts with '#' too).
std::string CommandUnder(const std::string& text, const std::string& heading, const std::string& needle) {
  const std::size_t level = heading.find(' ');
  bool inside = false, fenced = false;
  std::string block;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t stop = text.find('\n', start);
    if (stop == std::string::npos) stop = text.size();
    const std::string line = text.substr(start, stop - start);
    start = stop + 1;
    if (fenced) {
      if (line.rfind("```", 0) == 0) {
        fenced = false;
        if (block.find(needle) == std::string::npos) continue;
        std::string joined;
        for (std::size_t i = 0; i < block.size(); ++i) {
          const bool continued = block[i] == '\\' && i + 1 < block.size() && block[i + 1] == '\n';
          joined += continued ? ' ' : block[i];
          if (continued) ++i;
        }
        if (!joined.empty() && joined.back() == '\n') joined.pop_back();
        return joined;
      }
      block += line + "\n";
      continue;
    }
    if (line.rfind("```", 0) == 0) {
      fenced = inside && line == "```sh";
      if (!fenced) {
        // Another kind of block: skip to its end.
        const std::size_t close = text.find("\n```", start - 1);
        start = close == std::string::npos ? text.size() : text.find('\n', close + 1) + 1;
        if (start == 0) start = text.size();
      }
      block.clear();
      continue;
    }
    if (line == heading) {
      inside = true;
      continue;
    }
    const std::size_t hashes = line.find_first_not_of('#');
    if (inside && hashes != 0 && hashes != std::string::npos && line[hashes] == ' ' && hashes <= level) return "";
  }
  return "";
}

std::string DirOf(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

// A directory laid out as a checkout after setup: the sources' deploy/ and
// examples/, and build/ holding the binary under test.
struct Checkout {
  TempDir dir;
  Checkout() {
    Sh("ln -s " + SourceDir() + "/deploy " + dir / "deploy");
    Sh("ln -s " + SourceDir() + "/examples " + dir / "examples");
    Sh("ln -s " + DirOf(GITCANARY_BINARY) + " " + dir / "build");
  }
};

// PATH for a fresh shell: kubectl's directory and the system's, no gitcanary.
std::string CleanPath(const std::string& kubectl) { return DirOf(kubectl) + ":/usr/bin:/bin"; }

// Runs `command` with bash in `cwd` and only HOME and PATH set.
RunResult FreshShell(const std::string& cwd, const std::string& path, const std::string& command) {
  return Run({"/usr/bin/env", "-i", "HOME=" + cwd, "PATH=" + path, "/bin/bash", "-c",
              "cd \"$1\" && " + command, "bash", cwd});
}

std::string Kubectl() {
  RunResult found = Run({"/bin/sh", "-c", "command -v kubectl"});
  if (found.exit_code != 0) return "";
  return found.out.substr(0, found.out.find('\n'));
}

}  // namespace

TEST_CASE("README: the printed kustomize commands build examples/kustomize as printed") {
  const std::string kubectl = Kubectl();
  if (kubectl.empty()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  struct Row {
    const char* file;
    const char* heading;
  };
  const Row rows[] = {
      {"README.md", "### kustomize and Flux: `gitcanary krm`"},
      {"examples/kustomize/README.md", "# kustomize: gitcanary as the last step of a kustomize build"},
  };
  Checkout checkout;
  const std::string path = CleanPath(kubectl);
  REQUIRE(FreshShell(checkout.dir.path(), path, "command -v gitcanary").exit_code != 0);
  for (const Row& row : rows) {
    INFO(row.file);
    const std::string command =
        CommandUnder(ReadFile(SourceDir() + "/" + row.file), row.heading, "kubectl kustomize");
    REQUIRE_MESSAGE(!command.empty(), "no ```sh block with kubectl kustomize under " << row.heading);
    INFO(command);
    RunResult built = FreshShell(checkout.dir.path(), path, command);
    INFO(built.err);
    REQUIRE(built.exit_code == 0);
    // What examples/kustomize/README.md says the output holds: the primary
    // from the status, and 80 % to the primary, 20 % to the canary.
    CHECK(built.out.find("name: web-primary\n") != std::string::npos);
    CHECK(built.out.find("kind: VirtualService\n") != std::string::npos);
    CHECK(built.out.find("weight: 80\n") != std::string::npos);
    CHECK(built.out.find("weight: 20\n") != std::string::npos);
    // The same objects as with the binary named explicitly.
    RunResult named = Run({"kubectl", "kustomize", "--enable-alpha-plugins", SourceDir() + "/examples/kustomize"}, "",
                          {{"KUSTOMIZE_PLUGIN_HOME", SourceDir() + "/deploy/kustomize-plugin"},
                           {"GITCANARY", GITCANARY_BINARY}});
    REQUIRE(named.exit_code == 0);
    CHECK(built.out == named.out);
  }
}

TEST_CASE("README: the kustomize plugin script finds gitcanary beside itself or on PATH or says how") {
  const std::string kubectl = Kubectl();
  if (kubectl.empty()) {
    MESSAGE("kubectl is not installed; skipped");
    return;
  }
  struct Row {
    const char* name;
    bool beside;   // a gitcanary next to the plugin script
    bool on_path;  // build/ on PATH
    bool builds;
  };
  const Row rows[] = {
      {"beside the script", true, false, true},
      {"on PATH", false, true, true},
      {"nowhere", false, false, false},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    Checkout checkout;
    Sh("rm " + checkout.dir / "deploy" + " && cp -R " + SourceDir() + "/deploy " + checkout.dir / "deploy");
    const std::string script_dir = checkout.dir / "deploy/kustomize-plugin/gitcanary.io/v1alpha1/canaryrender";
    if (row.beside) Sh(std::string("ln -s ") + GITCANARY_BINARY + " " + script_dir + "/gitcanary");
    const std::string path = (row.on_path ? checkout.dir / "build" + ":" : "") + CleanPath(kubectl);
    RunResult built = FreshShell(checkout.dir.path(), path,
                                 "KUSTOMIZE_PLUGIN_HOME=$PWD/deploy/kustomize-plugin "
                                 "kubectl kustomize --enable-alpha-plugins examples/kustomize");
    INFO(built.err);
    CHECK((built.exit_code == 0) == row.builds);
    if (row.builds) {
      CHECK(built.out.find("name: web-primary\n") != std::string::npos);
    } else {
      CHECK(built.out.empty());
      CHECK(built.err.find("gitcanary not found: put it on PATH") != std::string::npos);
    }
  }
}

TEST_CASE("README: CommandUnder takes the command of the named section only") {
  const std::string text =
      "# top\n\n### a\n\n```sh\necho a \\\n  b\n```\n\n### b\n\n```yaml\nx: 1\n```\n\n```sh\n# a comment\nkubectl one\n```\n"
      "#### b.1\n\n```sh\nkubectl two\n```\n\n### c\n\n```sh\nkubectl three\n```\n";
  CHECK(CommandUnder(text, "### a", "echo") == "echo a    b");
  CHECK(CommandUnder(text, "### b", "kubectl") == "# a comment\nkubectl one");
  CHECK(CommandUnder(text, "### a", "kubectl") == "");
  CHECK(CommandUnder(text, "### c", "kubectl") == "kubectl three");
  CHECK(CommandUnder(text, "### missing", "kubectl") == "");
}
