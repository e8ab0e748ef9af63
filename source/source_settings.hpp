#pragma once
// The source's settings, read once from a validated connector_config into plain fields so the
// pollers never look a key up by name. Also decides the record formats that depend on several
// options at once (timestamp.granularity left at its default means "lossless").
// Thread-safety: a value type, immutable after from().
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/connector_config.hpp"
#include "core/convert/converter.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::source {

enum class mode { bulk, incrementing, timestamp, timestamp_incrementing };

// How timestamp (and time) columns are published.
enum class granularity {
  lossless,         // default (timestamp.granularity not set): MicroTimestamp / MicroTime
  connect_logical,  // set explicitly: Connect's Timestamp / Time (milliseconds)
  nanos_long,       // int64 nanoseconds since the epoch
  nanos_string,     // the same as a decimal string
  nanos_iso,        // "yyyy-MM-ddTHH:mm:ss.nnnnnnnnn" in db.timezone, no offset
};

enum class numeric_mapping { none, precision_only, best_fit, best_fit_eager_double };

enum class delivery {
  at_least_once,  // records acked, then the offset written (file or topic)
  exactly_once,   // records and offset in one Kafka transaction per poll (offsets topic)
};

struct source_settings {
  std::string connector;  // connector name
  mode m = mode::bulk;
  std::string incrementing_column;             // as stored (case kept or folded per quoting)
  std::vector<std::string> timestamp_columns;  // COALESCE order
  std::chrono::milliseconds timestamp_delay{0};
  std::optional<std::int64_t> timestamp_initial_ms;  // -1 = now; unset = from the beginning
  granularity ts_granularity = granularity::lossless;
  bool validate_non_null = true;
  std::string query;         // empty: table mode
  std::string query_suffix;  // appended to every generated SELECT
  std::vector<std::string> whitelist, blacklist;    // exact names: "table" or "schema.table"
  std::vector<std::string> include_list, exclude_list;  // regexes over "schema.table"
  std::vector<std::string> table_types;  // upper case: TABLE, VIEW, ...
  std::optional<std::string> schema_pattern;  // SQL LIKE
  std::vector<std::string> key_columns;       // empty: primary key
  std::string topic_prefix;
  std::chrono::milliseconds poll_interval{5000};
  std::size_t batch_max_rows = 100;
  std::chrono::milliseconds table_poll_interval{60000};
  numeric_mapping numerics = numeric_mapping::none;
  std::string offsets_file;   // used when offsets_topic is empty
  std::string offsets_topic;  // compacted topic; empty: the file
  delivery semantics = delivery::at_least_once;
  std::string db_timezone = "UTC";
  pg::quoting quoting = pg::quoting::always;
  convert::format key_format = convert::format::json;
  bool key_schemas_enable = true;
  bool value_schemas_enable = true;
  int tasks = 1;

  static source_settings from(const config::connector_config& c);

  bool uses_incrementing() const {
    return m == mode::incrementing || m == mode::timestamp_incrementing;
  }
  bool uses_timestamp() const { return m == mode::timestamp || m == mode::timestamp_incrementing; }
};

std::string_view to_string(mode m) noexcept;

}  // namespace sluice::source
