// Every ODBC dialect against its real database: the DDL it generates runs, describe() finds the
// table the database resolves for an exact identifier (mixed case, reserved, hostile and unicode
// names), columns read back as the Connect types they were created from, and the upsert, update
// and delete statements do what they say through parameter arrays. MariaDB also under
// lower_case_table_names=1, where the table resolved is the one stored in lower case.
#include <cctype>

#include <gtest/gtest.h>

#include "dialects/odbc/dialect.hpp"
#include "dialects/odbc/param_array.hpp"
#include "tests/dialects/odbc_backends.hpp"
#include "tests/dialects/field_builder.hpp"

namespace sluice::odbc {
namespace {

using namespace testing;

class OdbcDialect : public ::testing::TestWithParam<odbc_backend> {
 protected:
  void SetUp() override {
    conn_str_ = fresh_database(GetParam());
    c_ = connect(GetParam(), conn_str_);
    d_ = make_dialect(GetParam().family);
    d_->adapt(*c_);
  }
  void run(const std::vector<std::string>& sql) {
    for (const auto& s : sql) c_->exec(s);
  }
  std::string scalar(const std::string& sql) {
    auto rows = c_->query(sql);
    if (rows.empty() || rows[0].empty()) return "<no rows>";
    return rows[0][0].value_or("NULL");
  }

  std::string conn_str_;
  std::unique_ptr<connection> c_;
  std::unique_ptr<dialect> d_;
};

TEST_P(OdbcDialect, CreatedColumnsReadBackAsTheirConnectTypes) {
  std::vector<field_schema> fields = {
      f("id", type_kind::int64, false),
      f("i8", type_kind::int8),
      f("i16", type_kind::int16),
      f("i32", type_kind::int32),
      f("f32", type_kind::float32),
      f("f64", type_kind::float64),
      f("flag", type_kind::boolean),
      f("name", type_kind::string),
      f("raw", type_kind::bytes),
      f("amount", type_kind::bytes, true, logical_kind::decimal, 2, 12),
      f("day", type_kind::int32, true, logical_kind::date),
      f("at", type_kind::int32, true, logical_kind::time),
      f("ts", type_kind::int64, true, logical_kind::timestamp),
  };
  table_id t{"", "AllTypes"};
  run(d_->create_table_sql(t, fields, {"id"}));
  auto def = d_->describe(*c_, t);
  ASSERT_TRUE(def);
  EXPECT_EQ(def->id.table, "AllTypes");
  EXPECT_EQ(def->primary_key, std::vector<std::string>{"id"});
  ASSERT_EQ(def->columns.size(), fields.size());
  auto family = [&](const std::string& n) { for (const auto& c : def->columns) if (c.name == n) return c.family; return column_family::other; };
  EXPECT_EQ(family("id"), column_family::integer);
  EXPECT_EQ(family("f64"), column_family::floating);
  EXPECT_EQ(family("flag"), column_family::boolean);
  EXPECT_EQ(family("name"), column_family::text);
  EXPECT_EQ(family("raw"), column_family::binary);
  EXPECT_EQ(family("amount"), column_family::decimal);
  EXPECT_EQ(family("day"), column_family::date);
  EXPECT_EQ(family("at"), column_family::time);
  EXPECT_EQ(family("ts"), column_family::timestamp);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto back = d_->field_for(def->columns[i]);
    // PostgreSQL has no one-byte integer: int8 fields are created smallint.
    const auto want = GetParam().family == config::dialect::postgresql && fields[i].type == type_kind::int8
                          ? type_kind::int16 : fields[i].type;
    EXPECT_EQ(back.type, want) << fields[i].name << " (" << def->columns[i].type << ")";
    EXPECT_EQ(back.logical, fields[i].logical) << fields[i].name;
    if (fields[i].logical == logical_kind::decimal) {
      EXPECT_EQ(back.scale, 2);
      EXPECT_EQ(back.precision, 12);
    }
  }
  EXPECT_FALSE(def->columns[0].nullable);
  EXPECT_TRUE(def->columns[1].nullable);
}

TEST_P(OdbcDialect, CreatingTwiceAndAddingAColumnTwiceIsHarmless) {
  table_id t{"", "twice"};
  std::vector<field_schema> fields = {f("id", type_kind::int64, false)};
  run(d_->create_table_sql(t, fields, {"id"}));
  run(d_->create_table_sql(t, fields, {"id"}));  // IF NOT EXISTS (SQL Server: OBJECT_ID check)
  c_->exec(d_->add_column_sql(t, f("extra", type_kind::string)));
  try {
    c_->exec(d_->add_column_sql(t, f("extra", type_kind::string)));  // PostgreSQL: IF NOT EXISTS
  } catch (const sluice::error& e) {
    EXPECT_TRUE(d_->is_already_exists(e)) << e.what();
  }
  EXPECT_EQ(d_->describe(*c_, t)->columns.size(), 2u);
}

TEST_P(OdbcDialect, DescribeFindsTheTableTheDatabaseResolvesForTheExactName) {
  run(d_->create_table_sql({"", "Orders"}, {f("id", type_kind::int64, false)}, {"id"}));
  const bool case_folds = GetParam().family == config::dialect::sqlite;  // SQLite: one table
  if (!case_folds) run(d_->create_table_sql({"", "orders"}, {f("k", type_kind::int64, false)}, {"k"}));
  auto upper = d_->describe(*c_, {"", "Orders"});
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->id.table, "Orders");
  EXPECT_EQ(upper->columns[0].name, "id");
  auto lower = d_->describe(*c_, {"", "orders"});
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->id.table, case_folds ? "Orders" : "orders");
  EXPECT_EQ(lower->columns[0].name, case_folds ? "id" : "k");
  EXPECT_FALSE(d_->describe(*c_, {"", "ORDERS_X"}));
  EXPECT_FALSE(d_->describe(*c_, {"", "Order_"}));  // no LIKE pattern matching
}

TEST_P(OdbcDialect, ReservedHostileAndUnicodeNamesAreOrdinaryTables) {
  for (std::string name : {"select", "x\"; DROP TABLE y; --", "we`ird]name", "T\xC3\xA4\xE2\x82\xAC Ord.ers",
                           "%_like"}) {
    table_id t{"", name};
    run(d_->create_table_sql(t, {f("Group", type_kind::int64, false), f("va lue", type_kind::string)}, {"Group"}));
    auto def = d_->describe(*c_, t);
    ASSERT_TRUE(def) << name;
    EXPECT_EQ(def->id.table, name);
    EXPECT_EQ(def->primary_key, std::vector<std::string>{"Group"}) << name;
    c_->exec(d_->insert_sql(t, {"Group", "va lue"}).sql, {"1", "v"});
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + d_->render_table(t)), "1") << name;
  }
}

TEST_P(OdbcDialect, UpsertUpdateAndDeleteThroughParameterArrays) {
  table_id t{"", "Kv"};
  run(d_->create_table_sql(t, {f("k", type_kind::string, false), f("v", type_kind::int64)}, {"k"}));
  std::vector<std::string> cols = {"k", "v"};
  auto write = [&](const dml& d, const std::vector<std::pair<std::string, std::int64_t>>& rows) {
    param_array a;
    std::vector<bind_as> kinds;
    for (auto p : d.params) kinds.push_back(p == 0 ? bind_as::text : bind_as::int64);
    a.reset(kinds);
    for (const auto& [k, v] : rows) {
      a.add_row();
      for (std::size_t i = 0; i < d.params.size(); ++i) {
        if (d.params[i] == 0) a.set_text(i, k);
        else a.set_int(i, v);
      }
    }
    c_->begin();
    a.execute(c_->prepared(d.sql));
    c_->commit();
  };
  write(d_->upsert_sql(t, cols, 1), {{"a", 1}, {"b", 2}, {"A", 3}});
  write(d_->upsert_sql(t, cols, 1), {{"a", 10}, {"c", 4}});
  const std::string tbl = d_->render_table(t), k = d_->quote("k"), v = d_->quote("v");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + tbl), "4");  // "a" and "A" are two keys
  EXPECT_EQ(scalar("SELECT " + v + " FROM " + tbl + " WHERE " + k + " = 'a'"), "10");
  EXPECT_EQ(scalar("SELECT " + v + " FROM " + tbl + " WHERE " + k + " = 'A'"), "3");
  write(d_->update_sql(t, cols, 1), {{"b", 20}, {"zz", 99}});
  EXPECT_EQ(scalar("SELECT " + v + " FROM " + tbl + " WHERE " + k + " = 'b'"), "20");
  write(d_->delete_sql(t, {"k"}), {{"c", 0}, {"a", 0}});
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + tbl), "2");
  c_->begin();
  c_->exec(d_->truncate_sql(t));
  c_->rollback();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + tbl), "2");  // the truncate was transactional
}

TEST_P(OdbcDialect, TheGenericDialectLooksTablesUpThroughTheOdbcCatalog) {
  if (GetParam().family == config::dialect::mysql)
    GTEST_SKIP() << "MariaDB Connector/ODBC lists databases as catalogs, not schemas";
  auto g = make_dialect(config::dialect::generic);
  g->adapt(*c_);
  run(d_->create_table_sql({"", "Gen_Tab"}, {f("Id", type_kind::int64, false), f("v", type_kind::string)}, {"Id"}));
  if (GetParam().family != config::dialect::sqlite)
    run(d_->create_table_sql({"", "gen_tab"}, {f("other", type_kind::int64, false)}, {"other"}));
  auto def = g->describe(*c_, {"", "Gen_Tab"});
  ASSERT_TRUE(def);
  ASSERT_EQ(def->columns.size(), 2u);
  EXPECT_EQ(def->columns[0].name, "Id");
  EXPECT_EQ(def->columns[0].family, column_family::integer);
  EXPECT_EQ(def->primary_key, std::vector<std::string>{"Id"});
  EXPECT_FALSE(g->describe(*c_, {"", "Gen_Ta_"}));
}

TEST_P(OdbcDialect, GenericUpsertIsRefusedWhereTheDriverKnowsNoMerge) {
  if (GetParam().family != config::dialect::sqlite) GTEST_SKIP() << "SQLite is the database without MERGE here";
  auto g = make_dialect(config::dialect::generic);
  g->adapt(*c_);
  try {
    g->upsert_sql({"", "t"}, {"k", "v"}, 1);
    FAIL();
  } catch (const sluice::error& e) {
    EXPECT_NE(std::string(e.what()).find("SQLite"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("insert.mode"), std::string::npos) << e.what();
  }
}

// MariaDB alone: its server takes a parameter array as one bulk command, so the dialect binds
// one-row statements to arrays instead of building VALUES lists (a MySQL server would run such an
// array a statement per row, so there the lists stay). A batch the size of a sink's goes through
// whole, in one chunk; a bad row fails the array and the rollback leaves none of it.
class OdbcMariaDbDialect : public OdbcDialect {};

TEST_P(OdbcMariaDbDialect, ParameterArraysGoAsOneBulkCommandOnAMariaDbServer) {
  EXPECT_EQ(d_->rows_per_statement(5), 1u);
  EXPECT_GE(make_dialect(config::dialect::mysql)->rows_per_statement(5), 100u)
      << "before adapt() the server is unknown: VALUES lists";
  table_id t{"", "Bulk"};
  run(d_->create_table_sql(t, {f("id", type_kind::int64, false), f("name", type_kind::string)}, {"id"}));
  const std::vector<std::string> cols = {"id", "name"};
  auto fill = [&](param_array& a, const dml& d, int rows, int bad_at) {
    std::vector<bind_as> kinds;
    for (auto p : d.params) kinds.push_back(p == 0 ? bind_as::int64 : bind_as::text);
    a.reset(kinds, c_->utf8_params());
    for (int i = 0; i < rows; ++i) {
      a.add_row();
      for (std::size_t k = 0; k < d.params.size(); ++k) {
        if (d.params[k] == 0) a.set_int(k, i == bad_at ? 7 : i);
        else a.set_text(k, "name " + std::to_string(i));
      }
    }
  };
  const std::string tbl = d_->render_table(t);
  {
    param_array a;
    const auto d = d_->upsert_sql(t, cols, 1);
    fill(a, d, 20000, -1);
    c_->begin();
    a.execute(c_->prepared(d.sql));
    c_->commit();
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + tbl), "20000");
    EXPECT_EQ(scalar("SELECT name FROM " + tbl + " WHERE id = 19999"), "name 19999");
  }
  {
    run({"DELETE FROM " + tbl});
    param_array a;
    const auto d = d_->insert_sql(t, cols);
    fill(a, d, 1000, 500);  // row 500 repeats id 7
    c_->begin();
    EXPECT_THROW(a.execute(c_->prepared(d.sql)), sluice::error);
    c_->rollback();
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM " + tbl), "0");
  }
}

// MariaDB with lower_case_table_names=1 (a server of its own, mariadb_server::shared_lower_case()):
// the server stores every table and database name in lower case and resolves any spelling to
// it, so a lookup must find that table, not demand the exact spelling; otherwise the sink would
// call an existing table missing, and after auto.create could not find what it just created.
class OdbcMariaDbLowerCaseTableNames : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& s = sluice::testing::mariadb_server::shared_lower_case();
    db_ = s.create_database("odbc");
    c_ = connect(mariadb_, s.odbc_connection_string(db_));
    d_ = make_dialect(config::dialect::mysql);
    d_->adapt(*c_);
    ASSERT_EQ(scalar("SELECT @@lower_case_table_names"), "1") << "the fixture's server option";
  }
  std::string scalar(const std::string& sql) {
    auto rows = c_->query(sql);
    if (rows.empty() || rows[0].empty()) return "<no rows>";
    return rows[0][0].value_or("NULL");
  }
  // The names information_schema holds for this test's database, in order.
  std::vector<std::string> stored_tables() {
    std::vector<std::string> out;
    for (const auto& r : c_->query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE "
                                   "TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME"))
      out.push_back(r[0].value_or("NULL"));
    return out;
  }
  // What odbc_writer::ensure_table does with auto.create=true: look the table up; when missing,
  // create it (a CREATE that fails because another task created it first is fine) and look up
  // again. Returns the table found and whether it was created.
  std::pair<std::optional<table_def>, bool> ensure(const table_id& t, const std::vector<field_schema>& fields,
                                                   const std::vector<std::string>& pk) {
    if (auto def = d_->describe(*c_, t)) return {def, false};
    for (const auto& sql : d_->create_table_sql(t, fields, pk)) {
      try {
        c_->exec(sql);
      } catch (const sluice::error& e) {
        if (!d_->is_already_exists(e)) throw;
      }
    }
    return {d_->describe(*c_, t), true};
  }

  const odbc_backend mariadb_{"mariadb_lower_case", config::dialect::mysql};
  std::string db_;
  std::unique_ptr<connection> c_;
  std::unique_ptr<dialect> d_;
};

TEST_F(OdbcMariaDbLowerCaseTableNames, LookupOfAMixedCaseNameFindsTheTableStoredInLowerCase) {
  c_->exec("CREATE TABLE ORDERLINES (id BIGINT NOT NULL PRIMARY KEY, qty INT)");
  ASSERT_EQ(stored_tables(), std::vector<std::string>{"orderlines"}) << "what the server stores";
  for (std::string spelling : {"OrderLines", "orderlines", "ORDERLINES"}) {
    auto def = d_->describe(*c_, {"", spelling});
    ASSERT_TRUE(def) << spelling;
    EXPECT_EQ(def->id.schema, db_) << spelling;
    EXPECT_EQ(def->id.table, "orderlines") << spelling;
    ASSERT_EQ(def->columns.size(), 2u) << spelling;
    EXPECT_EQ(def->columns[1].name, "qty") << spelling;
    EXPECT_EQ(def->primary_key, std::vector<std::string>{"id"}) << spelling;
  }
  EXPECT_FALSE(d_->describe(*c_, {"", "OrderLine_"}));  // still no LIKE pattern matching
  EXPECT_FALSE(d_->describe(*c_, {"", "Order"}));

  // A database named in mixed case is stored in lower case too, and a qualified name finds it.
  auto& s = sluice::testing::mariadb_server::shared_lower_case();
  const std::string shop = s.create_database("Shop");
  c_->exec("CREATE TABLE `" + shop + "`.`\xC3\x84rgerListe` (id BIGINT NOT NULL PRIMARY KEY)");
  auto def = d_->describe(*c_, {shop, "\xC3\x84RGERLISTE"});
  ASSERT_TRUE(def) << shop;
  std::string shop_stored = shop;
  for (auto& ch : shop_stored) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  EXPECT_EQ(def->id.schema, shop_stored);
  EXPECT_EQ(def->id.table, "\xC3\xA4rgerliste") << "the server folds non-ASCII letters as well";
  EXPECT_EQ(def->primary_key, std::vector<std::string>{"id"});
}

TEST_F(OdbcMariaDbLowerCaseTableNames, AutoCreateMakesOneTableTheServerResolvesAndWritesLandInIt) {
  const table_id given{"", "OrderLines"};
  const std::vector<field_schema> fields = {f("id", type_kind::int64, false), f("qty", type_kind::int32)};
  auto [def, created] = ensure(given, fields, {"id"});
  EXPECT_TRUE(created);
  ASSERT_TRUE(def) << "the table just created must be found under the name it was created with";
  EXPECT_EQ(def->id.table, "orderlines");
  EXPECT_EQ(stored_tables(), std::vector<std::string>{"orderlines"});

  // A second lookup (another batch, another task) finds it: nothing created again, no error.
  auto [again, created_again] = ensure(given, fields, {"id"});
  EXPECT_FALSE(created_again);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id.table, "orderlines");
  for (const auto& sql : d_->create_table_sql(given, fields, {"id"})) c_->exec(sql);  // a racing task's CREATE
  EXPECT_EQ(stored_tables(), std::vector<std::string>{"orderlines"});

  // Written as the sink writes (through the table found, a parameter array in a transaction),
  // and once more through the name as given; read back under the server's name.
  const auto up = d_->upsert_sql(def->id, {"id", "qty"}, 1);
  param_array a;
  a.reset(std::vector<bind_as>(up.params.size(), bind_as::int64), c_->utf8_params());
  for (std::int64_t id : {1, 2, 3}) {
    a.add_row();
    for (std::size_t i = 0; i < up.params.size(); ++i) a.set_int(i, up.params[i] == 0 ? id : id * 10);
  }
  c_->begin();
  a.execute(c_->prepared(up.sql));
  c_->commit();
  c_->exec(d_->insert_sql(given, {"id", "qty"}).sql, {"4", "40"});
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM orderlines"), "4");
  EXPECT_EQ(scalar("SELECT SUM(qty) FROM orderlines"), "100");
  EXPECT_EQ(scalar("SELECT qty FROM orderlines WHERE id = 3"), "30");
}

INSTANTIATE_TEST_SUITE_P(Backends, OdbcDialect, ::testing::ValuesIn(odbc_backends()), backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, OdbcMariaDbDialect,
                         ::testing::Values(odbc_backend{"mariadb", config::dialect::mysql}), backend_name);

}  // namespace
}  // namespace sluice::odbc
