#include "source/offsets.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_broker.hpp"
#include "kafka/handles.hpp"

namespace sluice::source {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

json::object partition_object(const source_partition& p) {
  json::object o;
  if (p.is_query()) {
    o["query"] = "query";
  } else {
    o["protocol"] = "1";
    o["table"] = p.table;
  }
  return o;
}

std::optional<std::int64_t> as_int(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

}  // namespace

std::string source_partition::json() const { return json::serialize(partition_object(*this)); }

std::string source_offset::json() const {
  json::object o;
  if (incrementing) o["incrementing"] = *incrementing;
  if (timestamp_us) {
    // java.sql.Timestamp: getTime() = milliseconds, getNanos() = nanoseconds of the second.
    const std::int64_t ms = floor_div(*timestamp_us, 1000);
    const std::int64_t sec = floor_div(*timestamp_us, 1000000);
    o["timestamp"] = ms;
    o["timestamp_nanos"] = (*timestamp_us - sec * 1000000) * 1000 + timestamp_ns;
  }
  return json::serialize(o);
}

std::optional<source_offset> source_offset::parse(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  source_offset out;
  out.incrementing = as_int(o.if_contains("incrementing"));
  if (auto ms = as_int(o.if_contains("timestamp"))) {
    if (auto nanos = as_int(o.if_contains("timestamp_nanos")); nanos && *nanos >= 0 && *nanos < 1000000000) {
      out.timestamp_us = floor_div(*ms, 1000) * 1000000 + *nanos / 1000;
      out.timestamp_ns = static_cast<std::int32_t>(*nanos % 1000);
    } else {
      out.timestamp_us = *ms * 1000;
    }
  }
  return out;
}

std::string offset_key(const std::string& connector, const source_partition& p) {
  json::array a;
  a.emplace_back(connector);
  a.emplace_back(partition_object(p));
  return json::serialize(a);
}

std::optional<source_partition> parse_offset_key(std::string_view key, const std::string& connector) {
  json::error_code ec;
  json::value v = json::parse(key, ec);
  if (ec || !v.is_array() || v.get_array().size() != 2) return std::nullopt;
  const auto& a = v.get_array();
  if (!a[0].is_string() || a[0].get_string() != connector || !a[1].is_object()) return std::nullopt;
  const auto& o = a[1].get_object();
  if (const auto* t = o.if_contains("table"); t && t->is_string())
    return source_partition{std::string(t->get_string())};
  if (o.if_contains("query")) return source_partition{};
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

file_offset_store::file_offset_store(std::string path, std::string connector)
    : path_(std::move(path)), connector_(std::move(connector)) {
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    if (fs::exists(path_))
      throw error({.what = "cannot read source offsets", .where = path_, .why = std::strerror(errno),
                   .fix = "make offset.storage.file.filename readable by sluice"});
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  json::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  if (ec || !v.is_array())
    throw error({.what = "cannot read source offsets", .where = path_,
                 .why = ec ? ec.message() : "the file is not a JSON array of {key, value} objects",
                 .fix = "restore the file from a backup, or remove it to start from "
                        "timestamp.initial / the beginning"});
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) continue;
    const auto* k = e.get_object().if_contains("key");
    const auto* val = e.get_object().if_contains("value");
    if (!k || !val) continue;
    auto p = parse_offset_key(json::serialize(*k), connector_);
    auto o = source_offset::parse(json::serialize(*val));
    if (p && o) offsets_[*p] = *o;
  }
}

std::optional<source_offset> file_offset_store::load(const source_partition& p) {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(p);
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

void file_offset_store::save(const source_partition& p, const source_offset& o) {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(p);
  if (it != offsets_.end() && it->second == o) return;
  offsets_[p] = o;
  write_locked();
}

void file_offset_store::remember(const source_partition& p, const source_offset& o) { save(p, o); }

void file_offset_store::write_locked() {
  std::string text = "[";
  bool first = true;
  for (const auto& [p, o] : offsets_) {
    text += first ? "\n  " : ",\n  ";
    first = false;
    text += fmt::format(R"({{"key":{},"value":{}}})", offset_key(connector_, p), o.json());
  }
  text += "\n]\n";

  const fs::path path(path_);
  auto fail = [&](const std::string& step) {
    throw error({.what = "cannot write source offsets", .where = path_,
                 .why = fmt::format("{}: {}", step, std::strerror(errno)),
                 .fix = "make the folder of offset.storage.file.filename writable, with free space",
                 .retryable = true});
  };
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  const std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("open " + tmp);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      fail("write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) fail("rename " + tmp);
  // The rename itself is durable only once the folder is synced.
  const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// ---------------------------------------------------------------------------------------------

topic_offset_store::topic_offset_store(const kafka::settings& producer_settings, std::string topic,
                                       std::string connector)
    : topic_(std::move(topic)), connector_(std::move(connector)), producer_settings_(producer_settings) {
  // Offsets must be written in order per key and never duplicated out of order: keep the
  // producer idempotent and bounded to one partition per key (the key decides the partition).
  producer_settings_.erase("transactional.id");
  producer_ = std::make_unique<kafka::producer>(
      producer_settings_, fmt::format("source '{}' offsets writer", connector_),
      [this](const kafka::delivery_report& r) {
        if (r.err && failed_++ == 0) first_error_ = r.error_text;
      });
  // A mock broker in another process (sluice kafka) never answers CreateTopics: ask only when
  // the topic is missing, and briefly; producing creates it where brokers auto-create topics.
  if (!kafka::topic_exists(producer_->raw(), topic_, std::chrono::seconds(10))) {
    try {
      producer_->create_topic_if_missing(topic_, 1, std::chrono::seconds(5));
    } catch (const error& e) {
      log::get("source")->warn("source '{}': cannot create offsets topic {} ({}); relying on the "
                               "broker's auto-creation",
                               connector_, topic_, e.what());
    }
  }
  offsets_ = read_all(producer_settings);
}

void topic_offset_store::refresh(const std::vector<source_partition>& ps) {
  auto found = read_all(producer_settings_);
  std::lock_guard lock(mu_);
  for (const auto& p : ps) {
    if (auto it = found.find(p); it != found.end())
      offsets_[p] = it->second;
    else
      offsets_.erase(p);
  }
}

topic_offset_store::~topic_offset_store() = default;

std::map<source_partition, source_offset> topic_offset_store::read_all(const kafka::settings& ps) {
  std::map<source_partition, source_offset> offsets;
  const auto where = fmt::format("source '{}' offsets topic {}", connector_, topic_);
  kafka::settings cs;
  for (const char* k : {"bootstrap.servers"})
    if (auto it = ps.find(k); it != ps.end()) cs[k] = it->second;
  // Security settings given to all clients (kafka.*) also reach the producer settings; carry
  // every key that is not producer-only.
  for (const auto& [k, v] : ps)
    if (k.starts_with("security.") || k.starts_with("sasl.") || k.starts_with("ssl."))
      cs[k] = v;
  cs["isolation.level"] = "read_committed";
  cs["enable.partition.eof"] = "true";  // a transaction marker may end a partition
  // librdkafka's consumer needs a group.id even for manual assignment; this one never joins.
  cs["group.id"] = fmt::format("sluice-offsets-reader-{}", connector_);
  kafka::consumer c(cs, where + " reader", nullptr);

  int partitions = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (partitions == 0) {
    kafka::topic_ptr t(rd_kafka_topic_new(c.raw(), topic_.c_str(), nullptr));
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(c.raw(), 0, t.get(), &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      kafka::metadata_ptr owned(md);
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        partitions = md->topics[0].partition_cnt;
    }
    if (partitions == 0) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw error({.what = "cannot read source offsets", .where = where,
                     .why = "the topic's metadata did not arrive within 30 s",
                     .fix = "check bootstrap.servers and that offset.storage.topic exists",
                     .retryable = true});
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::vector<kafka::topic_partition> all;
  std::map<std::int32_t, std::int64_t> end;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t lo = 0, hi = 0;
    auto err = rd_kafka_query_watermark_offsets(c.raw(), topic_.c_str(), p, &lo, &hi, 10000);
    if (err)
      throw error({.what = "cannot read source offsets", .where = where,
                   .why = rd_kafka_err2str(err), .retryable = true});
    if (hi > lo) {
      end[p] = hi;
      all.push_back({topic_, p, RD_KAFKA_OFFSET_BEGINNING});
    }
  }
  if (all.empty()) return offsets;
  kafka::partition_list_ptr list = kafka::to_list(all);
  if (auto err = rd_kafka_assign(c.raw(), list.get()))
    throw error({.what = "cannot read source offsets", .where = where, .why = rd_kafka_err2str(err),
                 .retryable = true});
  std::size_t read = 0;
  while (!end.empty()) {
    if (std::chrono::steady_clock::now() >= deadline + std::chrono::seconds(30))
      throw error({.what = "cannot read source offsets", .where = where,
                   .why = "the topic was not read to its end within 60 s (an open transaction "
                          "holds back read_committed readers?)",
                   .retryable = true});
    auto m = c.poll(std::chrono::milliseconds(200));
    if (!m) continue;
    if (m->error()) {
      if (m->error() == RD_KAFKA_RESP_ERR__PARTITION_EOF) end.erase(m->partition());
      continue;
    }
    ++read;
    if (auto k = m->key()) {
      if (auto p = parse_offset_key(*k, connector_)) {
        if (auto v = m->value()) {
          if (auto o = source_offset::parse(*v)) offsets[*p] = *o;
        } else {
          offsets.erase(*p);
        }
      }
    }
    if (auto it = end.find(m->partition()); it != end.end() && m->offset() + 1 >= it->second)
      end.erase(it);
  }
  log::get("source")->info("{}: {} offset record(s) read, {} partition(s) of this connector",
                           where, read, offsets.size());
  return offsets;
}

std::optional<source_offset> topic_offset_store::load(const source_partition& p) {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(p);
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

void topic_offset_store::save(const source_partition& p, const source_offset& o) {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(p);
  if (it != offsets_.end() && it->second == o) return;
  const std::string key = offset_key(connector_, p), value = o.json();
  for (;;) {
    auto err = producer_->produce(topic_, -1, key, value, {}, 0);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      producer_->poll(10);
      continue;
    }
    if (err)
      throw error({.what = "cannot write source offsets",
                   .where = fmt::format("source '{}' offsets topic {}", connector_, topic_),
                   .why = rd_kafka_err2str(err), .retryable = true});
    break;
  }
  producer_->flush(std::chrono::seconds(60));
  if (failed_) {
    failed_ = 0;
    throw error({.what = "cannot write source offsets",
                 .where = fmt::format("source '{}' offsets topic {}", connector_, topic_),
                 .why = first_error_, .retryable = true});
  }
  offsets_[p] = o;
}

void topic_offset_store::remember(const source_partition& p, const source_offset& o) {
  std::lock_guard lock(mu_);
  offsets_[p] = o;
}

}  // namespace sluice::source
