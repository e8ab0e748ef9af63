#include "source/table_claims.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/handles.hpp"
#include "kafka/producer.hpp"

namespace sluice::source {
namespace {

// FNV-1a: stable across processes and versions (std::hash is not), so every worker maps a table
// to the same slot.
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

table_claims::table_claims(claims_options o) : o_(std::move(o)) {}

table_claims::~table_claims() { stop(); }

void table_claims::start() {
  try {
    kafka::producer p(o_.client, o_.where + " topic");
    if (!kafka::topic_exists(p.raw(), o_.topic, std::chrono::seconds(10)))
      p.create_topic_if_missing(o_.topic, o_.partitions, std::chrono::seconds(5));
  } catch (const error& e) {
    log::get("source")->warn("{}: cannot create topic {} ({}); relying on auto-creation",
                             o_.where, o_.topic, e.what());
  }
  kafka::settings cs = o_.client;
  cs["group.id"] = o_.group;
  const auto session = o_.session_timeout.count();
  cs["session.timeout.ms"] = std::to_string(session);
  cs["heartbeat.interval.ms"] = std::to_string(std::max<std::int64_t>(100, session / 10));
  // Eager, not cooperative-sticky: confirm() reads ILLEGAL_GENERATION as "fenced", which holds
  // only when a member gives everything up before a new generation. Under the cooperative
  // protocol members keep their partitions across generations, so a confirm racing a rebalance
  // fails although the table is still ours, and librdkafka then treats its assignment as lost
  // and rejoins, which starts the next rebalance (a storm, measured on the embedded broker).
  cs["partition.assignment.strategy"] = "roundrobin";
  consumer_ = std::make_unique<kafka::consumer>(cs, o_.where, this);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (slots_ == 0) {
    kafka::topic_ptr t(rd_kafka_topic_new(consumer_->raw(), o_.topic.c_str(), nullptr));
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(consumer_->raw(), 0, t.get(), &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      kafka::metadata_ptr owned(md);
      if (md->topic_cnt == 1 && !md->topics[0].err) slots_ = md->topics[0].partition_cnt;
    }
    if (slots_ > 0) break;
    if (std::chrono::steady_clock::now() >= deadline)
      throw error({.what = "cannot claim tables", .where = o_.where,
                   .why = fmt::format("the metadata of topic {} did not arrive within 30 s", o_.topic),
                   .fix = "check the broker, or create the topic", .retryable = true});
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  consumer_->subscribe({o_.topic});
  log::get("source")->info("{}: joined group {} on topic {} ({} slot(s))", o_.where, o_.group,
                           o_.topic, slots_);
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

void table_claims::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      consumer_->poll(std::chrono::milliseconds(100));  // the topic stays empty: only rebalances
    } catch (const std::exception& e) {
      log::get("source")->warn("{}: {}", o_.where, e.what());
    }
  }
}

void table_claims::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (consumer_) {
    try {
      consumer_->close();  // revokes through on_revoked: the tasks have stopped, nothing waits
    } catch (const std::exception& e) {
      log::get("source")->warn("{}: leaving the group: {}", o_.where, e.what());
    }
    consumer_.reset();
  }
}

int table_claims::slot_of(const source_partition& p) const {
  const int n = std::max(slots_, 1);
  return static_cast<int>(fnv1a(p.is_query() ? std::string_view("query") : p.table) %
                          static_cast<std::uint64_t>(n));
}

std::uint64_t table_claims::held(const source_partition& p) const {
  std::lock_guard lock(mu_);
  auto it = held_.find(slot_of(p));
  return it == held_.end() ? 0 : it->second;
}

bool table_claims::begin_poll(const source_partition& p, std::uint64_t epoch) {
  std::lock_guard lock(mu_);
  const int slot = slot_of(p);
  auto it = held_.find(slot);
  if (it == held_.end() || it->second != epoch) return false;
  ++busy_[slot];
  return true;
}

void table_claims::end_poll(const source_partition& p) {
  std::lock_guard lock(mu_);
  if (--busy_[slot_of(p)] <= 0) busy_.erase(slot_of(p));
  cv_.notify_all();
}

bool table_claims::confirm(const source_partition& p) {
  const int slot = slot_of(p);
  {
    std::lock_guard lock(mu_);
    if (!held_.contains(slot)) {
      // Being revoked in order (on_revoked waits for this poll): the group gives the slot to
      // nobody before this worker rejoins, so it is still ours.
      if (revoking_.contains(slot)) return true;
      return false;
    }
  }
  kafka::partition_list_ptr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), o_.topic.c_str(), slot)->offset = 0;
  const auto deadline = std::chrono::steady_clock::now() + o_.session_timeout;
  for (;;) {
    // The commit carries this member's id and generation; the coordinator refuses it once the
    // group went on without this worker (its session expired while it was frozen).
    const auto err = rd_kafka_commit(consumer_->raw(), list.get(), 0);
    if (!err) return true;
    {
      std::lock_guard lock(mu_);
      if (revoking_.contains(slot)) return true;
    }
    // A rebalance completing: the answer is not known yet (a fenced member may see this too).
    if (err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const bool fenced = err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
                        err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
                        err == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID ||
                        err == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS;
    if (!fenced) {
      // The coordinator could not answer (broker down, coordinator moving): not known to be
      // ours, so nothing is published now; the slot stays held and the next poll asks again.
      log::get("source")->warn("{}: cannot confirm table {} (slot {}): {}; polling it later",
                               o_.where, p.is_query() ? "query" : p.table, slot,
                               rd_kafka_err2str(err));
      return false;
    }
    log::get("source")->warn("{}: table {} (slot {}) is no longer ours: {}; publishing nothing "
                             "more for it",
                             o_.where, p.is_query() ? "query" : p.table, slot, rd_kafka_err2str(err));
    std::lock_guard lock(mu_);
    held_.erase(slot);
    return false;
  }
}

void table_claims::on_assigned(std::vector<kafka::topic_partition>& partitions) {
  std::lock_guard lock(mu_);
  for (const auto& tp : partitions) {
    held_[tp.partition] = next_epoch_++;
    revoking_.erase(tp.partition);
  }
  log::get("source")->info("{}: holding {} slot(s)", o_.where, held_.size());
}

void table_claims::on_revoked(const std::vector<kafka::topic_partition>& partitions) {
  const bool lost = consumer_ && rd_kafka_assignment_lost(consumer_->raw());
  std::unique_lock lock(mu_);
  for (const auto& tp : partitions) {
    held_.erase(tp.partition);
    if (!lost) revoking_.insert(tp.partition);
  }
  if (!lost) {
    // The polls in flight end at their next commit point (keep_going() sees the slot gone) and
    // store their offsets; only then may the group hand the tables to someone else.
    const bool done = cv_.wait_for(lock, std::chrono::seconds(60), [&] {
      for (const auto& tp : partitions)
        if (busy_.contains(tp.partition)) return false;
      return true;
    });
    if (!done)
      log::get("source")->warn("{}: polls still running 60 s after a revocation; giving the "
                               "tables up anyway (their confirm() fails from now on)",
                               o_.where);
  }
  for (const auto& tp : partitions) revoking_.erase(tp.partition);
  log::get("source")->info("{}: {} {} slot(s), holding {}", o_.where, lost ? "lost" : "released",
                           partitions.size(), held_.size());
}

}  // namespace sluice::source
