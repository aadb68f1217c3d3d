// The discovery walk's memo as text: it round-trips, a walk from a memo read
// back reads no file of a kept tree yet finds the same apps, and a text cut
// short or misplaced never changes what a walk finds.
#include "render/app_roots_memo_text.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"

using gitcanary::testing::MapSource;
namespace render = gitcanary::render;

namespace {

const char kDeployment[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";

// Every kind of summary: kustomizations with and without bases, a chart with
// a subchart, a plain app with a subdirectory, a published directory, and an
// Argo CD Application in a hidden-free path.
MapSource Repository() {
  return MapSource({
      {"apps/web/base/kustomization.yaml", "resources: [deployment.yaml]\n"},
      {"apps/web/base/deployment.yaml", kDeployment},
      {"apps/web/prod/kustomization.yaml", "resources: [../base]\n"},
      {"charts/shop/Chart.yaml", "apiVersion: v2\nname: shop\n"},
      {"charts/shop/charts/cache/Chart.yaml", "apiVersion: v2\nname: cache\n"},
      {"plain/deployment.yaml", kDeployment},
      {"plain/extra/service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"},
      {"line\nbreak/deployment.yaml", kDeployment},
  });
}

// Counts the files read through it.
class CountingSource : public gitcanary::FileSource {
 public:
  explicit CountingSource(const FileSource& inner) : inner_(inner) {}
  gitcanary::Result<std::vector<gitcanary::DirEntry>> List(const std::string& dir) const override {
    return inner_.List(dir);
  }
  gitcanary::EntryType TypeOf(const std::string& path) const override { return inner_.TypeOf(path); }
  gitcanary::Result<std::string> Read(const std::string& path, std::size_t max_bytes) const override {
    ++reads;
    return inner_.Read(path, max_bytes);
  }
  std::string Describe(const std::string& path) const override { return inner_.Describe(path); }
  mutable int reads = 0;

 private:
  const FileSource& inner_;
};

}  // namespace

TEST_CASE("app roots memo text: a memo read back is the same memo, and spares every read below the top") {
  MapSource repo = Repository();
  render::AppRootsMemo memo;
  auto fresh = render::FindAppRoots(repo, nullptr, {}, &memo);
  REQUIRE(fresh.ok());
  CHECK(fresh->dirs == std::vector<std::string>{"apps/web/prod", "charts/shop", "line\nbreak", "plain"});
  const std::string text = render::MemoText(memo);
  CHECK(text.rfind("gitcanary app-roots memo 1\n", 0) == 0);

  render::AppRootsMemo back;
  REQUIRE(render::ReadMemoText(text, &back).ok());
  CHECK(back.entries().size() == memo.entries().size());
  CHECK(render::MemoText(back) == text);

  // Every file lies below a top-level directory, each kept: nothing is read.
  CountingSource counted(repo);
  auto kept = render::FindAppRoots(counted, nullptr, {}, &back);
  REQUIRE(kept.ok());
  CHECK(kept->dirs == fresh->dirs);
  CHECK(counted.reads == 0);
  CountingSource uncounted(repo);
  REQUIRE(render::FindAppRoots(uncounted, nullptr).ok());
  // Without it, each of the four manifests and the two kustomization.yaml
  // files is read once (Chart.yaml files are seen by name only).
  CHECK(uncounted.reads == 6);
}

TEST_CASE("app roots memo text: another format, a damaged text or a misplaced child is refused whole") {
  MapSource repo = Repository();
  render::AppRootsMemo memo;
  REQUIRE(render::FindAppRoots(repo, nullptr, {}, &memo).ok());
  const std::string text = render::MemoText(memo);
  render::AppRootsMemo out;
  CHECK_FALSE(render::ReadMemoText("gitcanary app-roots memo 0\n", &out).ok());
  CHECK_FALSE(render::ReadMemoText("", &out).ok());
  CHECK_FALSE(render::ReadMemoText(text + "x", &out).ok());
  CHECK(out.entries().empty());

  // An entry whose child is itself (a cycle), or lies beside it.
  const std::string header = "gitcanary app-roots memo 1\n";
  const std::string self = header + "5:a\nX\nd1;1;0;0;0;0;0;1;0;\n";
  CHECK_FALSE(render::ReadMemoText(self, &out).ok());
  const std::string beside = header + "5:a\nX\nd1;1;0;0;0;0;0;1;1;\n" + "5:b\nY\nd1;1;0;0;0;0;0;0;\n";
  CHECK_FALSE(render::ReadMemoText(beside, &out).ok());
  CHECK(out.entries().empty());
  // The same two entries, the child placed below its parent, are accepted.
  const std::string below = header + "5:a\nX\nd1;1;0;0;0;0;0;1;1;\n" + "7:a/b\nY\nd1;1;0;0;0;0;0;0;\n";
  CHECK(render::ReadMemoText(below, &out).ok());
  CHECK(out.entries().size() == 2);
}

TEST_CASE("app roots memo text: a text cut anywhere is refused or finds the same apps as a fresh walk") {
  MapSource repo = Repository();
  render::AppRootsMemo memo;
  auto fresh = render::FindAppRoots(repo, nullptr, {}, &memo);
  REQUIRE(fresh.ok());
  const std::string text = render::MemoText(memo);
  int accepted = 0;
  for (std::size_t n = 0; n < text.size(); ++n) {
    render::AppRootsMemo cut;
    if (!render::ReadMemoText(text.substr(0, n), &cut).ok()) {
      CHECK(cut.entries().empty());
      continue;
    }
    ++accepted;  // whole entries, none of whose children is missing
    auto walked = render::FindAppRoots(repo, nullptr, {}, &cut);
    REQUIRE(walked.ok());
    CAPTURE(n);
    CHECK(walked->dirs == fresh->dirs);
  }
  CHECK(accepted >= 2);  // the header alone, and the memo without its last top-level tree
}
