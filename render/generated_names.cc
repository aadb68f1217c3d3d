#include "render/generated_names.h"

namespace gitcanary::render {

using yaml::Node;

namespace {

bool Lower(char c) { return c >= 'a' && c <= 'z'; }
bool Digit(char c) { return c >= '0' && c <= '9'; }

// A string scalar at `key` of `parent`, or nullptr.
const Node* StringAt(const Node* parent, std::string_view key) {
  if (parent == nullptr) return nullptr;
  const Node* n = parent->Find(key);
  return n != nullptr && n->IsScalar() && n->IsStringScalar() && !n->value.empty() ? n : nullptr;
}

}  // namespace

std::string Dns1035LabelProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 63) return "is " + std::to_string(name.size()) + " characters long; at most 63 are allowed";
  if (!Lower(name.front())) return "must start with a lowercase letter";
  if (name.back() == '-') return "must end with a lowercase letter or a digit";
  for (char c : name)
    if (!Lower(c) && !Digit(c) && c != '-') return "may hold only lowercase letters, digits and '-'";
  return "";
}

std::string Dns1123SubdomainProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 253) return "is " + std::to_string(name.size()) + " characters long; at most 253 are allowed";
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !(Lower(label.front()) || Digit(label.front())) || !(Lower(label.back()) || Digit(label.back())))
      return "must start and end with a lowercase letter or a digit, around each '.'";
    for (char c : label)
      if (!Lower(c) && !Digit(c) && c != '-') return "may hold only lowercase letters, digits, '-' and '.'";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return "";
}

std::string IanaServiceNameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  if (name.size() > 15) return "is " + std::to_string(name.size()) + " characters long; at most 15 are allowed";
  bool letter = false;
  for (char c : name) {
    if (!Lower(c) && !Digit(c) && c != '-') return "may hold only lowercase letters, digits and '-'";
    letter = letter || Lower(c);
  }
  if (!letter) return "must hold at least one letter";
  if (name.front() == '-' || name.back() == '-') return "must not start or end with '-'";
  if (name.find("--") != std::string_view::npos) return "must not hold \"--\"";
  return "";
}

Status CheckGeneratedNames(const Node& spec, const Fields& f) {
  const Node* service = spec.Find("service");
  if (service != nullptr && !service->IsMapping()) service = nullptr;
  const Node* target = StringAt(spec.Find("targetRef"), "name");
  const Node* service_name = StringAt(service, "name");
  const Node* apex = service_name != nullptr ? service_name : target;
  if (apex != nullptr) {
    const std::string path = service_name != nullptr ? "spec.service.name" : "spec.targetRef.name";
    const std::string change = service_name != nullptr ? "spec.service.name" : "spec.service.name (or spec.targetRef.name)";
    for (const char* suffix : {"", "-primary", "-canary"}) {
      const std::string name = apex->value + suffix;
      std::string problem = Dns1035LabelProblem(name);
      if (problem.empty()) continue;
      if (name.size() > 63) {
        return f.Error(*apex, path, "the Service name \"" + name + "\" " + problem + "; set " + change + " to at most " +
                                        std::to_string(63 - 8) + " characters");
      }
      return f.Error(*apex, path, "the Service name \"" + name + "\" " + problem +
                                      " (a DNS-1035 label); set " + change + " to such a name");
    }
  }
  if (target != nullptr) {
    const std::string name = target->value + "-primary";
    if (std::string problem = Dns1123SubdomainProblem(name); !problem.empty())
      return f.Error(*target, "spec.targetRef.name", "the primary Deployment name \"" + name + "\" " + problem);
  }
  if (const Node* scaler = StringAt(spec.Find("autoscalerRef"), "name")) {
    const std::string name = scaler->value + "-primary";
    if (std::string problem = Dns1123SubdomainProblem(name); !problem.empty())
      return f.Error(*scaler, "spec.autoscalerRef.name", "the primary autoscaler name \"" + name + "\" " + problem);
  }
  if (const Node* port_name = StringAt(service, "portName")) {
    if (std::string problem = IanaServiceNameProblem(port_name->value); !problem.empty())
      return f.Error(*port_name, "spec.service.portName",
                     "\"" + port_name->value + "\" is not a valid Service port name: it " + problem +
                         " (an IANA service name, e.g. http or grpc-web)");
  }
  return Status::Ok();
}

}  // namespace gitcanary::render
