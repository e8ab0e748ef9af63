#pragma once
// Cluster mode of `sluice serve`: workers sharing a group.id coordinate through Kafka only (no
// election of their own). The connector configs and target states live in a compacted config
// topic that every worker reads from the beginning and then follows, so a change made through any
// worker's REST API runs on all of them; each worker publishes the status of its tasks to the
// status topic every second and merges the others' into its answers.
//
// cluster_store: the connector_store of cluster mode (the config topic). Records it reads after
// the initial load (other workers' changes, and this worker's own echoes) go to the listener.
// status_board: this worker's status record and the latest of every other live worker.
// Ownership: each owns its topic_log (clients and reader thread).
// Thread-safety: every public member may be called from any thread; listeners run on the
// reader thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kafka/settings.hpp"
#include "service/connector_runtime.hpp"
#include "service/state_store.hpp"
#include "service/topic_log.hpp"

namespace sluice::service {

struct cluster_options {
  std::string group_id;  // empty: standalone (state folder)
  std::string bootstrap_servers = "127.0.0.1:9092";
  std::string config_topic;  // default <group.id>-configs
  std::string offset_topic;  // default <group.id>-offsets (sources without offset.storage.topic)
  std::string status_topic;  // default <group.id>-status
  // Session timeout of the source table leases: how long a silent worker keeps its tables.
  std::chrono::milliseconds session_timeout{10000};
  // A worker whose status record is older than this is gone (killed) and its tasks not shown.
  std::chrono::milliseconds status_ttl{5000};

  bool enabled() const { return !group_id.empty(); }
  // Fills the topic names left empty.
  void complete();
  kafka::settings client() const;  // bootstrap.servers
};

class cluster_store final : public connector_store {
 public:
  // (name, config) after a change; nullopt when the connector was deleted.
  using listener = std::function<void(const std::string&, const std::optional<stored_connector>&)>;

  explicit cluster_store(const cluster_options& o);
  ~cluster_store() override;
  void set_listener(listener l);  // before load_all
  // Stops following the topic; returns once a change being applied is done. save/remove throw
  // from then on.
  void stop_following();

  // Reads the config topic to its end (throws sluice::error when it cannot) and keeps following.
  std::vector<stored_connector> load_all(std::vector<std::string>& problems) const override;
  void save(const stored_connector& c) const override;
  void remove(const std::string& name) const override;
  std::string describe() const override;

 private:
  void on_record(const std::string& key, const std::optional<std::string>& value) const;

  std::unique_ptr<topic_log> log_;
  mutable std::mutex mu_;  // guards listener_, loaded_, initial_
  std::shared_ptr<const listener> listener_;
  mutable bool loaded_ = false;
  mutable std::map<std::string, stored_connector> initial_;
};

// What one worker says about one connector.
struct remote_connector {
  run_state state = run_state::unassigned;
  std::string trace;
  std::vector<task_state> tasks;  // worker_id set
};

class status_board {
 public:
  using snapshot_fn = std::function<std::vector<connector_status>()>;

  status_board(const cluster_options& o, std::string worker_id, snapshot_fn snapshot);
  ~status_board();  // stop()

  void start();  // reads the status topic, then publishes every second on its own thread
  void stop();   // publishes that this worker has gone (a tombstone)

  // What the other live workers said about `connector` (their tasks carry their worker_id).
  std::vector<remote_connector> others(const std::string& connector) const;

 private:
  void on_record(const std::string& key, const std::optional<std::string>& value);
  void publish_loop(std::stop_token stop);

  cluster_options o_;
  std::string worker_id_;
  snapshot_fn snapshot_;
  std::unique_ptr<topic_log> log_;
  mutable std::mutex mu_;
  struct seen {
    std::chrono::steady_clock::time_point at;  // when this worker read it (no clock skew)
    std::map<std::string, remote_connector> connectors;
  };
  std::map<std::string, seen> workers_;
  std::jthread publisher_;
};

}  // namespace sluice::service
