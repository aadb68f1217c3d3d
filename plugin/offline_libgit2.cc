// Linked into gitcanary-git only: what lets it be one static executable.
//
// gitcanary-git reads and writes local repositories and never opens a
// connection (diff, status, history and the operator commands print a push
// hint; serve, a separate executable, does the pushing). Three parts of libgit2
// serve only connections, and cost every start:
//   - GSSAPI (Kerberos "Negotiate" HTTP authentication) exists only as a
//     shared library, whose loading alone took 1.3 ms a start. Its calls are
//     answered here with GSS_S_UNAVAILABLE, so a connection that asked for it
//     would fail to authenticate rather than misbehave.
//   - libgit2's initialisation parses the whole CA bundle for TLS (about 4 ms).
//     The link wraps mbedtls_x509_crt_parse_file and _path (-Wl,--wrap) with
//     the functions below, which load nothing: TLS stays configured with no
//     trusted certificate, so any certificate would be refused.
//   - libssh2, the ssh transport, brings OpenSSL's libcrypto, whose 16,000
//     relocations cost 100 page faults a start (1.2 ms of a 19 ms diff).
//     Neither is linked: libssh2_init and libssh2_exit, which libgit2 calls
//     at start and exit, do nothing, and every other libssh2 function libgit2
//     names stops the process with a message saying why, should a future
//     command reach it.
// README, "Start-up and memory", has the measurements.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {

namespace {
using OmUint32 = std::uint32_t;
constexpr OmUint32 kGssUnavailable = 16u << 16;  // GSS_S_UNAVAILABLE (RFC 2744)
}  // namespace

void* GSS_C_NT_HOSTBASED_SERVICE = nullptr;

OmUint32 gss_indicate_mechs(OmUint32* minor, void*) {
  *minor = 0;
  return kGssUnavailable;
}
OmUint32 gss_import_name(OmUint32* minor, void*, void*, void*) {
  *minor = 0;
  return kGssUnavailable;
}
OmUint32 gss_init_sec_context(OmUint32* minor, void*, void*, void*, void*, OmUint32, OmUint32, void*, void*, void*,
                              void*, OmUint32*, OmUint32*) {
  *minor = 0;
  return kGssUnavailable;
}
OmUint32 gss_display_status(OmUint32* minor, OmUint32, int, void*, OmUint32*, void*) {
  *minor = 0;
  return kGssUnavailable;
}
OmUint32 gss_delete_sec_context(OmUint32* minor, void*, void*) {
  *minor = 0;
  return 0;
}
OmUint32 gss_release_buffer(OmUint32* minor, void*) {
  *minor = 0;
  return 0;
}
OmUint32 gss_release_name(OmUint32* minor, void*) {
  *minor = 0;
  return 0;
}
OmUint32 gss_release_oid_set(OmUint32* minor, void*) {
  *minor = 0;
  return 0;
}

int __wrap_mbedtls_x509_crt_parse_file(void*, const char*) { return 0; }
int __wrap_mbedtls_x509_crt_parse_path(void*, const char*) { return 0; }

int libssh2_init(int) { return 0; }
void libssh2_exit() {}

[[noreturn]] static void NoSsh(const char* function) {
  std::fprintf(stderr, "gitcanary-git: %s called: this executable makes no ssh connection\n", function);
  std::abort();
}
#define GITCANARY_NO_SSH(name) \
  [[noreturn]] void name() { NoSsh(#name); }
GITCANARY_NO_SSH(libssh2_agent_connect)
GITCANARY_NO_SSH(libssh2_agent_disconnect)
GITCANARY_NO_SSH(libssh2_agent_free)
GITCANARY_NO_SSH(libssh2_agent_get_identity)
GITCANARY_NO_SSH(libssh2_agent_init)
GITCANARY_NO_SSH(libssh2_agent_list_identities)
GITCANARY_NO_SSH(libssh2_agent_userauth)
GITCANARY_NO_SSH(libssh2_channel_close)
GITCANARY_NO_SSH(libssh2_channel_free)
GITCANARY_NO_SSH(libssh2_channel_open_ex)
GITCANARY_NO_SSH(libssh2_channel_process_startup)
GITCANARY_NO_SSH(libssh2_channel_read_ex)
GITCANARY_NO_SSH(libssh2_channel_set_blocking)
GITCANARY_NO_SSH(libssh2_channel_write_ex)
GITCANARY_NO_SSH(libssh2_hostkey_hash)
GITCANARY_NO_SSH(libssh2_knownhost_checkp)
GITCANARY_NO_SSH(libssh2_knownhost_free)
GITCANARY_NO_SSH(libssh2_knownhost_init)
GITCANARY_NO_SSH(libssh2_knownhost_readfile)
GITCANARY_NO_SSH(libssh2_session_abstract)
GITCANARY_NO_SSH(libssh2_session_disconnect_ex)
GITCANARY_NO_SSH(libssh2_session_free)
GITCANARY_NO_SSH(libssh2_session_handshake)
GITCANARY_NO_SSH(libssh2_session_hostkey)
GITCANARY_NO_SSH(libssh2_session_init_ex)
GITCANARY_NO_SSH(libssh2_session_last_error)
GITCANARY_NO_SSH(libssh2_session_method_pref)
GITCANARY_NO_SSH(libssh2_session_set_blocking)
GITCANARY_NO_SSH(libssh2_userauth_authenticated)
GITCANARY_NO_SSH(libssh2_userauth_keyboard_interactive_ex)
GITCANARY_NO_SSH(libssh2_userauth_list)
GITCANARY_NO_SSH(libssh2_userauth_password_ex)
GITCANARY_NO_SSH(libssh2_userauth_publickey)
GITCANARY_NO_SSH(libssh2_userauth_publickey_fromfile_ex)
GITCANARY_NO_SSH(libssh2_userauth_publickey_frommemory)
#undef GITCANARY_NO_SSH

}  // extern "C"
