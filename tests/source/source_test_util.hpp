#pragma once
// Helpers for the source's integration tests: a fresh database per test on the shared throwaway
// PostgreSQL, one embedded Kafka broker per test process, connector configs, and a topic reader
// that accumulates what the source published and decodes it with the project's converter.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "config/connector_config.hpp"
#include "core/log.hpp"
#include "core/convert/converter.hpp"
#include "dialects/postgres/connection.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/handles.hpp"
#include "source/source_connector.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::source::testing {

using sluice::testing::pg_server;
using namespace std::chrono_literals;

inline kafka::embedded_broker& broker() {
  static kafka::embedded_broker b(1, 1);
  return b;
}

inline config::connector_config make_config(const std::map<std::string, std::string>& values) {
  config::raw_connector raw;
  raw.values = values;
  raw.name = values.at("name");
  raw.origin = "test";
  auto r = config::validate(raw);
  if (!r.config) {
    std::string all;
    for (const auto& p : r.problems) all += p.render() + "\n";
    throw std::runtime_error("invalid test config:\n" + all);
  }
  return *r.config;
}

// One message as read back.
struct message_copy {
  std::optional<std::string> key, value;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// Reads a topic from the beginning of every partition, keeping everything it read.
class topic_reader {
 public:
  topic_reader(std::string bootstrap, std::string topic)
      : topic_(std::move(topic)),
        // librdkafka's consumer needs a group.id even for manual assignment; this one never joins.
        consumer_({{"bootstrap.servers", bootstrap},
                   {"isolation.level", "read_committed"},
                   {"group.id", fmt::format("sluice-source-test-reader-{}", ++readers_)}},
                  "test reader", nullptr) {}

  // Reads until `count` messages in total or the timeout; returns how many were read.
  std::size_t wait_for(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got_.size() < count && std::chrono::steady_clock::now() < deadline) read_some(100ms);
    return got_.size();
  }
  // Reads everything now in the topic (up to the high watermarks), to count duplicates.
  const std::vector<message_copy>& drain() {
    if (!assigned_ && !assign()) return got_;
    for (int round = 0; round < 100; ++round) {
      bool behind = false;
      for (const auto& [p, next] : next_offset_) {
        std::int64_t lo = 0, hi = 0;
        if (rd_kafka_query_watermark_offsets(consumer_.raw(), topic_.c_str(), p, &lo, &hi, 5000) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            next < hi)
          behind = true;
      }
      if (!behind) break;
      read_some(200ms);
    }
    return got_;
  }
  const std::vector<message_copy>& messages() const { return got_; }

 private:
  bool assign() {
    // All topics, never the one: a request naming a missing topic makes the embedded broker
    // create it with its own default of 4 partitions, before the source creates it.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(consumer_.raw(), 1, nullptr, &md, 2000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return false;
    kafka::metadata_ptr owned(md);
    int partitions = 0;
    for (int i = 0; i < md->topic_cnt; ++i)
      if (topic_ == md->topics[i].topic && !md->topics[i].err) partitions = md->topics[i].partition_cnt;
    if (partitions == 0) return false;
    std::vector<kafka::topic_partition> all;
    for (int p = 0; p < partitions; ++p) {
      all.push_back({topic_, p, RD_KAFKA_OFFSET_BEGINNING});
      next_offset_[p] = 0;
    }
    kafka::partition_list_ptr list = kafka::to_list(all);
    rd_kafka_assign(consumer_.raw(), list.get());
    assigned_ = true;
    return true;
  }
  void read_some(std::chrono::milliseconds budget) {
    if (!assigned_ && !assign()) {
      std::this_thread::sleep_for(budget);
      return;
    }
    const auto until = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < until) {
      auto m = consumer_.poll(20ms);
      if (!m || m->error()) continue;
      message_copy c{.partition = m->partition(), .offset = m->offset()};
      if (auto k = m->key()) c.key = std::string(*k);
      if (auto v = m->value()) c.value = std::string(*v);
      next_offset_[m->partition()] = m->offset() + 1;
      got_.push_back(std::move(c));
    }
  }

  static inline std::atomic<int> readers_{0};
  std::string topic_;
  kafka::consumer consumer_;
  bool assigned_ = false;
  std::map<std::int32_t, std::int64_t> next_offset_;
  std::vector<message_copy> got_;
};

// Decodes published records with the project's own converter (what the sink reads).
inline std::vector<sink_record> decode(const std::vector<message_copy>& ms, bool schemas = true) {
  convert::record_converter conv({.key_format = convert::format::json, .key_schemas_enable = schemas,
                                  .value_format = convert::format::json,
                                  .value_schemas_enable = schemas});
  std::vector<sink_record> out;
  for (const auto& m : ms) out.push_back(conv.convert({"t", m.partition, m.offset, 0}, m.key, m.value));
  return out;
}

inline const value& field(const sink_record& r, const std::string& name) {
  static const value missing = std::string("<missing field>");
  if (!r.value_schema) return missing;
  const int i = r.value_schema->index_of(name);
  return i < 0 ? missing : r.value[static_cast<std::size_t>(i)];
}

inline std::int64_t int_field(const sink_record& r, const std::string& name) {
  const auto* v = std::get_if<std::int64_t>(&field(r, name));
  return v ? *v : -1;
}

class source_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* level = std::getenv("SLUICE_TEST_LOG")) log::set_level("source", level);
    db_ = server().create_database("source");
    static std::atomic<int> n{0};
    prefix_ = fmt::format("{}-{}-", ::testing::UnitTest::GetInstance()->current_test_info()->name(), ++n);
  }
  void TearDown() override {
    for (auto& c : connectors_) c->stop();
    connectors_.clear();
  }

  static pg_server& server() { return pg_server::shared(); }
  void sql(const std::string& s) const { server().exec(db_, s); }
  sluice::testing::text_rows query(const std::string& s) const { return server().query(db_, s); }
  std::unique_ptr<pg::connection> connect() const {
    return pg::connection::open(server().conninfo(db_), "source test");
  }

  // A connector config against this test's database and the embedded broker.
  std::map<std::string, std::string> base(const std::string& mode) const {
    return {{"name", prefix_ + "src"},
            {"connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"},
            {"connection.url", server().jdbc_url(db_)},
            {"mode", mode},
            {"topic.prefix", prefix_},
            {"poll.interval.ms", "100"},
            {"table.poll.interval.ms", "300"},
            {"batch.max.rows", "7"},
            {"bootstrap.servers", broker().bootstrap_servers()},
            {"offset.storage.file.filename", (dir_ / "offsets.json").string()}};
  }

  source_connector& start(const std::map<std::string, std::string>& values) {
    connectors_.push_back(std::make_unique<source_connector>(make_config(values)));
    connectors_.back()->start();
    return *connectors_.back();
  }
  void stop_all() {
    for (auto& c : connectors_) c->stop();
    connectors_.clear();
  }

  std::unique_ptr<topic_reader> reader(const std::string& table) const {
    return std::make_unique<topic_reader>(broker().bootstrap_servers(), prefix_ + table);
  }

  // Waits for `count` records in the table's topic, then reads to its end; decoded.
  std::vector<sink_record> published(const std::string& table, std::size_t count,
                                     std::chrono::milliseconds timeout = 20s) const {
    topic_reader r(broker().bootstrap_servers(), prefix_ + table);
    r.wait_for(count, timeout);
    return decode(r.drain());
  }

  std::string db_, prefix_;
  sluice::testing::temp_dir dir_{"sluice-source-test"};
  std::vector<std::unique_ptr<source_connector>> connectors_;
};

inline std::multiset<std::int64_t> ids_of(const std::vector<sink_record>& rs, const std::string& name = "id") {
  std::multiset<std::int64_t> out;
  for (const auto& r : rs) out.insert(int_field(r, name));
  return out;
}

}  // namespace sluice::source::testing
