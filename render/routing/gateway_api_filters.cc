#include "render/routing/gateway_api_filters.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace gitcanary::render {

using yaml::Node;

namespace {

// {name: value} -> [{name, value}], sorted by name then value.
Node HeaderList(const Node& map) {
  std::vector<std::pair<std::string, std::string>> sorted;
  for (const yaml::Field& field : map.fields) sorted.emplace_back(field.key, field.value.value);
  std::sort(sorted.begin(), sorted.end());
  Node out = Node::Sequence();
  for (auto& [name, value] : sorted) {
    Node h = Node::Mapping(2);
    h.Set("name", Node::String(name));
    h.Set("value", Node::String(value));
    out.items.push_back(std::move(h));
  }
  return out;
}

Result<Node> HeaderFilter(const Node& ops, const std::string& path, const char* type, const char* field,
                          const Fields& f) {
  if (!ops.IsMapping()) return f.Error(ops, path, "must be a mapping");
  Node modifier = Node::Mapping(3);
  for (const char* key : {"set", "add"}) {
    auto map = f.Mapping(ops, key, path);
    if (!map.ok()) return map.status();
    if (*map != nullptr && !(*map)->fields.empty()) modifier.Set(key, HeaderList(**map));
  }
  auto remove = f.Sequence(ops, "remove", path);
  if (!remove.ok()) return remove.status();
  if (*remove != nullptr && !(*remove)->items.empty()) modifier.Set("remove", **remove);
  Node filter = Node::Mapping(2);
  filter.Set("type", Node::String(type));
  filter.Set(field, std::move(modifier));
  return filter;
}

Node RewriteFilter(const Node& rewrite) {
  Node rw = Node::Mapping(2);
  const Node* authority = rewrite.Find("authority");
  if (authority != nullptr && authority->IsScalar() && !authority->value.empty()) rw.Set("hostname", *authority);
  const Node* uri = rewrite.Find("uri");
  if (uri != nullptr && uri->IsScalar() && !uri->value.empty()) {
    const Node* type = rewrite.Find("type");
    const bool prefix = type != nullptr && type->IsScalar() && type->value == "ReplacePrefixMatch";
    Node path = Node::Mapping(2);
    path.Set("type", Node::String(prefix ? "ReplacePrefixMatch" : "ReplaceFullPath"));
    path.Set(prefix ? "replacePrefixMatch" : "replaceFullPath", *uri);
    rw.Set("path", std::move(path));
  }
  Node filter = Node::Mapping(2);
  filter.Set("type", Node::String("URLRewrite"));
  filter.Set("urlRewrite", std::move(rw));
  return filter;
}

Result<Node> MirrorFilter(const Node& mirror, const std::string& path, const Fields& f) {
  auto ref = f.Mapping(mirror, "backendRef", path);
  if (!ref.ok()) return ref.status();
  if (*ref == nullptr) return f.Error(mirror, path + ".backendRef", "missing: the Service to mirror to");
  Node backend = Node::Mapping(5);
  for (const char* key : {"group", "kind", "name", "namespace", "port"})
    if (const Node* v = (*ref)->Find(key); v != nullptr && !v->IsNull()) backend.Set(key, *v);
  Node filter = Node::Mapping(2);
  filter.Set("type", Node::String("RequestMirror"));
  filter.Set("requestMirror", Node::Mapping(1)).Set("backendRef", std::move(backend));
  return filter;
}

Result<Node> CorsFilter(const Node& cors, const Fields& f) {
  const std::string path = "spec.service.corsPolicy";
  if (const Node* v = cors.Find("allowOrigins"); v != nullptr && v->IsSequence() && !v->items.empty()) {
    return f.Error(*v, path + ".allowOrigins",
                   "Gateway API's CORS filter takes plain origins, and Flagger drops these string matches: list the "
                   "origins in spec.service.corsPolicy.allowOrigin instead");
  }
  Node out = Node::Mapping(6);
  auto list = [&](const char* from, const char* to) -> Status {
    auto seq = f.Sequence(cors, from, path);
    if (!seq.ok()) return seq.status();
    if (*seq != nullptr && !(*seq)->items.empty()) out.Set(to, **seq);
    return Status::Ok();
  };
  if (Status s = list("allowOrigin", "allowOrigins"); !s.ok()) return s;
  auto credentials = f.Bool(cors, "allowCredentials", path);
  if (!credentials.ok()) return credentials.status();
  if (credentials->value_or(false)) out.Set("allowCredentials", Node::Bool(true));
  for (auto [from, to] : {std::pair{"allowMethods", "allowMethods"}, std::pair{"allowHeaders", "allowHeaders"},
                          std::pair{"exposeHeaders", "exposeHeaders"}}) {
    if (Status s = list(from, to); !s.ok()) return s;
  }
  auto max_age = f.String(cors, "maxAge", path);
  if (!max_age.ok()) return max_age.status();
  if (max_age->has_value() && !(*max_age)->empty()) {
    auto ms = ParseDurationMillis(**max_age);
    if (!ms) return f.Error(*cors.Find("maxAge"), path + ".maxAge", "is not a duration such as 24h or 90s");
    if (*ms / 1000 != 0) out.Set("maxAge", Node::Int(*ms / 1000));
  }
  Node filter = Node::Mapping(2);
  filter.Set("type", Node::String("CORS"));
  filter.Set("cors", std::move(out));
  return filter;
}

}  // namespace

Node SetCookieFilter(const std::string& value) {
  Node header = Node::Mapping(2);
  header.Set("name", Node::String("Set-Cookie"));
  header.Set("value", Node::String(value));
  Node add = Node::Sequence();
  add.items.push_back(std::move(header));
  Node filter = Node::Mapping(2);
  filter.Set("type", Node::String("ResponseHeaderModifier"));
  filter.Set("responseHeaderModifier", Node::Mapping(1)).Set("add", std::move(add));
  return filter;
}

Result<Node> MakeGatewayFilters(const Node& service, bool v1, const Fields& f) {
  Node filters = Node::Sequence();
  auto headers = f.Mapping(service, "headers", "spec.service");
  if (!headers.ok()) return headers.status();
  if (*headers != nullptr) {
    static constexpr struct {
      const char* key;
      const char* type;
      const char* field;
    } kHeaderOps[] = {{"request", "RequestHeaderModifier", "requestHeaderModifier"},
                      {"response", "ResponseHeaderModifier", "responseHeaderModifier"}};
    for (const auto& op : kHeaderOps) {
      const Node* ops = (*headers)->Find(op.key);
      if (ops == nullptr || ops->IsNull()) continue;
      auto filter = HeaderFilter(*ops, std::string("spec.service.headers.") + op.key, op.type, op.field, f);
      if (!filter.ok()) return filter.status();
      filters.items.push_back(std::move(*filter));
    }
  }
  auto rewrite = f.Mapping(service, "rewrite", "spec.service");
  if (!rewrite.ok()) return rewrite.status();
  if (*rewrite != nullptr) filters.items.push_back(RewriteFilter(**rewrite));
  auto mirrors = f.Sequence(service, "mirror", "spec.service");
  if (!mirrors.ok()) return mirrors.status();
  if (*mirrors != nullptr) {
    for (std::size_t i = 0; i < (*mirrors)->items.size(); ++i) {
      auto filter = MirrorFilter((*mirrors)->items[i], "spec.service.mirror[" + std::to_string(i) + "]", f);
      if (!filter.ok()) return filter.status();
      filters.items.push_back(std::move(*filter));
    }
  }
  auto cors = f.Mapping(service, "corsPolicy", "spec.service");
  if (!cors.ok()) return cors.status();
  if (*cors != nullptr && v1) {
    auto filter = CorsFilter(**cors, f);
    if (!filter.ok()) return filter.status();
    filters.items.push_back(std::move(*filter));
  }
  return filters;
}

}  // namespace gitcanary::render
