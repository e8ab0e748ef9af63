#include "sink/sink_settings.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::sink {
namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
}  // namespace

sink_settings sink_settings::from(const config::connector_config& c) {
  sink_settings s;
  s.connector = c.name();
  auto im = lower(c.get_string("insert.mode"));
  s.insert = im == "upsert" ? insert_mode::upsert
             : im == "update" ? insert_mode::update
                              : insert_mode::insert;
  auto pm = lower(c.get_string("pk.mode"));
  s.pk = pm == "kafka"          ? pk_mode::kafka
         : pm == "record_key"   ? pk_mode::record_key
         : pm == "record_value" ? pk_mode::record_value
                                : pk_mode::none;
  s.pk_fields = c.get_list("pk.fields");
  s.fields_whitelist = c.get_list("fields.whitelist");
  s.table_name_format = c.get_string("table.name.format");
  s.quote_always = lower(c.get_string("quote.sql.identifiers")) != "never";
  s.delete_enabled = c.get_bool("delete.enabled");
  s.truncate_enabled = c.get_bool("truncate.enabled");
  s.auto_create = c.get_bool("auto.create");
  s.auto_evolve = c.get_bool("auto.evolve");
  s.batch_size = static_cast<std::size_t>(c.get_int("batch.size"));
  s.batch_max_bytes = static_cast<std::size_t>(c.get_int("batch.max.bytes"));
  s.linger = std::chrono::milliseconds(c.get_int("batch.linger.ms"));
  s.max_retries = static_cast<int>(c.get_int("max.retries"));
  s.retry_backoff = std::chrono::milliseconds(c.get_int("retry.backoff.ms"));
  s.offsets_table = c.get_string("offsets.table.name");
  s.errors = lower(c.get_string("errors.tolerance")) == "all" ? tolerance::all : tolerance::none;
  s.dlq_topic = c.get_string("errors.deadletterqueue.topic.name");
  s.dlq_context_headers = c.get_bool("errors.deadletterqueue.context.headers.enable");
  s.errors_log = c.get_bool("errors.log.enable");
  s.tasks = static_cast<int>(c.get_int("tasks.max"));
  s.group_id = c.get_string("group.id");
  if (s.group_id.empty()) s.group_id = "connect-" + c.name();
  s.topics = c.get_list("topics");
  if (s.topics.empty() && c.is_set("topics.regex"))
    s.topics.push_back(config::topics_regex_subscription(c.get_string("topics.regex")));
  if (s.pk == pk_mode::kafka && s.pk_fields.empty())
    s.pk_fields = {"__connect_topic", "__connect_partition", "__connect_offset"};
  return s;
}

std::string sink_settings::table_for(const std::string& topic) const {
  std::string out = table_name_format;
  const std::string token = "${topic}";
  for (auto pos = out.find(token); pos != std::string::npos; pos = out.find(token, pos + topic.size()))
    out.replace(pos, token.size(), topic);
  return out;
}

std::vector<sink_settings::table_entries> sink_settings::by_table(const batch& b,
                                                                 std::vector<std::size_t>& failed) const {
  std::vector<table_entries> out;
  const std::string* last_topic = nullptr;
  std::size_t group = 0;
  for (std::size_t i = 0; i < b.entries().size(); ++i) {
    const auto& e = b.entries()[i];
    if (e.failure) {
      failed.push_back(i);
      continue;
    }
    if (last_topic == nullptr || *last_topic != e.rec.pos.topic) {
      last_topic = &e.rec.pos.topic;
      auto name = table_for(e.rec.pos.topic);
      auto it = std::find_if(out.begin(), out.end(), [&](const table_entries& t) { return t.table == name; });
      group = static_cast<std::size_t>(it - out.begin());
      if (it == out.end()) out.push_back({std::move(name), {}});
    }
    out[group].entries.push_back(i);
  }
  return out;
}

}  // namespace sluice::sink
