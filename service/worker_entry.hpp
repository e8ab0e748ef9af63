#pragma once
// Internal to the worker (worker.cpp, worker_status.cpp): one connector's record.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "service/worker.hpp"

namespace sluice::service {

struct worker::entry {
  std::string name;
  std::mutex control;  // held by lifecycle operations on this connector, one at a time

  mutable std::mutex mu;  // guards the fields below; never held while a runtime starts or stops
  std::map<std::string, std::string> values;    // as given (persisted)
  std::optional<config::connector_config> cfg;  // unset when the stored config is invalid now
  std::string invalid;                          // why, when cfg is unset
  target_state target = target_state::running;
  std::shared_ptr<connector_runtime> rt;        // set while started (RUNNING or PAUSED)
  std::optional<error_info> start_error;        // the latest failed start
  int start_attempts = 0;                       // failed starts in a row
  std::int64_t next_start_ms = 0;               // automatic retry of the start (0 = none)
  bool restarting = false;                      // a requested restart is under way
  bool deleted = false;

  // Last logged state, reason and restart count per task (-1: the connector); the supervisor's
  // alone.
  struct logged_state {
    run_state state = run_state::unassigned;
    std::string reason;
    std::uint64_t restarts = 0;
  };
  std::map<int, logged_state> logged;
};

}  // namespace sluice::service
