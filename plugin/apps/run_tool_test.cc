// The child-process runner of the build tools, on real processes: output of
// both pipes, exit codes, a missing program, the time limit killing a whole
// process group; and the error line picked out of a tool's stderr.
#include "plugin/apps/run_tool.h"

#include <doctest/doctest.h>

#include <chrono>

using gitcanary::plugin::FirstUsefulLine;
using gitcanary::plugin::RunTool;
using gitcanary::plugin::ToolFailure;

TEST_CASE("run tool: stdout and stderr are collected, in the given directory, with the exit status") {
  auto r = RunTool({"/bin/sh", "-c", "pwd; echo oops >&2; exit 3"}, "/tmp", 10'000);
  REQUIRE(r.ok());
  CHECK(r->failure == ToolFailure::kNone);
  CHECK(r->run.out == "/tmp\n");
  CHECK(r->run.err == "oops\n");
  CHECK(r->run.exit_code == 3);
  // A large output on both pipes at once never stalls the child.
  auto big = RunTool({"/bin/sh", "-c", "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2"}, "", 20'000);
  REQUIRE(big.ok());
  CHECK(big->run.out.size() == 3'000'000);
  CHECK(big->run.err.size() == 3'000'000);
}

TEST_CASE("run tool: a program that is not there is told apart from one that fails") {
  auto r = RunTool({"/nonexistent/kustomize", "build"}, "", 10'000);
  REQUIRE(r.ok());
  CHECK(r->failure == ToolFailure::kNotFound);
  auto on_path = RunTool({"no-such-tool-gitcanary"}, "", 10'000);
  REQUIRE(on_path.ok());
  CHECK(on_path->failure == ToolFailure::kNotFound);
}

TEST_CASE("run tool: the time limit kills the child and what it started") {
  const auto start = std::chrono::steady_clock::now();
  // The grandchild keeps the pipes open: only killing the group ends the wait.
  auto r = RunTool({"/bin/sh", "-c", "sleep 30 & sleep 30; wait"}, "", 500);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(r.ok());
  CHECK(r->failure == ToolFailure::kTimedOut);
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("run tool: the error line of kubectl, kustomize and Helm") {
  CHECK(FirstUsefulLine("E1206 09:11:05.279151    4343 run.go:72] \"command failed\" err=\"accumulating resources: "
                        "'x' \\\"quoted\\\"\"\n") == "accumulating resources: 'x' \"quoted\"");
  CHECK(FirstUsefulLine("\nError: accumulating resources: missing.yaml\n") == "accumulating resources: missing.yaml");
  CHECK(FirstUsefulLine("level=INFO msg=\"warning: cannot overwrite table\"\nError: template: shop/templates/x.yaml:3: "
                        "nil pointer\n") == "template: shop/templates/x.yaml:3: nil pointer");
  CHECK(FirstUsefulLine("level=INFO msg=x\nError: shop/templates/canary.yaml:32:24\n  executing \"x\" at <.a>:\n"
                        "    can't evaluate field a\nnext\n") ==
        "shop/templates/canary.yaml:32:24 executing \"x\" at <.a>: can't evaluate field a");
  CHECK(FirstUsefulLine("# Warning: 'patchesStrategicMerge' is deprecated.\naccumulating resources: x\n") ==
        "accumulating resources: x");
  CHECK(FirstUsefulLine("WARNING: something\nplain failure\n") == "plain failure");
  CHECK(FirstUsefulLine("\n\n").empty());
}
