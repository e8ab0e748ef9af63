#include <gtest/gtest.h>

#include "core/error.hpp"
#include "dialects/postgres/catalog.hpp"
#include "dialects/postgres/type_oids.hpp"
#include "dialects/postgres/types.hpp"
#include "tests/dialects/pg_test_db.hpp"

namespace sluice::pg {
namespace {

class PgCatalog : public pg_test {};

field_schema field(std::string name, type_kind t, bool optional = true) {
  field_schema f;
  f.name = std::move(name);
  f.type = t;
  f.optional = optional;
  return f;
}

std::vector<std::string> column_names(const table_info& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) out.push_back(c.name);
  return out;
}

const std::vector<std::string> hostile_names = {"OrderLines", "Customer Id", "order", "Überweisung",
                                                "a\"b",       "x; DROP TABLE y", "My.Table"};

TEST_F(PgCatalog, HostileTableAndColumnNamesAreCreatedAndDescribedExactly) {
  auto c = connect();
  std::vector<field_schema> fields;
  for (const auto& n : hostile_names) fields.push_back(field(n, type_kind::int64, n != "order"));
  for (const auto& table : hostile_names) {
    const table_ref ref{"", table};
    c->exec(create_table_sql(ref, fields, {"order"}, quoting::always));
    auto info = describe_table(*c, ref, quoting::always);
    ASSERT_TRUE(info) << table;
    EXPECT_EQ(info->ref, (table_ref{"public", table}));
    EXPECT_EQ(column_names(*info), hostile_names);
    EXPECT_EQ(info->primary_key, std::vector<std::string>{"order"});
  }
  // The "x; DROP TABLE y" name was only ever a name.
  EXPECT_EQ(scalar(*c, "SELECT count(*) FROM pg_class WHERE relname = 'y'"), "0");
}

TEST_F(PgCatalog, TablesDifferingOnlyInCaseAreEachFoundExactly) {
  auto c = connect();
  c->exec("CREATE TABLE \"Foo\" (\"Upper\" int); CREATE TABLE foo (lower int)");
  auto upper = describe_table(*c, {"", "Foo"}, quoting::always);
  auto lower = describe_table(*c, {"", "foo"}, quoting::always);
  ASSERT_TRUE(upper);
  ASSERT_TRUE(lower);
  EXPECT_EQ(column_names(*upper), std::vector<std::string>{"Upper"});
  EXPECT_EQ(column_names(*lower), std::vector<std::string>{"lower"});
  EXPECT_FALSE(describe_table(*c, {"", "FOO"}, quoting::always));
  // quoting::never looks for what PostgreSQL stores for an unquoted name: foo.
  auto folded = describe_table(*c, {"", "FOO"}, quoting::never);
  ASSERT_TRUE(folded);
  EXPECT_EQ(folded->ref.table, "foo");
}

TEST_F(PgCatalog, AbsentTableIsNullopt) {
  auto c = connect();
  EXPECT_FALSE(describe_table(*c, {"", "never_created"}, quoting::always));
  EXPECT_FALSE(describe_table(*c, {"no_such_schema", "t"}, quoting::always));
  EXPECT_FALSE(describe_table(*c, {"", "pg_class"}, quoting::always));  // not in current_schemas(false)
}

TEST_F(PgCatalog, SchemaQualifiedLookupUsesThatSchemaOnly) {
  auto c = connect();
  c->exec("CREATE SCHEMA \"Sales\"; CREATE TABLE \"Sales\".\"T\" (id int); CREATE TABLE \"T\" (other int)");
  auto info = describe_table(*c, parse_table_name("\"Sales\".\"T\""), quoting::always);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ref, (table_ref{"Sales", "T"}));
  EXPECT_EQ(column_names(*info), std::vector<std::string>{"id"});
  EXPECT_FALSE(describe_table(*c, {"sales", "T"}, quoting::always));
  EXPECT_EQ(describe_table(*c, {"", "T"}, quoting::always)->ref.schema, "public");
}

TEST_F(PgCatalog, UnqualifiedLookupFollowsSearchPathOrder) {
  auto c = connect();
  c->exec("CREATE SCHEMA sa; CREATE SCHEMA sb;"
          "CREATE TABLE sa.t (in_a int); CREATE TABLE sb.t (in_b int); CREATE TABLE sa.only_a (x int)");
  c->exec("SET search_path = sb, sa");
  EXPECT_EQ(describe_table(*c, {"", "t"}, quoting::always)->ref.schema, "sb");
  EXPECT_EQ(describe_table(*c, {"", "only_a"}, quoting::always)->ref.schema, "sa");
  c->exec("SET search_path = sa, sb");
  EXPECT_EQ(describe_table(*c, {"", "t"}, quoting::always)->ref.schema, "sa");
  c->exec("SET search_path = public");
  EXPECT_FALSE(describe_table(*c, {"", "t"}, quoting::always));
}

TEST_F(PgCatalog, DescribesTypesNullabilityDefaultsAndKeyOrder) {
  auto c = connect();
  c->exec(R"(CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
             CREATE TABLE typed (a int NOT NULL, b text NOT NULL DEFAULT 'x', amount numeric(12,2),
               at timestamptz, p positive_int, id bigint GENERATED ALWAYS AS IDENTITY,
               PRIMARY KEY (b, a)))");
  auto info = describe_table(*c, {"", "typed"}, quoting::always);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->primary_key, (std::vector<std::string>{"b", "a"}));
  const auto* a = info->column("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->type, "integer");
  EXPECT_EQ(a->type_oid, oid::int4);
  EXPECT_FALSE(a->nullable);
  EXPECT_FALSE(a->has_default);
  EXPECT_TRUE(info->column("b")->has_default);
  EXPECT_EQ(info->column("amount")->type, "numeric(12,2)");
  EXPECT_TRUE(info->column("amount")->nullable);
  EXPECT_EQ(info->column("at")->type, "timestamp with time zone");
  EXPECT_EQ(info->column("at")->type_oid, oid::timestamptz);
  EXPECT_EQ(info->column("p")->type, "positive_int");
  EXPECT_EQ(info->column("p")->type_oid, oid::int4);  // a domain reads and copies as its base type
  EXPECT_TRUE(info->column("id")->has_default);
  EXPECT_EQ(field_for_column(*info->column("amount")).scale, 2);
}

TEST_F(PgCatalog, DroppedColumnsAreNotDescribed) {
  auto c = connect();
  c->exec("CREATE TABLE dropped (a int, b int, c int); ALTER TABLE dropped DROP COLUMN b");
  EXPECT_EQ(column_names(*describe_table(*c, {"", "dropped"}, quoting::always)),
            (std::vector<std::string>{"a", "c"}));
}

TEST_F(PgCatalog, CreateTableSqlRunsForEveryConnectType) {
  auto c = connect();
  std::vector<field_schema> fields;
  auto add = [&](std::string name, type_kind t, logical_kind l = logical_kind::none) {
    field_schema f = field(std::move(name), t);
    f.logical = l;
    fields.push_back(f);
    return &fields.back();
  };
  add("i8", type_kind::int8);
  add("i16", type_kind::int16);
  add("i32", type_kind::int32);
  add("i64", type_kind::int64)->optional = false;
  add("f32", type_kind::float32);
  add("f64", type_kind::float64);
  add("b", type_kind::boolean);
  add("s", type_kind::string)->default_sql_literal = "it's \\ here";
  add("raw", type_kind::bytes);
  add("arr", type_kind::array);
  auto* dec = add("dec", type_kind::bytes, logical_kind::decimal);
  dec->precision = 12;
  dec->scale = 2;
  add("d", type_kind::int32, logical_kind::date);
  add("t", type_kind::int32, logical_kind::time);
  add("ts", type_kind::int64, logical_kind::timestamp);
  add("j", type_kind::string, logical_kind::json);
  add("u", type_kind::string, logical_kind::uuid);
  c->exec(create_table_sql({"", "AllTypes"}, fields, {"i64"}, quoting::always));
  c->exec(create_table_sql({"", "AllTypes"}, fields, {"i64"}, quoting::always));  // IF NOT EXISTS
  auto info = describe_table(*c, {"", "AllTypes"}, quoting::always);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->columns.size(), fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    // format_type spells some types differently from our DDL.
    std::string expected = sql_type_for(fields[i]);
    if (expected == "timestamptz") expected = "timestamp with time zone";
    if (expected == "time") expected = "time without time zone";
    EXPECT_EQ(info->columns[i].type, expected) << fields[i].name;
  }
  c->exec("INSERT INTO \"AllTypes\" (i64) VALUES (1)");
  EXPECT_EQ(scalar(*c, "SELECT s FROM \"AllTypes\""), "it's \\ here");
}

TEST_F(PgCatalog, AddColumnSqlEvolvesATableWithRows) {
  auto c = connect();
  c->exec("CREATE TABLE \"Evolving\" (id int); INSERT INTO \"Evolving\" VALUES (1)");
  field_schema nullable = field("Note", type_kind::string, false);  // no default → added nullable
  field_schema with_default = field("Qty", type_kind::int32, false);
  with_default.default_sql_literal = "5";
  c->exec(add_column_sql({"", "Evolving"}, nullable, quoting::always));
  c->exec(add_column_sql({"", "Evolving"}, with_default, quoting::always));
  c->exec(add_column_sql({"", "Evolving"}, with_default, quoting::always));  // IF NOT EXISTS
  auto info = describe_table(*c, {"", "Evolving"}, quoting::always);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->column("Note")->nullable);
  EXPECT_FALSE(info->column("Qty")->nullable);
  EXPECT_TRUE(info->column("Qty")->has_default);
  EXPECT_EQ(scalar(*c, "SELECT \"Qty\" FROM \"Evolving\""), "5");
}

TEST_F(PgCatalog, QuotingNeverCreatesAndFindsFoldedNames) {
  auto c = connect();
  c->exec(create_table_sql({"", "CamelCase"}, {field("SomeId", type_kind::int64)}, {}, quoting::never));
  EXPECT_FALSE(describe_table(*c, {"", "CamelCase"}, quoting::always));
  auto info = describe_table(*c, {"", "CamelCase"}, quoting::never);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->ref.table, "camelcase");
  EXPECT_EQ(column_names(*info), std::vector<std::string>{"someid"});
}

}  // namespace
}  // namespace sluice::pg
