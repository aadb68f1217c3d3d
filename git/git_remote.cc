#include "git/git_remote.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <thread>

#include "git/commit_writer.h"

namespace gitcanary::git {
namespace {

namespace fs = std::filesystem;

// Local paths and file:// URLs go through our own push (see PushLocal);
// "host:path" without a slash before the colon is ssh's scp-like form.
bool IsLocalUrl(const std::string& url) {
  if (url.find("://") != std::string::npos) return url.rfind("file://", 0) == 0;
  const std::size_t colon = url.find(':'), slash = url.find('/');
  return colon == std::string::npos || (slash != std::string::npos && slash < colon);
}

std::string LocalPath(const std::string& url) {
  if (url.rfind("file://", 0) != 0) return url;
  std::string rest = url.substr(7);
  if (rest.rfind("localhost/", 0) == 0) rest = rest.substr(9);
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && std::isxdigit(static_cast<unsigned char>(rest[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(rest[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(rest.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(rest[i]);
    }
  }
  return out;
}

// The state one network operation hands to libgit2's callbacks.
struct OpState {
  const Credentials* creds = nullptr;
  int userpass_tries = 0, ssh_tries = 0, username_tries = 0;
  std::map<std::string, std::optional<std::string>> push_status;  // ref -> nullopt (ok) or the reason
  const git_oid* replace_from = nullptr;  // ReplaceRef: the remote value the push requires (zero: absent)
  bool replace_mismatch = false;          // the remote advertised another value: nothing was sent
};

int AuthFailure(int klass, const std::string& message) {
  git_error_set_str(klass, message.c_str());
  return GIT_EAUTH;
}

int AcquireCredential(git_credential** out, const char* /*url*/, const char* url_user, unsigned int allowed,
                      void* payload) {
  auto* state = static_cast<OpState*>(payload);
  const Credentials& creds = *state->creds;
  const std::string from_url = url_user != nullptr ? url_user : "";
  const std::string user = !creds.username.empty() ? creds.username : !from_url.empty() ? from_url : "git";
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (state->ssh_tries++ > 0) {
      const std::string key = creds.ssh_key.empty() ? "the ssh-agent's keys" : "key " + creds.ssh_key;
      return AuthFailure(GIT_ERROR_SSH, "ssh authentication failed for user '" + user + "' with " + key +
                                            " (not accepted by the server, or a wrong passphrase)");
    }
    if (creds.ssh_key.empty()) return git_credential_ssh_key_from_agent(out, user.c_str());
    const std::string pub = creds.ssh_key + ".pub";
    return git_credential_ssh_key_new(out, user.c_str(), fs::exists(pub) ? pub.c_str() : nullptr,
                                      creds.ssh_key.c_str(), creds.ssh_passphrase.c_str());
  }
  if (allowed & GIT_CREDENTIAL_USERNAME) {
    if (state->username_tries++ > 0) return AuthFailure(GIT_ERROR_SSH, "the server refused user '" + user + "'");
    return git_credential_username_new(out, user.c_str());
  }
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    if (creds.token.empty())
      return AuthFailure(GIT_ERROR_HTTP, from_url.empty()
                                             ? "authentication failed: the server wants credentials and no token is set"
                                             : "authentication failed: the server rejected the credentials in the URL");
    if (state->userpass_tries++ > 0)
      return AuthFailure(GIT_ERROR_HTTP, "authentication failed: the server rejected the token for user '" + user + "'");
    return git_credential_userpass_plaintext_new(out, user.c_str(), creds.token.c_str());
  }
  return AuthFailure(GIT_ERROR_NET, "authentication failed: the server wants an unsupported kind of credentials");
}

git_remote_callbacks Callbacks(OpState* state) {
  git_remote_callbacks callbacks = GIT_REMOTE_CALLBACKS_INIT;
  callbacks.credentials = AcquireCredential;
  callbacks.payload = state;
  return callbacks;
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A git_strarray view of `strings`, valid while they live.
struct StrArray {
  explicit StrArray(const std::vector<std::string>& strings) {
    for (const std::string& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
    array.strings = pointers.data();
    array.count = pointers.size();
  }
  std::vector<char*> pointers;
  git_strarray array{};
};

Status CheckRefName(const std::string& ref) {
  int valid = 0;
  if (ref.rfind("refs/", 0) != 0 || git_reference_name_is_valid(&valid, ref.c_str()) < 0 || !valid)
    return Status::Invalid("bad ref name '" + ref + "': want a full name such as refs/heads/main");
  return Status::Ok();
}

// An in-memory remote for `url` in `repo`. Named remotes are avoided on
// purpose: looking one up applies url.*.insteadOf by matching a regex against
// every config entry, and libgit2 1.5's git_regexp_match leaks pcre2 match
// data (~20 KB) for each entry that does not match.
Result<GitPtr<git_remote>> AnonymousRemote(git_repository* repo, const std::string& url) {
  git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
  opts.repository = repo;
  opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  if (git_remote_create_with_opts(&raw, url.c_str(), &opts) < 0)
    return Status::Invalid("cannot use " + RedactUrl(url) + " as a remote: " + LastGitError());
  return GitPtr<git_remote>(raw);
}

// The origin URL recorded in the cache's config; "" when there is none.
Result<std::string> OriginUrl(git_repository* repo) {
  git_config* raw = nullptr;
  if (git_repository_config_snapshot(&raw, repo) < 0) return Status::Io(LastGitError());
  std::unique_ptr<git_config, void (*)(git_config*)> config(raw, git_config_free);
  const char* value = nullptr;
  int rc = git_config_get_string(&value, config.get(), "remote.origin.url");
  if (rc == GIT_ENOTFOUND) return std::string();
  if (rc < 0) return Status::Io(LastGitError());
  return std::string(value);
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;  // scp-like and local forms carry no password
  const std::size_t start = scheme_end + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::size_t at = url.rfind('@', end == 0 ? 0 : end - 1);
  if (at == std::string::npos || at < start) return url;
  const std::string userinfo = url.substr(start, at - start);
  std::string scheme = url.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string shown;
  if (const std::size_t colon = userinfo.find(':'); colon != std::string::npos) {
    shown = userinfo.substr(0, colon) + ":***";
  } else if (scheme == "http" || scheme == "https") {
    shown = "***";
  } else {
    return url;
  }
  return url.substr(0, start) + shown + url.substr(at);
}

GitRemote::GitRemote(std::string url, std::string path, Credentials creds, GitPtr<git_repository> repo)
    : url_(std::move(url)), path_(std::move(path)), creds_(std::move(creds)), repo_(std::move(repo)) {}

Result<std::unique_ptr<GitRemote>> GitRemote::Open(const std::string& url, const std::string& cache_dir,
                                                   Credentials creds) {
  if (url.empty()) return Status::Invalid("empty remote URL");
  if (cache_dir.empty()) return Status::Invalid("empty cache directory");
  Libgit2Session session;
  std::error_code ec;
  const bool fresh = !fs::exists(cache_dir, ec) || (fs::is_directory(cache_dir, ec) && fs::is_empty(cache_dir, ec));
  git_repository* raw = nullptr;
  if (fresh) {
    git_repository_init_options opts = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
    if (git_repository_init_ext(&raw, cache_dir.c_str(), &opts) < 0)
      return Status::Io("cannot create the git cache " + cache_dir + ": " + LastGitError());
  } else if (git_repository_open_ext(&raw, cache_dir.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0) {
    return Status::Invalid("git cache " + cache_dir + " exists but is not a git repository: " + LastGitError());
  }
  GitPtr<git_repository> repo(raw);
  if (!git_repository_is_bare(repo.get())) return Status::Invalid("git cache " + cache_dir + " is not a bare repository");
  auto existing = OriginUrl(repo.get());
  if (!existing.ok()) return Status::Io("reading the git cache " + cache_dir + ": " + existing.status().message());
  if (existing->empty()) {
    git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
    opts.repository = repo.get();
    opts.name = "origin";
    opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    git_remote* created = nullptr;
    if (git_remote_create_with_opts(&created, url.c_str(), &opts) < 0)
      return Status::Invalid("cannot use " + RedactUrl(url) + " as a remote: " + LastGitError());
    git_remote_free(created);
  } else if (*existing != url) {
    // Only the password or token changed (a rotated token): same remote.
    if (RedactUrl(*existing) != RedactUrl(url) || RedactUrl(url) == url)
      return Status::Invalid("git cache " + cache_dir + " belongs to remote " + RedactUrl(*existing) + ", not " +
                             RedactUrl(url) + "; use another cache directory");
    if (git_remote_set_url(repo.get(), "origin", url.c_str()) < 0)
      return Status::Io("updating the git cache " + cache_dir + ": " + LastGitError());
  }
  return std::unique_ptr<GitRemote>(new GitRemote(url, cache_dir, std::move(creds), std::move(repo)));
}

namespace {

// Failure of `op` (e.g. "fetch from") against `url`, with libgit2's reason,
// never showing the token or the URL's password.
Status RemoteError(const std::string& op, const std::string& url, const Credentials& creds,
                   const std::string& reason) {
  const std::string shown = RedactUrl(url);
  std::size_t head = 0, tail = 0;  // the secret is what RedactUrl replaced
  while (head < shown.size() && head < url.size() && shown[head] == url[head]) ++head;
  while (tail + head < shown.size() && tail + head < url.size() &&
         shown[shown.size() - 1 - tail] == url[url.size() - 1 - tail])
    ++tail;
  std::string message = op + " " + shown + ": " + reason;
  ReplaceAll(message, url, shown);
  ReplaceAll(message, url.substr(head, url.size() - head - tail), "***");
  ReplaceAll(message, creds.token, "***");
  return Status::Io(message);
}

Status CheckLocalRemote(const std::string& op, const std::string& url, const Credentials& creds) {
  if (!IsLocalUrl(url)) return Status::Ok();
  git_repository* raw = nullptr;
  const std::string path = LocalPath(url);
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return RemoteError(op, url, creds, "no git repository at " + path + " (" + LastGitError() + ")");
  git_repository_free(raw);
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, std::optional<std::string>>> GitRemote::Fetch(const std::vector<std::string>& refs) {
  for (const std::string& ref : refs)
    if (Status st = CheckRefName(ref); !st.ok()) return st;
  if (Status st = CheckLocalRemote("fetch from", url_, creds_); !st.ok()) return st;
  auto fetched = IsLocalUrl(url_) ? FetchLocal(refs) : FetchSmart(refs);
  if (!fetched.ok()) return fetched.status();
  for (const auto& [ref, id] : *fetched) {
    if (id) continue;
    int rc = git_reference_remove(repo_.get(), ref.c_str());
    if (rc < 0 && rc != GIT_ENOTFOUND) return Status::Io("git cache " + path_ + ": " + LastGitError());
  }
  if (auto compacted = Compact(); !compacted.ok()) compaction_error_ = compacted.status().message();
  return fetched;
}

Result<std::map<std::string, std::optional<std::string>>> GitRemote::FetchSmart(const std::vector<std::string>& refs) {
  auto made = AnonymousRemote(repo_.get(), url_);
  if (!made.ok()) return made.status();
  GitPtr<git_remote> remote = std::move(*made);
  OpState state;
  state.creds = &creds_;
  git_remote_callbacks callbacks = Callbacks(&state);
  auto fail = [&] { return RemoteError("fetch from", url_, creds_, LastGitError()); };
  if (git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &callbacks, nullptr, nullptr) < 0) return fail();
  const git_remote_head** heads = nullptr;
  std::size_t count = 0;
  if (git_remote_ls(&heads, &count, remote.get()) < 0) return fail();
  std::map<std::string, std::string> advertised;
  for (std::size_t i = 0; i < count; ++i) advertised[heads[i]->name] = OidHex(heads[i]->oid);
  std::map<std::string, std::optional<std::string>> result;
  std::vector<std::string> specs;
  for (const std::string& ref : refs) {
    auto it = advertised.find(ref);
    result[ref] = it == advertised.end() ? std::nullopt : std::optional<std::string>(it->second);
    if (it != advertised.end()) specs.push_back("+" + ref + ":" + ref);
  }
  if (!specs.empty()) {
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.callbacks = callbacks;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    opts.update_fetchhead = 0;
    StrArray array(specs);
    if (git_remote_download(remote.get(), &array.array, &opts) < 0 ||
        git_remote_update_tips(remote.get(), &callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, "gitcanary: fetch") < 0)
      return fail();
  }
  git_remote_disconnect(remote.get());
  return result;
}

namespace {

// Copies every object reachable from `tip` in `local` that `remote` lacks
// into `remote`'s object database as one pack (commits `remote` has through
// any of its refs, and their trees, are left out). Pushes to a local path
// copy from the cache to the remote, local fetches the other way round.
Status CopyObjects(git_repository* local, git_repository* remote, const git_oid& tip) {
  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, remote) < 0) return Status::Io(LastGitError());
  GitPtr<git_odb> remote_odb(odb_raw);
  if (git_odb_exists(remote_odb.get(), &tip)) return Status::Ok();
  git_odb* local_raw = nullptr;
  git_revwalk* walk_raw = nullptr;
  git_reference_iterator* iter_raw = nullptr;
  if (git_repository_odb(&local_raw, local) < 0) return Status::Io(LastGitError());
  GitPtr<git_odb> local_odb(local_raw);
  if (git_revwalk_new(&walk_raw, local) < 0) return Status::Io(LastGitError());
  GitPtr<git_revwalk> walk(walk_raw);
  if (git_revwalk_push(walk.get(), &tip) < 0 || git_reference_iterator_new(&iter_raw, remote) < 0)
    return Status::Io(LastGitError());
  GitPtr<git_reference_iterator> iter(iter_raw);
  git_reference* ref_raw = nullptr;
  while (git_reference_next(&ref_raw, iter.get()) == 0) {
    GitPtr<git_reference> ref(ref_raw);
    const git_oid* target = git_reference_target(ref.get());
    if (target != nullptr && git_odb_exists(local_odb.get(), target) && git_revwalk_hide(walk.get(), target) < 0)
      git_error_clear();  // not a commit: nothing to hide
  }
  git_packbuilder* pb_raw = nullptr;
  if (git_packbuilder_new(&pb_raw, local) < 0) return Status::Io(LastGitError());
  GitPtr<git_packbuilder> pack(pb_raw);
  git_odb_writepack* writer = nullptr;
  if (git_packbuilder_insert_walk(pack.get(), walk.get()) < 0 ||
      git_odb_write_pack(&writer, remote_odb.get(), nullptr, nullptr) < 0)
    return Status::Io("packing objects: " + LastGitError());
  struct Sink {
    git_odb_writepack* writer;
    git_indexer_progress stats;
  } sink{writer, {}};
  auto append = [](void* buf, std::size_t size, void* payload) {
    auto* s = static_cast<Sink*>(payload);
    return s->writer->append(s->writer, buf, size, &s->stats);
  };
  int rc = git_packbuilder_foreach(pack.get(), append, &sink);
  if (rc == 0) rc = writer->commit(writer, &sink.stats);
  std::string reason = rc < 0 ? LastGitError() : "";
  writer->free(writer);
  if (rc < 0) return Status::Io("copying objects: " + reason);
  return Status::Ok();
}

}  // namespace

// libgit2's local transport packs what every ref of the remote reaches,
// whatever the refspec, less what the cache's own refs reach: a cache that
// holds only the lease ref would copy the branch's whole history at every
// renewal. A local fetch copies only what the wanted refs reach, as the
// smart protocols do, and moves the cache's refs to the remote's values.
Result<std::map<std::string, std::optional<std::string>>> GitRemote::FetchLocal(const std::vector<std::string>& refs) {
  const std::string path = LocalPath(url_);
  git_repository* cache = repo_.get();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Io("no git repository at " + path + " (" + LastGitError() + ")");
  GitPtr<git_repository> remote(raw);
  std::map<std::string, std::optional<std::string>> result;
  for (const std::string& ref : refs) {
    git_oid id;
    int rc = git_reference_name_to_id(&id, remote.get(), ref.c_str());
    if (rc == GIT_ENOTFOUND) {
      result[ref] = std::nullopt;
      continue;
    }
    if (rc < 0) return Status::Io("fetch from " + path + ": reading " + ref + ": " + LastGitError());
    if (Status st = CopyObjects(remote.get(), cache, id); !st.ok())
      return Status::Io("fetch from " + path + ": " + st.message());
    git_reference* moved = nullptr;
    if (git_reference_create(&moved, cache, ref.c_str(), &id, 1, "gitcanary: fetch") < 0)
      return Status::Io("git cache: updating " + ref + ": " + LastGitError());
    git_reference_free(moved);
    result[ref] = OidHex(id);
  }
  return result;
}

namespace {

// Moves `ref` in `remote` from `expected` (zero: absent) to `target` under the
// ref's lock; a held lock is waited for briefly.
Result<PushResult> CompareAndSwap(git_repository* remote, const std::string& ref, const git_oid& target,
                                  const git_oid& expected) {
  for (int attempt = 0;; ++attempt) {
    git_reference* raw = nullptr;
    int rc = git_reference_create_matching(&raw, remote, ref.c_str(), &target, 1, &expected, "gitcanary: push");
    git_reference_free(raw);
    if (rc == 0) return PushResult::kPushed;
    if (rc == GIT_EMODIFIED || rc == GIT_ENOTFOUND || rc == GIT_EEXISTS) return PushResult::kRejected;
    if (rc != GIT_ELOCKED) return Status::Io("updating " + ref + ": " + LastGitError());
    if (attempt >= 100) return PushResult::kRejected;  // someone holds the lock for > ~1 s
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + attempt % 8));
  }
}

// Moves `ref` in `remote` to `target`. Without `replace_from`, only as a
// fast-forward of its current value; with it, from exactly *replace_from
// (zero: absent), whatever the history.
Result<PushResult> PushOneLocal(git_repository* local, git_repository* remote, const std::string& ref,
                                const git_oid& target, const git_oid* replace_from) {
  git_oid current;
  int rc = git_reference_name_to_id(&current, remote, ref.c_str());
  if (rc == GIT_ENOTFOUND) {
    git_oid_fromstr(&current, "0000000000000000000000000000000000000000");
  } else if (rc < 0) {
    return Status::Io("reading " + ref + ": " + LastGitError());
  }
  if (rc == 0 && git_oid_equal(&current, &target)) return PushResult::kPushed;  // already there
  if (replace_from != nullptr) {
    if (!git_oid_equal(&current, replace_from)) return PushResult::kRejected;
  } else if (rc == 0) {
    git_odb* odb_raw = nullptr;
    if (git_repository_odb(&odb_raw, local) < 0) return Status::Io(LastGitError());
    GitPtr<git_odb> odb(odb_raw);
    if (!git_odb_exists(odb.get(), &current)) return PushResult::kRejected;  // moved since our fetch
    rc = git_graph_descendant_of(local, &target, &current);
    if (rc < 0) return Status::Io("checking " + ref + " for a fast-forward: " + LastGitError());
    if (rc == 0) return PushResult::kRejected;
  }
  if (!git_repository_is_bare(remote)) {
    git_reference* head = nullptr;
    bool checked_out = git_reference_lookup(&head, remote, "HEAD") == 0 &&
                       git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
                       ref == git_reference_symbolic_target(head);
    git_reference_free(head);
    if (checked_out) return Status::Invalid("refusing to update " + ref + ", the checked-out branch of a work tree");
  }
  if (Status st = CopyObjects(local, remote, target); !st.ok()) return st;
  return CompareAndSwap(remote, ref, target, current);
}

Result<std::map<std::string, PushResult>> PushLocal(git_repository* local, const std::string& path,
                                                    const std::vector<std::pair<std::string, git_oid>>& updates,
                                                    const git_oid* replace_from = nullptr) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0)
    return Status::Io("no git repository at " + path + " (" + LastGitError() + ")");
  GitPtr<git_repository> remote(raw);
  std::map<std::string, PushResult> results;
  for (const auto& [ref, target] : updates) {
    auto result = PushOneLocal(local, remote.get(), ref, target, replace_from);
    if (!result.ok()) return result.status();
    results[ref] = *result;
  }
  return results;
}

// Pushes through libgit2 (http, https, ssh). libgit2 refuses, before sending
// anything, an update that does not fast-forward the advertised value
// (GIT_ENONFASTFORWARD for the whole push), and git-receive-pack moves each
// ref only if it still has the advertised value.
// With `replace_from` (one update only) the refspec is forced, so libgit2
// skips its fast-forward check, and the push_negotiation callback, which
// sees each ref's advertised value before anything is sent, aborts the push
// unless that value is *replace_from (zero: absent) or already the target.
// git-receive-pack's own check of the advertised value under the ref lock
// then makes the swap atomic.
Result<std::map<std::string, PushResult>> PushSmart(git_repository* local, git_remote* remote,
                                                    const Credentials& creds,
                                                    const std::vector<std::pair<std::string, git_oid>>& updates,
                                                    const git_oid* replace_from = nullptr) {
  std::vector<std::string> temp_refs, specs;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    temp_refs.push_back("refs/gitcanary-push/" + std::to_string(i));
    git_reference* raw = nullptr;
    if (git_reference_create(&raw, local, temp_refs.back().c_str(), &updates[i].second, 1, nullptr) < 0)
      return Status::Io("preparing the push: " + LastGitError());
    git_reference_free(raw);
    specs.push_back((replace_from != nullptr ? "+" : "") + temp_refs.back() + ":" + updates[i].first);
  }
  OpState state;
  state.creds = &creds;
  state.replace_from = replace_from;
  git_push_options opts = GIT_PUSH_OPTIONS_INIT;
  opts.callbacks = Callbacks(&state);
  opts.callbacks.push_update_reference = [](const char* ref, const char* status, void* payload) {
    static_cast<OpState*>(payload)->push_status[ref] = status ? std::optional<std::string>(status) : std::nullopt;
    return 0;
  };
  opts.callbacks.push_negotiation = [](const git_push_update** pending, std::size_t count, void* payload) {
    auto* op = static_cast<OpState*>(payload);
    if (op->replace_from == nullptr) return 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (git_oid_equal(&pending[i]->src, op->replace_from) || git_oid_equal(&pending[i]->src, &pending[i]->dst))
        continue;
      op->replace_mismatch = true;
      git_error_set_str(GIT_ERROR_REFERENCE, "the remote's ref moved since it was read");
      return static_cast<int>(GIT_EUSER);
    }
    return 0;
  };
  StrArray array(specs);
  const int rc = git_remote_push(remote, &array.array, &opts);
  const std::string reason = rc < 0 ? LastGitError() : "";
  for (const std::string& name : temp_refs) git_reference_remove(local, name.c_str());
  std::map<std::string, PushResult> results;
  if (rc < 0 && state.replace_mismatch)
    return std::map<std::string, PushResult>{{updates[0].first, PushResult::kRejected}};
  if (rc == GIT_ENONFASTFORWARD && updates.size() > 1) {  // find out which ref it was
    for (const auto& update : updates) {
      auto one = PushSmart(local, remote, creds, {update});
      if (!one.ok()) return one.status();
      results[update.first] = one->at(update.first);
    }
    return results;
  }
  if (rc == GIT_ENONFASTFORWARD) return std::map<std::string, PushResult>{{updates[0].first, PushResult::kRejected}};
  if (rc < 0) return Status::Io(reason);
  for (const auto& [ref, target] : updates) {
    auto it = state.push_status.find(ref);
    results[ref] = it != state.push_status.end() && !it->second ? PushResult::kPushed : PushResult::kRejected;
  }
  return results;
}

}  // namespace

Result<std::map<std::string, PushResult>> GitRemote::Push(
    const std::vector<std::pair<std::string, std::string>>& updates) {
  std::vector<std::pair<std::string, git_oid>> parsed;
  for (const auto& [ref, commit] : updates) {
    if (Status st = CheckRefName(ref); !st.ok()) return st;
    auto found = LookupCommit(repo_.get(), commit, "commit to push to " + ref);
    if (!found.ok()) return found.status();
    parsed.emplace_back(ref, *git_commit_id(found->get()));
  }
  if (parsed.empty()) return std::map<std::string, PushResult>{};
  Result<std::map<std::string, PushResult>> results = std::map<std::string, PushResult>{};
  if (IsLocalUrl(url_)) {
    results = PushLocal(repo_.get(), LocalPath(url_), parsed);
  } else {
    auto remote = AnonymousRemote(repo_.get(), url_);
    if (!remote.ok()) return remote.status();
    results = PushSmart(repo_.get(), remote->get(), creds_, parsed);
  }
  if (!results.ok()) return RemoteError("push to", url_, creds_, results.status().message());
  if (Status st = FollowPushed(parsed, *results); !st.ok()) return st;
  return results;
}

Result<PushResult> GitRemote::ReplaceRef(const std::string& ref, const std::string& expected_old,
                                         const std::string& commit) {
  if (Status st = CheckRefName(ref); !st.ok()) return st;
  git_oid expected;
  git_oid_fromstr(&expected, "0000000000000000000000000000000000000000");
  if (!expected_old.empty() &&
      (expected_old.size() != 40 || git_oid_fromstr(&expected, expected_old.c_str()) < 0 || git_oid_is_zero(&expected)))
    return Status::Invalid("the expected value of " + ref +
                           " must be a 40-character object id or \"\" (absent), not '" + expected_old + "'");
  auto found = LookupCommit(repo_.get(), commit, "commit to push to " + ref);
  if (!found.ok()) return found.status();
  const std::vector<std::pair<std::string, git_oid>> parsed{{ref, *git_commit_id(found->get())}};
  Result<std::map<std::string, PushResult>> results = std::map<std::string, PushResult>{};
  if (IsLocalUrl(url_)) {
    results = PushLocal(repo_.get(), LocalPath(url_), parsed, &expected);
  } else {
    auto remote = AnonymousRemote(repo_.get(), url_);
    if (!remote.ok()) return remote.status();
    results = PushSmart(repo_.get(), remote->get(), creds_, parsed, &expected);
  }
  if (!results.ok()) return RemoteError("push to", url_, creds_, results.status().message());
  if (Status st = FollowPushed(parsed, *results); !st.ok()) return st;
  return results->at(ref);
}

Status GitRemote::FollowPushed(const std::vector<std::pair<std::string, git_oid>>& updates,
                               const std::map<std::string, PushResult>& results) {
  for (const auto& [ref, target] : updates) {
    if (results.at(ref) != PushResult::kPushed) continue;
    git_reference* raw = nullptr;
    if (git_reference_create(&raw, repo_.get(), ref.c_str(), &target, 1, "gitcanary: push") < 0)
      return Status::Io("git cache " + path_ + ": " + LastGitError());
    git_reference_free(raw);
  }
  return Status::Ok();
}

}  // namespace gitcanary::git
