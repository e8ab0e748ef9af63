#include "service/offsets.hpp"

#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "kafka/producer.hpp"
#include "service/api_error.hpp"
#include "service/state_store.hpp"
#include "sink/sink_connector.hpp"
#include "source/offsets.hpp"

namespace sluice::service {
namespace json = boost::json;

namespace {

const char* altered = "The offsets for this connector have been altered successfully";
const char* was_reset = "The offsets for this connector have been reset successfully";

// ----- sink: rows of offsets.table.name ---------------------------------------------------------

using sink_offsets = std::map<sink::partition_key, std::optional<std::int64_t>>;  // nullopt: reset

std::map<sink::partition_key, std::int64_t> stored_sink_offsets(const config::connector_config& cfg) {
  return sink::make_writer(cfg, sink::sink_settings::from(cfg),
                           fmt::format("service: offsets of '{}'", cfg.name()))
      ->stored_offsets();
}

sink_offsets parse_sink_offsets(const json::value& body) {
  const auto* list = body.is_object() ? body.get_object().if_contains("offsets") : nullptr;
  if (!list || !list->is_array())
    throw bad_request("The request body must be {\"offsets\": [{\"partition\": {...}, \"offset\": {...}}]}");
  sink_offsets out;
  for (const auto& item : list->get_array()) {
    const auto* o = item.is_object() ? &item.get_object() : nullptr;
    const auto* p = o ? o->if_contains("partition") : nullptr;
    const auto* topic = p && p->is_object() ? p->get_object().if_contains("kafka_topic") : nullptr;
    const auto* part = p && p->is_object() ? p->get_object().if_contains("kafka_partition") : nullptr;
    if (!topic || !topic->is_string() || !part || !part->is_int64() || part->get_int64() < 0)
      throw bad_request("Every sink partition must be {\"kafka_topic\": \"<topic>\", "
                        "\"kafka_partition\": <non-negative integer>}");
    const auto* off = o->if_contains("offset");
    std::optional<std::int64_t> value;
    if (off && !off->is_null()) {
      const auto* ko = off->is_object() ? off->get_object().if_contains("kafka_offset") : nullptr;
      if (!ko || !ko->is_int64() || ko->get_int64() < 0)
        throw bad_request("Every sink offset must be {\"kafka_offset\": <non-negative integer>} "
                          "or null (reset that partition)");
      value = ko->get_int64();
    }
    out[{std::string(topic->get_string()), static_cast<std::int32_t>(part->get_int64())}] = value;
  }
  return out;
}

// Writes the offsets rows (creating table and rows as the sink does); nullopt offsets become the
// partition's low watermark. The consumer group's offsets are left alone: only lag tools read
// them, and the sink commits them again after its next batch. (Committing them from outside the
// group is refused by some brokers, and disturbed the next join on librdkafka's mock cluster.)
void write_sink_offsets(const config::connector_config& cfg, const sink_offsets& wanted) {
  if (wanted.empty()) return;
  const auto s = sink::sink_settings::from(cfg);
  const std::string where = fmt::format("sink '{}' offsets (REST)", cfg.name());
  std::optional<kafka::producer> client;  // any client answers watermark queries
  std::map<sink::partition_key, std::int64_t> rows;
  for (const auto& [k, v] : wanted) {
    std::int64_t next = 0;
    if (v) {
      next = *v;
    } else {
      if (!client) client.emplace(sink::producer_settings(cfg), where);
      std::int64_t low = 0, high = 0;
      if (auto err = rd_kafka_query_watermark_offsets(client->raw(), k.first.c_str(), k.second,
                                                      &low, &high, 10000))
        throw error({.what = "cannot reset offsets", .where = fmt::format("{} {}-{}", where, k.first, k.second),
                     .why = rd_kafka_err2str(err), .fix = "check bootstrap.servers and the topic",
                     .code = rd_kafka_err2name(err), .retryable = true});
      next = low;
    }
    rows[k] = next;
  }
  sink::make_writer(cfg, s, where)->set_offsets(rows);
}

// ----- source: entries of offset.storage.file.filename -----------------------------------------

void need_file_store(const config::connector_config& cfg) {
  if (!cfg.get_string("offset.storage.topic").empty())
    throw api_error(501, fmt::format(
        "Offsets of connector {} are kept in the topic {}; reading and changing them through "
        "the REST API is supported for offset.storage.file.filename only (read the topic with "
        "kcat for now)",
        cfg.name(), cfg.get_string("offset.storage.topic")));
}

json::array read_offset_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  json::error_code ec;
  auto v = json::parse(ss.str(), ec);
  if (ec || !v.is_array())
    throw error({.what = "cannot read source offsets", .where = path,
                 .why = ec ? ec.message() : "not a JSON array",
                 .fix = "restore the file from a backup, or remove it"});
  return std::move(v.get_array());
}

std::optional<source::source_partition> partition_of(const json::value& entry,
                                                     const std::string& connector) {
  const auto* k = entry.is_object() ? entry.get_object().if_contains("key") : nullptr;
  return k ? source::parse_offset_key(json::serialize(*k), connector) : std::nullopt;
}

source::source_partition parse_source_partition(const json::value& p) {
  const auto* o = p.is_object() ? &p.get_object() : nullptr;
  if (o)
    if (const auto* t = o->if_contains("table"); t && t->is_string())
      return source::source_partition{std::string(t->get_string())};
  if (o && o->if_contains("query")) return source::source_partition{};
  throw bad_request("Every source partition must be {\"protocol\": \"1\", \"table\": "
                    "\"<schema>.<table>\"} or {\"query\": \"query\"}");
}

// Replaces (or, for nullopt, removes) this connector's entries; other connectors' stay.
void write_source_offsets(
    const config::connector_config& cfg,
    const std::map<source::source_partition, std::optional<source::source_offset>>& changes,
    bool remove_all) {
  const auto path = cfg.get_string("offset.storage.file.filename");
  json::array kept;
  std::map<source::source_partition, std::optional<source::source_offset>> merged;
  for (auto& e : read_offset_file(path)) {
    auto p = partition_of(e, cfg.name());
    if (!p) {
      kept.push_back(std::move(e));
      continue;
    }
    if (remove_all) continue;
    const auto* v = e.get_object().if_contains("value");
    merged[*p] = v ? source::source_offset::parse(json::serialize(*v)) : std::nullopt;
  }
  for (const auto& [p, o] : changes) merged[p] = o;
  for (const auto& [p, o] : merged)
    if (o)
      kept.push_back(json::object{{"key", json::parse(source::offset_key(cfg.name(), p))},
                                  {"value", json::parse(o->json())}});
  std::string text = "[";
  for (std::size_t i = 0; i < kept.size(); ++i)
    text += (i ? ",\n  " : "\n  ") + json::serialize(kept[i]);
  text += "\n]\n";
  std::filesystem::path file(path);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_atomically(file, text, 0644);
}

}  // namespace

json::object read_offsets(const config::connector_config& cfg) {
  json::array list;
  if (cfg.kind() == config::connector_kind::sink) {
    for (const auto& [k, off] : stored_sink_offsets(cfg))
      list.push_back(json::object{
          {"partition", json::object{{"kafka_topic", k.first}, {"kafka_partition", k.second}}},
          {"offset", json::object{{"kafka_offset", off}}}});
  } else {
    need_file_store(cfg);
    for (const auto& e : read_offset_file(cfg.get_string("offset.storage.file.filename"))) {
      if (!partition_of(e, cfg.name())) continue;
      const auto& key = e.get_object().at("key").get_array();
      const auto* v = e.get_object().if_contains("value");
      list.push_back(json::object{{"partition", key.at(1)}, {"offset", v ? *v : json::value()}});
    }
  }
  return json::object{{"offsets", std::move(list)}};
}

std::string alter_offsets(const config::connector_config& cfg, const json::value& body) {
  if (cfg.kind() == config::connector_kind::sink) {
    write_sink_offsets(cfg, parse_sink_offsets(body));
    return altered;
  }
  need_file_store(cfg);
  const auto* list = body.is_object() ? body.get_object().if_contains("offsets") : nullptr;
  if (!list || !list->is_array())
    throw bad_request("The request body must be {\"offsets\": [{\"partition\": {...}, \"offset\": {...}}]}");
  std::map<source::source_partition, std::optional<source::source_offset>> changes;
  for (const auto& item : list->get_array()) {
    const auto* o = item.is_object() ? &item.get_object() : nullptr;
    const auto* p = o ? o->if_contains("partition") : nullptr;
    if (!p) throw bad_request("Every entry needs a \"partition\"");
    const auto* off = o->if_contains("offset");
    std::optional<source::source_offset> value;
    if (off && !off->is_null()) {
      value = off->is_object() ? source::source_offset::parse(json::serialize(*off)) : std::nullopt;
      if (!value || (!value->incrementing && !value->timestamp_us))
        throw bad_request("Every source offset must be an object with \"incrementing\" and/or "
                          "\"timestamp\" (ms) and \"timestamp_nanos\", or null");
    }
    changes[parse_source_partition(*p)] = value;
  }
  write_source_offsets(cfg, changes, false);
  return altered;
}

std::string reset_offsets(const config::connector_config& cfg) {
  if (cfg.kind() == config::connector_kind::sink) {
    sink_offsets all;
    for (const auto& [k, _] : stored_sink_offsets(cfg)) all[k] = std::nullopt;
    write_sink_offsets(cfg, all);
    return was_reset;
  }
  need_file_store(cfg);
  write_source_offsets(cfg, {}, true);
  return was_reset;
}

}  // namespace sluice::service
