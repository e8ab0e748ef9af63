// SQL generation, identifier rules and type mapping of every ODBC dialect, without a server
// (SQL Server's are tested only here: no server runs on the build machine).
#include <gtest/gtest.h>

#include "dialects/odbc/dialect.hpp"
#include "tests/dialects/field_builder.hpp"

namespace sluice::odbc {
namespace {

using config::dialect;

std::string error_text(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const sluice::error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(OdbcDialects, EveryDialectQuotesWithItsOwnCharacterAndDoublesIt) {
  EXPECT_EQ(make_dialect(dialect::mysql)->quote("a`b"), "`a``b`");
  EXPECT_EQ(make_dialect(dialect::sqlite)->quote("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(make_dialect(dialect::sqlserver)->quote("a]b[c"), "[a]]b[c]");
  EXPECT_EQ(make_dialect(dialect::postgresql)->quote("Order\"s"), "\"Order\"\"s\"");
  EXPECT_EQ(make_dialect(dialect::generic)->quote("x y"), "\"x y\"");
}

TEST(OdbcDialects, QuoteNeverFoldsOnlyWhereTheDatabaseFolds) {
  dialect_options never{.quote_always = false};
  EXPECT_EQ(make_dialect(dialect::postgresql, never)->quote("OrderLines"), "\"orderlines\"");
  EXPECT_EQ(make_dialect(dialect::mysql, never)->quote("OrderLines"), "`OrderLines`");
  EXPECT_EQ(make_dialect(dialect::sqlite, never)->quote("OrderLines"), "\"OrderLines\"");
  EXPECT_EQ(make_dialect(dialect::generic, never)->quote("OrderLines"), "\"ORDERLINES\"");
  EXPECT_EQ(make_dialect(dialect::postgresql)->quote("OrderLines"), "\"OrderLines\"");
}

TEST(OdbcDialects, ReservedAndHostileNamesAreJustNames) {
  auto m = make_dialect(dialect::mysql);
  EXPECT_EQ(m->render_table({"", "select"}), "`select`");
  EXPECT_EQ(m->render_table({"", "x`; DROP TABLE y; --"}), "`x``; DROP TABLE y; --`");
  auto s = make_dialect(dialect::sqlserver);
  EXPECT_EQ(s->render_table({"dbo", "order]]"}), "[dbo].[order]]]]]");
}

TEST(OdbcDialects, TableSpecsSplitOnDotsOutsideQuotes) {
  auto m = make_dialect(dialect::mysql);
  EXPECT_EQ(m->parse_table("shop.Orders"), (table_id{"shop", "Orders"}));
  EXPECT_EQ(m->parse_table("`my.db`.`a``b`"), (table_id{"my.db", "a`b"}));
  EXPECT_EQ(m->parse_table("Orders"), (table_id{"", "Orders"}));
  auto s = make_dialect(dialect::sqlserver);
  EXPECT_EQ(s->parse_table("[dbo].[Order.Lines]"), (table_id{"dbo", "Order.Lines"}));
  EXPECT_NE(error_text([&] { m->parse_table("a.b.c"); }).find("more than two parts"), std::string::npos);
  EXPECT_NE(error_text([&] { m->parse_table("a..b"); }).find("empty"), std::string::npos);
}

TEST(OdbcDialects, NamesADatabaseCannotHoldAreRejectedNotTruncated) {
  auto m = make_dialect(dialect::mysql);
  EXPECT_NE(error_text([&] { m->quote(std::string(65, 'a')); }).find("at most 64"), std::string::npos);
  EXPECT_NO_THROW(m->quote(std::string(64, 'a')));
  EXPECT_NE(error_text([&] { m->quote("smile\xF0\x9F\x99\x82"); }).find("beyond U+FFFF"), std::string::npos);
  EXPECT_NO_THROW(m->quote("T\xC3\xA4\xE2\x82\xAC"));  // BMP characters are fine
  EXPECT_NE(error_text([&] { m->quote("x "); }).find("ends with a space"), std::string::npos);
  auto p = make_dialect(dialect::postgresql);
  EXPECT_NE(error_text([&] { p->quote(std::string(22, '\xE2') ); }).find("UTF-8"), std::string::npos);
  EXPECT_NE(error_text([&] { p->quote(std::string(64, 'a')); }).find("63"), std::string::npos);
  EXPECT_NE(error_text([&] { make_dialect(dialect::sqlite)->render_table({"", "sqlite_stat1"}); })
                .find("SQLite keeps"), std::string::npos);
  EXPECT_NE(error_text([&] { make_dialect(dialect::sqlserver)->quote(std::string(129, 'x')); })
                .find("at most 128"), std::string::npos);
  EXPECT_NE(error_text([&] { m->quote(std::string("a\0b", 3)); }).find("NUL"), std::string::npos);
}

TEST(OdbcDialects, ColumnNamesCompareAsTheDatabaseDoes) {
  EXPECT_TRUE(make_dialect(dialect::mysql)->same_column("Qty", "qty"));
  EXPECT_TRUE(make_dialect(dialect::sqlite)->same_column("Qty", "QTY"));
  EXPECT_TRUE(make_dialect(dialect::sqlserver)->same_column("Qty", "qty"));
  EXPECT_FALSE(make_dialect(dialect::postgresql)->same_column("Qty", "qty"));
}

TEST(OdbcDialects, MySqlKeyStringsAreVarcharsThatFitTheIndexNeverText) {
  auto m = make_dialect(dialect::mysql);
  EXPECT_EQ(m->sql_type(f("k", type_kind::string), {.key = true, .key_text_columns = 1}), "VARCHAR(768)");
  EXPECT_EQ(m->sql_type(f("k", type_kind::string), {.key = true, .key_text_columns = 2, .key_other_columns = 1}),
            "VARCHAR(383)");
  EXPECT_EQ(m->sql_type(f("v", type_kind::string), {}), "LONGTEXT");
  EXPECT_EQ(m->sql_type(f("b", type_kind::bytes), {.key = true, .key_text_columns = 1}), "VARBINARY(3072)");
  EXPECT_EQ(m->sql_type(f("d", type_kind::bytes, true, logical_kind::decimal, 2, 12), {}), "DECIMAL(12,2)");
  EXPECT_EQ(m->sql_type(f("d", type_kind::bytes, true, logical_kind::decimal, 4), {}), "DECIMAL(65,4)");
  EXPECT_EQ(m->sql_type(f("t", type_kind::int64, true, logical_kind::timestamp), {}), "DATETIME(6)");
  EXPECT_EQ(m->sql_type(f("t", type_kind::boolean), {}), "BOOLEAN");
}

TEST(OdbcDialects, SqlServerKeysShareNineHundredBytes) {
  auto s = make_dialect(dialect::sqlserver);
  EXPECT_EQ(s->sql_type(f("k", type_kind::string), {.key = true, .key_text_columns = 1}), "varchar(900)");
  EXPECT_EQ(s->sql_type(f("k", type_kind::string), {.key = true, .key_text_columns = 2}), "varchar(450)");
  EXPECT_EQ(s->sql_type(f("v", type_kind::string), {}), "nvarchar(max)");
  EXPECT_EQ(s->sql_type(f("t", type_kind::int64, true, logical_kind::timestamp), {}), "datetime2(6)");
  EXPECT_EQ(s->sql_type(f("i", type_kind::int8), {}), "smallint");  // tinyint is unsigned there
  EXPECT_EQ(s->sql_type(f("b", type_kind::boolean), {}), "bit");
  EXPECT_EQ(s->sql_type(f("u", type_kind::string, true, logical_kind::uuid), {}), "uniqueidentifier");
}

TEST(OdbcDialects, SqliteTypesFollowAffinity) {
  auto s = make_dialect(dialect::sqlite);
  EXPECT_EQ(s->sql_type(f("i", type_kind::int64), {.key = true}), "BIGINT");
  EXPECT_EQ(s->sql_type(f("s", type_kind::string), {.key = true}), "TEXT");
  EXPECT_EQ(s->sql_type(f("j", type_kind::string, true, logical_kind::json), {}), "TEXT");
  EXPECT_EQ(s->sql_type(f("d", type_kind::bytes, true, logical_kind::decimal, 2, 10), {}), "DECIMAL(10,2)");
  EXPECT_EQ(s->sql_type(f("t", type_kind::int64, true, logical_kind::timestamp), {}), "DATETIME");
}

TEST(OdbcDialects, ColumnsReadBackAsConnectFields) {
  auto m = make_dialect(dialect::mysql);
  auto rf = m->field_for({.name = "a", .type = "decimal(12,2)", .family = column_family::decimal,
                          .precision = 12, .scale = 2});
  EXPECT_EQ(rf.logical, logical_kind::decimal);
  EXPECT_EQ(rf.scale, 2);
  EXPECT_EQ(m->field_for({.name = "f", .type = "float", .family = column_family::floating}).type, type_kind::float32);
  EXPECT_EQ(m->field_for({.name = "i", .type = "int(11)", .family = column_family::integer}).type, type_kind::int32);
  EXPECT_EQ(m->field_for({.name = "b", .type = "tinyint(1)", .family = column_family::boolean}).type, type_kind::boolean);
  auto s = make_dialect(dialect::sqlite);
  EXPECT_EQ(s->field_for({.name = "i", .type = "INTEGER", .family = column_family::integer}).type, type_kind::int64);
  auto ms = make_dialect(dialect::sqlserver);
  EXPECT_EQ(ms->field_for({.name = "f", .type = "float", .family = column_family::floating}).type, type_kind::float64);
  EXPECT_EQ(ms->field_for({.name = "t", .type = "datetime2", .family = column_family::timestamp}).logical,
            logical_kind::timestamp);
}

TEST(OdbcDialects, CreateTableHasTheKeyAndNotNullAndMySqlBinaryCollation) {
  std::vector<field_schema> fields = {f("Id", type_kind::int64, false), f("Name", type_kind::string, false),
                                      f("note", type_kind::string)};
  auto m = make_dialect(dialect::mysql)->create_table_sql({"", "Orders"}, fields, {"Id", "Name"});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "CREATE TABLE IF NOT EXISTS `Orders` (\n  `Id` BIGINT NOT NULL,\n  `Name` VARCHAR(766) "
            "NOT NULL,\n  `note` LONGTEXT,\n  PRIMARY KEY (`Id`, `Name`)) DEFAULT CHARSET=utf8mb4 "
            "COLLATE=utf8mb4_bin");
  auto ms = make_dialect(dialect::sqlserver)->create_table_sql({"dbo", "Orders"}, fields, {"Id"});
  EXPECT_EQ(ms[0].rfind("IF OBJECT_ID(N'[dbo].[Orders]', N'U') IS NULL CREATE TABLE [dbo].[Orders] (", 0), 0u)
      << ms[0];
  auto g = make_dialect(dialect::generic)->create_table_sql({"", "T"}, fields, {"Id"});
  EXPECT_EQ(g[0].rfind("CREATE TABLE \"T\" (", 0), 0u) << g[0];
}

TEST(OdbcDialects, AddColumnIsNullableUnlessItHasADefault) {
  auto s = make_dialect(dialect::sqlite);
  EXPECT_EQ(s->add_column_sql({"", "t"}, f("c", type_kind::int32, false)), "ALTER TABLE \"t\" ADD COLUMN \"c\" INT");
  auto with_default = f("c", type_kind::string, false);
  with_default.default_sql_literal = "it's";
  EXPECT_EQ(make_dialect(dialect::mysql)->add_column_sql({"", "t"}, with_default),
            "ALTER TABLE `t` ADD COLUMN `c` LONGTEXT DEFAULT 'it''s' NOT NULL");
  EXPECT_EQ(make_dialect(dialect::sqlserver)->add_column_sql({"", "t"}, with_default),
            "ALTER TABLE [t] ADD [c] nvarchar(max) DEFAULT N'it''s' NOT NULL");
}

TEST(OdbcDialects, UpsertPerDialect) {
  std::vector<std::string> cols = {"id", "Name", "qty"};
  EXPECT_EQ(make_dialect(dialect::mysql)->upsert_sql({"", "T"}, cols, 1).sql,
            "INSERT INTO `T` (`id`, `Name`, `qty`) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE "
            "`Name` = VALUES(`Name`), `qty` = VALUES(`qty`)");
  EXPECT_EQ(make_dialect(dialect::sqlite)->upsert_sql({"", "T"}, cols, 1).sql,
            "INSERT INTO \"T\" (\"id\", \"Name\", \"qty\") VALUES (?, ?, ?) ON CONFLICT (\"id\") DO "
            "UPDATE SET \"Name\" = excluded.\"Name\", \"qty\" = excluded.\"qty\"");
  EXPECT_EQ(make_dialect(dialect::postgresql)->upsert_sql({"", "T"}, cols, 2).sql,
            "INSERT INTO \"T\" (\"id\", \"Name\", \"qty\") VALUES (?, ?, ?) ON CONFLICT (\"id\", "
            "\"Name\") DO UPDATE SET \"qty\" = EXCLUDED.\"qty\"");
  auto ms = make_dialect(dialect::sqlserver)->upsert_sql({"dbo", "T"}, cols, 1);
  EXPECT_EQ(ms.sql,
            "MERGE INTO [dbo].[T] WITH (HOLDLOCK) AS target USING (SELECT ? AS [id], ? AS [Name], ? "
            "AS [qty]) AS incoming ON (target.[id] = incoming.[id]) WHEN MATCHED THEN UPDATE SET "
            "[Name] = incoming.[Name], [qty] = incoming.[qty] WHEN NOT MATCHED THEN INSERT ([id], "
            "[Name], [qty]) VALUES (incoming.[id], incoming.[Name], incoming.[qty]);");
  EXPECT_EQ(ms.params, (std::vector<std::size_t>{0, 1, 2}));
  auto no_lock = make_dialect(dialect::sqlserver, {.merge_holdlock = false})->upsert_sql({"", "T"}, cols, 1);
  EXPECT_EQ(no_lock.sql.find("HOLDLOCK"), std::string::npos);
  EXPECT_EQ(no_lock.sql.rfind("MERGE INTO [T] AS target", 0), 0u);
}

TEST(OdbcDialects, ManyRowsPerStatementRepeatTheRowAndItsParameters) {
  std::vector<std::string> cols = {"id", "v"};
  auto one = make_dialect(dialect::mysql)->upsert_sql({"", "T"}, cols, 1);
  auto three = with_rows(one, 3);
  EXPECT_EQ(three.sql,
            "INSERT INTO `T` (`id`, `v`) VALUES (?, ?), (?, ?), (?, ?) ON DUPLICATE KEY UPDATE "
            "`v` = VALUES(`v`)");
  EXPECT_EQ(three.params, (std::vector<std::size_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(with_rows(one, 1).sql, one.sql);
  auto sq = with_rows(make_dialect(dialect::sqlite)->insert_sql({"", "T"}, cols), 2);
  EXPECT_EQ(sq.sql, "INSERT INTO \"T\" (\"id\", \"v\") VALUES (?, ?), (?, ?)");
  // Statements that are not one-row INSERTs stay as they are.
  auto merge = make_dialect(dialect::sqlserver)->upsert_sql({"", "T"}, cols, 1);
  EXPECT_EQ(with_rows(merge, 5).sql, merge.sql);
  // Within each database's placeholder limit.
  EXPECT_LE(make_dialect(dialect::sqlite)->rows_per_statement(40) * 40, 32766u);
  EXPECT_LE(make_dialect(dialect::mysql)->rows_per_statement(200) * 200, 65535u);
  EXPECT_EQ(make_dialect(dialect::sqlserver)->rows_per_statement(5), 1u);
}

TEST(OdbcDialects, UpsertOfKeyOnlyRowsKeepsExistingRows) {
  std::vector<std::string> cols = {"a", "b"};
  EXPECT_EQ(make_dialect(dialect::mysql)->upsert_sql({"", "T"}, cols, 2).sql,
            "INSERT INTO `T` (`a`, `b`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `a` = `a`");
  EXPECT_NE(make_dialect(dialect::sqlite)->upsert_sql({"", "T"}, cols, 2).sql.find("DO NOTHING"),
            std::string::npos);
  EXPECT_EQ(make_dialect(dialect::sqlserver)->upsert_sql({"", "T"}, cols, 2).sql.find("WHEN MATCHED"),
            std::string::npos);
}

TEST(OdbcDialects, GenericUpsertWithoutMergeNamesTheOptions) {
  auto text = error_text([] { make_dialect(dialect::generic)->upsert_sql({"", "T"}, {"id", "v"}, 1); });
  EXPECT_NE(text.find("insert.mode"), std::string::npos) << text;
  EXPECT_NE(text.find("dialect.name"), std::string::npos) << text;
  EXPECT_NE(text.find("MERGE"), std::string::npos) << text;
}

TEST(OdbcDialects, UpdateBindsValuesThenKeysAndDeleteBindsKeys) {
  auto m = make_dialect(dialect::mysql);
  auto u = m->update_sql({"", "T"}, {"k1", "k2", "v"}, 2);
  EXPECT_EQ(u.sql, "UPDATE `T` SET `v` = ? WHERE `k1` = ? AND `k2` = ?");
  EXPECT_EQ(u.params, (std::vector<std::size_t>{2, 0, 1}));
  EXPECT_TRUE(m->update_sql({"", "T"}, {"k"}, 1).sql.empty());
  auto d = m->delete_sql({"s", "T"}, {"k1", "k2"});
  EXPECT_EQ(d.sql, "DELETE FROM `s`.`T` WHERE `k1` = ? AND `k2` = ?");
  EXPECT_EQ(m->truncate_sql({"", "T"}), "DELETE FROM `T`");
  EXPECT_EQ(make_dialect(dialect::postgresql)->truncate_sql({"", "T"}), "TRUNCATE \"T\"");
}

TEST(OdbcDialects, SqlServerSavepointsAreSavedTransactions) {
  auto s = make_dialect(dialect::sqlserver);
  EXPECT_EQ(s->savepoint_sql("b"), "SAVE TRANSACTION b");
  EXPECT_EQ(s->rollback_to_savepoint_sql("b"), "ROLLBACK TRANSACTION b");
  EXPECT_TRUE(s->release_savepoint_sql("b").empty());
  EXPECT_EQ(make_dialect(dialect::mysql)->release_savepoint_sql("b"), "RELEASE SAVEPOINT b");
}

TEST(OdbcTypes, FieldsGoOnlyIntoColumnsThatHoldThemExactly) {
  auto ts = f("t", type_kind::int64, true, logical_kind::timestamp);
  EXPECT_TRUE(accepts(ts, column_family::timestamp));
  EXPECT_FALSE(accepts(ts, column_family::integer));
  EXPECT_TRUE(accepts(f("s", type_kind::string), column_family::integer));
  EXPECT_FALSE(accepts(f("b", type_kind::bytes), column_family::integer));
  EXPECT_TRUE(accepts(f("i", type_kind::int32), column_family::decimal));
  EXPECT_FALSE(accepts(f("x", type_kind::float64), column_family::integer));
  EXPECT_TRUE(accepts(f("x", type_kind::boolean), column_family::integer));  // MySQL's BOOLEAN is TINYINT
}

}  // namespace
}  // namespace sluice::odbc
