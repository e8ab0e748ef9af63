#pragma once
// One measured run of a sink pipeline, exactly as `sluice run` runs it: the generated records
// are produced to a fresh topic first, then the connector drains them (throughput: from the
// first record consumed to the last commit), then a steady phase at half that rate measures
// produce → commit latency. Counts are checked against the table at the end.
// Thread-safety: a plain function; it runs the connector's threads and joins them.
#include <cstdint>
#include <map>
#include <string>

#include "benchkit/generator.hpp"
#include "benchkit/target.hpp"
#include "benchkit/progress.hpp"
#include "benchkit/report.hpp"
#include "benchkit/shape.hpp"

namespace sluice::benchkit {

struct sink_plan {
  std::map<std::string, std::string> config;  // the connector's config values (from --config or built)
  shape columns;
  key_mix mix;
  std::uint64_t rows = 0;         // records of the throughput phase
  int partitions = 16;            // of each fresh topic on the embedded broker
  double latency_seconds = 5;     // steady phase length; 0 = none
  double latency_max_rate = 20000;
  double timeout_seconds = 600;   // without progress
  bool create_topics = false;     // the broker is the user's: create each fresh topic (CreateTopics)
};

// Runs one point: connector config = plan.config + overrides + {name, topics, table.name.format}.
// `table` must exist (empty or not: rows already there count in rows_expected). Throws
// sluice::error when the config is invalid, the connector fails, or progress stops.
run_figures run_sink(const sink_plan& plan, const std::map<std::string, std::string>& overrides,
                     const std::string& table, const std::string& topic, target& db, progress& bar);

}  // namespace sluice::benchkit
