// Small pieces shared by the end-to-end test programs (the test app, the
// weighted router and the load tester): flag parsing and publishing the port
// a server bound to, so tests never race for a port.
#pragma once

#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

namespace gitcanary::e2e {

// "--name value" pairs; a flag given without a value is "".
inline std::map<std::string, std::string> ParseFlags(int argc, char** argv) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) continue;
    out[a.substr(2)] = i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0 ? argv[++i] : "";
  }
  return out;
}

inline std::string Flag(const std::map<std::string, std::string>& flags, const std::string& name,
                        const std::string& fallback = "") {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

// Writes `port` to `path` atomically (a temp file renamed over it), so a
// reader never sees a partial number.
inline bool PublishPort(const std::string& path, int port) {
  if (path.empty()) return true;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Binds `server` to 127.0.0.1: `port` ("0" = any) and publishes the port
// actually bound to `port_file`; exits 1 when that fails.
inline int BindOrExit(httplib::Server& server, const std::string& port, const std::string& port_file,
                      const char* program) {
  int bound = port.empty() || port == "0" ? server.bind_to_any_port("127.0.0.1")
                                          : (server.bind_to_port("127.0.0.1", std::atoi(port.c_str()))
                                                 ? std::atoi(port.c_str())
                                                 : -1);
  if (bound <= 0 || !PublishPort(port_file, bound)) {
    std::fprintf(stderr, "%s: cannot listen on 127.0.0.1:%s\n", program, port.c_str());
    std::exit(1);
  }
  return bound;
}

}  // namespace gitcanary::e2e
