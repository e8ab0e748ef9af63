#pragma once
// The worker's memory across restarts: one JSON file per connector in the state folder,
// {"name": .., "config": {..as given..}, "state": "RUNNING"|"PAUSED"|"STOPPED"}, written to a
// temporary file, fsynced and renamed (so a crash leaves the old or the new file, never half of
// one), mode 0600 because configs may hold passwords. File names are the connector name with
// bytes other than [A-Za-z0-9._-] percent-encoded.
// Ownership: owns nothing but the folder path. Thread-safety: calls for different connectors
// may run concurrently; calls for one connector must not (the worker serializes them).
#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace sluice::service {

// Writes `text` to a temporary file beside `path`, fsyncs it, renames it over `path` and syncs
// the folder. Throws sluice::error (retryable) naming the step that failed.
void write_atomically(const std::filesystem::path& path, const std::string& text, unsigned mode);

enum class target_state { running, paused, stopped };
std::string_view to_string(target_state t) noexcept;

struct stored_connector {
  std::string name;
  std::map<std::string, std::string> config;  // as given (providers unresolved)
  target_state target = target_state::running;
};

// Where the worker keeps its connectors: the state folder (standalone) or the cluster's config
// topic (service/cluster_store.hpp). save/remove are durable when they return.
class connector_store {
 public:
  virtual ~connector_store() = default;
  // Every connector stored; one that cannot be read is skipped with its reason in `problems`.
  virtual std::vector<stored_connector> load_all(std::vector<std::string>& problems) const = 0;
  virtual void save(const stored_connector& c) const = 0;  // throws sluice::error (retryable)
  virtual void remove(const std::string& name) const = 0;
  virtual std::string describe() const = 0;  // for logs: "state_dir=..." / "config_topic=..."
};

// The JSON document of one stored connector (the file's content, the config topic's value), and
// back; nullopt when `text` is not one.
std::string to_json(const stored_connector& c);
std::optional<stored_connector> stored_from_json(std::string_view text);

class state_store final : public connector_store {
 public:
  // Creates the folder (0700) when missing; throws sluice::error when it cannot.
  explicit state_store(std::filesystem::path dir);

  std::vector<stored_connector> load_all(std::vector<std::string>& problems) const override;
  void save(const stored_connector& c) const override;
  void remove(const std::string& name) const override;
  std::string describe() const override;
  const std::filesystem::path& dir() const { return dir_; }

  static std::string file_name(const std::string& connector);

 private:
  std::filesystem::path dir_;
};

}  // namespace sluice::service
