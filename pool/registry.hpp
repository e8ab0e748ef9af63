#pragma once
// One pool per database, shared by every connector that names the same database (same dialect,
// host, port, database and user: connection_target::pool_key). The registry holds pools weakly:
// a pool lives while some connector holds it, so deleting the last connector of a database closes
// its connections. Thread-safety: safe from any thread.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "pool/pool.hpp"

namespace sluice::pool {

template <class Conn>
class registry {
 public:
  // The pool for `key`, created with `settings` and `factory` when none is alive. A pool created
  // earlier keeps its own settings (the first connector of a database sets the bound).
  std::shared_ptr<pool<Conn>> get(const std::string& key, const pool_settings& settings,
                                  std::function<std::unique_ptr<Conn>()> factory) {
    std::lock_guard lock(mu_);
    auto& weak = pools_[key];
    if (auto p = weak.lock()) {
      if (p->settings().max_size != settings.max_size)
        log::get("pool")->info(
            "{}: already pooled with connection.pool.max.size={}, keeping it (this connector "
            "asked for {}); the bound is per database, shared by all connectors",
            settings.name, p->settings().max_size, settings.max_size);
      return p;
    }
    auto p = std::make_shared<pool<Conn>>(settings, std::move(factory));
    weak = p;
    return p;
  }

  // Every live pool, for metrics.
  std::vector<std::shared_ptr<pool<Conn>>> live() {
    std::lock_guard lock(mu_);
    std::vector<std::shared_ptr<pool<Conn>>> out;
    for (auto it = pools_.begin(); it != pools_.end();) {
      if (auto p = it->second.lock()) {
        out.push_back(std::move(p));
        ++it;
      } else {
        it = pools_.erase(it);
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<pool<Conn>>> pools_;
};

}  // namespace sluice::pool
