// Micro-benchmarks of the record converters on the sink's hot path (bytes → sink_record) and of
// the Connect JSON encoder on the source side. Rows follow the benchmark workload: id bigint,
// name text, amount numeric(12,2), placed_at timestamp, paid bool.
// Link: sluice_core, benchmark::benchmark_main.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/convert/connect_json.hpp"
#include "core/convert/converter.hpp"

namespace {

using namespace sluice;
using sluice::convert::record_converter;

constexpr int distinct_messages = 1024;

field_schema make_field(std::string name, type_kind t, logical_kind l = logical_kind::none,
                        bool optional = true, int scale = 0) {
  return field_schema{.name = std::move(name), .type = t, .logical = l, .optional = optional, .scale = scale};
}

struct_schema workload_schema() {
  return {.name = "bench.orders.Value",
          .fields = {make_field("id", type_kind::int64, logical_kind::none, false),
                     make_field("name", type_kind::string, logical_kind::none, false),
                     make_field("amount", type_kind::bytes, logical_kind::decimal, false, 2),
                     make_field("placed_at", type_kind::int64, logical_kind::timestamp, false),
                     make_field("paid", type_kind::boolean)}};
}

std::vector<value> workload_row(std::int64_t i) {
  return {i, "customer-" + std::to_string(i * 7919 % 100000), decimal_value{std::to_string(i * 137 % 1000000), 2},
          timestamp_value{(1700000000000 + i * 1000) * 1000}, i % 3 == 0};
}

struct_schema wide_schema(int columns) {
  struct_schema s{.name = "bench.wide.Value"};
  for (int c = 0; c < columns; ++c) {
    switch (c % 4) {
      case 0: s.fields.push_back(make_field("i" + std::to_string(c), type_kind::int64)); break;
      case 1: s.fields.push_back(make_field("s" + std::to_string(c), type_kind::string)); break;
      case 2: s.fields.push_back(make_field("d" + std::to_string(c), type_kind::float64)); break;
      default: s.fields.push_back(make_field("b" + std::to_string(c), type_kind::boolean)); break;
    }
  }
  return s;
}

std::vector<value> wide_row(const struct_schema& s, std::int64_t i) {
  std::vector<value> row;
  for (std::size_t c = 0; c < s.fields.size(); ++c) {
    switch (c % 4) {
      case 0: row.emplace_back(i + static_cast<std::int64_t>(c)); break;
      case 1: row.emplace_back("value " + std::to_string(i + static_cast<std::int64_t>(c))); break;
      case 2: row.emplace_back(static_cast<double>(i) * 0.25); break;
      default: row.emplace_back(i % 2 == 0); break;
    }
  }
  return row;
}

std::string key_json(std::int64_t id) {
  return R"({"schema":{"type":"int64","optional":false},"payload":)" + std::to_string(id) + "}";
}

// Wraps a row's payload JSON in a Debezium change event with the Envelope schema.
std::string debezium_json(const struct_schema& row_schema, const std::vector<value>& row) {
  std::string row_schema_json = convert::encode_schema_json(row_schema);
  row_schema_json.replace(row_schema_json.find(R"("optional":false)"), 16, R"("optional":true)");
  const auto with_field = [&](const char* name) {
    std::string s = row_schema_json;
    s.insert(1, std::string(R"("field":")") + name + "\",");
    return s;
  };
  std::string payload;
  convert::append_payload_json(row_schema, row, payload);
  return R"({"schema":{"type":"struct","name":"bench.orders.Envelope","optional":false,"fields":[)" +
         with_field("before") + "," + with_field("after") +
         R"(,{"field":"source","type":"struct","optional":false,"fields":[{"field":"connector","type":"string"},)"
         R"({"field":"db","type":"string"},{"field":"table","type":"string"},{"field":"lsn","type":"int64"}]},)"
         R"({"field":"op","type":"string","optional":false},{"field":"ts_ms","type":"int64","optional":true}]},)"
         R"("payload":{"before":null,"after":)" + payload +
         R"(,"source":{"connector":"postgresql","db":"shop","table":"orders","lsn":123456789},"op":"c","ts_ms":1700000000000}})";
}

void run(benchmark::State& state, convert::converter_settings settings, const std::vector<std::string>& keys,
         const std::vector<std::string>& values) {
  record_converter conv(settings);
  const kafka_position pos{"bench.orders", 0, 0, 0};
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const auto& k = keys[i % keys.size()];
    const auto& v = values[i % values.size()];
    auto r = conv.convert(pos, k, v);
    benchmark::DoNotOptimize(r.value.data());
    bytes += k.size() + v.size();
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

convert::converter_settings json_settings(bool schemas) {
  return {.key_format = convert::format::json, .key_schemas_enable = true,
          .value_format = convert::format::json, .value_schemas_enable = schemas};
}

void BM_ConvertEnvelope(benchmark::State& state) {
  const auto s = workload_schema();
  std::vector<std::string> keys, values;
  for (int i = 0; i < distinct_messages; ++i) {
    keys.push_back(key_json(i));
    values.push_back(convert::encode_connect_json(s, workload_row(i), true));
  }
  run(state, json_settings(true), keys, values);
}
BENCHMARK(BM_ConvertEnvelope);

void BM_ConvertSchemaless(benchmark::State& state) {
  const auto s = workload_schema();
  std::vector<std::string> keys, values;
  for (int i = 0; i < distinct_messages; ++i) {
    keys.push_back(key_json(i));
    values.push_back(convert::encode_connect_json(s, workload_row(i), false));
  }
  run(state, json_settings(false), keys, values);
}
BENCHMARK(BM_ConvertSchemaless);

void BM_ConvertDebezium(benchmark::State& state) {
  const auto s = workload_schema();
  std::vector<std::string> keys, values;
  for (int i = 0; i < distinct_messages; ++i) {
    keys.push_back(key_json(i));
    values.push_back(debezium_json(s, workload_row(i)));
  }
  run(state, json_settings(true), keys, values);
}
BENCHMARK(BM_ConvertDebezium);

void BM_ConvertWideEnvelope(benchmark::State& state) {
  const auto s = wide_schema(static_cast<int>(state.range(0)));
  std::vector<std::string> keys, values;
  for (int i = 0; i < distinct_messages / 8; ++i) {
    keys.push_back(key_json(i));
    values.push_back(convert::encode_connect_json(s, wide_row(s, i), true));
  }
  run(state, json_settings(true), keys, values);
}
BENCHMARK(BM_ConvertWideEnvelope)->Arg(20)->Arg(100);

void BM_EncodeConnectJson(benchmark::State& state) {
  const auto s = workload_schema();
  std::vector<std::vector<value>> rows;
  for (int i = 0; i < distinct_messages; ++i) rows.push_back(workload_row(i));
  const std::string schema_json = convert::encode_schema_json(s);
  std::string out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    // As the source does: the schema text is built once, the buffer is reused.
    out.clear();
    out += R"({"schema":)";
    out += schema_json;
    out += R"(,"payload":)";
    convert::append_payload_json(s, rows[i % rows.size()], out);
    out += '}';
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EncodeConnectJson);

}  // namespace
