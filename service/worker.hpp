#pragma once
// The worker (Kafka Connect's "herder"): the connectors of this process, their configs (kept in
// the state folder), their target states (RUNNING / PAUSED / STOPPED) and their runtimes. Every
// change is saved before it takes effect, so a restarted worker comes back with the same
// connectors in the same target states. A supervisor thread retries connectors whose start
// failed with a retryable error (errors.restart.*), samples the runtimes (STALLED) and logs every
// state change of a connector or task on one line with its context.
//
// Requests that cannot be served throw api_error with Kafka Connect's status code.
// Ownership: owns the runtimes (threads, consumers, pools through them) and the supervisor.
// Thread-safety: every public member may be called from any thread. Lifecycle operations on
// one connector are serialized (a second waits for the first); status reads never wait for them.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/connector_config.hpp"
#include "service/cluster.hpp"
#include "service/connector_runtime.hpp"
#include "service/state_store.hpp"

namespace sluice::service {

class exposition;

struct connector_info {
  std::string name;
  std::map<std::string, std::string> config;  // as given, secrets as [secret]
  config::connector_kind kind = config::connector_kind::sink;
  int tasks = 0;  // 0 when STOPPED
};

// What a restart request did, for its response (Kafka Connect: 204 when neither includeTasks nor
// onlyFailed was asked, else 202 with the status marking what restarts as RESTARTING).
struct restart_outcome {
  connector_status marked;
};

// A config change as PATCH gives it: a value sets the key, nullopt removes it.
using config_patch = std::map<std::string, std::optional<std::string>>;

class worker {
 public:
  // `worker_id` appears in every status ("127.0.0.1:8083"). With `cluster` enabled the
  // connectors live in the cluster's config topic (the state folder is not used) and statuses
  // are merged with the other workers'.
  worker(std::filesystem::path state_dir, std::string worker_id, cluster_options cluster = {});
  ~worker();  // stop()
  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void start();  // loads the state folder, starts its connectors and the supervisor
  void stop();   // stops every connector gracefully; their state stays for the next start

  const std::string& worker_id() const { return worker_id_; }
  std::vector<std::string> names() const;

  connector_info create(const std::string& name, std::map<std::string, std::string> values,
                        target_state initial);
  // Creates (second = true) or replaces the config of a connector.
  std::pair<connector_info, bool> put_config(const std::string& name,
                                             std::map<std::string, std::string> values);
  connector_info patch_config(const std::string& name, const config_patch& patch);
  void remove(const std::string& name);

  connector_info info(const std::string& name) const;
  connector_status status(const std::string& name) const;
  std::vector<std::string> topics(const std::string& name) const;
  // The validated config, for offsets; throws 404, or 400 when the stored config is invalid.
  config::connector_config config_of(const std::string& name) const;
  bool is_stopped(const std::string& name) const;
  // Runs `fn` with the connector's config while no lifecycle operation can start it; throws 400
  // (Kafka Connect's answer) unless the connector is STOPPED.
  void while_stopped(const std::string& name,
                     const std::function<void(const config::connector_config&)>& fn);

  void pause(const std::string& name);
  void resume(const std::string& name);
  void stop_connector(const std::string& name);
  restart_outcome restart(const std::string& name, bool include_tasks, bool only_failed);
  void restart_task(const std::string& name, int task);

  void collect(exposition& out) const;

  // Cluster mode: a connector's config or target state changed in the config topic (through
  // another worker, or this one's own echo, which changes nothing); nullopt: it was deleted.
  void apply_remote(const std::string& name, const std::optional<stored_connector>& stored);
  const cluster_options& cluster() const { return cluster_; }

 private:
  struct entry;
  std::shared_ptr<entry> find(const std::string& name) const;  // throws 404
  config::connector_config validated(const std::string& name,
                                     const std::map<std::string, std::string>& values) const;
  void launch(entry& e);  // with e.control held
  void halt(entry& e);    // with e.control held
  void save(const entry& e) const;
  connector_info info_of(const entry& e) const;
  static config::connector_kind info_of_kind(const entry& e);  // with e.mu held
  // With `others`, the tasks other workers published are added (cluster mode).
  connector_status status_of(const entry& e, bool others = true) const;
  connector_status local_status_of(const entry& e) const;
  // `persist`: save first (a request); false for a change read from the config topic.
  void replace_config(entry& e, std::map<std::string, std::string> values, bool persist = true);
  void retarget(entry& e, target_state t, bool persist);  // with e.control held
  void apply_stored(const std::string& name, const std::optional<stored_connector>& stored);
  std::vector<connector_status> local_statuses() const;
  void supervise(std::stop_token stop);
  void log_changes(entry& e);

  std::string worker_id_;
  cluster_options cluster_;
  std::unique_ptr<connector_store> store_;
  std::unique_ptr<status_board> board_;  // cluster mode
  mutable std::mutex mu_;  // guards connectors_
  std::map<std::string, std::shared_ptr<entry>> connectors_;
  std::jthread supervisor_;
};

}  // namespace sluice::service
