#include "tests/e2e/applied_routing.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace gitcanary::e2e {

namespace {

using nlohmann::json;

const json* Find(const json& items, const std::string& kind, const std::string& name) {
  for (const json& item : items)
    if (item.value("kind", "") == kind && item.contains("metadata") && item["metadata"].value("name", "") == name)
      return &item;
  return nullptr;
}

std::string Annotation(const json& item, const std::string& key) {
  const json& meta = item.at("metadata");
  if (!meta.contains("annotations") || !meta["annotations"].is_object()) return "";
  const json& a = meta["annotations"];
  return a.contains(key) && a[key].is_string() ? a[key].get<std::string>() : "";
}

// A weight that is an integer, or a string holding one (an SMI Quantity such as "20").
long long Weight(const json& w) {
  if (w.is_number_integer()) return w.get<long long>();
  if (w.is_string()) {
    const std::string s = w.get<std::string>();
    char* end = nullptr;
    const long long n = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end != nullptr && *end == '\0') return n;
  }
  throw std::runtime_error("weight " + w.dump() + " is not an integer");
}

// "podinfo-canary.test.svc.cluster.local" -> "podinfo-canary".
std::string ShortHost(const std::string& host) { return host.substr(0, host.find('.')); }

std::string EscapeRegex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// Istio: spec.http in order; the routes of a single destination take everything whatever its weight.
void ReadVirtualService(const json& vs, AppliedRouting* out) {
  out->provider = "istio";
  out->metrics = "istio";
  for (const json& http : vs.at("spec").at("http")) {
    RoutingRule rule;
    for (const json& m : http.value("match", json::array())) {
      std::vector<MatchCondition> entry;
      const json headers = m.value("headers", json::object());  // items() of a temporary would dangle
      for (const auto& [name, how] : headers.items()) {
        if (how.contains("exact")) entry.push_back({"exact", name, how["exact"].get<std::string>()});
        else if (how.contains("regex")) entry.push_back({"regex", name, how["regex"].get<std::string>()});
        else if (how.contains("prefix")) entry.push_back({"regex", name, EscapeRegex(how["prefix"].get<std::string>()) + ".*"});
        else throw std::runtime_error("VirtualService header match " + how.dump() + " is not exact, regex or prefix");
      }
      rule.match.push_back(std::move(entry));
    }
    const json& routes = http.at("route");
    for (const json& d : routes)
      rule.backends.push_back({ShortHost(d.at("destination").at("host").get<std::string>()),
                               routes.size() == 1 ? 100 : Weight(d.value("weight", json(0))), ""});
    out->rules.push_back(std::move(rule));
  }
}

// Gateway API: each (rule, match) pair on its own, the most header matches first (the
// precedence among matches of the same path); backendRefs weigh 1 unless set.
void ReadHttpRoute(const json& route, AppliedRouting* out) {
  out->provider = "gatewayapi";
  out->metrics = "app";
  std::vector<std::pair<std::size_t, RoutingRule>> flat;  // header count, rule
  for (const json& r : route.at("spec").at("rules")) {
    std::vector<ServiceWeight> backends;
    for (const json& b : r.value("backendRefs", json::array())) {
      if (b.value("kind", "Service") != "Service" || !b.value("group", "").empty()) continue;
      backends.push_back({b.at("name").get<std::string>(), b.contains("weight") ? Weight(b["weight"]) : 1, ""});
    }
    const json matches = r.contains("matches") ? r["matches"] : json::array({json::object()});
    for (const json& m : matches) {
      std::vector<MatchCondition> entry;
      for (const json& h : m.value("headers", json::array())) {
        const std::string type = h.value("type", "Exact");
        if (type != "Exact" && type != "RegularExpression")
          throw std::runtime_error("HTTPRoute header match type " + type + " is not Exact or RegularExpression");
        entry.push_back({type == "Exact" ? "exact" : "regex", h.at("name").get<std::string>(),
                         h.at("value").get<std::string>()});
      }
      RoutingRule rule;
      const std::size_t headers = entry.size();
      if (!entry.empty()) rule.match.push_back(std::move(entry));
      rule.backends = backends;
      flat.emplace_back(headers, std::move(rule));
    }
  }
  std::stable_sort(flat.begin(), flat.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [headers, rule] : flat) out->rules.push_back(std::move(rule));
}

// SMI: the backends of spec.service's traffic, by weight.
void ReadTrafficSplit(const json& split, AppliedRouting* out) {
  out->provider = "linkerd";
  out->metrics = "linkerd";
  RoutingRule rule;
  for (const json& b : split.at("spec").at("backends"))
    rule.backends.push_back({b.at("service").get<std::string>(), Weight(b.at("weight")), ""});
  out->rules.push_back(std::move(rule));
}

// The first path backend of an Ingress: its Service and port (number, else name).
std::pair<std::string, std::string> IngressBackend(const json& ingress) {
  const json& service = ingress.at("spec").at("rules").at(0).at("http").at("paths").at(0).at("backend").at("service");
  const json& port = service.at("port");
  return {service.at("name").get<std::string>(),
          port.contains("number") ? std::to_string(port["number"].get<long long>()) : port.at("name").get<std::string>()};
}

// ingress-nginx: the canary Ingress's rules ahead of its main Ingress, header before cookie before weight.
bool ReadCanaryIngress(const json& items, const json& canary, AppliedRouting* out, std::string* error) {
  out->provider = "nginx";
  out->metrics = "nginx";
  const std::string name = canary.at("metadata").at("name").get<std::string>();
  const std::string main_name = name.ends_with("-canary") ? name.substr(0, name.size() - 7) : "";
  const json* main = Find(items, "Ingress", main_name);
  if (main == nullptr) {
    *error = "canary Ingress " + name + " without its main Ingress " + main_name + " in the render";
    return false;
  }
  const auto [main_service, main_port] = IngressBackend(*main);
  const auto [canary_service, canary_port] = IngressBackend(canary);
  const std::string ns = canary.at("metadata").value("namespace", "default");
  out->ingress = main_name;
  out->ingress_service = main_service;
  const ServiceWeight to_canary{canary_service, 100, ns + "-" + canary_service + "-" + canary_port};
  const ServiceWeight to_main{main_service, 100, ""};
  auto rule = [&](MatchCondition c, const ServiceWeight& to) {
    out->rules.push_back({{{std::move(c)}}, {to}});
  };
  const std::string p = "nginx.ingress.kubernetes.io/";
  if (const std::string header = Annotation(canary, p + "canary-by-header"); !header.empty()) {
    const std::string value = Annotation(canary, p + "canary-by-header-value");
    const std::string pattern = Annotation(canary, p + "canary-by-header-pattern");
    if (!value.empty()) {
      rule({"exact", header, value}, to_canary);
    } else if (!pattern.empty()) {
      rule({"search", header, pattern}, to_canary);
    } else {
      rule({"exact", header, "always"}, to_canary);
      rule({"exact", header, "never"}, to_main);
    }
  }
  if (const std::string cookie = Annotation(canary, p + "canary-by-cookie"); !cookie.empty()) {
    rule({"cookie", cookie, "always"}, to_canary);
    rule({"cookie", cookie, "never"}, to_main);
  }
  const std::string weight = Annotation(canary, p + "canary-weight");
  const std::string total = Annotation(canary, p + "canary-weight-total");
  const long long w = weight.empty() ? 0 : Weight(json(weight));
  const long long t = total.empty() ? 100 : Weight(json(total));
  ServiceWeight weighted_canary = to_canary, weighted_main = to_main;
  weighted_canary.weight = w;
  weighted_main.weight = t - w;
  out->rules.push_back({{}, {weighted_main, weighted_canary}});
  return true;
}

}  // namespace

bool ReadRouting(const json& items, const std::string& apex, AppliedRouting* out, std::string* error) {
  *out = AppliedRouting{};
  try {
    if (const json* vs = Find(items, "VirtualService", apex)) {
      ReadVirtualService(*vs, out);
      return true;
    }
    if (const json* route = Find(items, "HTTPRoute", apex)) {
      ReadHttpRoute(*route, out);
      return true;
    }
    if (const json* split = Find(items, "TrafficSplit", apex)) {
      ReadTrafficSplit(*split, out);
      return true;
    }
    for (const json& item : items)
      if (item.value("kind", "") == "Ingress" && Annotation(item, "nginx.ingress.kubernetes.io/canary") == "true")
        return ReadCanaryIngress(items, item, out, error);
    out->provider = "kubernetes";
    out->metrics = "app";
    out->rules.push_back({{}, {{apex, 100, ""}}});
    return true;
  } catch (const std::exception& e) {
    *error = std::string("routing of ") + apex + ": " + e.what();
    return false;
  }
}

std::map<std::string, std::string> ServiceWorkloads(const json& items) {
  std::map<std::string, std::string> out;
  for (const json& service : items) {
    if (service.value("kind", "") != "Service") continue;
    const json selector = service.contains("spec") ? service["spec"].value("selector", json::object()) : json::object();
    if (selector.empty()) continue;
    for (const json& d : items) {
      if (d.value("kind", "") != "Deployment") continue;
      const json labels = d.at("spec").at("template").at("metadata").value("labels", json::object());
      bool all = true;
      for (const auto& [k, v] : selector.items()) all = all && labels.contains(k) && labels[k] == v;
      if (all) out[service["metadata"]["name"].get<std::string>()] = d["metadata"]["name"].get<std::string>();
    }
  }
  return out;
}

json RouterConfig(const AppliedRouting& routing, long long generation, const std::string& ns,
                  const std::function<Endpoint(const std::string&)>& resolve) {
  json routes = json::array();
  for (const RoutingRule& rule : routing.rules) {
    json r{{"backends", json::array()}};
    if (!rule.match.empty()) {
      r["match"] = json::array();
      for (const auto& entry : rule.match) {
        json m{{"headers", json::array()}, {"cookies", json::array()}};
        for (const MatchCondition& c : entry) {
          if (c.kind == "cookie") m["cookies"].push_back({{"name", c.name}, {"value", c.value}});
          else if (c.kind == "present") m["headers"].push_back({{"name", c.name}, {"present", true}});
          else m["headers"].push_back({{"name", c.name}, {c.kind, c.value}});
        }
        r["match"].push_back(std::move(m));
      }
    }
    for (const ServiceWeight& b : rule.backends) {
      const Endpoint e = resolve(b.service);
      r["backends"].push_back({{"workload", e.workload}, {"pod", e.pod}, {"port", e.port}, {"weight", b.weight},
                               {"upstream", b.upstream}});
    }
    routes.push_back(std::move(r));
  }
  json config{{"generation", generation}, {"namespace", ns}, {"metrics", routing.metrics}, {"routes", routes}};
  if (routing.metrics == "nginx") {
    config["ingress"] = routing.ingress;
    config["service"] = routing.ingress_service;
  }
  return config;
}

std::string DescribeMatch(const RoutingRule& rule) {
  std::string out;
  for (const auto& entry : rule.match) {
    std::string one;
    for (const MatchCondition& c : entry) {
      one += one.empty() ? "" : " & ";
      if (c.kind == "cookie") one += "cookie " + c.name + "=" + c.value;
      else if (c.kind == "exact") one += "header " + c.name + "=" + c.value;
      else if (c.kind == "present") one += "header " + c.name;
      else one += "header " + c.name + "~" + c.value;
    }
    out += (out.empty() ? "" : " | ") + one;
  }
  return out;
}

}  // namespace gitcanary::e2e
