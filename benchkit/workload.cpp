#include "benchkit/workload.hpp"

#include <ctime>

#include <fmt/format.h>

namespace sluice::benchkit {
namespace {

std::string base64(const unsigned char* p, std::size_t n) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < n ? t[(v >> 6) & 63] : '=';
    out += i + 2 < n ? t[v & 63] : '=';
  }
  return out;
}

// Connect Decimal: unscaled value as minimal big-endian two's complement.
std::string decimal_bytes(std::int64_t unscaled) {
  unsigned char buf[8];
  for (int i = 0; i < 8; ++i) buf[7 - i] = static_cast<unsigned char>(unscaled >> (8 * i));
  int start = 0;
  while (start < 7 && ((buf[start] == 0 && !(buf[start + 1] & 0x80)) ||
                       (buf[start] == 0xff && (buf[start + 1] & 0x80))))
    ++start;
  return base64(buf + start, static_cast<std::size_t>(8 - start));
}

constexpr const char* value_schema =
    R"({"type":"struct","name":"bench.Value","optional":false,"fields":[)"
    R"({"field":"id","type":"int64","optional":false},)"
    R"({"field":"name","type":"string","optional":false},)"
    R"({"field":"amount","type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"12"}},)"
    R"({"field":"placed_at","type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},)"
    R"({"field":"paid","type":"boolean","optional":true}]})";

}  // namespace

row make_row(std::int64_t id, std::int64_t version) {
  std::uint64_t h = static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(version);
  h ^= h >> 29;
  row r;
  r.id = id;
  r.name = fmt::format("customer-{:08x}-v{}", h & 0xffffffff, version);
  r.amount_cents = static_cast<std::int64_t>(h % 100000000ull);
  r.placed_at_ms = 1700000000000ll + id * 1000 + version;
  r.paid = (h & 1) != 0;
  return r;
}

std::string key_json(std::int64_t id) {
  return fmt::format(R"({{"schema":{{"type":"int64","optional":false}},"payload":{}}})", id);
}

std::string value_json(const row& r) {
  return fmt::format(
      R"({{"schema":{},"payload":{{"id":{},"name":"{}","amount":"{}","placed_at":{},"paid":{}}}}})",
      value_schema, r.id, r.name, decimal_bytes(r.amount_cents), r.placed_at_ms,
      r.paid ? "true" : "false");
}

std::string decimal_base64(std::int64_t unscaled) { return decimal_bytes(unscaled); }

std::string csv_timestamp(std::int64_t unix_ms) {
  std::time_t secs = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char ts[40];
  std::strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03}+00", ts, unix_ms % 1000);
}

std::string csv_line(const row& r) {
  return fmt::format("{},{},{}.{:02},{},{}\n", r.id, r.name, r.amount_cents / 100,
                     r.amount_cents % 100, csv_timestamp(r.placed_at_ms), r.paid ? "t" : "f");
}

}  // namespace sluice::benchkit
