#include "sink/type_check.hpp"

#include <fmt/format.h>

namespace sluice::sink {
namespace {

enum class family { integer, numeric, floating, boolean, text, bytes, date, time, timestamp, other };

family family_of(unsigned oid) {
  switch (oid) {
    case 20: case 21: case 23: return family::integer;
    case 1700: return family::numeric;
    case 700: case 701: return family::floating;
    case 16: return family::boolean;
    case 25: case 1043: case 1042: case 19: case 114: case 3802: case 2950: return family::text;
    case 17: return family::bytes;
    case 1082: return family::date;
    case 1083: case 1266: return family::time;
    case 1114: case 1184: return family::timestamp;
    default: return family::other;
  }
}

}  // namespace

bool column_accepts(const field_schema& f, unsigned oid) {
  auto fam = family_of(oid);
  if (fam == family::other || fam == family::text) return true;
  switch (f.logical) {
    case logical_kind::decimal:
      return fam == family::numeric || fam == family::floating || fam == family::integer;
    case logical_kind::date:
      return fam == family::date || fam == family::timestamp;
    case logical_kind::time:
    case logical_kind::micro_time:
      return fam == family::time;
    case logical_kind::timestamp:
    case logical_kind::micro_timestamp:
    case logical_kind::nano_timestamp:
    case logical_kind::zoned_timestamp:
      return fam == family::timestamp || fam == family::date;
    case logical_kind::json:
    case logical_kind::uuid:
      return false;  // text family handled above
    case logical_kind::none:
      break;
  }
  switch (f.type) {
    case type_kind::int8: case type_kind::int16: case type_kind::int32: case type_kind::int64:
      return fam == family::integer || fam == family::numeric || fam == family::floating;
    case type_kind::float32: case type_kind::float64:
      return fam == family::floating || fam == family::numeric;
    case type_kind::boolean:
      return fam == family::boolean;
    case type_kind::string:
      return true;
    case type_kind::bytes:
      return fam == family::bytes;
    default:
      return false;
  }
}

std::string describe_field_type(const field_schema& f) {
  if (f.logical == logical_kind::decimal) return fmt::format("Decimal(scale {})", f.scale);
  if (f.logical != logical_kind::none) return std::string(to_string(f.logical));
  return std::string(to_string(f.type));
}

}  // namespace sluice::sink
