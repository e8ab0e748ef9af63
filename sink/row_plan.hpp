#pragma once
// The columns one table gets from a batch's records, and where each column's value comes from
// (a key field, a value field, or the record's Kafka coordinates), following pk.mode, pk.fields
// and fields.whitelist as Confluent's JDBC sink does. Dialect-neutral: writers for every database
// use the same plan. Not thread-safe (caches field positions per schema).
#include <array>
#include <string>
#include <unordered_map>
#include <span>
#include <vector>

#include "core/record.hpp"
#include "sink/batch.hpp"
#include "sink/sink_settings.hpp"

namespace sluice::sink {

enum class column_origin : std::uint8_t { key_field, value_field, kafka_topic, kafka_partition, kafka_offset };

struct planned_column {
  std::string name;
  field_schema schema;  // type for auto.create / auto.evolve
  column_origin origin;
  bool is_pk = false;
};

using value_scratch = std::array<value, 3>;  // holds generated Kafka-coordinate values

class row_plan {
 public:
  // Throws sluice::error naming pk.mode / pk.fields when the records cannot give the key asked for.
  static row_plan build(const sink_settings& s, const std::vector<const sink_record*>& records,
                        const std::string& table);

  const std::vector<planned_column>& columns() const noexcept { return columns_; }
  std::size_t pk_count() const noexcept { return pk_count_; }
  std::vector<std::string> pk_names() const;

  // out[i] points at the value of columns()[i] for `r` (nullptr = NULL / absent). With
  // keys_only, only the pk columns are filled (deletes).
  void extract(const sink_record& r, std::vector<const value*>& out, value_scratch& scratch,
               bool keys_only = false);
  // Appends to `out` a byte string equal for two records exactly when their pk values are equal.
  void append_dedupe_key(const sink_record& r, std::string& out);

  // What `entries` of a batch come to: the last operation per key wins and a truncate drops
  // everything before it; ups and dels keep batch order. Without a key, or with pk.mode=kafka
  // (every record is its own row), every record after the last truncate counts.
  struct group_ops {
    std::vector<std::size_t> ups, dels;
    bool truncate = false;
  };
  group_ops last_per_key(const std::vector<batch_entry>& all, const std::vector<std::size_t>& entries);
  // The entries of `entries` after its last truncate that share a key with one of `failed`
  // (entries last_per_key chose, which could not be written; repeats allowed), other than
  // `failed` themselves, in batch order: the records a failed one had superseded. With
  // errors.tolerance=all they are written in its place, as if each record had been written in
  // turn. Empty without de-duplication (every record was tried).
  std::vector<std::size_t> superseded_by(const std::vector<batch_entry>& all,
                                         const std::vector<std::size_t>& entries,
                                         std::span<const std::size_t> failed);

  // Writes `ops` (last_per_key of `entries`) by `attempt(ups, dels)`, which appends to `failed`
  // the entries it could not write. With give_way (errors.tolerance=all), the records those had
  // superseded are then written in their place, round by round, until a round fails nothing.
  template <class Attempt>
  void write_giving_way(const std::vector<batch_entry>& all, std::vector<std::size_t> entries,
                        group_ops ops, std::vector<std::size_t>& failed, bool give_way,
                        Attempt&& attempt) {
    for (;;) {
      const std::size_t before = failed.size();
      attempt(std::move(ops.ups), std::move(ops.dels));
      if (failed.size() == before || !give_way) return;
      entries = superseded_by(all, entries, std::span<const std::size_t>(failed).subspan(before));
      if (entries.empty()) return;
      ops = last_per_key(all, entries);
    }
  }

 private:
  const std::vector<int>& positions(const struct_schema* s, bool key_side);

  std::vector<planned_column> columns_;
  std::size_t pk_count_ = 0;
  bool dedupe_by_key_ = false;  // a key that names a row (not pk.mode=none or kafka)
  bool primitive_key_ = false;
  // field positions of each column in a given schema (-1 absent), per schema instance
  std::unordered_map<const struct_schema*, std::vector<int>> key_pos_, value_pos_;
  std::vector<const value*> tmp_;
  value_scratch tmp_scratch_;
};

}  // namespace sluice::sink
