#pragma once
// A batch: the records taken from the consumer for one database transaction, with the raw bytes
// of every record kept in one arena (for the dead-letter queue and the bisect of bad records),
// and per partition the offset range it covers. Built by the poll thread, then owned by the writer.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/record.hpp"
#include "kafka/message.hpp"

namespace sluice::sink {

using partition_key = std::pair<std::string, std::int32_t>;  // topic, partition

struct raw_span {
  std::uint32_t offset = 0;
  std::int32_t size = -1;  // -1 = null
};

struct batch_entry {
  sink_record rec;
  raw_span raw_key, raw_value;
  std::vector<kafka::header> headers;  // the record's own Kafka headers, for the dead-letter queue
  std::optional<error_info> failure;  // set when conversion or writing failed
};

// Work a writer did on a batch ahead of writing it (writer::stage), on the task's thread; its
// type belongs to the writer. It travels with the batch, so its buffers are reused with it, and
// any change to the batch's entries marks it stale.
struct staged_work {
  virtual ~staged_work() = default;
  bool ready = false;  // set by the writer's stage(); cleared when the entries change
};

struct offset_range {
  std::int64_t first = -1;  // first offset in this batch
  std::int64_t next = -1;   // last offset + 1
};

class batch {
 public:
  void clear();
  // clear(), keeping the entries' capacity for the next batch (a fresh 10k-entry vector is
  // several MiB of newly mapped pages to fault in: 12% of the consumer thread in a profile),
  // and the records themselves for take_record(), but not an arena grown past 4 MiB by one
  // batch's large records, nor a record over 64 KiB. What is kept is at most one batch of
  // decoded records (bounded by batch.size and batch.max.bytes), held until they are reused.
  void recycle();
  // A record to convert the next message into: one recycled with this batch (its buffers kept,
  // its contents stale) or a new one.
  sink_record take_record();
  // Appends a record, copying its raw bytes into the arena when `keep_raw` (only the dead-letter
  // queue reads them: without one, a batch holds its decoded rows alone).
  batch_entry& add(sink_record rec, std::optional<std::string_view> key,
                   std::optional<std::string_view> value, bool keep_raw = true);
  std::optional<std::string_view> raw(raw_span s) const;

  std::vector<batch_entry>& entries() noexcept { return entries_; }
  const std::vector<batch_entry>& entries() const noexcept { return entries_; }
  const std::map<partition_key, offset_range>& ranges() const noexcept { return ranges_; }
  std::size_t size() const noexcept { return entries_.size(); }
  // Key and value bytes of the records added (the byte bound of a batch).
  std::size_t bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return entries_.empty(); }
  // Removes the entries of the given partitions (after a revocation); returns how many.
  std::size_t drop_partitions(const std::vector<partition_key>& parts);
  // Keeps, in `part`, only entries with offset < `offset`, and ends its range there.
  void truncate_partition(const partition_key& part, std::int64_t offset);

  std::unique_ptr<staged_work> staged;         // see staged_work
  std::int64_t oldest_kafka_timestamp_ms = 0;  // for produce→commit latency
  std::int64_t created_ms = 0;                 // steady clock ms when the first record came

 private:
  std::vector<batch_entry> entries_;
  std::vector<sink_record> spare_records_;
  std::string arena_;
  std::size_t bytes_ = 0;
  std::map<partition_key, offset_range> ranges_;
  // The range add() last touched (records come in runs from one partition), forgotten by both
  // sides when a batch is moved or copied, and whenever ranges_ loses entries.
  struct range_cache {
    std::pair<const partition_key, offset_range>* at = nullptr;
    range_cache() = default;
    range_cache(const range_cache&) noexcept {}
    range_cache(range_cache&& o) noexcept { o.at = nullptr; }
    range_cache& operator=(const range_cache&) noexcept { at = nullptr; return *this; }
    range_cache& operator=(range_cache&& o) noexcept { at = o.at = nullptr; return *this; }
  } last_range_;
};

}  // namespace sluice::sink
