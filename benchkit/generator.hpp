#pragma once
// The key distribution of a sink benchmark: which row each record writes. A share of records
// are updates and a share deletes (tombstones) of rows written before, the key picked uniformly
// or with a Zipf skew (a few hot rows take most changes); the rest are new rows with ids counting
// up from `first_id`. Deterministic for a seed, so the ceiling measurement and the pipeline see
// the same operations. It also knows the rows the table must hold at the end.
// Ownership: a value type. Thread-safety: none (one generator per thread).
#include <cstdint>
#include <random>
#include <vector>

namespace sluice::benchkit {

struct key_mix {
  double updates = 0;  // share of records that rewrite an existing row (0..1)
  double deletes = 0;  // share of records that delete one
  bool zipf = false;   // skewed key choice (s = 1.1) instead of uniform
};

struct operation {
  std::int64_t id;
  std::int64_t version;  // 0 for a new row, the row's update count otherwise
  bool del;              // a tombstone
};

class generator {
 public:
  generator(key_mix mix, std::int64_t first_id, std::uint64_t seed = 42);
  operation next();
  // Rows alive now (written and not deleted): what the table holds after every operation so far.
  std::size_t live_rows() const { return live_.size(); }
  std::int64_t next_new_id() const { return next_id_; }

 private:
  std::size_t pick();  // index into live_

  key_mix mix_;
  std::int64_t next_id_;
  std::mt19937_64 rng_;
  std::vector<std::int64_t> live_;   // ids of live rows, in a shuffled-by-deletes order
  std::vector<std::int64_t> version_;  // parallel to live_
};

}  // namespace sluice::benchkit
