#pragma once
// Kafka Connect's offsets endpoints (KIP-875) over sluice's offset stores.
//   sink:   the rows of offsets.table.name for this connector (the truth: written in the same
//           transaction as the data). Altering or resetting writes those rows (the consumer
//           group's offsets follow at the sink's next commit). Reset sets every stored partition
//           to its low watermark (where auto.offset.reset=earliest would start).
//   source: the entries of offset.storage.file.filename for this connector. (A source with
//           offset.storage.topic is answered with 501 for now.)
// Partitions and offsets use Kafka Connect's JSON: {"kafka_topic", "kafka_partition"} /
// {"kafka_offset"} for sinks, {"protocol":"1","table":..} / {"incrementing", "timestamp",
// "timestamp_nanos"} for sources. Call these only while the connector is STOPPED.
// Thread-safety: plain functions; they open their own connections and clients.
#include <string>

#include <boost/json/fwd.hpp>

#include "config/connector_config.hpp"

namespace sluice::service {

boost::json::object read_offsets(const config::connector_config& cfg);
// Throws api_error 400 for a malformed body. Returns the success message.
std::string alter_offsets(const config::connector_config& cfg, const boost::json::value& body);
std::string reset_offsets(const config::connector_config& cfg);

}  // namespace sluice::service
