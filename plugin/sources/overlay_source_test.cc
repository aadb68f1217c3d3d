#include "plugin/sources/overlay_source.h"

#include <doctest/doctest.h>

#include "tests/map_source.h"
#include "tests/test_util.h"

namespace gitcanary::plugin {
namespace {

TEST_CASE("overlay source: changed files read through, added files listed, removed ones gone, ids cleared on the way") {
  testing::MapSource base({{"apps/web/app.yaml", "a"}, {"apps/web/old.yaml", "o"}, {"apps/cache/c.yaml", "c"}});
  OverlaySource next(base, {{"apps/web/app.yaml", "A"},
                            {"apps/web/web.gitcanary-status.yaml", "s"},
                            {"apps/web/old.yaml", std::nullopt},
                            {"apps/new/n.yaml", "n"}});
  CHECK(*next.Read("apps/web/app.yaml") == "A");
  CHECK(*next.Read("apps/cache/c.yaml") == "c");
  CHECK(*next.Read("apps/web/web.gitcanary-status.yaml") == "s");
  CHECK_FALSE(next.Read("apps/web/old.yaml").ok());
  CHECK(next.TypeOf("apps/web/old.yaml") == EntryType::kOther);
  CHECK(next.TypeOf("apps/new") == EntryType::kDirectory);
  auto web = next.List("apps/web");
  REQUIRE(web.ok());
  CHECK(testing::Names(*web) == std::vector<std::string>{"app.yaml", "web.gitcanary-status.yaml"});
  for (const DirEntry& e : *web) CHECK(e.id.empty());
  auto apps = next.List("apps");
  REQUIRE(apps.ok());
  for (const DirEntry& e : *apps) {
    CAPTURE(e.name);
    CHECK(e.id.empty() == (e.name != "cache"));  // only the untouched subtree keeps its id
  }
  CHECK(testing::Find(*apps, "new") != nullptr);
}

}  // namespace
}  // namespace gitcanary::plugin
