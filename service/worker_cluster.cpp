// Cluster mode of the worker: changes read from the config topic, and the statuses this worker
// publishes for the others.
#include <fmt/format.h>

#include "core/log.hpp"
#include "service/api_error.hpp"
#include "service/worker.hpp"
#include "service/worker_entry.hpp"

namespace sluice::service {

void worker::apply_remote(const std::string& name, const std::optional<stored_connector>& stored) {
  try {
    apply_stored(name, stored);
  } catch (const std::exception& e) {
    log::get("service")->error("connector=\"{}\" event=apply_config_topic failed reason=\"{}\"",
                               name, e.what());
  }
}

void worker::apply_stored(const std::string& name, const std::optional<stored_connector>& stored) {
  std::shared_ptr<entry> e;
  {
    std::lock_guard lock(mu_);
    if (auto it = connectors_.find(name); it != connectors_.end()) e = it->second;
  }
  auto logger = log::get("service");
  if (!stored) {
    if (!e) return;  // our own delete, read back
    std::lock_guard ctl(e->control);
    if (e->deleted) return;
    halt(*e);
    {
      std::lock_guard lock(e->mu);
      e->deleted = true;
    }
    {
      std::lock_guard lock(mu_);
      if (auto it = connectors_.find(name); it != connectors_.end() && it->second == e)
        connectors_.erase(it);
    }
    logger->info("connector=\"{}\" event=deleted from=config_topic", name);
    return;
  }
  auto values = stored->config;
  values["name"] = name;
  if (!e) {
    e = std::make_shared<entry>();
    e->name = name;
    e->values = values;
    e->target = stored->target;
    try {
      e->cfg = validated(name, values);
    } catch (const api_error& err) {
      e->invalid = err.what();
    }
    std::lock_guard ctl(e->control);
    {
      std::lock_guard lock(mu_);
      if (connectors_.contains(name)) return;  // created here meanwhile; its echo follows
      connectors_[name] = e;
    }
    logger->info("connector=\"{}\" event=created target={} from=config_topic", name,
                 to_string(stored->target));
    launch(*e);
    return;
  }
  std::lock_guard ctl(e->control);
  bool same_values;
  {
    std::lock_guard lock(e->mu);
    if (e->deleted) return;
    same_values = e->values == values;
  }
  if (!same_values) {
    try {
      // The target applies to the new config: set it first so launch() starts it as it should.
      {
        std::lock_guard lock(e->mu);
        e->target = stored->target;
      }
      replace_config(*e, values, false);
      return;
    } catch (const api_error& err) {
      // Valid where it was written, invalid here (another version): show why, run nothing.
      halt(*e);
      std::lock_guard lock(e->mu);
      e->values = values;
      e->cfg.reset();
      e->invalid = err.what();
      return;
    }
  }
  retarget(*e, stored->target, false);
}

std::vector<connector_status> worker::local_statuses() const {
  std::vector<std::shared_ptr<entry>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, e] : connectors_) all.push_back(e);
  }
  std::vector<connector_status> out;
  for (const auto& e : all) out.push_back(status_of(*e, false));
  return out;
}

}  // namespace sluice::service
