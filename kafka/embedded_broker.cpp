#include "kafka/embedded_broker.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <librdkafka/rdkafka_mock.h>

#include "core/error.hpp"
#include "kafka/errors.hpp"
#include "kafka/settings.hpp"

namespace sluice::kafka {
namespace {

// Live brokers by address list, so clients given that list can create topics on them.
std::mutex registry_mu;
std::map<std::string, embedded_broker*, std::less<>>& registry() {
  static auto* r = new std::map<std::string, embedded_broker*, std::less<>>();
  return *r;
}

}  // namespace

embedded_broker::embedded_broker(int brokers, int default_partitions)
    : brokers_(brokers), default_partitions_(default_partitions) {
  if (brokers < 1 || default_partitions < 1)
    throw sluice::error({.what = "cannot start the embedded Kafka broker",
                         .where = "embedded broker",
                         .why = fmt::format("brokers={} and default_partitions={} must both be at "
                                            "least 1",
                                            brokers, default_partitions),
                         .fix = "pass positive counts"});
  // test.mock.num.brokers makes this handle create and own the mock cluster; the handle itself
  // then also serves the metadata look-ups create_topic needs.
  conf_ptr conf = make_conf({{"test.mock.num.brokers", std::to_string(brokers)},
                             {"client.id", "sluice-embedded-broker"}},
                            "embedded broker");
  std::array<char, 512> errstr{};
  handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
  if (!handle_)
    throw sluice::error({.what = "cannot start the embedded Kafka broker",
                         .where = "embedded broker",
                         .why = errstr.data(),
                         .fix = "check that 127.0.0.1 has free ports"});
  conf.release();  // rd_kafka_new took it
  cluster_ = rd_kafka_handle_mock_cluster(handle_.get());
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  std::lock_guard lock(registry_mu);
  registry()[bootstrap_] = this;
}

embedded_broker::~embedded_broker() {
  std::lock_guard lock(registry_mu);
  registry().erase(bootstrap_);
}

int embedded_broker::partition_count(const std::string& topic) const {
  topic_ptr t(rd_kafka_topic_new(handle_.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(handle_.get(), 0, t.get(), &md, 10000);
  if (err) throw to_error(err, "cannot read topic metadata", "embedded broker topic " + topic);
  metadata_ptr owned(md);
  for (int i = 0; i < md->topic_cnt; ++i)
    if (topic == md->topics[i].topic) return md->topics[i].partition_cnt;
  return 0;
}

void embedded_broker::create_topic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions,
                                                       std::min(brokers_, 3));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    int have = partition_count(topic);
    if (have == partitions) return;
    throw sluice::error(
        {.what = "cannot create topic",
         .where = "embedded broker topic " + topic,
         .why = fmt::format("it already exists with {} partitions, not {}", have, partitions),
         .fix = "use another topic name, or the existing partition count",
         .code = rd_kafka_err2name(err)});
  }
  throw to_error(err, "cannot create topic", "embedded broker topic " + topic);
}

void embedded_broker::ensure_topic(const std::string& topic, int partitions) {
  if (partitions < 1) partitions = default_partitions_;
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions,
                                                       std::min(brokers_, 3));
  if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    throw to_error(err, "cannot create topic", "embedded broker topic " + topic);
}

void embedded_broker::set_broker_down(int broker_id) {
  if (auto err = rd_kafka_mock_broker_set_down(cluster_, broker_id))
    throw to_error(err, "cannot take broker down", fmt::format("embedded broker {}", broker_id));
}

void embedded_broker::set_broker_up(int broker_id) {
  if (auto err = rd_kafka_mock_broker_set_up(cluster_, broker_id))
    throw to_error(err, "cannot bring broker up", fmt::format("embedded broker {}", broker_id));
}

embedded_broker& process_embedded_broker() {
  // Leaked on purpose: clients destroyed during static destruction may still talk to it.
  static embedded_broker* broker = new embedded_broker(1, 1);
  return *broker;
}

const settings& embedded_group_settings() {
  static const settings s{{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
  return s;
}

bool is_embedded_bootstrap(const std::string& bootstrap) {
  std::lock_guard lock(registry_mu);
  return registry().count(bootstrap) != 0;
}

bool ensure_embedded_topic(const std::string& bootstrap, const std::string& topic,
                           int partitions) {
  std::lock_guard lock(registry_mu);
  auto it = registry().find(bootstrap);
  if (it == registry().end()) return false;
  it->second->ensure_topic(topic, partitions);
  return true;
}

}  // namespace sluice::kafka
