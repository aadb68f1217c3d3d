// A stand-in for Argo CD's repo-server and cmp-server around one Config
// Management Plugin, so tests can run `gitcanary generate` and plugin.yaml's
// discover rule exactly as Argo CD would, on the local machine.
//
//   test repo dir ──(repo-server)──► tarball ──(cmp-server)──► BASE/_cmp_server/ID/...
//     Source.path, annotation          entries       extracted tree, cwd = the app dir
//                                                    env = cmp-server env + entries
//                                                    run plugin.yaml's command (env -i -C)
//                                                    stdout ──► the YAML splitter ──► objects
//
// | step | follows (argo-cd) | here |
// |---|---|---|
// | tarball root | reposerver/repository/utils.go getApplicationRootPath, getPaths | ApplicationRootPath: the repository, or with manifest-generate-paths the common root of the app and those paths |
// | tarball | util/io/files/tar.go Tgz, tgzFile | Tgz: filepath.Walk order, no symlink followed, dirs, regular files and symlinks only, exclusions by filepath.Match on the relative path, header mode = file mode |
// | app path | util/cmp/stream.go GetCompressedRepoAndMetadata | AppRelPath = the app path relative to the tarball root |
// | extraction | util/io/files/tar.go untar | Untgz: files 0644, dirs 0755 unless preserveFileMode; symlink targets resolved, refused outside the root, written relative |
// | work dir | common.GetCMPWorkDir, util/io/files CreateTempDir | $ARGOCD_CMP_WORKDIR (else $TMPDIR, else /tmp) /_cmp_server/<random>, removed after the request |
// | generate | cmpserver/plugin/plugin.go generateManifestGeneric, runCommand | cwd = Clean(workdir/AppRelPath), env = the cmp-server's env + the request's entries (later wins), stdout without its last "\n" |
// | output | gitops-engine kube.SplitYAMLToString, SplitYAML | SplitYamlToString: "---" lines split, null documents dropped, every other one must be an object with a kind |
// | discover | cmpserver/plugin/plugin.go matchRepository; util/app/discovery cmpSupports | Supports: the whole repository is sent; fileName then find.glob then find.command, run in the app dir, matching when it prints something |
// | env | reposerver/repository/repository.go newEnv, getPluginEnvs; types.go Parameters.Environ | GenerateEnv / DiscoverEnv |
//
// Deliberate simplifications: glob rules go through glob(3) (no `**`), plugin
// env values are not `$VAR`-substituted, and an empty object stream is
// reported as an error here (Argo CD would accept it and prune every object,
// which gitcanary's contract forbids).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitcanary::testing::argocd {

using Env = std::map<std::string, std::string>;

// One Application with a plugin source, as the repo-server sees it.
struct App {
  std::string name = "shop-app";
  std::string ns = "shop";
  std::string revision = "4f2d8c0e9a1b7d3c5e6f8a9b0c1d2e3f4a5b6c7d";
  std::string repo_url = "https://git.example.com/shop/deploy.git";
  std::string target_revision = "main";
  bool has_plugin = true;  // spec.source.plugin is set (named or not)
  std::vector<std::pair<std::string, std::string>> plugin_env;  // plugin.env, sent as ARGOCD_ENV_<name>
  std::string parameters = "null";  // plugin.parameters as Argo CD marshals them (JSON)
};

// The env entries of a manifest request: newEnv, then getPluginEnvs
// (KUBE_VERSION, KUBE_API_VERSIONS, ARGOCD_ENV_*, ARGOCD_APP_PARAMETERS, PARAM_*).
Env GenerateEnv(const App& app, const std::string& source_path);
// The env entries automatic discovery sends (GetAppSourceType: newEnv only).
Env DiscoverEnv(const App& app, const std::string& source_path);

// The cmp-server's own environment in the sidecar, which every command it
// runs inherits: PATH with the gitcanary under test first, ARGOCD_CMP_WORKDIR
// = `work_base`, and a PWD that is the server's, not the app's (Go sets
// cmd.Dir but keeps os.Environ()'s PWD).
Env CmpServerEnv(const std::string& work_base);

// Where the app lives and how the repo-server is configured.
struct Source {
  Source(std::string repo_dir, std::string source_path, std::string annotation = "", bool use_annotation = false)
      : repo(std::move(repo_dir)),
        path(std::move(source_path)),
        manifest_generate_paths(std::move(annotation)),
        use_manifest_generate_paths(use_annotation) {}
  std::string repo;                          // the repository on disk (the repo-server's checkout)
  std::string path;                          // spec.source.path, as written
  std::string manifest_generate_paths;       // the Application's annotation; "" when absent
  bool use_manifest_generate_paths = false;  // reposerver.plugin.use.manifest.generate.paths
  std::vector<std::string> tar_exclusions;   // reposerver.plugin.tar.exclusions
  bool preserve_file_mode = false;           // the plugin's spec.preserveFileMode
};

// getApplicationRootPath: absolute paths in, absolute path out.
std::string ApplicationRootPath(const std::string& repo, const std::string& app_path,
                                const std::string& manifest_generate_paths);

struct TarEntry {
  enum class Type { kDir, kFile, kSymlink } type = Type::kFile;
  std::string name;  // relative to the tarball's root; "." is the root
  unsigned mode = 0;
  std::string link;     // a symlink's text
  std::string content;  // a regular file's bytes
};

// files.Tgz of `root`; an error when it holds no regular file.
Result<std::vector<TarEntry>> Tgz(const std::string& root, const std::vector<std::string>& exclusions);
// files.Untgz into `dst` (absolute, resolved, empty).
Status Untgz(const std::string& dst, const std::vector<TarEntry>& entries, bool preserve_file_mode);

// kube.SplitYAMLToString, with SplitYAML's check that each one is an object.
Result<std::vector<std::string>> SplitYamlToString(const std::string& stream);

struct Generated {
  Status status;                       // what Argo CD reports; Ok with at least one object
  std::string out, err;                // the command's output, as captured
  std::vector<std::string> manifests;  // the objects as Argo CD splits them
};

class CmpServer {
 public:
  // `plugin_yaml` is the ConfigManagementPlugin file; `server_env` is the
  // cmp-server's own environment (os.Environ()), which every command inherits.
  CmpServer(std::string plugin_yaml, Env server_env);

  // The work directory the requests are extracted below.
  std::string WorkDir() const;

  // GenerateManifest for `source` with the request's env entries. `tamper`,
  // when given, runs after extraction with the extracted root and the app
  // directory, to build layouts that Argo CD itself never extracts.
  Generated Generate(const Source& source, const Env& entries,
                     const std::function<void(const std::string& root, const std::string& app)>& tamper = {}) const;

  // MatchRepository: whether plugin.yaml's discover rule matches the app.
  Result<bool> Match(const Source& source, const Env& entries) const;

  // cmpSupports: whether Argo CD uses this plugin for the app; `named` when
  // the Application names the plugin. Errors are Argo CD's.
  Result<bool> Supports(const Source& source, const Env& entries, bool named) const;

 private:
  std::string plugin_yaml_;
  Env server_env_;
};

}  // namespace gitcanary::testing::argocd
