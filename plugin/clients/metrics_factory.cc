#include "plugin/clients/metrics_factory.h"

namespace gitcanary::plugin {

Result<PrometheusConfig> MetricsFactory::ConfigFor(const policies::MetricTemplate& t) {
  const std::string who = "MetricTemplate " + t.ns + "/" + t.name;
  if (t.provider_type != "prometheus")
    return Status::Invalid(who + ": provider type \"" + t.provider_type + "\" is not supported (gitcanary queries prometheus)");
  PrometheusConfig config;
  config.address = t.address.empty() ? builtin_.address : t.address;
  config.timeout_ms = builtin_.timeout_ms;
  config.headers = t.headers;
  config.insecure_skip_verify = t.insecure_skip_verify;
  if (config.address.empty()) return Status::Invalid(who + ": spec.provider.address is empty and no default Prometheus is set");
  if (t.secret_name.empty()) return config;
  if (secrets_ == nullptr) return Status::Invalid(who + ": secretRef " + t.secret_name + " given, but no secrets are configured");
  // Flagger reads the Secret from the template's own namespace; so does this,
  // never from another (a template's namespace is its own or the app's).
  auto token = secrets_->Get(t.ns, t.secret_name, "token");
  if (!token.ok()) return token.status();
  if (token->has_value()) {
    config.bearer_token = **token;
    return config;
  }
  auto user = secrets_->Get(t.ns, t.secret_name, "username");
  if (!user.ok()) return user.status();
  auto password = secrets_->Get(t.ns, t.secret_name, "password");
  if (!password.ok()) return password.status();
  if (!user->has_value() && !password->has_value())
    return Status::Invalid(who + ": spec.provider.secretRef: " + secrets_->Describe(t.ns, t.secret_name) +
                           " not found (no key token, username or password); a secretRef is read only from the "
                           "namespace of the MetricTemplate that names it");
  if (!user->has_value() || !password->has_value())
    return Status::Invalid(who + ": spec.provider.secretRef: " + secrets_->Describe(t.ns, t.secret_name) +
                           " has neither a token nor both a username and a password");
  config.username = **user;
  config.password = **password;
  return config;
}

Result<MetricsProvider*> MetricsFactory::For(const policies::MetricTemplate* tmpl, const std::string& metrics_server) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = tmpl != nullptr ? "template " + tmpl->ns + "/" + tmpl->name : "server " + metrics_server;
  if (auto it = clients_.find(key); it != clients_.end()) return static_cast<MetricsProvider*>(it->second.get());
  PrometheusConfig config = builtin_;
  if (tmpl != nullptr) {
    auto c = ConfigFor(*tmpl);
    if (!c.ok()) return c.status();
    config = std::move(*c);
  } else if (!metrics_server.empty()) {
    config.address = metrics_server;
  }
  if (config.address.empty()) return Status::Invalid("no Prometheus address for the built-in metrics");
  config.egress = config.address == builtin_.address ? nullptr : egress_;
  auto client = std::make_unique<PrometheusClient>(std::move(config));
  MetricsProvider* out = client.get();
  clients_.emplace(key, std::move(client));
  return out;
}

}  // namespace gitcanary::plugin
