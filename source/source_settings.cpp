#include "source/source_settings.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::source {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

}  // namespace

std::string_view to_string(mode m) noexcept {
  switch (m) {
    case mode::bulk: return "bulk";
    case mode::incrementing: return "incrementing";
    case mode::timestamp: return "timestamp";
    case mode::timestamp_incrementing: return "timestamp+incrementing";
  }
  return "?";
}

source_settings source_settings::from(const config::connector_config& c) {
  source_settings s;
  s.connector = c.name();
  const auto where = fmt::format("source '{}'", c.name());
  const std::string m = lower(c.get_string("mode"));
  s.m = m == "incrementing"             ? mode::incrementing
        : m == "timestamp"              ? mode::timestamp
        : m == "timestamp+incrementing" ? mode::timestamp_incrementing
                                        : mode::bulk;
  s.quoting = lower(c.get_string("quote.sql.identifiers")) == "never" ? pg::quoting::never
                                                                      : pg::quoting::always;
  // Column names given by the user are matched exactly against the names PostgreSQL stores.
  if (auto inc = c.get_string("incrementing.column.name"); !inc.empty())
    s.incrementing_column = pg::stored_name(inc, s.quoting);
  for (const auto& t : c.get_list("timestamp.column.name"))
    s.timestamp_columns.push_back(pg::stored_name(t, s.quoting));
  s.timestamp_delay = std::chrono::milliseconds(c.get_int("timestamp.delay.interval.ms"));
  if (c.is_set("timestamp.initial")) s.timestamp_initial_ms = c.get_int("timestamp.initial");

  // Connect's Timestamp holds milliseconds; PostgreSQL keeps microseconds. Unless the user asks
  // for Connect's type by name, publish the lossless Debezium types the sink reads back exactly.
  const std::string g = lower(c.get_string("timestamp.granularity"));
  if (!c.is_set("timestamp.granularity")) s.ts_granularity = granularity::lossless;
  else if (g == "nanos_long") s.ts_granularity = granularity::nanos_long;
  else if (g == "nanos_string") s.ts_granularity = granularity::nanos_string;
  else if (g == "nanos_iso_datetime_string") s.ts_granularity = granularity::nanos_iso;
  else s.ts_granularity = granularity::connect_logical;

  s.validate_non_null = c.get_bool("validate.non.null");
  s.query = c.get_string("query");
  s.query_suffix = c.get_string("query.suffix");
  s.whitelist = c.get_list("table.whitelist");
  s.blacklist = c.get_list("table.blacklist");
  s.include_list = c.get_list("table.include.list");
  s.exclude_list = c.get_list("table.exclude.list");
  for (const auto& t : c.get_list("table.types")) s.table_types.push_back(upper(t));
  if (c.is_set("schema.pattern")) s.schema_pattern = c.get_string("schema.pattern");
  for (const auto& k : c.get_list("key.columns")) s.key_columns.push_back(pg::stored_name(k, s.quoting));
  s.topic_prefix = c.get_string("topic.prefix");
  s.poll_interval = std::chrono::milliseconds(c.get_int("poll.interval.ms"));
  s.batch_max_rows = static_cast<std::size_t>(c.get_int("batch.max.rows"));
  s.table_poll_interval = std::chrono::milliseconds(c.get_int("table.poll.interval.ms"));

  const std::string nm = lower(c.get_string("numeric.mapping"));
  if (c.is_set("numeric.mapping") || !c.get_bool("numeric.precision.mapping")) {
    s.numerics = nm == "precision_only"          ? numeric_mapping::precision_only
                 : nm == "best_fit"              ? numeric_mapping::best_fit
                 : nm == "best_fit_eager_double" ? numeric_mapping::best_fit_eager_double
                                                 : numeric_mapping::none;
  } else {
    s.numerics = numeric_mapping::precision_only;  // the deprecated boolean form
  }

  s.offsets_file = c.get_string("offset.storage.file.filename");
  s.offsets_topic = c.get_string("offset.storage.topic");
  const std::string eos = lower(c.get_string("exactly.once.support"));
  // requested: transactions whenever the offsets live in Kafka (they can then commit together).
  s.semantics = (eos == "required" || (eos == "requested" && !s.offsets_topic.empty()))
                    ? delivery::exactly_once
                    : delivery::at_least_once;
  if (eos == "required" && s.offsets_topic.empty())
    throw error({.what = "cannot start the source", .where = where,
                 .why = "exactly.once.support=required needs the offsets in a Kafka topic",
                 .fix = "set offset.storage.topic, or exactly.once.support=requested"});
  s.db_timezone = c.get_string("db.timezone");
  if (s.db_timezone.empty()) s.db_timezone = "UTC";

  s.key_format = convert::format_from_class(c.get_string("key.converter"), "key.converter");
  s.key_schemas_enable = c.get_bool("key.converter.schemas.enable");
  if (convert::format_from_class(c.get_string("value.converter"), "value.converter") !=
      convert::format::json)
    throw error({.what = "cannot start the source", .where = where,
                 .why = fmt::format("value.converter={} cannot hold a row (a struct)",
                                    c.get_string("value.converter")),
                 .fix = "set value.converter=org.apache.kafka.connect.json.JsonConverter"});
  s.value_schemas_enable = c.get_bool("value.converter.schemas.enable");
  s.tasks = static_cast<int>(c.get_int("tasks.max"));

  if (s.uses_incrementing() && s.incrementing_column.empty() && !s.query.empty())
    throw error({.what = "cannot start the source", .where = where,
                 .why = fmt::format("mode={} with a query needs the incrementing column named", m),
                 .fix = "set incrementing.column.name to a column of the query's result"});
  return s;
}

}  // namespace sluice::source
