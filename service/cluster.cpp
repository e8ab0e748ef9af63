#include "service/cluster.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/log.hpp"

namespace sluice::service {
namespace json = boost::json;

namespace {

constexpr std::string_view connector_prefix = "connector-";
constexpr std::string_view worker_prefix = "worker-";

run_state parse_state(std::string_view s) {
  for (auto st : all_states)
    if (to_string(st) == s) return st;
  return run_state::unassigned;
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

void cluster_options::complete() {
  if (config_topic.empty()) config_topic = group_id + "-configs";
  if (offset_topic.empty()) offset_topic = group_id + "-offsets";
  if (status_topic.empty()) status_topic = group_id + "-status";
}

kafka::settings cluster_options::client() const {
  return kafka::settings{{"bootstrap.servers", bootstrap_servers}};
}

cluster_store::cluster_store(const cluster_options& o)
    : log_(std::make_unique<topic_log>(o.client(), o.config_topic,
                                       fmt::format("cluster '{}' config topic", o.group_id))) {}

cluster_store::~cluster_store() { log_->stop(); }

void cluster_store::stop_following() { log_->stop(); }

void cluster_store::set_listener(listener l) {
  std::lock_guard lock(mu_);
  listener_ = std::make_shared<const listener>(std::move(l));
}

void cluster_store::on_record(const std::string& key, const std::optional<std::string>& value) const {
  if (!key.starts_with(connector_prefix)) return;  // room for other record kinds
  const std::string name = key.substr(connector_prefix.size());
  std::optional<stored_connector> c;
  if (value) {
    c = stored_from_json(*value);
    if (!c) {
      log::get("service")->warn("config topic: the record of connector \"{}\" is not a connector "
                                "config; skipped",
                                name);
      return;
    }
    c->name = name;
  }
  std::shared_ptr<const listener> l;
  {
    std::lock_guard lock(mu_);
    if (!loaded_) {
      if (c)
        initial_[name] = std::move(*c);
      else
        initial_.erase(name);
      return;
    }
    l = listener_;
  }
  if (l && *l) (*l)(name, c);
}

std::vector<stored_connector> cluster_store::load_all(std::vector<std::string>&) const {
  log_->start([this](const std::string& k, const std::optional<std::string>& v) { on_record(k, v); },
              std::chrono::seconds(30));
  std::lock_guard lock(mu_);
  loaded_ = true;
  std::vector<stored_connector> out;
  for (auto& [_, c] : initial_) out.push_back(std::move(c));
  initial_.clear();
  return out;
}

void cluster_store::save(const stored_connector& c) const {
  log_->publish(std::string(connector_prefix) + c.name, to_json(c));
}

void cluster_store::remove(const std::string& name) const {
  log_->publish(std::string(connector_prefix) + name, std::nullopt);
}

std::string cluster_store::describe() const {
  return fmt::format("config_topic=\"{}\"", log_->topic());
}

status_board::status_board(const cluster_options& o, std::string worker_id, snapshot_fn snapshot)
    : o_(o), worker_id_(std::move(worker_id)), snapshot_(std::move(snapshot)),
      log_(std::make_unique<topic_log>(o.client(), o.status_topic,
                                       fmt::format("cluster '{}' status topic", o.group_id))) {}

status_board::~status_board() { stop(); }

void status_board::start() {
  log_->start([this](const std::string& k, const std::optional<std::string>& v) { on_record(k, v); },
              std::chrono::seconds(30));
  publisher_ = std::jthread([this](std::stop_token st) { publish_loop(st); });
}

void status_board::stop() {
  if (!publisher_.joinable()) return;
  publisher_.request_stop();
  publisher_.join();
  try {
    log_->publish(std::string(worker_prefix) + worker_id_, std::nullopt);
  } catch (const std::exception& e) {
    log::get("service")->warn("status topic: cannot say this worker has gone: {}", e.what());
  }
  log_->stop();
}

void status_board::on_record(const std::string& key, const std::optional<std::string>& value) {
  if (!key.starts_with(worker_prefix)) return;
  const std::string id = key.substr(worker_prefix.size());
  if (id == worker_id_) return;
  std::lock_guard lock(mu_);
  if (!value) {
    workers_.erase(id);
    return;
  }
  json::error_code ec;
  const auto doc = json::parse(*value, ec);
  if (ec || !doc.is_object()) return;
  seen s{std::chrono::steady_clock::now(), {}};
  if (const auto* cs = doc.get_object().if_contains("connectors"); cs && cs->is_object())
    for (const auto& [name, cv] : cs->get_object()) {
      if (!cv.is_object()) continue;
      const auto& co = cv.get_object();
      remote_connector rc;
      rc.state = parse_state(string_of(co, "state"));
      rc.trace = string_of(co, "trace");
      if (const auto* ts = co.if_contains("tasks"); ts && ts->is_array())
        for (const auto& tv : ts->get_array()) {
          if (!tv.is_object()) continue;
          const auto& to = tv.get_object();
          task_state t;
          if (const auto* idv = to.if_contains("id"); idv && idv->is_int64())
            t.id = static_cast<int>(idv->get_int64());
          t.state = parse_state(string_of(to, "state"));
          t.trace = string_of(to, "trace");
          t.worker_id = id;
          rc.tasks.push_back(std::move(t));
        }
      s.connectors[std::string(name)] = std::move(rc);
    }
  workers_[id] = std::move(s);
}

std::vector<remote_connector> status_board::others(const std::string& connector) const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  std::vector<remote_connector> out;
  for (const auto& [id, s] : workers_) {
    if (now - s.at > o_.status_ttl) continue;  // killed: its tasks run nowhere now
    if (auto it = s.connectors.find(connector); it != s.connectors.end()) out.push_back(it->second);
  }
  return out;
}

void status_board::publish_loop(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    try {
      json::object connectors;
      for (const auto& c : snapshot_()) {
        json::array tasks;
        for (const auto& t : c.tasks)
          tasks.push_back(json::object{{"id", t.id}, {"state", to_string(t.state)}, {"trace", t.trace}});
        connectors[c.name] = json::object{
            {"state", to_string(c.state)}, {"trace", c.trace}, {"tasks", std::move(tasks)}};
      }
      log_->publish(std::string(worker_prefix) + worker_id_,
                    json::serialize(json::object{{"worker_id", worker_id_},
                                                 {"connectors", std::move(connectors)}}));
    } catch (const std::exception& e) {
      log::get("service")->warn("status topic: cannot publish this worker's status: {}", e.what());
    }
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
  }
}

}  // namespace sluice::service
