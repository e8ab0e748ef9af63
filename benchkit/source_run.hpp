#pragma once
// One measured run of a source pipeline, as `sluice run` runs it: the initial load of every row
// of the table (from the first row read to the last one acknowledged by the broker), then a
// steady write load into the same table (target::open_appender, on any family) while a reader
// of the topic notes, per row, the delay from its commit to its arrival in Kafka.
// Thread-safety: a plain function; it runs the connector, a writer and a reader and joins them.
#include <cstdint>
#include <map>
#include <string>

#include "benchkit/progress.hpp"
#include "benchkit/report.hpp"
#include "benchkit/shape.hpp"
#include "benchkit/target.hpp"

namespace sluice::benchkit {

struct source_plan {
  std::map<std::string, std::string> config;  // the connector's config values (from --config or built)
  shape columns;
  int partitions = 16;
  double cdc_rate = 200;      // rows committed per second in the steady phase
  double cdc_seconds = 5;     // 0 = no steady phase
  double timeout_seconds = 600;
};

// The topic a source writes `table` to, after its prefix (as source_connector names it).
std::string source_topic_name(const std::string& table);

// Connector config = plan.config + overrides (a sweep point) + {name, topic.prefix,
// table.whitelist = table, a fresh offsets file}; mode defaults to incrementing on the key
// column. The table must exist; the rows it holds are the initial load. Throws sluice::error
// when the config is invalid, the connector fails or progress stops.
run_figures run_source(const source_plan& plan, const std::map<std::string, std::string>& overrides,
                       const std::string& table, const std::string& topic_prefix, target& db, progress& bar);

}  // namespace sluice::benchkit
