#include "plugin/serve/dashboard_feed.h"

#include <git2.h>

#include <map>
#include <memory>

#include "git/libgit2_handle.h"
#include "plugin/commands/history_command.h"
#include "plugin/serve/status_writeback.h"

namespace gitcanary::plugin {

void PublishPass(DashboardSite& site, const Catalog* catalog, const PassReport& report) {
  if (catalog == nullptr) return;
  if (report.pushed.empty()) {
    site.Publish(*catalog, catalog->commit.empty() ? report.head : catalog->commit);
    return;
  }
  std::map<std::string, render::CanaryStatus> decided;
  for (const DecidedCanary& d : report.decided) {
    if (!d.executed.decision.Changed(d.before)) continue;
    if (const CatalogEntry* e = catalog->Find(d.id)) decided[d.id] = NextStatus(*e, d.executed);
  }
  site.Publish(*catalog, report.pushed, decided);
}

FollowerFeed::FollowerFeed(git::GitRemote* remote, const ReconcilerOptions& options)
    : remote_(remote), branch_(options.branch), options_(options.catalog) {
  options_.cache = &builds_;
}

Status FollowerFeed::Refresh(DashboardSite& site) {
  const std::string ref = "refs/heads/" + branch_;
  auto refs = remote_->Fetch({ref, "refs/notes/gitcanary"});
  if (!refs.ok()) return refs.status();
  const std::optional<std::string> head = (*refs)[ref];
  if (!head) return Status::Invalid("branch " + branch_ + " does not exist on the remote");
  if (*head == site.Head()) return Status::Ok();
  auto tree = git::TreeSource::OpenTree(remote_->path(), *head, "");
  if (!tree.ok()) return tree.status();
  auto catalog = ReadCatalog(**tree, options_);
  if (!catalog.ok()) return catalog.status();
  site.Publish(*catalog, *head);
  return Status::Ok();
}

std::string LocalRefTarget(const std::string& path, const std::string& ref) {
  git::Libgit2Session session;
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, path.c_str()) != 0) return "";
  git::GitPtr<git_repository> repo(raw);
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo.get(), ref.c_str()) != 0) return "";
  char hex[GIT_OID_HEXSZ + 1] = {0};
  git_oid_tostr(hex, sizeof hex, &oid);
  return hex;
}

HistoryReader CacheHistoryReader(const std::string& url, const std::string& cache_dir,
                                 const git::Credentials& credentials) {
  // Opened for each read: serve's own GitRemote compacts the cache, and a
  // handle kept open here would hold every removed pack open and mapped.
  return [=](const CatalogEntry& e, const std::string& head) -> Result<CanaryHistory> {
    auto remote = git::GitRemote::Open(url, cache_dir, credentials);
    if (!remote.ok()) return remote.status();
    (*remote)->SetCompaction({0});  // reads only; serve's loop compacts
    return ReadEntryHistory(remote->get(), e, head, LocalRefTarget(cache_dir, "refs/notes/gitcanary"), HistoryOptions{});
  };
}

}  // namespace gitcanary::plugin
