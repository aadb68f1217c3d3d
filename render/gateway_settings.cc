#include "render/gateway_settings.h"

#include <algorithm>
#include <set>

#include "render/fields.h"
#include "render/generated_objects.h"

namespace gitcanary::render {

using yaml::Node;

const std::vector<ServerField>& AcceptedServerFields() {
  static const std::vector<ServerField> fields = {
      {"name", "string"},
      {"bind", "string"},
      {"defaultEndpoint", "string"},
      {"port", "object"},
      {"port.number", "integer"},
      {"port.name", "string"},
      {"port.protocol", "string"},
      {"port.targetPort", "integer"},
      {"tls", "object"},
      {"tls.mode", "string"},
      {"tls.credentialName", "string"},
      {"tls.httpsRedirect", "boolean"},
      {"tls.serverCertificate", "string"},
      {"tls.privateKey", "string"},
      {"tls.caCertificates", "string"},
      {"tls.caCertCredentialName", "string"},
      {"tls.subjectAltNames", "array"},
      {"tls.cipherSuites", "array"},
      {"tls.minProtocolVersion", "string"},
      {"tls.maxProtocolVersion", "string"},
  };
  return fields;
}

namespace {

// Istio's enums (networking.istio.io Gateway) and the protocols istiod accepts
// on a server port.
const std::map<std::string_view, std::vector<std::string_view>>& Enums() {
  static const std::map<std::string_view, std::vector<std::string_view>> enums = {
      {"port.protocol", {"HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS"}},
      {"tls.mode", {"PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL"}},
      {"tls.minProtocolVersion", {"TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"}},
      {"tls.maxProtocolVersion", {"TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"}},
  };
  return enums;
}

std::string_view TypeOf(std::string_view field) {
  for (const ServerField& f : AcceptedServerFields())
    if (f.path == field) return f.type;
  return {};
}

std::string Join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

std::string Keys(std::string_view prefix) {
  std::string out;
  for (const ServerField& f : AcceptedServerFields()) {
    std::string_view p = f.path;
    if (prefix.empty() ? p.find('.') != std::string_view::npos
                       : (p.size() <= prefix.size() || p.substr(0, prefix.size()) != prefix || p[prefix.size()] != '.'))
      continue;
    if (!prefix.empty()) p.remove_prefix(prefix.size() + 1);
    out += (out.empty() ? "" : ", ") + std::string(p);
  }
  return out;
}

// One mapping of a Server (the server itself, its port or its tls), field by field.
Status CheckShape(const Fields& f, const Node& map, const std::string& path, std::string_view prefix) {
  for (const yaml::Field& field : map.fields) {
    const std::string name = prefix.empty() ? field.key : std::string(prefix) + "." + field.key;
    const std::string at = JoinPath(path, field.key);
    const Node& v = field.value;
    if (prefix.empty() && field.key == "hosts")
      return f.Error(v, at, "filled in from the hosts of the Canaries that use the gateway; remove it");
    const std::string_view type = TypeOf(name);
    if (type.empty()) return f.Error(v, at, "unknown field; expected one of " + Keys(prefix));
    if (type == "object") {
      if (!v.IsMapping()) return f.Error(v, at, "expected a mapping, got " + Shown(v));
      Status s = CheckShape(f, v, at, name);
      if (!s.ok()) return s;
    } else if (type == "integer") {
      auto n = v.AsInt();
      if (!v.IsScalar() || !n) return f.Error(v, at, "expected an integer, got " + Shown(v));
      if (*n < 1 || *n > 65535) return f.Error(v, at, "must be a port between 1 and 65535");
    } else if (type == "boolean") {
      if (!v.IsScalar() || !v.AsBool()) return f.Error(v, at, "expected true or false, got " + Shown(v));
    } else if (type == "array") {
      if (!v.IsSequence()) return f.Error(v, at, "expected a list of strings, got " + Shown(v));
      for (std::size_t i = 0; i < v.items.size(); ++i)
        if (!v.items[i].IsScalar() || !v.items[i].IsStringScalar())
          return f.Error(v.items[i], at + "[" + std::to_string(i) + "]", "expected a string, got " + Shown(v.items[i]));
    } else {
      if (!v.IsScalar() || !v.IsStringScalar() || v.value.empty())
        return f.Error(v, at, "expected a non-empty string, got " + Shown(v));
      auto e = Enums().find(name);
      if (e != Enums().end() && std::find(e->second.begin(), e->second.end(), v.value) == e->second.end())
        return f.Error(v, at, "must be one of " + Join(e->second) + ", got " + Shown(v));
    }
  }
  return Status::Ok();
}

Status ReadServer(const Fields& f, const Node& server, const std::string& path, std::set<std::string>* port_names) {
  if (!server.IsMapping()) return f.Error(server, path, "expected a server mapping, got " + Shown(server));
  Status s = CheckShape(f, server, path, "");
  if (!s.ok()) return s;
  const Node* port = server.Find("port");
  if (port == nullptr) return f.Error(server, JoinPath(path, "port"), "missing; a server needs a port");
  for (const char* key : {"number", "name", "protocol"})
    if (port->Find(key) == nullptr)
      return f.Error(*port, JoinPath(path, std::string("port.") + key), "missing; Istio requires it");
  const Node& name = *port->Find("name");
  if (!port_names->insert(name.value).second)
    return f.Error(name, JoinPath(path, "port.name"), "\"" + name.value + "\" is used by another server; Istio requires unique port names");
  const std::string protocol = port->Find("protocol")->value;
  const Node* tls = server.Find("tls");
  if ((protocol == "HTTPS" || protocol == "TLS") && (tls == nullptr || tls->Find("mode") == nullptr))
    return f.Error(tls != nullptr ? *tls : server, JoinPath(path, "tls.mode"),
                   "missing; an " + protocol + " server needs tls settings (for example mode: SIMPLE and credentialName)");
  if (tls != nullptr && tls->Find("mode") != nullptr) {
    const std::string mode = tls->Find("mode")->value;
    const bool files = tls->Find("serverCertificate") != nullptr && tls->Find("privateKey") != nullptr;
    if ((mode == "SIMPLE" || mode == "MUTUAL") && tls->Find("credentialName") == nullptr && !files)
      return f.Error(*tls, JoinPath(path, "tls.credentialName"),
                     "missing; tls mode " + mode + " needs credentialName (or serverCertificate and privateKey)");
  }
  return Status::Ok();
}

Status ReadOne(const Fields& f, const yaml::Field& entry, GatewaySettings* out) {
  const std::string path = JoinPath("gateways", entry.key);
  const Node& body = entry.value;
  auto ref = ParseGatewayRef(entry.key);
  if (entry.key.find('/') == std::string::npos || !ref.ok() || ref->mesh)
    return Status::Invalid(AtPlace(f.file(), entry.key_mark.line, entry.key_mark.column,
                                   path + ": expected NAMESPACE/NAME of an Istio Gateway"));
  if (!body.IsMapping()) return f.Error(body, path, "expected a mapping, got " + Shown(body));
  for (const yaml::Field& field : body.fields) {
    if (field.key != "owner" && field.key != "external" && field.key != "selector" && field.key != "servers")
      return Status::Invalid(AtPlace(f.file(), field.key_mark.line, field.key_mark.column,
                                     JoinPath(path, field.key) + ": unknown field; expected one of owner, external, selector, servers"));
  }
  out->file = f.file();
  auto owner = f.String(body, "owner", path);
  if (!owner.ok()) return owner.status();
  if (owner->has_value()) {
    std::string dir = **owner;
    while (dir.rfind("./", 0) == 0) dir.erase(0, 2);
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    if (dir == ".") dir.clear();
    if (!dir.empty() && (dir[0] == '/' || dir == ".." || dir.rfind("../", 0) == 0 || dir.find("/../") != std::string::npos))
      return f.Error(*body.Find("owner"), JoinPath(path, "owner"), "expected an app directory below the config's directory");
    out->owner = dir;
    out->owner_node = *body.Find("owner");
  }
  auto external = f.Bool(body, "external", path);
  if (!external.ok()) return external.status();
  out->external = external->value_or(false);
  if (out->external) {
    for (const char* key : {"owner", "selector", "servers"})
      if (body.Find(key) != nullptr)
        return f.Error(*body.Find(key), JoinPath(path, key), "the gateway is external (defined elsewhere) and never generated; remove it");
  }
  auto selector = f.Mapping(body, "selector", path);
  if (!selector.ok()) return selector.status();
  if (*selector != nullptr) {
    if ((*selector)->fields.empty()) return f.Error(**selector, JoinPath(path, "selector"), "must not be empty");
    for (const yaml::Field& label : (*selector)->fields)
      if (!label.value.IsScalar() || !label.value.IsStringScalar())
        return f.Error(label.value, JoinPath(path, "selector." + label.key), "expected a string, got " + Shown(label.value));
    out->selector = **selector;
  }
  auto servers = f.Sequence(body, "servers", path);
  if (!servers.ok()) return servers.status();
  if (*servers != nullptr) {
    if ((*servers)->items.empty()) return f.Error(**servers, JoinPath(path, "servers"), "must list at least one server");
    std::set<std::string> port_names;
    for (std::size_t i = 0; i < (*servers)->items.size(); ++i) {
      Status s = ReadServer(f, (*servers)->items[i], JoinPath(path, "servers[" + std::to_string(i) + "]"), &port_names);
      if (!s.ok()) return s;
    }
    out->servers = **servers;
  }
  return Status::Ok();
}

}  // namespace

Status ReadGatewaySettings(const std::string& file, const Node& gateways, std::map<GatewayKey, GatewaySettings>* out) {
  Fields f(file);
  for (const yaml::Field& entry : gateways.fields) {
    GatewaySettings settings;
    Status s = ReadOne(f, entry, &settings);
    if (!s.ok()) return s;
    auto ref = ParseGatewayRef(entry.key);
    (*out)[{ref->ns, ref->name}] = std::move(settings);
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
