#pragma once
// The sink's settings, read once from a validated connector_config into plain fields so the hot
// path never looks a key up by name.
#include <chrono>
#include <string>
#include <vector>

#include "config/connector_config.hpp"
#include "sink/batch.hpp"

namespace sluice::sink {

enum class insert_mode { insert, upsert, update };
enum class pk_mode { none, kafka, record_key, record_value };
enum class tolerance { none, all };

struct sink_settings {
  std::string connector;  // connector name
  insert_mode insert = insert_mode::insert;
  pk_mode pk = pk_mode::none;
  std::vector<std::string> pk_fields;
  std::vector<std::string> fields_whitelist;
  std::string table_name_format = "${topic}";
  bool quote_always = true;
  bool delete_enabled = false;
  bool truncate_enabled = false;
  bool auto_create = false;
  bool auto_evolve = false;
  std::size_t batch_size = 3000;
  std::size_t batch_max_bytes = 16u << 20;
  std::chrono::milliseconds linger{50};
  int max_retries = 10;
  std::chrono::milliseconds retry_backoff{3000};
  std::string offsets_table = "sluice_offsets";
  tolerance errors = tolerance::none;
  std::string dlq_topic;
  bool dlq_context_headers = false;
  bool errors_log = false;
  int tasks = 1;
  std::string group_id;
  std::vector<std::string> topics;  // names, or one "^regex"

  static sink_settings from(const config::connector_config& c);
  // The target table name for a topic (table.name.format with ${topic} replaced).
  std::string table_for(const std::string& topic) const;
  // A batch's entries by target table, in order of first appearance, each in batch order;
  // entries that already failed (conversion) go to `failed` instead. The name is worked out
  // once per run of records from one topic, not once per record.
  struct table_entries {
    std::string table;
    std::vector<std::size_t> entries;
  };
  std::vector<table_entries> by_table(const batch& b, std::vector<std::size_t>& failed) const;
};

}  // namespace sluice::sink
