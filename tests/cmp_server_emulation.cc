// Compiled into gitcanary_tests through tests/cmp_server_emulation_test.cc,
// since the CMake glob takes only tests/*_test.cc beside the helpers it lists.
#include "tests/cmp_server_emulation.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "tests/test_util.h"

namespace gitcanary::testing::argocd {

namespace fs = std::filesystem;

namespace {

// filepath.Clean for the absolute and relative paths used here.
std::string Clean(const std::string& path) {
  if (path.empty()) return ".";
  std::string out = fs::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out.empty() ? "." : out;
}

// filepath.Join: elements joined with '/', then cleaned; an absolute second
// element is appended, not taken as is.
std::string GoJoin(const std::string& a, const std::string& b) {
  if (b.empty()) return Clean(a);
  if (a.empty()) return Clean(b);
  return Clean(a + "/" + b);
}

std::string Dir(const std::string& path) { return Clean(fs::path(path).parent_path().string()); }

// files.Inbound: `candidate` below `base` + "/".
bool Inbound(const std::string& candidate, const std::string& base) {
  const std::string target = candidate[0] == '/' ? Clean(candidate) : GoJoin(base, candidate);
  const std::string prefix = Clean(base) + "/";
  return target.compare(0, prefix.size(), prefix) == 0;
}

// argoproj's escaped(): upper case, every other character but [A-Z0-9_] as '_'.
std::string Escaped(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) c = '_';
  }
  return out;
}

Env NewEnv(const App& app, const std::string& source_path) {
  return {{"ARGOCD_APP_NAME", app.name},
          {"ARGOCD_APP_NAMESPACE", app.ns},
          {"ARGOCD_APP_PROJECT_NAME", "default"},
          {"ARGOCD_APP_REVISION", app.revision},
          {"ARGOCD_APP_REVISION_SHORT", app.revision.substr(0, 7)},
          {"ARGOCD_APP_REVISION_SHORT_8", app.revision.substr(0, 8)},
          {"ARGOCD_APP_SOURCE_REPO_URL", app.repo_url},
          {"ARGOCD_APP_SOURCE_PATH", source_path},
          {"ARGOCD_APP_SOURCE_TARGET_REVISION", app.target_revision}};
}

// ApplicationSourcePluginParameters.Environ(): the list, then PARAM_ variables.
void AddParameters(const std::string& json, Env* env) {
  (*env)["ARGOCD_APP_PARAMETERS"] = json;
  nlohmann::json list = nlohmann::json::parse(json, nullptr, false);
  if (!list.is_array()) return;
  for (const auto& p : list) {
    if (!p.is_object() || !p.contains("name") || !p["name"].is_string()) continue;
    const std::string base = "PARAM_" + Escaped(p["name"].get<std::string>());
    if (p.contains("string") && p["string"].is_string()) (*env)[base] = p["string"].get<std::string>();
    if (p.contains("map") && p["map"].is_object())
      for (const auto& [k, v] : p["map"].items())
        if (v.is_string()) (*env)[base + "_" + Escaped(k)] = v.get<std::string>();
    if (p.contains("array") && p["array"].is_array())
      for (std::size_t i = 0; i < p["array"].size(); ++i)
        if (p["array"][i].is_string()) (*env)[base + "_" + std::to_string(i)] = p["array"][i].get<std::string>();
  }
}

// apppathutil.Path: the app directory in the checkout.
Result<std::string> AppPath(const std::string& repo, const std::string& path) {
  if (!path.empty() && path[0] == '/') return Status::Invalid(path + ": app path is absolute");
  const std::string app = GoJoin(repo, path);
  if (app.compare(0, Clean(repo).size(), Clean(repo)) != 0) return Status::Invalid(path + ": app path outside root");
  std::error_code ec;
  if (!fs::is_directory(app, ec)) return Status::Invalid(path + ": app path does not exist or is not a directory");
  return app;
}

void WalkTar(const std::string& path, const std::string& rel, const std::vector<std::string>& exclusions,
             std::vector<TarEntry>* out, int* files) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return;
  for (const std::string& pattern : exclusions)
    if (fnmatch(pattern.c_str(), rel.c_str(), FNM_PATHNAME) == 0) return;  // SkipDir for a directory
  TarEntry e;
  e.name = rel;
  e.mode = st.st_mode & 07777;
  if (S_ISLNK(st.st_mode)) {
    e.type = TarEntry::Type::kSymlink;
    e.link = fs::read_symlink(path).string();
  } else if (S_ISREG(st.st_mode)) {
    e.type = TarEntry::Type::kFile;
    e.content = ReadFile(path);
    ++*files;
  } else if (S_ISDIR(st.st_mode)) {
    e.type = TarEntry::Type::kDir;
  } else {
    return;  // not a supported file mode
  }
  out->push_back(std::move(e));
  if (!S_ISDIR(st.st_mode)) return;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(path)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());  // filepath.Walk reads directories in lexical order
  for (const std::string& name : names)
    WalkTar(path + "/" + name, rel == "." ? name : rel + "/" + name, exclusions, out, files);
}

// os.MkdirAll with `mode` for every directory it creates (the umask applies).
Status MkdirAll(const std::string& path, unsigned mode) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Status::Ok();
  if (Status s = MkdirAll(Dir(path), mode); !s.ok()) return s;
  if (mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return Status::Io("mkdir " + path);
  return Status::Ok();
}

Status WriteEntry(const std::string& target, const TarEntry& e, unsigned mode) {
  if (Status s = MkdirAll(Dir(target), 0755); !s.ok()) return s;
  int fd = open(target.c_str(), O_RDWR | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Status::Io("error creating file " + target);
  const bool ok = write(fd, e.content.data(), e.content.size()) == static_cast<ssize_t>(e.content.size());
  close(fd);
  return ok ? Status::Ok() : Status::Io("error writing " + target);
}

// untar's symlink case: the target resolved (or left as written when it does
// not exist yet), refused outside the root, and written relative.
Status WriteSymlink(const std::string& dst, const std::string& target, const TarEntry& e) {
  const std::string link_target = GoJoin(Dir(target), e.link);
  std::string real = link_target;
  std::error_code ec;
  fs::path canonical = fs::canonical(link_target, ec);
  if (!ec) {
    real = canonical.string();
  } else if (ec != std::errc::no_such_file_or_directory) {
    return Status::Io("error checking symlink realpath: " + ec.message());
  }
  if (!Inbound(real, dst)) return Status::Invalid("illegal filepath in symlink: " + link_target);
  const std::string relative = fs::path(real).lexically_relative(Dir(target)).string();
  if (symlink(relative.c_str(), target.c_str()) != 0) return Status::Io("error creating symlink " + target);
  return Status::Ok();
}

struct Command {
  std::vector<std::string> argv;  // command followed by args
};

Command CommandAt(const YAML::Node& node) {
  Command c;
  if (!node || !node.IsMap()) return c;
  if (node["command"]) for (const auto& s : node["command"]) c.argv.push_back(s.as<std::string>());
  if (!c.argv.empty() && node["args"])
    for (const auto& s : node["args"]) c.argv.push_back(s.as<std::string>());
  return c;
}

// runCommand: in `dir` with exactly `env`; stdout without its last newline.
struct CommandRun {
  Status status;
  std::string out, err;
};

CommandRun RunCommand(const Command& command, const std::string& dir, const Env& env) {
  std::vector<std::string> argv = {"/usr/bin/env", "-i", "-C", dir};
  for (const auto& [k, v] : env) argv.push_back(k + "=" + v);
  argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  RunResult run = Run(argv);
  CommandRun result;
  result.out = run.out;
  result.err = run.err;
  if (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  if (run.exit_code != 0) {
    std::string err = run.err;
    while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back()))) err.pop_back();
    result.status = Status::Invalid("`" + command.argv[0] + "` failed exit status " + std::to_string(run.exit_code) +
                                    (err.empty() ? "" : ": " + err));
  }
  return result;
}

// The request's directory below the work directory, removed on scope exit
// (getTempDirMustCleanup).
class RequestDir {
 public:
  explicit RequestDir(const std::string& work) {
    std::error_code ec;
    fs::create_directories(work, ec);
    std::string pattern = work + "/req-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp under " + work);
    path_ = fs::canonical(pattern).string();
    chmod(path_.c_str(), 0755);
  }
  ~RequestDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The tarball of `root` extracted below the work directory, as both
// GenerateManifest and MatchRepository receive it.
struct Extracted {
  std::unique_ptr<RequestDir> dir;
  std::string app;  // Clean(workdir/AppRelPath)
};

Result<Extracted> SendAndReceive(const std::string& work, const Source& source, const std::string& root,
                                 const std::string& app_path) {
  auto tar = Tgz(root, source.tar_exclusions);
  if (!tar.ok()) return tar.status();
  const std::string rel = Clean(fs::path(app_path).lexically_relative(root).string());
  Extracted ex;
  ex.dir = std::make_unique<RequestDir>(work);
  if (Status s = Untgz(ex.dir->path(), *tar, source.preserve_file_mode); !s.ok()) return s;
  ex.app = GoJoin(ex.dir->path(), rel);
  if (ex.app.compare(0, ex.dir->path().size(), ex.dir->path()) != 0)
    return Status::Invalid("illegal appPath: out of workDir bound");
  return ex;
}

}  // namespace

Env GenerateEnv(const App& app, const std::string& source_path) {
  Env env = NewEnv(app, source_path);
  env["KUBE_VERSION"] = "1.32.4";
  env["KUBE_API_VERSIONS"] = "v1,apps/v1,autoscaling/v2,networking.istio.io/v1beta1";
  if (!app.has_plugin) return env;
  for (const auto& [name, value] : app.plugin_env) env["ARGOCD_ENV_" + name] = value;
  AddParameters(app.parameters, &env);
  return env;
}

Env DiscoverEnv(const App& app, const std::string& source_path) { return NewEnv(app, source_path); }

Env CmpServerEnv(const std::string& work_base) {
  const std::string bin = fs::path(GITCANARY_BINARY).parent_path().string();
  return {{"PATH", bin + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
          {"HOME", work_base},
          {"ARGOCD_CMP_WORKDIR", fs::canonical(work_base).string()},
          {"PWD", "/home/argocd"}};
}

std::string ApplicationRootPath(const std::string& repo, const std::string& app_path,
                                const std::string& manifest_generate_paths) {
  std::vector<std::string> paths;
  std::size_t start = 0;
  while (start <= manifest_generate_paths.size()) {
    std::size_t end = std::min(manifest_generate_paths.find(';', start), manifest_generate_paths.size());
    const std::string item = manifest_generate_paths.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const std::string app_rel = Clean(fs::path(app_path).lexically_relative(repo).string());
    const std::string unsafe = item[0] == '/' ? Clean(item) : Clean(GoJoin(app_rel, item));
    paths.push_back(GoJoin(repo, Clean("/" + unsafe)));  // securejoin.SecureJoin keeps ".." inside repo
  }
  if (paths.empty()) return repo;
  auto split = [](const std::string& p) {
    std::vector<std::string> parts;
    std::size_t s = 0;
    while (s <= p.size()) {
      std::size_t e = std::min(p.find('/', s), p.size());
      parts.push_back(p.substr(s, e - s));
      s = e + 1;
    }
    return parts;
  };
  std::vector<std::string> common = split(app_path);
  bool disjoint = false;
  for (const std::string& path : paths) {
    const std::vector<std::string> parts = split(path);
    const std::size_t min_len = std::min(common.size(), parts.size());
    for (std::size_t i = 0; i < min_len; ++i) {
      if (common[i] != parts[i]) {
        common.resize(i);
        disjoint = true;
        break;
      }
    }
    if (!disjoint && min_len < common.size()) common.resize(min_len);
  }
  std::string out;
  for (const std::string& part : common)
    if (!part.empty()) out += (out.empty() ? "" : "/") + part;
  return "/" + out;
}

Result<std::vector<TarEntry>> Tgz(const std::string& root, const std::vector<std::string>& exclusions) {
  std::vector<TarEntry> entries;
  int files = 0;
  WalkTar(root, ".", exclusions, &entries, &files);
  if (files == 0) return Status::Invalid("no files to send(" + root + ")");
  return entries;
}

Status Untgz(const std::string& dst, const std::vector<TarEntry>& entries, bool preserve_file_mode) {
  for (const TarEntry& e : entries) {
    if (e.name == "." || e.name == "./") continue;
    const std::string target = GoJoin(dst, e.name);
    if (!Inbound(target, dst)) return Status::Invalid("illegal filepath in archive: " + target);
    Status s;
    switch (e.type) {
      case TarEntry::Type::kDir:
        s = MkdirAll(target, preserve_file_mode ? e.mode : 0755);
        break;
      case TarEntry::Type::kSymlink:
        s = WriteSymlink(dst, target, e);
        break;
      case TarEntry::Type::kFile:
        s = WriteEntry(target, e, preserve_file_mode ? e.mode : 0644);
        break;
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SplitYamlToString(const std::string& stream) {
  std::vector<std::string> docs;
  std::string buffer;
  auto flush = [&]() -> Status {
    std::string doc = buffer;
    buffer.clear();
    YAML::Node node;
    try {
      node = YAML::Load(doc);
    } catch (const YAML::Exception& e) {
      return Status::Invalid(std::string("failed to unmarshal manifest: ") + e.what());
    }
    if (!node || node.IsNull()) return Status::Ok();  // ToJSON gives null: skipped
    if (!node.IsMap() || !node["kind"] || !node["kind"].IsScalar() || node["kind"].as<std::string>().empty())
      return Status::Invalid("failed to unmarshal manifest: Object 'Kind' is missing");
    while (!doc.empty() && std::isspace(static_cast<unsigned char>(doc.back()))) doc.pop_back();
    docs.push_back(doc);
    return Status::Ok();
  };
  std::size_t start = 0;
  while (start < stream.size()) {
    std::size_t end = stream.find('\n', start);
    end = end == std::string::npos ? stream.size() : end + 1;
    const std::string line = stream.substr(start, end - start);
    start = end;
    if (line.compare(0, 3, "---") == 0) {
      std::string rest = line.substr(3);
      rest.erase(0, rest.find_first_not_of(" \t\r\n"));
      if (!rest.empty() && rest[0] != '#') return Status::Invalid("invalid Yaml document separator: " + rest);
      if (Status s = flush(); !s.ok()) return s;
      continue;
    }
    buffer += line;
  }
  if (Status s = flush(); !s.ok()) return s;
  return docs;
}

CmpServer::CmpServer(std::string plugin_yaml, Env server_env)
    : plugin_yaml_(std::move(plugin_yaml)), server_env_(std::move(server_env)) {}

std::string CmpServer::WorkDir() const {
  auto it = server_env_.find("ARGOCD_CMP_WORKDIR");
  if (it != server_env_.end() && !it->second.empty()) return GoJoin(it->second, "_cmp_server");
  it = server_env_.find("TMPDIR");
  return GoJoin(it != server_env_.end() && !it->second.empty() ? it->second : "/tmp", "_cmp_server");
}

Generated CmpServer::Generate(const Source& source, const Env& entries,
                              const std::function<void(const std::string&, const std::string&)>& tamper) const {
  Generated g;
  auto app_path = AppPath(source.repo, source.path);
  if (!app_path.ok()) {
    g.status = app_path.status();
    return g;
  }
  const std::string root = source.use_manifest_generate_paths
                               ? ApplicationRootPath(Clean(source.repo), *app_path, source.manifest_generate_paths)
                               : Clean(source.repo);
  auto ex = SendAndReceive(WorkDir(), source, root, *app_path);
  if (!ex.ok()) {
    g.status = ex.status();
    return g;
  }
  if (tamper) tamper(ex->dir->path(), ex->app);
  const YAML::Node spec = YAML::LoadFile(plugin_yaml_)["spec"];
  Env env = server_env_;
  for (const auto& [k, v] : entries) env[k] = v;
  if (Command init = CommandAt(spec["init"]); !init.argv.empty()) {
    CommandRun run = RunCommand(init, ex->app, env);
    if (!run.status.ok()) {
      g.status = run.status;
      return g;
    }
  }
  CommandRun run = RunCommand(CommandAt(spec["generate"]), ex->app, env);
  g.out = run.out;
  g.err = run.err;
  if (!run.status.ok()) {
    g.status = Status::Invalid("error generating manifests: " + run.status.message());
    return g;
  }
  auto split = SplitYamlToString(run.out);
  if (!split.ok()) {
    g.status = split.status();
    return g;
  }
  g.manifests = std::move(*split);
  if (g.manifests.empty()) g.status = Status::Invalid("the plugin printed no objects: Argo CD would prune them all");
  return g;
}

Result<bool> CmpServer::Match(const Source& source, const Env& entries) const {
  auto app_path = AppPath(source.repo, source.path);
  if (!app_path.ok()) return app_path.status();
  // matchRepositoryCMP always sends the whole repository.
  auto ex = SendAndReceive(WorkDir(), source, Clean(source.repo), *app_path);
  if (!ex.ok()) return ex.status();
  const YAML::Node discover = YAML::LoadFile(plugin_yaml_)["spec"]["discover"];
  auto globbed = [](const std::string& pattern) {
    glob_t g{};
    const bool any = glob(pattern.c_str(), 0, nullptr, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    return any;
  };
  if (discover && discover["fileName"] && !discover["fileName"].as<std::string>().empty())
    return globbed(GoJoin(ex->app, discover["fileName"].as<std::string>()));
  const YAML::Node find = discover ? discover["find"] : YAML::Node();
  if (find && find["glob"] && !find["glob"].as<std::string>().empty())
    return globbed(GoJoin(ex->app, find["glob"].as<std::string>()));
  if (Command command = CommandAt(find); !command.argv.empty()) {
    Env env = server_env_;
    for (const auto& [k, v] : entries) env[k] = v;
    CommandRun run = RunCommand(command, ex->app, env);
    if (!run.status.ok()) return Status::Invalid("error running find command: " + run.status.message());
    return !run.out.empty();
  }
  return false;
}

Result<bool> CmpServer::Supports(const Source& source, const Env& entries, bool named) const {
  const YAML::Node discover = YAML::LoadFile(plugin_yaml_)["spec"]["discover"];
  const YAML::Node find = discover ? discover["find"] : YAML::Node();
  const bool configured = (discover && discover["fileName"] && !discover["fileName"].as<std::string>().empty()) ||
                          (find && find["glob"] && !find["glob"].as<std::string>().empty()) ||
                          !CommandAt(find).argv.empty();
  if (!configured) return named;
  auto matched = Match(source, entries);
  if (!matched.ok()) return matched.status();
  if (!*matched && named) {
    const YAML::Node plugin = YAML::LoadFile(plugin_yaml_);
    const std::string name = plugin["metadata"]["name"].as<std::string>() + "-" + plugin["spec"]["version"].as<std::string>();
    return Status::Invalid("could not find cmp-server plugin with name \"" + name + "\" supporting the given repository");
  }
  return *matched;
}

}  // namespace gitcanary::testing::argocd
