// gitcanary, gitcanary-git and gitcanary-serve (plugin/commands/sibling_exec.h):
// what gitcanary links and loads, the hand-over of git commands and --repo to
// gitcanary-git, and what a render costs in system calls per file.
#include <doctest/doctest.h>

#include <elf.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/test_util.h"

namespace fs = std::filesystem;
using gitcanary::testing::Gitcanary;
using gitcanary::testing::Run;
using gitcanary::testing::RunResult;
using gitcanary::testing::TempDir;
using gitcanary::testing::WriteFile;

namespace {

std::string Sibling(const std::string& name) { return (fs::path(GITCANARY_BINARY).parent_path() / name).string(); }

std::string Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The program headers of an x86-64 executable.
std::vector<Elf64_Phdr> ProgramHeaders(const std::string& image) {
  std::vector<Elf64_Phdr> headers;
  REQUIRE(image.size() >= sizeof(Elf64_Ehdr));
  Elf64_Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof(eh));
  REQUIRE(std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0);
  for (int i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    const std::size_t at = eh.e_phoff + static_cast<std::size_t>(i) * eh.e_phentsize;
    REQUIRE(at + sizeof(ph) <= image.size());
    std::memcpy(&ph, image.data() + at, sizeof(ph));
    headers.push_back(ph);
  }
  return headers;
}

// The DT_NEEDED entries (shared libraries to load) of the dynamic segment.
int NeededLibraries(const std::string& image, const std::vector<Elf64_Phdr>& headers) {
  int needed = 0;
  for (const Elf64_Phdr& ph : headers) {
    if (ph.p_type != PT_DYNAMIC) continue;
    for (std::size_t at = ph.p_offset; at + sizeof(Elf64_Dyn) <= ph.p_offset + ph.p_filesz; at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn d;
      std::memcpy(&d, image.data() + at, sizeof(d));
      if (d.d_tag == DT_NULL) break;
      needed += d.d_tag == DT_NEEDED;
    }
  }
  return needed;
}

bool HasInterpreter(const std::vector<Elf64_Phdr>& headers) {
  return std::any_of(headers.begin(), headers.end(), [](const Elf64_Phdr& ph) { return ph.p_type == PT_INTERP; });
}

// {syscall: calls} of `args` under strace -f -c; empty when strace is missing.
std::map<std::string, int> Syscalls(const std::vector<std::string>& args, const std::string& dir) {
  if (Run({"sh", "-c", "command -v strace"}).exit_code != 0) return {};
  const std::string out = dir + "/strace.txt";
  std::vector<std::string> traced{"strace", "-f", "-c", "-o", out, "--"};
  traced.insert(traced.end(), args.begin(), args.end());
  RunResult r = Run(traced);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::map<std::string, int> calls;
  std::istringstream lines(gitcanary::testing::ReadFile(out));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (w.size() >= 5 && std::isdigit(static_cast<unsigned char>(w[0][0])) && w.back() != "total")
      calls[w.back()] = std::stoi(w[3]);
  }
  return calls;
}

// [start, end) of the section called `name` of an ELF image; empty when absent.
std::pair<std::uint64_t, std::uint64_t> SectionRange(const std::string& image, std::string_view name) {
  Elf64_Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof(eh));
  auto header = [&](int i) {
    Elf64_Shdr sh;
    const std::size_t at = eh.e_shoff + static_cast<std::size_t>(i) * eh.e_shentsize;
    REQUIRE(at + sizeof(sh) <= image.size());
    std::memcpy(&sh, image.data() + at, sizeof(sh));
    return sh;
  };
  const Elf64_Shdr names = header(eh.e_shstrndx);
  for (int i = 0; i < eh.e_shnum; ++i) {
    const Elf64_Shdr sh = header(i);
    if (std::strcmp(image.c_str() + names.sh_offset + sh.sh_name, std::string(name).c_str()) == 0)
      return {sh.sh_addr, sh.sh_addr + sh.sh_size};
  }
  return {0, 0};
}

// The mangled names of the functions `args` executes, as valgrind's callgrind
// saw them ("'2" marks of recursion dropped).
std::set<std::string> ExecutedFunctions(const std::vector<std::string>& args, const std::string& dir, int exit_code) {
  const std::string out = dir + "/callgrind.out";
  std::vector<std::string> traced{"valgrind", "--tool=callgrind", "--demangle=no", "--callgrind-out-file=" + out};
  traced.insert(traced.end(), args.begin(), args.end());
  RunResult r = Run(traced);
  REQUIRE_MESSAGE(r.exit_code == exit_code, r.err);
  std::map<std::string, std::string> names;  // callgrind's "(id)" -> name
  std::set<std::string> ran;
  std::istringstream lines(gitcanary::testing::ReadFile(out));
  for (std::string line; std::getline(lines, line);) {
    const bool callee = line.rfind("cfn=(", 0) == 0;
    if (!callee && line.rfind("fn=(", 0) != 0) continue;
    const std::size_t open = line.find('('), close = line.find(')');
    const std::string id = line.substr(open + 1, close - open - 1);
    if (close + 2 < line.size()) names[id] = line.substr(close + 2, line.find('\'', close) - close - 2);
    if (!callee) ran.insert(id);
  }
  std::set<std::string> executed;
  for (const std::string& id : ran)
    if (names.count(id)) executed.insert(names[id]);
  return executed;
}

// How many of the functions `args` runs (of those nm names) lie in the hot
// path section of args[0], and the first that does not.
struct HotShare {
  int found = 0;
  int inside = 0;
  std::string first_outside;
};

HotShare HotPathShare(const std::vector<std::string>& args, const std::string& dir, int exit_code) {
  const auto [start, end] = SectionRange(Bytes(args[0]), ".text.hot_path");
  REQUIRE(end - start > 256 * 1024);  // the section is there, with the code of a render in it
  std::map<std::string, std::uint64_t> address;
  std::istringstream symbols(Run({"nm", args[0]}).out);
  for (std::string line; std::getline(symbols, line);) {
    std::istringstream words(line);
    std::string at, type, name;
    if (words >> at >> type >> name && std::string_view("tTwWiI").find(type[0]) != std::string_view::npos)
      address.emplace(name, std::stoull(at, nullptr, 16));
  }
  HotShare share;
  for (const std::string& name : ExecutedFunctions(args, dir, exit_code)) {
    auto it = address.find(name);
    if (it == address.end()) continue;
    ++share.found;
    if (it->second >= start && it->second < end) ++share.inside;
    else if (share.first_outside.empty()) share.first_outside = name;
  }
  return share;
}

bool HaveValgrindAndNm() {
  if (Run({"sh", "-c", "command -v valgrind && command -v nm"}).exit_code == 0) return true;
  MESSAGE("valgrind or nm is not installed; skipped");
  return false;
}

// An app directory of `n` ConfigMaps, one per file.
std::string ConfigMapApp(const std::string& dir, int n) {
  for (int i = 0; i < n; ++i)
    WriteFile(dir + "/cm-" + std::to_string(i) + ".yaml",
              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" + std::to_string(i) + "\ndata:\n  k: v\n");
  return dir;
}

// An umbrella kustomization over `apps` directories, each a kustomization of
// two ConfigMaps.
std::string UmbrellaApp(const std::string& dir, int apps) {
  std::string umbrella = "resources:\n";
  for (int a = 0; a < apps; ++a) {
    const std::string app = "apps/app-" + std::to_string(a);
    umbrella += "- " + app + "\n";
    WriteFile(dir + "/" + app + "/kustomization.yaml", "resources:\n- a.yaml\n- b.yaml\n");
    for (const char* name : {"a", "b"})
      WriteFile(dir + "/" + app + "/" + name + ".yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " +
                                                            std::string(name) + "-" + std::to_string(a) + "\n");
  }
  WriteFile(dir + "/kustomization.yaml", umbrella);
  return dir;
}

// The system calls of a render of `big` beyond those of a render of `small`,
// by name; empty when strace is not installed.
std::map<std::string, int> MoreSyscalls(const std::string& small, const std::string& big, const std::string& dir) {
  auto few = Syscalls({GITCANARY_BINARY, "render", "--mode", "flagger", small}, dir);
  if (few.empty()) return {};
  auto many = Syscalls({GITCANARY_BINARY, "render", "--mode", "flagger", big}, dir);
  std::map<std::string, int> more;
  for (const auto& [call, n] : many) more[call] = n;
  for (const auto& [call, n] : few) more[call] -= n;
  return more;
}

void CheckNoStat(std::map<std::string, int>& more) {
  for (const char* stat : {"newfstatat", "fstat", "lstat", "stat", "statx"}) {
    INFO(stat);
    CHECK(more[stat] == 0);
  }
}

}  // namespace

TEST_CASE("executables: gitcanary is static with no dynamic loader and no libgit2, and gitcanary-git is static with libgit2") {
#ifdef GITCANARY_SANITIZED
  MESSAGE("sanitizer build: gitcanary is linked dynamically there (the sanitizers need it); skipped");
#else
  const std::string light = Bytes(GITCANARY_BINARY);
  const std::vector<Elf64_Phdr> headers = ProgramHeaders(light);
  CHECK_FALSE(HasInterpreter(headers));          // no ld.so runs before main
  CHECK(NeededLibraries(light, headers) == 0);  // and no shared library is loaded
  CHECK(light.find("git_libgit2_init") == std::string::npos);
  CHECK(light.find("SSL_CTX_new") == std::string::npos);
  const std::string git = Bytes(Sibling("gitcanary-git"));
  const std::vector<Elf64_Phdr> git_headers = ProgramHeaders(git);
  CHECK_FALSE(HasInterpreter(git_headers));
  CHECK(NeededLibraries(git, git_headers) == 0);
  CHECK(git.find("git_libgit2_init") != std::string::npos);
#endif
}

TEST_CASE("executables: gitcanary-git reads no CA bundle and no shared library on its way to a diff") {
#ifdef GITCANARY_SANITIZED
  MESSAGE("sanitizer build: gitcanary-git is linked dynamically there; skipped");
#else
  if (Run({"sh", "-c", "command -v strace"}).exit_code != 0) {
    MESSAGE("strace is not installed; skipped");
    return;
  }
  TempDir tmp;
  const std::string repo = tmp.path() + "/repo";
  ConfigMapApp(repo + "/app", 2);
  gitcanary::testing::Sh("cd " + repo + " && git init -q && git add -A && git -c user.name=t -c user.email=t@e commit -qm base");
  const std::string trace = tmp.path() + "/opened.txt";
  RunResult r = Run({"strace", "-f", "-e", "trace=open,openat", "-o", trace, "--", GITCANARY_BINARY, "diff", "--repo",
                     repo, "--base", "HEAD", "--head", "HEAD"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const std::string opened = gitcanary::testing::ReadFile(trace);
  CHECK(opened.find(repo + "/.git/config") != std::string::npos);  // the trace saw gitcanary-git at work
  CHECK(opened.find(".so") == std::string::npos);
  CHECK(opened.find("/etc/ssl") == std::string::npos);
  CHECK(opened.find("ca-certificates") == std::string::npos);
#endif
}

TEST_CASE("executables: gitcanary hands git commands and --repo to gitcanary-git, and says so when it is missing") {
  TempDir tmp;
  const std::string alone = tmp.path() + "/bin/gitcanary";
  fs::create_directories(tmp.path() + "/bin");
  fs::copy_file(GITCANARY_BINARY, alone);
  fs::permissions(alone, fs::perms::owner_all);
  const std::string app = ConfigMapApp(tmp.path() + "/app", 1);

  RunResult here = Run({alone, "render", app});  // renders without its siblings
  CHECK(here.exit_code == 0);
  CHECK(here.out.find("name: cm-0") != std::string::npos);
  // Each exits with its own error code: diff's 1 would read as "changes".
  const std::vector<std::pair<std::vector<std::string>, int>> cases{
      {{"diff", "--help"}, 2}, {{"diff", "--base", "main"}, 2}, {{"status", "--help"}, 1},
      {{"render", "--repo", tmp.path(), app}, 1}};
  for (const auto& [args, code] : cases) {
    std::vector<std::string> argv{alone};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = Run(argv);
    CHECK(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK(r.err.find("cannot start " + tmp.path() + "/bin/gitcanary-git (installed beside gitcanary)") !=
          std::string::npos);
  }
  // Beside its siblings, the same commands run (in gitcanary-git).
  CHECK(Gitcanary({"diff", "--help"}).exit_code == 0);
  CHECK(Gitcanary({"diff", "--help"}).out.find("Usage: gitcanary diff") != std::string::npos);
}

// scripts/hot_text.py lists the functions of the common paths in
// plugin/hot_text/, which places them side by side: these fail when a list has
// gone stale (or the linker left it out), and the lists are to be written
// anew. Neither command below is one of the script's own runs.
TEST_CASE("executables: nearly all the code a render runs lies in gitcanary's hot path section") {
#ifdef GITCANARY_SANITIZED
  MESSAGE("sanitizer build: linked without plugin/hot_text/; skipped");
#else
  if (!HaveValgrindAndNm()) return;
  TempDir tmp;
  const HotShare share = HotPathShare(
      {GITCANARY_BINARY, "render", "--mode", "flagger", std::string(GITCANARY_SOURCE_DIR) + "/examples/podinfo"}, tmp.path(), 0);
  INFO("the first function outside the section: " << share.first_outside);
  CHECK(share.found > 300);                     // the render ran (and nm named its functions)
  CHECK(share.inside * 100 >= share.found * 95);  // scripts/hot_text.py writes the list anew when this fails
#endif
}

TEST_CASE("executables: nearly all the code a diff runs lies in gitcanary-git's hot path section") {
#ifdef GITCANARY_SANITIZED
  MESSAGE("sanitizer build: linked without plugin/hot_text/; skipped");
#else
  if (!HaveValgrindAndNm()) return;
  TempDir tmp;
  const std::string repo = tmp.path() + "/repo";
  ConfigMapApp(repo + "/app", 2);
  const std::string git = "git -C " + repo + " -c user.name=t -c user.email=t@e ";
  gitcanary::testing::Sh(git + "init -q && " + git + "add -A && " + git + "commit -qm base");
  WriteFile(repo + "/app/cm-0.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-0\ndata:\n  k: changed\n");
  gitcanary::testing::Sh(git + "commit -qam head && " + git + "repack -adq");
  const HotShare share =
      HotPathShare({Sibling("gitcanary-git"), "diff", "--repo", repo, "--base", "HEAD~1", "--head", "HEAD"}, tmp.path(),
                   1);  // diff exits 1: there are changes
  INFO("the first function outside the section: " << share.first_outside);
  CHECK(share.found > 300);
  CHECK(share.inside * 100 >= share.found * 95);
#endif
}

TEST_CASE("executables: each more app directory of a kustomization costs one listing and its three files, and no stat") {
  TempDir tmp;
  auto more = MoreSyscalls(UmbrellaApp(tmp.path() + "/small", 10), UmbrellaApp(tmp.path() + "/big", 30), tmp.path());
  if (more.empty()) {
    MESSAGE("strace is not installed; skipped");
    return;
  }
  // Per directory: open, getdents64 until it returns nothing, close; then its
  // kustomization and two manifests, open, read, close each.
  CHECK(more["openat"] == 20 * 4);
  CHECK(more["getdents64"] == 20 * 2);
  CHECK(more["read"] == 20 * 3);
  CHECK(more["close"] == 20 * 4);
  CheckNoStat(more);
}

TEST_CASE("executables: each more file a render reads costs one open, one read and one close, and no stat") {
  TempDir tmp;
  auto more = MoreSyscalls(ConfigMapApp(tmp.path() + "/small", 20), ConfigMapApp(tmp.path() + "/big", 80), tmp.path());
  if (more.empty()) {
    MESSAGE("strace is not installed; skipped");
    return;
  }
  CHECK(more["openat"] == 60);
  CHECK(more["read"] == 60);
  CHECK(more["close"] == 60);
  CheckNoStat(more);
  CHECK(more["fcntl"] == 0);
}
