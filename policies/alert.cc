#include "policies/alert.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "policies/webhook.h"

namespace gitcanary::policies {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kTypes = "slack, msteams, discord, rocket, gchat, generic";

// `j` as Go's json.Marshal writes it: members in insertion order (Go's struct
// field order), no whitespace, strings escaped as Go does. The bodies hold
// only objects, arrays, strings and booleans.
void WriteGo(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::value_t::object: {
      out += '{';
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it != j.begin()) out += ',';
        out += GoJsonString(it.key());
        out += ':';
        WriteGo(it.value(), out);
      }
      out += '}';
      return;
    }
    case Json::value_t::array: {
      out += '[';
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it != j.begin()) out += ',';
        WriteGo(*it, out);
      }
      out += ']';
      return;
    }
    case Json::value_t::string: out += GoJsonString(j.get_ref<const std::string&>()); return;
    default: out += j.dump(); return;  // booleans, numbers, null
  }
}

std::string GoMarshal(const Json& j) {
  std::string out;
  WriteGo(j, out);
  return out;
}

std::string Workload(const AlertEvent& e) { return e.canary_name + "." + e.ns; }

// SlackPayload with one SlackAttachment (slack.go, discord.go, rocket.go).
Json SlackBody(const AlertProvider& p, const AlertEvent& e, std::string_view color) {
  Json fields = Json::array();
  for (const auto& [name, value] : e.fields) {
    Json f = Json::object();
    f["title"] = name;
    f["value"] = value;
    f["short"] = false;
    fields.push_back(std::move(f));
  }
  Json attachment = Json::object();
  attachment["color"] = color;
  attachment["author_name"] = Workload(e);
  attachment["text"] = e.message;
  attachment["mrkdwn_in"] = Json::array({"text"});
  attachment["fields"] = std::move(fields);

  Json body = Json::object();
  body["channel"] = p.channel.empty() ? "general" : p.channel;
  body["username"] = p.username.empty() ? "flagger" : p.username;
  body["icon_url"] = "";
  body["icon_emoji"] = ":rocket:";
  // "text" has omitempty and is never set, so it is left out.
  body["attachments"] = Json::array({std::move(attachment)});
  return body;
}

// MSTeamsPayload, a legacy MessageCard (teams.go).
Json TeamsBody(const AlertEvent& e) {
  Json facts = Json::array();
  for (const auto& [name, value] : e.fields) {
    Json f = Json::object();
    f["name"] = name;
    f["value"] = value;
    facts.push_back(std::move(f));
  }
  Json section = Json::object();
  section["activityTitle"] = e.message;
  section["activitySubtitle"] = Workload(e);
  section["facts"] = std::move(facts);

  Json body = Json::object();
  body["@type"] = "MessageCard";
  body["@context"] = "http://schema.org/extensions";
  body["themeColor"] = e.severity == Severity::kError ? "FF0000" : "0076D7";
  body["summary"] = Workload(e);
  body["sections"] = Json::array({std::move(section)});
  return body;
}

Json GChatSection(const std::string& text) {
  Json paragraph = Json::object();
  paragraph["text"] = text;
  Json widget = Json::object();
  widget["textParagraph"] = std::move(paragraph);
  Json section = Json::object();
  section["widgets"] = Json::array({std::move(widget)});
  return section;
}

// GChatPayload (gchat.go): the message, then one section per field.
Json GChatBody(const AlertEvent& e) {
  const std::string grey = "<font color=#848484><strong>";
  Json sections = Json::array();
  sections.push_back(GChatSection(grey + e.message + "</strong></font>"));
  for (const auto& [name, value] : e.fields) {
    sections.push_back(GChatSection(name + "<br>" + grey + value + "</strong></font>"));
  }
  Json header = Json::object();
  header["title"] = "Flagger";
  header["subtitle"] = Workload(e);
  header["imageUrl"] = "https://flagger.app/favicon.png";
  Json card = Json::object();
  card["header"] = std::move(header);
  card["sections"] = std::move(sections);
  Json body = Json::object();
  body["cards"] = Json::array({std::move(card)});
  return body;
}

// Flagger's event webhook body (CallEventWebhook), with the fields added.
std::string GenericBody(const AlertEvent& e) {
  std::map<std::string, std::string> metadata = {
      {"eventMessage", e.message},
      {"eventType", e.severity == Severity::kInfo ? "Normal" : "Warning"},
      {"timestamp", std::to_string(e.timestamp_ms)},
  };
  for (const auto& [name, value] : e.fields) metadata.emplace(name, value);
  return WebhookPayload(e.canary_name, e.ns, e.phase, e.checksum, metadata);
}

// path.Clean of a rooted path: "" and "." segments dropped, ".." goes up.
std::string CleanRootedPath(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view part : parts) (out += '/') += part;
  return out.empty() ? "/" : out;
}

// Discord's Slack-compatible endpoint: "/slack" joined to the URL's path.
std::string DiscordSlackUrl(const std::string& url) {
  const std::size_t sep = url.find("://");
  const std::size_t path_begin = std::min(url.find_first_of("/?#", sep + 3), url.size());
  const std::size_t path_end = std::min(url.find_first_of("?#", path_begin), url.size());
  const std::string path = url.substr(path_begin, path_end - path_begin) + "/slack";
  return url.substr(0, path_begin) + CleanRootedPath(path) + url.substr(path_end);
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarn: return "warn";
    case Severity::kError: return "error";
  }
  return "info";
}

Result<Severity> ParseSeverity(std::string_view text) {
  if (text.empty() || text == "info") return Severity::kInfo;
  if (text == "warn") return Severity::kWarn;
  if (text == "error") return Severity::kError;
  return Status::Invalid("alert severity must be info, warn or error, got " + GoJsonString(text));
}

bool AlertWanted(Severity configured, Severity event) {
  if (configured == Severity::kInfo) return true;
  if (configured == event) return true;
  return configured == Severity::kWarn && event == Severity::kError;
}

std::vector<std::pair<std::string, std::string>> AlertFields(const AlertFacts& facts,
                                                             bool metadata) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (!facts.cluster_name.empty()) fields.emplace_back("Cluster", facts.cluster_name);
  if (!metadata) return fields;
  fields.emplace_back("Target", facts.target_kind + "/" + facts.target_name + "." + facts.ns);
  fields.emplace_back("Failed checks threshold",
                      std::to_string(facts.threshold > 0 ? facts.threshold : 1));
  fields.emplace_back("Progress deadline",
                      std::to_string(facts.progress_deadline_seconds.value_or(600)) + "s");
  const std::string max = " max: " + std::to_string(facts.max_weight);
  if (facts.iterations > 0 && facts.has_match) {
    fields.emplace_back("Traffic routing", "A/B Testing");
  } else if (facts.iterations > 0) {
    fields.emplace_back("Traffic routing", "Blue/Green");
  } else if (facts.step_weight > 0) {
    fields.emplace_back("Traffic routing", "Weight step: " + std::to_string(facts.step_weight) + max);
  } else if (!facts.step_weights.empty()) {
    std::string steps;
    for (int w : facts.step_weights) {
      if (!steps.empty()) steps += ',';
      steps += std::to_string(w);
    }
    fields.emplace_back("Traffic routing", "Weight steps: " + steps + max);
  }
  return fields;
}

bool KnownAlertType(std::string_view type) {
  return type == "slack" || type == "discord" || type == "rocket" || type == "msteams" ||
         type == "gchat" || type == "generic";
}

std::string ShownUrl(const AlertProvider& provider, std::string_view url) {
  std::string shown = RedactUrl(url);
  if (!provider.address_from_secret) return shown;
  const std::size_t sep = shown.find("://");
  const std::size_t begin = sep == std::string::npos ? 0 : sep + 3;
  const std::size_t end = shown.find_first_of("/?#", begin);
  if (end != std::string::npos) shown.replace(end, std::string::npos, "/...");
  return shown;
}

std::string ProviderLabel(const AlertProvider& provider) {
  return provider.ns.empty() ? provider.name : provider.ns + "/" + provider.name;
}

Result<std::string> AlertUrl(const AlertProvider& provider) {
  const std::string where = "alert provider " + ProviderLabel(provider);
  if (provider.address.empty()) {
    return Status::Invalid(where + ": no address (set spec.address, or `address` in its secret)");
  }
  Status valid = ValidateWebhookUrl(provider.address);
  if (!valid.ok() && provider.address_from_secret) {
    return Status::Invalid(where + ": the address in its secret is not an http(s) URL");
  }
  if (!valid.ok()) return Status::Invalid(where + ": " + valid.message());
  const std::string& url = provider.address;
  const bool has_slack_suffix = url.size() >= 6 && url.compare(url.size() - 6, 6, "/slack") == 0;
  if (provider.type != "discord" || has_slack_suffix) return url;
  return DiscordSlackUrl(url);
}

Result<std::string> AlertPayload(const AlertProvider& provider, const AlertEvent& event) {
  const bool error = event.severity == Severity::kError;
  const std::string& type = provider.type;
  if (type == "slack" || type == "discord") {
    return GoMarshal(SlackBody(provider, event, error ? "danger" : "good"));
  }
  if (type == "rocket") return GoMarshal(SlackBody(provider, event, error ? "#FF0000" : "#0076D7"));
  if (type == "msteams") return GoMarshal(TeamsBody(event));
  if (type == "gchat") return GoMarshal(GChatBody(event));
  if (type == "generic") return GenericBody(event);
  return Status::Invalid("alert provider " + ProviderLabel(provider) + ": type " +
                         GoJsonString(type) + " is not supported (" + std::string(kTypes) + ")");
}

}  // namespace gitcanary::policies
