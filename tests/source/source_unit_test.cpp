// The source's pure parts: Kafka Connect's offset format, the offsets file, table selection,
// settings decided from several keys, and how column types become Connect fields.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/connector_config.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "source/discovery.hpp"
#include "source/offsets.hpp"
#include "source/row_plan.hpp"
#include "source/source_settings.hpp"
#include "tests/support/temp_dir.hpp"

namespace sluice::source {
namespace {

config::connector_config config_of(std::map<std::string, std::string> changes) {
  config::raw_connector raw;
  raw.values = {{"name", "shop-source"},
                {"connector.class", "jdbc-source"},
                {"connection.url", "jdbc:postgresql://localhost:5432/shop"},
                {"mode", "incrementing"},
                {"topic.prefix", "shop-"}};
  for (auto& [k, v] : changes) raw.values[k] = v;
  raw.name = raw.values["name"];
  raw.origin = "test";
  auto r = config::validate(raw);
  if (!r.config) {
    std::string all;
    for (const auto& p : r.problems) all += p.render() + "\n";
    throw std::runtime_error(all);
  }
  return *r.config;
}

TEST(SourceOffset, WritesKafkaConnectsFields) {
  source_offset o{.incrementing = 42, .timestamp_us = 1700000000123456};
  EXPECT_EQ(o.json(), R"({"incrementing":42,"timestamp":1700000000123,"timestamp_nanos":123456000})");
  EXPECT_EQ((source_offset{.incrementing = 7}).json(), R"({"incrementing":7})");
}

TEST(SourceOffset, SplitsInstantsBefore1970LikeJavaSqlTimestamp) {
  // -1 µs is 1969-12-31T23:59:59.999999: getTime() = -1, getNanos() = 999999000.
  source_offset o{.timestamp_us = -1};
  EXPECT_EQ(o.json(), R"({"timestamp":-1,"timestamp_nanos":999999000})");
  EXPECT_EQ(source_offset::parse(o.json())->timestamp_us, -1);
}

TEST(SourceOffset, ReadsBackWhatItWritesAndMillisecondOnlyOffsets) {
  source_offset o{.incrementing = -5, .timestamp_us = 1700000000123456};
  EXPECT_EQ(source_offset::parse(o.json()), o);
  auto ms_only = source_offset::parse(R"({"timestamp":1700000000123})");
  ASSERT_TRUE(ms_only);
  EXPECT_EQ(ms_only->timestamp_us, 1700000000123000);
  EXPECT_FALSE(ms_only->incrementing);
  EXPECT_FALSE(source_offset::parse("not json"));
  EXPECT_FALSE(source_offset::parse("[1]"));
}

// SQL Server's datetime2(7) holds 100 ns; Kafka Connect stores all nine digits of
// java.sql.Timestamp's nanos, and so does sluice: a migrated offset resumes at its exact instant.
TEST(SourceOffset, KeepsNanosecondsPastTheMicrosecond) {
  auto connect = source_offset::parse(R"({"incrementing":9,"timestamp":1700000000123,"timestamp_nanos":123456700})");
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect->timestamp_us, 1700000000123456);
  EXPECT_EQ(connect->timestamp_ns, 700);
  EXPECT_EQ(connect->json(), R"({"incrementing":9,"timestamp":1700000000123,"timestamp_nanos":123456700})");
  // 100 ns before 1970: the microsecond below it and 900 ns.
  source_offset before{.timestamp_us = -1, .timestamp_ns = 900};
  EXPECT_EQ(before.json(), R"({"timestamp":-1,"timestamp_nanos":999999900})");
  EXPECT_EQ(source_offset::parse(before.json()), before);
  // nanos outside a second are not Connect's: the milliseconds alone stand.
  auto odd = source_offset::parse(R"({"timestamp":1700000000123,"timestamp_nanos":-5})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->timestamp_us, 1700000000123000);
  EXPECT_EQ(odd->timestamp_ns, 0);
}

TEST(OffsetKey, UsesKafkaConnectsKeyForm) {
  EXPECT_EQ(offset_key("orders", source_partition{"public.Order Lines"}),
            R"(["orders",{"protocol":"1","table":"public.Order Lines"}])");
  EXPECT_EQ(offset_key("orders", source_partition{}), R"(["orders",{"query":"query"}])");
  auto p = parse_offset_key(R"(["orders",{"protocol":"1","table":"s.t"}])", "orders");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->table, "s.t");
  EXPECT_FALSE(parse_offset_key(R"(["other",{"protocol":"1","table":"s.t"}])", "orders"));
  auto q = parse_offset_key(R"(["orders",{"query":"query"}])", "orders");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->is_query());
}

TEST(FileOffsetStore, KeepsOffsetsAcrossInstancesAndPerConnector) {
  sluice::testing::temp_dir dir;
  const std::string path = (dir / "nested/offsets.json").string();
  {
    file_offset_store s(path, "a");
    EXPECT_FALSE(s.load({"public.t"}));
    s.save({"public.t"}, {.incrementing = 10});
    s.save({"public.u"}, {.timestamp_us = 5});
    s.save({"public.t"}, {.incrementing = 11});
  }
  file_offset_store again(path, "a");
  EXPECT_EQ(again.load({"public.t"})->incrementing, 11);
  EXPECT_EQ(again.load({"public.u"})->timestamp_us, 5);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  file_offset_store other(path, "b");  // another connector's keys are not ours
  EXPECT_FALSE(other.load({"public.t"}));
}

TEST(FileOffsetStore, RefusesAFileThatIsNotOffsets) {
  sluice::testing::temp_dir dir;
  const std::string path = (dir / "bad.json").string();
  std::ofstream(path) << "{ nope";
  EXPECT_THROW(file_offset_store(path, "a"), sluice::error);
}

TEST(TableFilter, WhitelistMatchesExactCaseSensitiveNames) {
  auto s = source_settings::from(config_of({{"table.whitelist", "Orders, sales.\"line.items\""}}));
  table_filter f(s);
  EXPECT_TRUE(f.selected({"public", "Orders"}));
  EXPECT_TRUE(f.selected({"other", "Orders"}));
  EXPECT_FALSE(f.selected({"public", "orders"}));
  EXPECT_TRUE(f.selected({"sales", "line.items"}));
  EXPECT_FALSE(f.selected({"public", "line.items"}));
}

TEST(TableFilter, BlacklistRemovesNamedTables) {
  auto s = source_settings::from(config_of({{"table.blacklist", "public.audit"}}));
  table_filter f(s);
  EXPECT_FALSE(f.selected({"public", "audit"}));
  EXPECT_TRUE(f.selected({"other", "audit"}));
  EXPECT_TRUE(f.selected({"public", "Audit"}));
}

TEST(TableFilter, RegexListsMatchTheWholeQualifiedName) {
  auto inc = source_settings::from(config_of({{"table.include.list", "public\\.ord.*"}}));
  table_filter fi(inc);
  EXPECT_TRUE(fi.selected({"public", "orders"}));
  EXPECT_FALSE(fi.selected({"public", "xorders"}));
  EXPECT_FALSE(fi.selected({"public", "Orders"}));
  auto exc = source_settings::from(config_of({{"table.exclude.list", ".*_tmp"}}));
  table_filter fe(exc);
  EXPECT_FALSE(fe.selected({"public", "a_tmp"}));
  EXPECT_TRUE(fe.selected({"public", "a_tmp2"}));
}

// Confluent's TableId: pgjdbc reports no catalog, MySQL Connector/J the database as catalog and no
// schema, mssql-jdbc the database and the schema, SQLite neither.
TEST(TableNames, PartitionsAreQualifiedAsConfluentsTableIds) {
  EXPECT_EQ(qualified_name({"public", "orders"}), "public.orders");
  EXPECT_EQ(qualified_name({"", "orders"}, "shop"), "shop.orders");
  EXPECT_EQ(qualified_name({"dbo", "orders"}, "shop"), "shop.dbo.orders");
  EXPECT_EQ(qualified_name({"", "orders"}), "orders");
  EXPECT_EQ(source_partition{qualified_name({"", "orders"}, "shop")}.json(),
            R"({"protocol":"1","table":"shop.orders"})");
  EXPECT_EQ(offset_key("c", {qualified_name({"dbo", "Order Lines"}, "shop")}),
            R"(["c",{"protocol":"1","table":"shop.dbo.Order Lines"}])");
}

TEST(TableNames, OffsetsStoredUnderOlderNamesAreFallbacks) {
  using v = std::vector<std::string>;
  EXPECT_EQ(fallback_partition_names({"", "orders"}, "shop"), v{"orders"});               // MySQL
  EXPECT_EQ(fallback_partition_names({"dbo", "orders"}, "shop"), (v{"dbo.orders", "orders"}));  // SQL Server
  EXPECT_EQ(fallback_partition_names({"public", "orders"}), v{"orders"});                  // PostgreSQL
  EXPECT_EQ(fallback_partition_names({"", "orders"}), v{});                                // SQLite
}

TEST(TableFilter, MySqlEntriesMayNameTheDatabaseAsConfluentsDo) {
  auto f = [](const std::string& entry) {
    return table_filter(source_settings::from(config_of({{"table.whitelist", entry}}))).selected({"", "orders"}, "shop");
  };
  EXPECT_TRUE(f("shop.orders"));
  EXPECT_TRUE(f("orders"));
  EXPECT_TRUE(f("`shop`.`orders`"));
  EXPECT_TRUE(f("\"shop\".\"orders\""));
  EXPECT_FALSE(f("other.orders"));
  EXPECT_FALSE(f("shop.Orders"));
  EXPECT_FALSE(f("shop.x.orders"));
  auto black = source_settings::from(config_of({{"table.blacklist", "shop.orders"}}));
  EXPECT_FALSE(table_filter(black).selected({"", "orders"}, "shop"));
  EXPECT_TRUE(table_filter(black).selected({"", "items"}, "shop"));
}

TEST(TableFilter, SqlServerEntriesMayNameDatabaseSchemaAndTable) {
  auto f = [](const std::string& entry) {
    return table_filter(source_settings::from(config_of({{"table.whitelist", entry}}))).selected({"dbo", "orders"}, "shop");
  };
  EXPECT_TRUE(f("shop.dbo.orders"));
  EXPECT_TRUE(f("[shop].[dbo].[orders]"));
  EXPECT_TRUE(f("orders"));
  EXPECT_TRUE(f("dbo.orders"));  // sluice's schema.table, as before
  EXPECT_FALSE(f("shop.orders"));
  EXPECT_FALSE(f("other.dbo.orders"));
  EXPECT_FALSE(f("shop.sales.orders"));
  auto dotted = source_settings::from(config_of({{"table.whitelist", "[shop].[dbo].[line.items]]x]"}}));
  EXPECT_TRUE(table_filter(dotted).selected({"dbo", "line.items]x"}, "shop"));
  auto black = source_settings::from(config_of({{"table.blacklist", "shop.dbo.orders"}}));
  EXPECT_FALSE(table_filter(black).selected({"dbo", "orders"}, "shop"));
  EXPECT_TRUE(table_filter(black).selected({"sales", "orders"}, "shop"));
}

TEST(TableFilter, PostgresNamesHaveNoCatalog) {
  auto s = source_settings::from(config_of({{"table.whitelist", "public.orders,x.public.items"}}));
  table_filter f(s);
  EXPECT_TRUE(f.selected({"public", "orders"}));
  EXPECT_FALSE(f.selected({"public", "items"}));
  EXPECT_FALSE(f.selected({"other", "orders"}));
}

TEST(TableFilter, NamesTheWhitelistEntriesThatMatchNoTable) {
  auto s = source_settings::from(config_of({{"table.whitelist", "shop.orders, shop.orderz,items,shop.dbo.items"}}));
  table_filter f(s);
  EXPECT_EQ(f.unmatched_whitelist({{"", "orders"}, {"", "items"}}, "shop"),
            (std::vector<std::string>{"shop.orderz", "shop.dbo.items"}));
  EXPECT_EQ(f.unmatched_whitelist({}, "shop").size(), 4u);
}

TEST(TableFilter, RefusesEntriesThatAreNotTableNames) {
  for (const char* bad : {"a.b.c.d", "\"open", "[open", "a..b", "\"\".t", "`a`x"})
    EXPECT_THROW(table_filter(source_settings::from(config_of({{"table.whitelist", bad}}))), sluice::error) << bad;
}

TEST(TableFilter, RegexesSeeTheQualifiedNameAndTheOlderOne) {
  auto inc = source_settings::from(config_of({{"table.include.list", "shop\\.ord.*"}}));
  EXPECT_TRUE(table_filter(inc).selected({"", "orders"}, "shop"));
  EXPECT_FALSE(table_filter(inc).selected({"", "orders"}, "other"));
  auto old = source_settings::from(config_of({{"table.include.list", "ord.*"}}));
  EXPECT_TRUE(table_filter(old).selected({"", "orders"}, "shop"));
  auto exc = source_settings::from(config_of({{"table.exclude.list", "shop\\.dbo\\.orders"}}));
  EXPECT_FALSE(table_filter(exc).selected({"dbo", "orders"}, "shop"));
  EXPECT_TRUE(table_filter(exc).selected({"dbo", "items"}, "shop"));
}

TEST(TableTypes, MapToRelationKinds) {
  EXPECT_EQ(relkinds_for({"TABLE"}), "{r,p}");
  EXPECT_EQ(relkinds_for({"TABLE", "VIEW", "MATERIALIZED VIEW"}), "{r,p,v,m}");
  EXPECT_EQ(relkinds_for({"NONSENSE"}), "{}");
}

TEST(SourceSettings, TimestampsAreLosslessUnlessConnectLogicalIsAskedFor) {
  EXPECT_EQ(source_settings::from(config_of({})).ts_granularity, granularity::lossless);
  EXPECT_EQ(source_settings::from(config_of({{"timestamp.granularity", "connect_logical"}})).ts_granularity,
            granularity::connect_logical);
  EXPECT_EQ(source_settings::from(config_of({{"timestamp.granularity", "nanos_iso_datetime_string"}}))
                .ts_granularity,
            granularity::nanos_iso);
}

TEST(SourceSettings, ExactlyOnceWhenOffsetsLiveInKafkaUnlessDisabled) {
  EXPECT_EQ(source_settings::from(config_of({})).semantics, delivery::at_least_once);
  EXPECT_EQ(source_settings::from(config_of({{"offset.storage.topic", "offs"}})).semantics,
            delivery::exactly_once);
  EXPECT_EQ(source_settings::from(config_of({{"offset.storage.topic", "offs"},
                                             {"exactly.once.support", "disabled"}}))
                .semantics,
            delivery::at_least_once);
}

TEST(SourceSettings, RefusesAValueConverterThatCannotHoldARow) {
  EXPECT_THROW(source_settings::from(config_of(
                   {{"value.converter", "org.apache.kafka.connect.storage.StringConverter"}})),
               sluice::error);
}

TEST(SourceSettings, DeprecatedPrecisionMappingMeansPrecisionOnly) {
  EXPECT_EQ(source_settings::from(config_of({{"numeric.precision.mapping", "true"}})).numerics,
            numeric_mapping::precision_only);
  EXPECT_EQ(source_settings::from(config_of({{"numeric.precision.mapping", "true"},
                                             {"numeric.mapping", "best_fit"}}))
                .numerics,
            numeric_mapping::best_fit);
}

pg::column_info col(std::string name, std::string type, unsigned oid, bool nullable = true) {
  return {.name = std::move(name), .type = std::move(type), .type_oid = oid, .nullable = nullable};
}

const field_schema& field_of(const row_plan& p, const std::string& name) {
  return p.value_schema()->fields[static_cast<std::size_t>(p.index_of(name))];
}

TEST(RowPlan, MapsNumericsLikeConfluent) {
  const std::vector<pg::column_info> cols = {
      col("small", "numeric(4,0)", pg::oid::numeric), col("big", "numeric(18,0)", pg::oid::numeric),
      col("huge", "numeric(30,0)", pg::oid::numeric), col("money", "numeric(12,2)", pg::oid::numeric),
      col("any", "numeric", pg::oid::numeric)};
  auto plan_for = [&](const char* mapping) {
    return row_plan::build(cols, {}, source_settings::from(config_of({{"numeric.mapping", mapping}})),
                           "t", "test");
  };
  auto none = plan_for("none");
  EXPECT_EQ(field_of(none, "small").logical, logical_kind::decimal);
  EXPECT_EQ(field_of(none, "money").scale, 2);
  EXPECT_EQ(field_of(none, "any").type, type_kind::string);  // no single scale: exact text

  auto precision = plan_for("precision_only");
  EXPECT_EQ(field_of(precision, "small").type, type_kind::int16);
  EXPECT_EQ(field_of(precision, "big").type, type_kind::int64);
  EXPECT_EQ(field_of(precision, "huge").logical, logical_kind::decimal);
  EXPECT_EQ(field_of(precision, "money").logical, logical_kind::decimal);

  auto best = plan_for("best_fit");
  EXPECT_EQ(field_of(best, "money").type, type_kind::float64);
  EXPECT_EQ(field_of(best, "huge").logical, logical_kind::decimal);
  EXPECT_EQ(best.decode(static_cast<std::size_t>(best.index_of("money")), "12.25", false), value(12.25));
  EXPECT_EQ(best.decode(static_cast<std::size_t>(best.index_of("small")), "1234", false),
            value(std::int64_t{1234}));
}

TEST(RowPlan, TimestampFieldsFollowTheGranularity) {
  const std::vector<pg::column_info> cols = {col("at", "timestamp with time zone", pg::oid::timestamptz),
                                             col("clock", "time without time zone", pg::oid::time)};
  auto plan_for = [&](std::map<std::string, std::string> c) {
    return row_plan::build(cols, {}, source_settings::from(config_of(std::move(c))), "t", "test");
  };
  auto lossless = plan_for({});
  EXPECT_EQ(field_of(lossless, "at").logical, logical_kind::micro_timestamp);
  EXPECT_EQ(field_of(lossless, "clock").logical, logical_kind::micro_time);
  EXPECT_EQ(lossless.decode(0, "2024-02-29 13:05:09.123456+00", false),
            value(timestamp_value{1709211909123456}));

  auto connect = plan_for({{"timestamp.granularity", "connect_logical"}});
  EXPECT_EQ(field_of(connect, "at").logical, logical_kind::timestamp);
  EXPECT_EQ(field_of(connect, "clock").logical, logical_kind::time);

  auto nanos = plan_for({{"timestamp.granularity", "nanos_long"}});
  EXPECT_EQ(field_of(nanos, "at").type, type_kind::int64);
  EXPECT_EQ(field_of(nanos, "at").logical, logical_kind::none);
  EXPECT_EQ(nanos.decode(0, "2024-02-29 13:05:09.123456+00", false), value(std::int64_t{1709211909123456000}));

  auto text = plan_for({{"timestamp.granularity", "nanos_string"}});
  EXPECT_EQ(text.decode(0, "1970-01-01 00:00:01+00", false), value(std::string("1000000000")));

  auto iso = plan_for({{"timestamp.granularity", "nanos_iso_datetime_string"}});
  EXPECT_EQ(iso.decode(0, "2024-02-29 13:05:09.123456", false),
            value(std::string("2024-02-29T13:05:09.123456000")));
}

TEST(RowPlan, ReadsByteaHexAndExactDecimals) {
  const std::vector<pg::column_info> cols = {col("b", "bytea", pg::oid::bytea),
                                             col("n", "numeric(30,10)", pg::oid::numeric)};
  auto plan = row_plan::build(cols, {}, source_settings::from(config_of({})), "t", "test");
  EXPECT_EQ(plan.decode(0, "\\x00ff41", false), value(bytes_value{std::string("\0\xff" "A", 3)}));
  EXPECT_EQ(plan.decode(1, "-12345678901234567890.0123456789", false),
            value(decimal_value{"-123456789012345678900123456789", 10}));
  EXPECT_TRUE(is_null(plan.decode(1, "", true)));
  EXPECT_THROW(plan.decode(1, "NaN", false), sluice::error);
}

TEST(RowPlan, KeyIsThePrimaryKeyOrKeyColumns) {
  const std::vector<pg::column_info> cols = {col("id", "bigint", pg::oid::int8, false),
                                             col("name", "text", pg::oid::text)};
  auto pk = row_plan::build(cols, {"id"}, source_settings::from(config_of({})), "t", "test");
  ASSERT_TRUE(pk.key_schema());
  EXPECT_EQ(pk.key_schema()->fields.size(), 1u);
  std::vector<value> row = {std::int64_t{7}, std::string("x")};
  EXPECT_EQ(*pk.encode_key(row, {"7", "x"}),
            R"({"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"id"}],"optional":false},"payload":{"id":7}})");

  auto none = row_plan::build(cols, {}, source_settings::from(config_of({})), "t", "test");
  EXPECT_FALSE(none.key_schema());
  EXPECT_FALSE(none.encode_key(row, {"7", "x"}));

  auto named = row_plan::build(cols, {"id"}, source_settings::from(config_of({{"key.columns", "name"}})), "t", "test");
  EXPECT_EQ(named.key_schema()->fields[0].name, "name");
  EXPECT_THROW(row_plan::build(cols, {}, source_settings::from(config_of({{"key.columns", "Name"}})), "t", "test"),
               sluice::error);

  auto as_string = row_plan::build(
      cols, {"id"},
      source_settings::from(config_of({{"key.converter", "org.apache.kafka.connect.storage.StringConverter"}})),
      "t", "test");
  EXPECT_EQ(*as_string.encode_key(row, {"7", "x"}), "7");
}

TEST(NanosIso, FormatsNineFractionDigits) {
  EXPECT_EQ(format_nanos_iso(0), "1970-01-01T00:00:00.000000000");
  EXPECT_EQ(format_nanos_iso(-1), "1969-12-31T23:59:59.999999000");
}

}  // namespace
}  // namespace sluice::source
