#pragma once
// Built-in PostgreSQL type OIDs (stable across versions; from pg_type.dat), so the dialect needs
// no server headers.

namespace sluice::pg::oid {

inline constexpr unsigned bool_ = 16;
inline constexpr unsigned bytea = 17;
inline constexpr unsigned char_ = 18;
inline constexpr unsigned name = 19;
inline constexpr unsigned int8 = 20;
inline constexpr unsigned int2 = 21;
inline constexpr unsigned int4 = 23;
inline constexpr unsigned text = 25;
inline constexpr unsigned oid = 26;
inline constexpr unsigned json = 114;
inline constexpr unsigned float4 = 700;
inline constexpr unsigned float8 = 701;
inline constexpr unsigned bpchar = 1042;
inline constexpr unsigned varchar = 1043;
inline constexpr unsigned date = 1082;
inline constexpr unsigned time = 1083;
inline constexpr unsigned timestamp = 1114;
inline constexpr unsigned timestamptz = 1184;
inline constexpr unsigned timetz = 1266;
inline constexpr unsigned numeric = 1700;
inline constexpr unsigned uuid = 2950;
inline constexpr unsigned jsonb = 3802;

}  // namespace sluice::pg::oid
