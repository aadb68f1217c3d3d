// `gitcanary serve` runs in its own executable, `gitcanary-serve`, installed
// beside `gitcanary`. Only serve speaks HTTP (webhooks, Prometheus, /metrics),
// and Debian's cpp-httplib is a shared library that brings the shared C++
// runtime, OpenSSL and brotli with it: loading them would add about 4 ms to
// every `gitcanary render`, which Argo CD and Helm start once per render.
// RunServeExec replaces this process with gitcanary-serve and the same flags.
#pragma once

#include <string>
#include <vector>

namespace gitcanary::plugin {

int RunServeExec(const std::vector<std::string>& args);

}  // namespace gitcanary::plugin
