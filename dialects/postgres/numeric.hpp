#pragma once
// Exact decimal numbers for PostgreSQL's numeric: parsing from text / Connect Decimal / integers /
// doubles, and the binary wire form (base-10000 digits, weight, sign, display scale) that
// numeric_recv accepts. No floating point is involved except when the source value is a double,
// whose shortest round-trip text is used (0.1 stays 0.1).
// Thread-safety: pure functions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.hpp"

namespace sluice::pg {

struct decimal_digits {
  enum class kind : std::uint8_t { finite, nan, pos_inf, neg_inf };
  kind k = kind::finite;
  bool negative = false;
  std::string digits;  // base-10 digits without sign; may have leading zeros; empty means 0
  int scale = 0;       // value = digits × 10^-scale; may be negative
};

// "[+-]digits[.digits][e[+-]digits]", "NaN", "[+-]Infinity"/"inf" (case-insensitive), surrounding
// whitespace allowed. nullopt for anything else.
std::optional<decimal_digits> parse_decimal(std::string_view text);
// nullopt when `unscaled` is not an optionally signed run of digits.
std::optional<decimal_digits> from_decimal(const decimal_value& d);
decimal_digits from_int(std::int64_t v);
decimal_digits from_double(double v);

// Appends the numeric_send body (no length word). Returns false, appending nothing, when the value
// is beyond numeric's limits (131072 digits before the point, 16383 after).
bool append_numeric_binary(std::string& out, const decimal_digits& d);

// The integer value when the number has no fractional part; nullopt when it has one, is special,
// or does not fit in int64 (`out_of_range` tells which).
std::optional<std::int64_t> to_int64(const decimal_digits& d, bool& out_of_range);

}  // namespace sluice::pg
