#pragma once
// Source offsets in Kafka Connect's format, and where they are kept.
//
// A partition names what is polled: {"protocol":"1","table":"<schema>.<table>"} for a table,
// {"query":"query"} for query mode. An offset says how far it was published:
// {"incrementing": n, "timestamp": ms, "timestamp_nanos": n} (timestamp = milliseconds since the
// epoch, timestamp_nanos = the nanoseconds of that second, as java.sql.Timestamp splits them; all
// nine digits are kept, so an offset Kafka Connect stored for a SQL Server datetime2(7) column
// resumes at its exact 100 ns).
// Offsets are stored under Kafka Connect's key form ["<connector>", {partition}], in a local JSON
// file (written to a temporary file, fsynced, renamed) or in a compacted Kafka topic.
//
// Ownership: a store owns its file path or its Kafka clients. Thread-safety: every member of a
// store is safe from any thread (one store is shared by the connector's tasks).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/producer.hpp"
#include "kafka/settings.hpp"

namespace sluice::source {

struct source_partition {
  std::string table;  // "schema.table" as stored; empty for query mode

  bool is_query() const { return table.empty(); }
  std::string json() const;
  bool operator<(const source_partition& o) const { return table < o.table; }
  bool operator==(const source_partition&) const = default;
};

struct source_offset {
  std::optional<std::int64_t> incrementing;
  std::optional<std::int64_t> timestamp_us;  // microseconds since the epoch (UTC)
  // Nanoseconds past timestamp_us (0-999): SQL Server's datetime2(7) and datetimeoffset(7) hold
  // 100 ns, and a timestamp+incrementing poll resuming within rows of one such instant compares
  // it exactly. Kept in timestamp_nanos, as Kafka Connect keeps java.sql.Timestamp's nanos.
  std::int32_t timestamp_ns = 0;

  std::string json() const;
  // nullopt when `text` is not an offset object (a tombstone or foreign data).
  static std::optional<source_offset> parse(std::string_view text);
  bool operator==(const source_offset&) const = default;
};

// ["connector", {partition}] — the key Kafka Connect writes to its offsets topic.
std::string offset_key(const std::string& connector, const source_partition& p);
// The partition of an offset key written for `connector`; nullopt for other connectors' keys.
std::optional<source_partition> parse_offset_key(std::string_view key, const std::string& connector);

class offset_store {
 public:
  virtual ~offset_store() = default;
  virtual std::optional<source_offset> load(const source_partition& p) = 0;
  // Durable when it returns: fsynced (file) or acknowledged by the broker (topic).
  virtual void save(const source_partition& p, const source_offset& o) = 0;
  // Records an offset that was made durable elsewhere (in the same Kafka transaction as the rows).
  virtual void remember(const source_partition& p, const source_offset& o) = 0;
  // Reads these partitions' offsets again from where they are kept: in a cluster another worker
  // polled them meanwhile. Throws sluice::error (retryable) when they cannot be read.
  virtual void refresh(const std::vector<source_partition>&) {}
};

class file_offset_store final : public offset_store {
 public:
  // Reads `path` when it exists (a missing file is an empty store; an unreadable one throws).
  file_offset_store(std::string path, std::string connector);
  std::optional<source_offset> load(const source_partition& p) override;
  void save(const source_partition& p, const source_offset& o) override;
  void remember(const source_partition& p, const source_offset& o) override;

 private:
  void write_locked();

  std::string path_, connector_;
  std::mutex mu_;
  std::map<source_partition, source_offset> offsets_;
};

class topic_offset_store final : public offset_store {
 public:
  // Creates the topic when missing and reads it from the beginning (read_committed; last value
  // per key wins, a null value deletes). `producer_settings` serve the writes of save().
  topic_offset_store(const kafka::settings& producer_settings, std::string topic,
                     std::string connector);
  ~topic_offset_store() override;
  std::optional<source_offset> load(const source_partition& p) override;
  void save(const source_partition& p, const source_offset& o) override;
  void remember(const source_partition& p, const source_offset& o) override;
  void refresh(const std::vector<source_partition>& ps) override;
  const std::string& topic() const { return topic_; }

 private:
  std::map<source_partition, source_offset> read_all(const kafka::settings& s);

  std::string topic_, connector_;
  std::mutex mu_;
  std::map<source_partition, source_offset> offsets_;
  std::unique_ptr<kafka::producer> producer_;  // created on first save()
  kafka::settings producer_settings_;
  std::uint64_t failed_ = 0;
  std::string first_error_;
};

}  // namespace sluice::source
