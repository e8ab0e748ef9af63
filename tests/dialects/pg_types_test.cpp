#include <gtest/gtest.h>

#include "dialects/postgres/type_oids.hpp"
#include "dialects/postgres/types.hpp"

namespace sluice::pg {
namespace {

field_schema field(std::string name, type_kind t, logical_kind l = logical_kind::none) {
  field_schema f;
  f.name = std::move(name);
  f.type = t;
  f.logical = l;
  return f;
}

TEST(SqlTypeFor, MapsConnectPrimitives) {
  EXPECT_EQ(sql_type_for(field("a", type_kind::int8)), "smallint");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int16)), "smallint");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int32)), "integer");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int64)), "bigint");
  EXPECT_EQ(sql_type_for(field("a", type_kind::float32)), "real");
  EXPECT_EQ(sql_type_for(field("a", type_kind::float64)), "double precision");
  EXPECT_EQ(sql_type_for(field("a", type_kind::boolean)), "boolean");
  EXPECT_EQ(sql_type_for(field("a", type_kind::string)), "text");
  EXPECT_EQ(sql_type_for(field("a", type_kind::bytes)), "bytea");
  EXPECT_EQ(sql_type_for(field("a", type_kind::array)), "jsonb");
  EXPECT_EQ(sql_type_for(field("a", type_kind::map)), "jsonb");
  EXPECT_EQ(sql_type_for(field("a", type_kind::struct_)), "jsonb");
}

TEST(SqlTypeFor, MapsLogicalTypes) {
  auto dec = field("a", type_kind::bytes, logical_kind::decimal);
  dec.scale = 2;
  EXPECT_EQ(sql_type_for(dec), "numeric");
  dec.precision = 12;
  EXPECT_EQ(sql_type_for(dec), "numeric(12,2)");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int32, logical_kind::date)), "date");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int32, logical_kind::time)), "time");
  EXPECT_EQ(sql_type_for(field("a", type_kind::int64, logical_kind::micro_time)), "time");
  for (auto l : {logical_kind::timestamp, logical_kind::micro_timestamp, logical_kind::nano_timestamp})
    EXPECT_EQ(sql_type_for(field("a", type_kind::int64, l)), "timestamptz");
  EXPECT_EQ(sql_type_for(field("a", type_kind::string, logical_kind::zoned_timestamp)), "timestamptz");
  EXPECT_EQ(sql_type_for(field("a", type_kind::string, logical_kind::json)), "jsonb");
  EXPECT_EQ(sql_type_for(field("a", type_kind::string, logical_kind::uuid)), "uuid");
}

TEST(FieldForColumn, ReadsColumnsBackAsConnectFields) {
  auto f = field_for_column({"Amount", "numeric(12,2)", oid::numeric, false, false});
  EXPECT_EQ(f.name, "Amount");
  EXPECT_EQ(f.logical, logical_kind::decimal);
  EXPECT_EQ(f.precision, 12);
  EXPECT_EQ(f.scale, 2);
  EXPECT_FALSE(f.optional);
  EXPECT_EQ(field_for_column({"n", "numeric", oid::numeric, true, false}).type, type_kind::string);
  EXPECT_EQ(field_for_column({"n", "numeric(5)", oid::numeric, true, false}).precision, 5);
  EXPECT_EQ(field_for_column({"i", "integer", oid::int4, true, false}).type, type_kind::int32);
  EXPECT_EQ(field_for_column({"t", "timestamp with time zone", oid::timestamptz, true, false}).logical,
            logical_kind::timestamp);
  EXPECT_EQ(field_for_column({"j", "jsonb", oid::jsonb, true, false}).logical, logical_kind::json);
  EXPECT_EQ(field_for_column({"x", "inet", 869, true, false}).type, type_kind::string);
}

TEST(QuoteLiteral, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  EXPECT_EQ(quote_literal("a\\b"), "E'a\\\\b'");
  EXPECT_EQ(quote_literal("'); DROP TABLE t; --"), "'''); DROP TABLE t; --'");
}

TEST(CreateTableSql, QuotesEveryNameAndMakesKeysNotNull) {
  auto id = field("Id", type_kind::int64);
  auto name = field("Customer Name", type_kind::string);
  auto qty = field("qty", type_kind::int32);
  qty.optional = false;
  qty.default_sql_literal = "1";
  EXPECT_EQ(create_table_sql({"Sales", "OrderLines"}, {id, name, qty}, {"Id"}, quoting::always),
            "CREATE TABLE IF NOT EXISTS \"Sales\".\"OrderLines\" (\n"
            "  \"Id\" bigint NOT NULL,\n"
            "  \"Customer Name\" text,\n"
            "  \"qty\" integer DEFAULT '1' NOT NULL,\n"
            "  PRIMARY KEY (\"Id\"))");
  EXPECT_EQ(create_table_sql({"", "T"}, {id}, {}, quoting::never),
            "CREATE TABLE IF NOT EXISTS \"t\" (\n  \"id\" bigint)");
}

TEST(AddColumnSql, AddsNullableOrWithDefault) {
  auto f = field("Note", type_kind::string);
  f.optional = false;
  EXPECT_EQ(add_column_sql({"", "T"}, f, quoting::always),
            "ALTER TABLE \"T\" ADD COLUMN IF NOT EXISTS \"Note\" text");
  f.default_sql_literal = "n/a";
  EXPECT_EQ(add_column_sql({"s", "T"}, f, quoting::always),
            "ALTER TABLE \"s\".\"T\" ADD COLUMN IF NOT EXISTS \"Note\" text DEFAULT 'n/a' NOT NULL");
}

}  // namespace
}  // namespace sluice::pg
