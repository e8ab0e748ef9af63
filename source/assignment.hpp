#pragma once
// Which task polls which table. Updated by the connector's table monitor, read by the tasks.
// A table keeps its task while it exists (its poller keeps its bound samples and transactional
// producer); a new table goes to the task with the fewest tables.
// Thread-safety: every member is safe from any thread.
#include <condition_variable>
#include <map>
#include <set>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "source/table_querier.hpp"

namespace sluice::source {

class table_assignment {
 public:
  explicit table_assignment(int tasks) : tasks_(tasks) {}

  // Replaces the list of polled targets (keyed by partition).
  void update(const std::vector<poll_target>& targets) {
    std::lock_guard lock(mu_);
    std::map<std::string, entry> next;
    std::vector<int> load(static_cast<std::size_t>(tasks_), 0);
    for (const auto& t : targets) {
      const std::string key = t.partition.json();
      if (auto it = entries_.find(key); it != entries_.end()) {
        next[key] = {t, it->second.task};
        ++load[static_cast<std::size_t>(it->second.task)];
      }
    }
    for (const auto& t : targets) {
      const std::string key = t.partition.json();
      if (next.contains(key)) continue;
      int best = 0;
      for (int i = 1; i < tasks_; ++i)
        if (load[static_cast<std::size_t>(i)] < load[static_cast<std::size_t>(best)]) best = i;
      ++load[static_cast<std::size_t>(best)];
      next[key] = {t, best};
    }
    entries_ = std::move(next);
    ready_ = true;
    cv_.notify_all();
  }

  std::vector<poll_target> for_task(int task) const {
    std::lock_guard lock(mu_);
    std::vector<poll_target> out;
    for (const auto& [k, e] : entries_)
      if (e.task == task) out.push_back(e.target);
    return out;
  }

  // The topics of every polled target, sorted, without repeats.
  std::vector<std::string> topics() const {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [k, e] : entries_) out.insert(e.target.topic);
    return {out.begin(), out.end()};
  }

  // Waits for the first update (or stop); false when stopped first.
  bool wait_ready(std::stop_token stop) {
    std::unique_lock lock(mu_);
    return cv_.wait(lock, stop, [this] { return ready_; });
  }

 private:
  struct entry {
    poll_target target;
    int task = 0;
  };
  int tasks_;
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::string, entry> entries_;
  bool ready_ = false;
};

}  // namespace sluice::source
