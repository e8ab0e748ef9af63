#pragma once
// Builds the body of `COPY … FROM STDIN (FORMAT binary)`: the PGCOPY header, one tuple per row
// (field count, then per field a big-endian int32 length, -1 for NULL, and the type's binary
// form), and the trailer. Each column's target type is fixed at construction from its type OID;
// an OID the encoder cannot write fails there, so the caller can choose text for that column.
//
// Values are converted only where nothing is lost: int64 into numeric/float/text, text into a
// typed column by parsing it (schemaless JSON carries dates, numbers and UUIDs as strings), a
// Date into a timestamp. Anything else — an out-of-range integer, unparsable text, a fraction
// into an integer column — throws sluice::error naming the column and the value, with a 22xxx
// code, and leaves the buffer as it was before the row (so the caller can skip that record).
//
// Ownership: owns its buffer, reused batch to batch (begin() keeps the capacity). A caller may
// send data() and call consumed() between rows, to stream a large batch in chunks.
// Thread-safety: none; one encoder per writer thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.hpp"

namespace sluice::pg {

class copy_encoder {
 public:
  copy_encoder(std::vector<unsigned> column_type_oids, std::vector<std::string> column_names);

  void begin();  // clears the buffer (keeping its capacity) and writes the header
  // One pointer per column, in column order; nullptr or a null_value is NULL.
  void add_row(const std::vector<const value*>& fields);
  void finish();  // writes the trailer

  std::string_view data() const noexcept { return buf_; }
  // Streaming: once data() has been sent, empties the buffer (keeping its capacity) so the rows
  // that follow are appended to a fresh chunk; rows() goes on counting from begin().
  void consumed() noexcept { buf_.clear(); }
  std::size_t rows() const noexcept { return rows_; }
  std::size_t columns() const noexcept { return targets_.size(); }

  static bool supports(unsigned oid) noexcept;

  enum class target : std::uint8_t {
    int2, int4, int8, float4, float8, boolean, text, json, jsonb, bytea, numeric, date, time,
    timestamp, uuid
  };

 private:
  void encode(std::size_t col, const value& v);
  void put_int(std::size_t col, const value& v, std::int64_t lo, std::int64_t hi, int bytes);
  void put_float(std::size_t col, const value& v, bool single);
  void put_text(std::size_t col, const value& v, target t);
  [[noreturn]] void reject(std::size_t col, const value& v, std::string why, const char* code) const;

  std::vector<target> targets_;
  std::vector<std::string> names_;
  std::string buf_;
  std::size_t rows_ = 0;
};

}  // namespace sluice::pg
