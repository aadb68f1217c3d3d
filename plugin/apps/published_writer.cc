#include "plugin/apps/published_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "plugin/sources/disk_source.h"
#include "plugin/sources/replace_file.h"

namespace gitcanary::plugin {

namespace {

std::string OnDisk(const std::string& dir, const std::string& rel) { return rel.empty() ? dir : dir + "/" + rel; }

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool InScope(const std::string& app, const std::string& scope) {
  return scope.empty() || app == scope || app.rfind(scope + "/", 0) == 0;
}

// Every component of `rel` below `dir` is absent, or a directory (a regular
// file for the last one when `file`), and never a symbolic link.
Status CheckNoLinks(const std::string& dir, const std::string& rel, bool file) {
  std::string path = dir;
  std::size_t start = 0;
  while (start <= rel.size()) {
    const std::size_t slash = rel.find('/', start);
    const bool last = slash == std::string::npos;
    path += "/" + rel.substr(start, last ? std::string::npos : slash - start);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Status::Io(Errno(path));
    }
    if (S_ISLNK(st.st_mode))
      return Status::Invalid(path + " is a symbolic link; gitcanary writes only inside " + dir + ", never through links");
    if (last ? (file ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) : !S_ISDIR(st.st_mode))
      return Status::Invalid(path + ": not a " + (last && file ? "regular file" : "directory") +
                             "; gitcanary will not replace it");
    if (last) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& dir, const std::string& rel) {
  std::string path = dir;
  std::size_t start = 0;
  while (start < rel.size()) {
    const std::size_t slash = rel.find('/', start);
    path += "/" + rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Status::Io(Errno("creating " + path));
    if (Status s = CheckNoLinks(dir, path.substr(dir.size() + 1), false); !s.ok()) return s;  // raced in?
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

std::string Parent(const std::string& rel) {
  const std::size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

}  // namespace

Result<PublishWriteReport> WritePublishedDir(const std::string& dir_in, const std::vector<render::PublishedApp>& apps,
                                             const std::string& scope) {
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) return Status::Usage("--write needs a directory");
  if (Status s = render::CheckPublishPath(scope, "app path"); !s.ok()) return s;
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::Io(Errno(dir));
  } else if (!S_ISDIR(st.st_mode)) {
    return Status::Invalid(dir + ": not a directory");
  }
  // Plan every change first: nothing is written unless all of it can be.
  DiskSource current(dir);
  std::vector<render::PublishedChange> changes;
  std::set<std::string> wanted;
  auto plan = [&](const std::string& app, const std::optional<render::PublishedApp>& want) -> Status {
    if (Status s = render::CheckPublishPath(app, "app path"); !s.ok()) return s;
    if (Status s = CheckNoLinks(dir, app, false); !s.ok() && !app.empty()) return s;
    auto app_changes = render::PublishChanges(current, app, want);
    if (!app_changes.ok()) return app_changes.status();
    for (render::PublishedChange& c : *app_changes) {
      if (Status s = CheckNoLinks(dir, c.path, true); !s.ok()) return s;
      changes.push_back(std::move(c));
    }
    return Status::Ok();
  };
  const bool exists = stat(dir.c_str(), &st) == 0;
  for (const render::PublishedApp& app : apps) {
    wanted.insert(app.app);
    if (!exists) {
      for (const auto& [file, text] : app.files) changes.push_back({app.app.empty() ? file : app.app + "/" + file, text});
      if (Status s = render::CheckPublishPath(app.app, "app path"); !s.ok()) return s;
      continue;
    }
    if (Status s = plan(app.app, app); !s.ok()) return s;
  }
  if (exists) {
    auto published = render::PublishedApps(current, "");
    if (!published.ok()) return published.status();
    for (const std::string& app : *published)
      if (!wanted.count(app) && InScope(app, scope))
        if (Status s = plan(app, std::nullopt); !s.ok()) return s;
  }
  PublishWriteReport report;
  std::set<std::string> emptied;
  for (const render::PublishedChange& c : changes) {
    const std::string path = OnDisk(dir, c.path);
    if (c.content) {
      if (!exists && mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return Status::Io(Errno("creating " + dir));
      if (Status s = MakeDirs(dir, Parent(c.path)); !s.ok()) return s;
      if (Status s = ReplaceFile(path, *c.content, Durability::kSynced); !s.ok()) return s;
      report.written.push_back(c.path);
    } else {
      if (unlink(path.c_str()) != 0 && errno != ENOENT) return Status::Io(Errno("removing " + path));
      report.removed.push_back(c.path);
      emptied.insert(Parent(c.path));
    }
  }
  for (const std::string& d : emptied)  // remove what the removals emptied, up to DIR
    for (std::string p = d; !p.empty(); p = Parent(p))
      if (rmdir(OnDisk(dir, p).c_str()) != 0) break;
  return report;
}

}  // namespace gitcanary::plugin
