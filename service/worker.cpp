#include "service/worker.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "config/raw_connector.hpp"
#include "config/rules.hpp"
#include "core/log.hpp"
#include "service/api_error.hpp"
#include "service/clock.hpp"
#include "service/worker_entry.hpp"

namespace sluice::service {
namespace {

void check_name(const std::string& name) {
  if (name.empty() || name.find_first_not_of(" \t") == std::string::npos)
    throw bad_request("Connector name cannot be empty");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      throw bad_request("Connector name must not contain ISO control characters");
}

// A config read back through GET .../config shows secrets masked: a secret key's value as
// "[secret]", a password inside connection.url as "password=[secret]" or "user:[secret]@". Sent
// back, such a value means "keep what is stored": it takes the stored value when it is exactly
// how the stored value is shown. A value that holds the mask but was edited elsewhere cannot get
// its password back and is refused (else the literal "[secret]" would become the password).
void restore_masked_secrets(const std::string& name, std::map<std::string, std::string>& values,
                            const std::map<std::string, std::string>& stored) {
  constexpr std::string_view mask = "[secret]";
  for (auto& [k, v] : values) {
    if (v.find(mask) == std::string::npos) continue;
    const auto it = stored.find(k);
    if (it == stored.end()) continue;
    const std::string shown = config::detail::shown_value(k, it->second);
    if (v == mask || v == shown) {
      v = it->second;
    } else if (shown != it->second) {
      throw bad_request(fmt::format(
          "Connector {}: {} holds [secret], the mask GET /connectors/{}/config shows in place of "
          "the stored password, but differs from the stored value elsewhere, so the password "
          "cannot be restored. Send {} with the real password (or ${{env:NAME}} / "
          "${{file:PATH:KEY}}, or the password in connection.password), or send it unchanged as "
          "GET shows it",
          name, k, name, k));
    }
  }
}

std::int64_t backoff_ms(const config::connector_config& cfg, int attempts) {
  const auto first = cfg.get_int("errors.restart.backoff.ms");
  const auto most = cfg.get_int("errors.restart.max.ms");
  return std::min<std::int64_t>(most, first << std::min(std::max(attempts - 1, 0), 20));
}

}  // namespace

worker::worker(std::filesystem::path state_dir, std::string worker_id, cluster_options cluster)
    : worker_id_(std::move(worker_id)), cluster_(std::move(cluster)) {
  if (cluster_.enabled()) {
    cluster_.complete();
    auto store = std::make_unique<cluster_store>(cluster_);
    store->set_listener([this](const std::string& name, const std::optional<stored_connector>& s) {
      apply_remote(name, s);
    });
    store_ = std::move(store);
    board_ = std::make_unique<status_board>(cluster_, worker_id_, [this] { return local_statuses(); });
  } else {
    store_ = std::make_unique<state_store>(std::move(state_dir));
  }
}

worker::~worker() { stop(); }

void worker::start() {
  std::vector<std::string> problems;
  auto stored = store_->load_all(problems);
  auto logger = log::get("service");
  for (const auto& p : problems) logger->warn("state folder: {}", p);
  for (auto& s : stored) {
    auto e = std::make_shared<entry>();
    e->name = s.name;
    e->values = std::move(s.config);
    e->values["name"] = s.name;
    e->target = s.target;
    try {
      e->cfg = validated(s.name, e->values);
    } catch (const api_error& err) {
      e->invalid = err.what();
      logger->error("connector=\"{}\" event=load state=FAILED reason=\"stored config is invalid "
                    "now; fix it with PUT /connectors/{}/config\"",
                    s.name, s.name);
    }
    {
      std::lock_guard lock(mu_);
      connectors_[s.name] = e;
    }
    std::lock_guard ctl(e->control);
    launch(*e);
  }
  logger->info("event=started connectors={} {}{}", stored.size(), store_->describe(),
               cluster_.enabled() ? fmt::format(" group_id=\"{}\" worker_id=\"{}\"",
                                                cluster_.group_id, worker_id_)
                                  : std::string());
  if (board_) board_->start();
  supervisor_ = std::jthread([this](std::stop_token st) { supervise(st); });
}

void worker::stop() {
  if (supervisor_.joinable()) {
    supervisor_.request_stop();
    supervisor_.join();
  }
  // Stop following the config topic first, so no change read meanwhile starts a connector again.
  if (auto* cs = dynamic_cast<cluster_store*>(store_.get())) cs->stop_following();
  std::vector<std::shared_ptr<entry>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, e] : connectors_) all.push_back(e);
  }
  for (auto& e : all) {
    std::lock_guard ctl(e->control);
    halt(*e);
  }
  if (board_) board_->stop();
}

std::vector<std::string> worker::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, _] : connectors_) out.push_back(n);
  return out;
}

std::shared_ptr<worker::entry> worker::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) throw not_found(fmt::format("Connector {} not found", name));
  return it->second;
}

config::connector_config worker::validated(const std::string& name,
                                           const std::map<std::string, std::string>& values) const {
  config::raw_connector raw{name, values, fmt::format("connector '{}'", name)};
  raw.values["name"] = name;
  if (cluster_.enabled()) {
    // Defaults of the cluster, not stored: the worker's broker, and (sources) the shared offsets
    // topic, so another worker taking a table over continues from its offset.
    raw.values.try_emplace("bootstrap.servers", cluster_.bootstrap_servers);
    auto cls = values.find("connector.class");
    const bool source = cls != values.end() && cls->second.find("ource") != std::string::npos;
    if (source && !values.contains("offset.storage.file.filename") && !values.contains("offsets.storage.topic"))
      raw.values.try_emplace("offset.storage.topic", cluster_.offset_topic);
    // Sinks: a worker joining or leaving moves only the partitions it must (kafka::consumer
    // avoids librdkafka 2.0.2's close-before-first-assignment assertion).
    if (!source)
      raw.values.try_emplace("consumer.override.partition.assignment.strategy", "cooperative-sticky");
  }
  auto r = config::validate(raw);
  if (r.config) {
    for (const auto& w : r.warnings) log::get("service")->warn("connector=\"{}\" {}", name, w.render());
    return std::move(*r.config);
  }
  std::string msg = fmt::format(
      "Connector configuration is invalid and contains the following {} error(s):", r.problems.size());
  for (const auto& p : r.problems) msg += "\n" + p.render();
  msg += "\nYou can also find the above list of errors at the endpoint "
         "`/connector-plugins/{connectorType}/config/validate`";
  throw bad_request(msg);
}

void worker::save(const entry& e) const {
  stored_connector s;
  {
    std::lock_guard lock(e.mu);
    s.name = e.name;
    s.config = e.values;
    s.target = e.target;
  }
  store_->save(s);
}

void worker::launch(entry& e) {
  std::optional<config::connector_config> cfg;
  target_state target;
  {
    std::lock_guard lock(e.mu);
    cfg = e.cfg;
    target = e.target;
  }
  if (target == target_state::stopped || !cfg) return;
  std::shared_ptr<connector_runtime> rt;
  error_info failed;
  try {
    std::optional<source::cluster_membership> membership;
    if (cluster_.enabled())
      membership = source::cluster_membership{cluster_.group_id, cluster_.session_timeout};
    rt = make_runtime(*cfg, membership);
    if (target == target_state::paused) rt->pause();  // starts paused
    rt->start();
    std::lock_guard lock(e.mu);
    e.rt = std::move(rt);
    e.start_error.reset();
    e.start_attempts = 0;
    e.next_start_ms = 0;
    return;
  } catch (const error& ex) {
    failed = ex.info();
  } catch (const std::exception& ex) {
    failed = error_info{.what = ex.what(), .where = fmt::format("connector '{}'", e.name)};
  }
  if (rt) rt->stop();
  std::lock_guard lock(e.mu);
  e.start_error = failed;
  ++e.start_attempts;
  e.next_start_ms = failed.retryable && cfg->get_bool("errors.restart.enable")
                        ? unix_ms() + backoff_ms(*cfg, e.start_attempts)
                        : 0;
}

void worker::halt(entry& e) {
  std::shared_ptr<connector_runtime> rt;
  {
    std::lock_guard lock(e.mu);
    rt = std::move(e.rt);
    e.start_error.reset();
    e.start_attempts = 0;
    e.next_start_ms = 0;
  }
  if (rt) rt->stop();  // graceful: flush, commit, leave the group, release connections
}

connector_info worker::create(const std::string& name, std::map<std::string, std::string> values,
                              target_state initial) {
  check_name(name);
  auto e = std::make_shared<entry>();
  e->name = name;
  e->cfg = validated(name, values);
  values["name"] = name;
  e->values = std::move(values);
  e->target = initial;
  std::lock_guard ctl(e->control);
  {
    std::lock_guard lock(mu_);
    if (connectors_.contains(name)) throw conflict(fmt::format("Connector {} already exists", name));
    connectors_[name] = e;
  }
  try {
    save(*e);
  } catch (...) {
    std::lock_guard lock(mu_);
    connectors_.erase(name);
    throw;
  }
  log::get("service")->info("connector=\"{}\" event=created target={}", name, to_string(initial));
  launch(*e);
  return info_of(*e);
}

void worker::replace_config(entry& e, std::map<std::string, std::string> values, bool persist) {
  {
    std::lock_guard lock(e.mu);
    restore_masked_secrets(e.name, values, e.values);
  }
  values["name"] = e.name;
  auto cfg = validated(e.name, values);
  std::map<std::string, std::string> old_values;
  {
    std::lock_guard lock(e.mu);
    old_values = e.values;
    e.values = values;
  }
  try {
    if (persist) save(e);
  } catch (...) {
    std::lock_guard lock(e.mu);
    e.values = std::move(old_values);
    throw;
  }
  halt(e);
  {
    std::lock_guard lock(e.mu);
    e.cfg = std::move(cfg);
    e.invalid.clear();
  }
  log::get("service")->info("connector=\"{}\" event=reconfigured", e.name);
  launch(e);
}

std::pair<connector_info, bool> worker::put_config(const std::string& name,
                                                   std::map<std::string, std::string> values) {
  check_name(name);
  if (auto it = values.find("name"); it != values.end() && it->second != name)
    throw bad_request(fmt::format(
        "Connector name configuration ({}) doesn't match connector name in the URL ({})",
        it->second, name));
  std::shared_ptr<entry> e;
  {
    std::lock_guard lock(mu_);
    if (auto it = connectors_.find(name); it != connectors_.end()) e = it->second;
  }
  if (!e) {
    try {
      return {create(name, std::move(values), target_state::running), true};
    } catch (const api_error& err) {
      if (err.status() != 409) throw;
      e = find(name);  // created meanwhile: update it
    }
  }
  std::lock_guard ctl(e->control);
  replace_config(*e, std::move(values));
  return {info_of(*e), false};
}

connector_info worker::patch_config(const std::string& name, const config_patch& patch) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  std::map<std::string, std::string> values;
  {
    std::lock_guard lock(e->mu);
    values = e->values;
  }
  for (const auto& [k, v] : patch) {
    if (k == "name" && v && *v != name)
      throw bad_request(fmt::format(
          "Connector name configuration ({}) doesn't match connector name in the URL ({})", *v, name));
    if (v)
      values[k] = *v;
    else
      values.erase(k);
  }
  replace_config(*e, std::move(values));
  return info_of(*e);
}

void worker::remove(const std::string& name) {
  auto e = find(name);
  std::lock_guard ctl(e->control);
  if (e->deleted) throw not_found(fmt::format("Connector {} not found", name));
  halt(*e);
  store_->remove(name);
  {
    std::lock_guard lock(e->mu);
    e->deleted = true;
  }
  {
    std::lock_guard lock(mu_);
    connectors_.erase(name);
  }
  log::get("service")->info("connector=\"{}\" event=deleted", name);
}

connector_info worker::info_of(const entry& e) const {
  connector_info i;
  std::lock_guard lock(e.mu);
  i.name = e.name;
  for (const auto& [k, v] : e.values) i.config[k] = config::detail::shown_value(k, v);
  i.kind = info_of_kind(e);
  if (e.cfg && e.target != target_state::stopped)
    i.tasks = static_cast<int>(e.cfg->get_int("tasks.max"));
  return i;
}

connector_info worker::info(const std::string& name) const { return info_of(*find(name)); }

std::vector<std::string> worker::topics(const std::string& name) const {
  auto e = find(name);
  std::shared_ptr<connector_runtime> rt;
  {
    std::lock_guard lock(e->mu);
    rt = e->rt;
  }
  return rt ? rt->topics() : std::vector<std::string>{};
}

config::connector_config worker::config_of(const std::string& name) const {
  auto e = find(name);
  std::lock_guard lock(e->mu);
  if (!e->cfg) throw bad_request(e->invalid);
  return *e->cfg;
}

bool worker::is_stopped(const std::string& name) const {
  auto e = find(name);
  std::lock_guard lock(e->mu);
  return e->target == target_state::stopped;
}

}  // namespace sluice::service
