// Rules that relate several options. Each names the key to change and how.
#include <regex.h>
#include <algorithm>
#include <fmt/format.h>
#include "config/checks.hpp"
#include "config/rules.hpp"

namespace sluice::config::detail {

namespace {

problem about(const connector_config& c, std::string_view key, std::string why, std::string fix) {
  const std::string k(key);
  return problem{k, c.is_set(k) ? shown_value(k, c.get_string(k)) : "", std::move(why), std::move(fix)};
}

// Given with something in it. Read from the values as given, so a value that failed its own
// check still counts as present (topics.regex=( is one problem, not also "no topics").
bool nonempty(const connector_config& c, std::string_view key) {
  const auto it = c.values().find(std::string(key));
  if (it == c.values().end()) return false;
  const option* o = find_option(key);
  return o && o->type == value_type::list ? !split_list(it->second).empty() : !trim(it->second).empty();
}

}  // namespace

void check_common_rules(const connector_config& c, std::vector<problem>& out) {
  const auto named = c.get_list("transforms");
  if (!named.empty())
    out.push_back(about(c, "transforms",
                        fmt::format("Single Message Transforms are not supported yet (named: {})", join(named, ", ")),
                        "remove transforms and the transforms.* settings; do the transformation in the "
                        "producer, in a view (sources) or in the database (sinks)"));
}

void check_sink_rules(const connector_config& c, std::vector<problem>& out) {
  const bool topics = nonempty(c, "topics"), regex = nonempty(c, "topics.regex");
  if (topics && regex)
    out.push_back(about(c, "topics.regex", "topics and topics.regex are both set; a sink takes one of them",
                        "remove topics.regex to consume the listed topics, or remove topics"));
  if (!topics && !regex)
    out.push_back(about(c, "topics", "neither topics nor topics.regex is set, so there is nothing to consume",
                        "set topics to a comma list of topics, or topics.regex to a pattern"));

  // Kafka Connect refuses a sink that would consume its own dead-letter records.
  const std::string dlq = c.get_string("errors.deadletterqueue.topic.name");
  if (!trim(dlq).empty()) {
    const auto listed = c.get_list("topics");
    if (topics && std::find(listed.begin(), listed.end(), trim(dlq)) != listed.end())
      out.push_back(about(c, "topics",
                          fmt::format("the dead letter queue topic '{}' is one of the topics consumed, so "
                                      "records failing there would come back to this sink",
                                      trim(dlq)),
                          "remove it from topics, or set errors.deadletterqueue.topic.name to another topic"));
    if (regex && c.is_set("topics.regex")) {
      regex_t re;
      const std::string pattern = topics_regex_subscription(c.get_string("topics.regex"));
      if (regcomp(&re, pattern.c_str(), REG_EXTENDED | REG_NOSUB) == 0) {
        const bool hit = regexec(&re, std::string(trim(dlq)).c_str(), 0, nullptr, 0) == 0;
        regfree(&re);
        if (hit)
          out.push_back(about(c, "topics.regex",
                              fmt::format("matches the dead letter queue topic '{}', so records failing there "
                                          "would come back to this sink",
                                          trim(dlq)),
                              "narrow topics.regex so it does not match it, or set "
                              "errors.deadletterqueue.topic.name to a topic it does not match"));
      }
    }
  }

  const std::string insert_mode = c.get_string("insert.mode"), pk_mode = c.get_string("pk.mode");
  if ((insert_mode == "upsert" || insert_mode == "update") && pk_mode == "none")
    out.push_back(about(c, "insert.mode",
                        fmt::format("insert.mode={} finds rows by primary key, but pk.mode is none", insert_mode),
                        "set pk.mode=record_key (key from the record key) or pk.mode=record_value (from "
                        "the value) with pk.fields, or use insert.mode=insert"));

  const auto pk_fields = c.get_list("pk.fields");
  if (pk_mode == "kafka" && pk_fields.size() != 0 && pk_fields.size() != 3)
    out.push_back(about(c, "pk.fields",
                        fmt::format("with pk.mode=kafka, pk.fields names the topic, partition and offset "
                                    "columns, so it takes 0 or 3 names, not {}", pk_fields.size()),
                        "give three column names, e.g. pk.fields=kafka_topic,kafka_partition,kafka_offset, "
                        "or leave pk.fields empty for __connect_topic,__connect_partition,__connect_offset"));

  if (c.get_bool("delete.enabled") && pk_mode != "record_key") {
    if (pk_mode == "record_value")
      out.push_back(about(c, "delete.enabled",
                          "a delete comes from a tombstone, which has no value, but pk.mode=record_value "
                          "takes the key from the value",
                          "set pk.mode=record_key (with pk.fields naming key fields), or delete.enabled=false"));
    else
      out.push_back(about(c, "delete.enabled",
                          fmt::format("deletes find rows by the record key, but pk.mode is {}", pk_mode),
                          "set pk.mode=record_key, or delete.enabled=false"));
  }
}

void check_source_rules(const connector_config& c, std::vector<problem>& out) {
  const std::string mode = c.get_string("mode");
  if (mode.starts_with("timestamp") && c.get_list("timestamp.column.name").empty())
    out.push_back(about(c, "timestamp.column.name",
                        fmt::format("mode={} needs the column(s) that hold each row's modification time", mode),
                        "set timestamp.column.name, e.g. updated_at, or use mode=incrementing"));

  const bool query = nonempty(c, "query");
  for (const char* list : {"table.whitelist", "table.blacklist", "table.include.list", "table.exclude.list"})
    if (query && nonempty(c, list))
      out.push_back(about(c, "query",
                          fmt::format("query and {} are both set; a source reads either the query or tables", list),
                          fmt::format("remove {} (a query names its own tables), or remove query", list)));
  if (nonempty(c, "table.whitelist") && nonempty(c, "table.blacklist"))
    out.push_back(about(c, "table.blacklist", "table.whitelist and table.blacklist are both set",
                        "keep one: the whitelist names the tables to read, the blacklist the tables to skip"));
  if (nonempty(c, "table.include.list") && nonempty(c, "table.exclude.list"))
    out.push_back(about(c, "table.exclude.list", "table.include.list and table.exclude.list are both set",
                        "keep one: include.list matches the tables to read, exclude.list the tables to skip"));
  const bool old_style = nonempty(c, "table.whitelist") || nonempty(c, "table.blacklist");
  const bool new_style = nonempty(c, "table.include.list") || nonempty(c, "table.exclude.list");
  if (old_style && new_style)
    out.push_back(about(c, nonempty(c, "table.include.list") ? "table.include.list" : "table.exclude.list",
                        "table.whitelist/blacklist and table.include.list/exclude.list are mixed",
                        "use table.include.list/table.exclude.list (regular expressions) only, or the "
                        "older table.whitelist/table.blacklist only"));

  if (query && c.values().contains("topic.prefix") && !nonempty(c, "topic.prefix"))
    out.push_back(about(c, "topic.prefix", "with query, topic.prefix is the whole topic name, and it is empty",
                        "set topic.prefix to the topic the query's rows go to"));

  if (c.get_bool("incrementing.relaxed.monotonic"))
    out.push_back(about(c, "incrementing.relaxed.monotonic",
                        "not supported: sluice reads the rows whose incrementing column is greater than the "
                        "last one published, so the column must grow strictly",
                        "remove incrementing.relaxed.monotonic (or set it to false), and use "
                        "mode=timestamp+incrementing if rows may reuse or go back on an id"));

  if (c.get_string("exactly.once.support") == "required" && !nonempty(c, "offset.storage.topic") &&
      !nonempty(c, "offsets.storage.topic"))
    out.push_back(about(c, "exactly.once.support",
                        "exactly-once needs the offsets in a Kafka topic, written in the same transaction "
                        "as the rows, but offset.storage.topic is not set (offsets go to a file)",
                        "set offset.storage.topic (e.g. connect-offsets), or exactly.once.support=requested"));
}

}  // namespace sluice::config::detail
