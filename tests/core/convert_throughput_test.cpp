// A throughput self-check for the hot path: 100k envelope records through one converter. The
// rate is printed for the lead to compare runs, not asserted (machines differ).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/core/convert_test_util.hpp"

namespace sluice::convert {
namespace {

using namespace testing;

TEST(ConverterThroughput, Converts100kEnvelopeRecordsAndPrintsTheRate) {
  struct_schema s{.name = "bench.Value",
                  .fields = {field("id", type_kind::int64, logical_kind::none, false),
                             field("name", type_kind::string),
                             field("amount", type_kind::bytes, logical_kind::decimal, true, 2),
                             field("created", type_kind::int64, logical_kind::timestamp),
                             field("active", type_kind::boolean),
                             field("score", type_kind::float64),
                             field("day", type_kind::int32, logical_kind::date),
                             field("note", type_kind::string)}};
  constexpr int n = 100'000;
  std::vector<std::string> messages;
  messages.reserve(1000);
  for (int i = 0; i < 1000; ++i)
    messages.push_back(encode_connect_json(
        s,
        {std::int64_t{i}, std::string("customer ") + std::to_string(i), decimal_value{std::to_string(i * 137 - 5000), 2},
         timestamp_value{1700000000000000 + i * 1000}, i % 2 == 0, i * 0.5, date_value{19000 + i},
         std::string("a somewhat longer note field that carries some free text")},
        true));
  const std::string key_text = R"({"schema":{"type":"int64","optional":false},"payload":12345})";
  record_converter conv(json_settings(true));
  std::size_t bytes = 0, fields = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    const auto& m = messages[static_cast<std::size_t>(i % 1000)];
    auto r = conv.convert(test_pos, key_text, m);
    bytes += m.size();
    fields += r.value.size();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(fields, std::size_t{n} * 8);
  std::printf("[ throughput ] %d envelope records (%.0f bytes avg) in %.3f s: %.0f records/s, %.1f MB/s\n", n,
              static_cast<double>(bytes) / n, secs, n / secs, static_cast<double>(bytes) / secs / 1e6);
}

}  // namespace
}  // namespace sluice::convert
