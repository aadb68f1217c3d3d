// Published layout: how an app's render is laid out as files that Flux's
// kustomize-controller applies (`render --write DIR`, `serve --publish DIR`,
// `lint --check-published DIR`).
//
//   DIR/<app>/<file per object>.yaml   one rendered object each, as render prints it
//   DIR/<app>/kustomization.yaml       lists exactly those files, sorted
//
// <app> is the app's path from the repository top, so DIR mirrors the source
// tree; the app at the top itself is published in DIR. An object's file is
// `<kind>[.<group>]_[<namespace>_]<name>.yaml`, lower-case kind, with every
// byte outside [a-z0-9.-] written as %XX: names never collide, and a change
// to one object changes one file.
//
// The kustomization.yaml is the marker of gitcanary's ownership: its
// metadata.annotations carry `gitcanary.io/published-from: <app>` and, when
// known, `gitcanary.io/source-revision: <commit>` (there, not on each object,
// so a republish rewrites one line instead of every file, and the objects
// Flux applies are byte for byte what render prints). Only the files a marked
// kustomization.yaml lists are ever rewritten or removed; a directory whose
// kustomization.yaml is not marked is refused. CanaryStatus documents never
// appear: they are state, not something to apply.
//
// Pure: the current contents are read through a FileSource.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_source.h"
#include "core/status.h"
#include "render/manifest.h"

namespace gitcanary::render {

inline constexpr std::string_view kPublishedFromAnnotation = "gitcanary.io/published-from";
inline constexpr std::string_view kSourceRevisionAnnotation = "gitcanary.io/source-revision";
inline constexpr std::string_view kPublishedKustomization = "kustomization.yaml";

// Invalid, naming `what`, unless `path` is "" or a relative path that stays
// inside (no "..", ".", empty or ".git" component, no leading '/').
Status CheckPublishPath(const std::string& path, const std::string& what);

// `publish_dir` and `app` joined; an error unless both are relative paths
// that stay inside (no "..", ".", empty or ".git" component, no leading '/').
// `app` "" is the top: DIR itself.
Result<std::string> PublishedAppDir(const std::string& publish_dir, const std::string& app);

// The file name of one object.
std::string PublishedFileName(const Manifest& object);

// One app's files: name within DIR/<app> -> contents, kustomization.yaml included.
struct PublishedApp {
  std::string app;
  std::map<std::string, std::string> files;
};

// Lays out `objects` (a render's output); CanaryStatus documents are left
// out. Two objects with one file name are an error. `source_revision` "" is
// left out of the kustomization.
Result<PublishedApp> LayOutApp(const std::string& app, const std::vector<Manifest>& objects,
                               const std::string& source_revision);

// What a published directory holds now, from its kustomization.yaml.
struct PublishedDir {
  bool present = false;  // a kustomization.yaml gitcanary wrote is there
  std::string published_from;
  std::string source_revision;
  std::vector<std::string> resources;  // the files it lists
};

// Reads `dir` (relative to `current`'s root). Absent or empty: present=false.
// A kustomization that gitcanary did not write, or whose listed files leave
// the directory, is an error naming it.
Result<PublishedDir> ReadPublishedDir(const FileSource& current, const std::string& dir);

struct PublishedChange {
  std::string path;                    // relative to `current`'s root
  std::optional<std::string> content;  // nullopt: remove
};

// The changes that make `dir` hold `want` (nullopt: nothing, the app is gone):
// files written when absent or different, files the old kustomization listed
// and `want` does not removed. A kustomization.yaml that differs from the one
// wanted only in its source revision is left as it is when nothing else
// changes, so an unchanged app is no change; with any other change it is
// rewritten, naming the revision the files now come from.
Result<std::vector<PublishedChange>> PublishChanges(const FileSource& current, const std::string& dir,
                                                    const std::optional<PublishedApp>& want);

// The apps published under `publish_dir` (below `current`'s root), from the
// marked kustomization.yaml files found there, sorted. None when it is absent;
// "" is the root of `current`.
Result<std::vector<std::string>> PublishedApps(const FileSource& current, const std::string& publish_dir);

}  // namespace gitcanary::render
