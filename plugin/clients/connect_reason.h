// Why a TCP connection fails, in the words of the system: "connection
// refused", "no route to host", "connection timed out", "cannot resolve host
// prom.example". cpp-httplib reports every failed connect as one error code;
// the clients ask this for the reason when that happens, so a message says
// what a person can act on. One attempt per address, bounded by a timeout.
#pragma once

#include <string>

namespace gitcanary::plugin {

// The reason a connection to `host`:`port` fails now; "" when it succeeds.
std::string TcpConnectFailure(const std::string& host, int port, long long timeout_ms);

// The same for the origin of a URL, "http[s]://host[:port]" (IPv6 hosts in
// brackets; the port defaults to 80 or 443); "" when the origin is malformed.
// With `address`, that address is tried instead of the host's (the one the
// egress check pinned), so the diagnosis looks up nothing.
std::string OriginConnectFailure(const std::string& origin, long long timeout_ms, const std::string& address = "");

}  // namespace gitcanary::plugin
