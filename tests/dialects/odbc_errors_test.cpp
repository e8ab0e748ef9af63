// Classification of ODBC diagnostics, without a server: the records are what the drivers send.
#include <gtest/gtest.h>

#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/errors.hpp"

namespace sluice::odbc {
namespace {

using config::dialect;

sluice::error one(dialect d, std::string state, int native, std::string msg = "boom") {
  return classify(d, {{std::move(state), native, std::move(msg)}}, "cannot write", "sink 's'");
}

TEST(OdbcErrors, ConnectionClassIsRetryableAndPoisons) {
  auto e = one(dialect::postgresql, "08006", 0);
  EXPECT_TRUE(e.retryable());
  EXPECT_TRUE(e.poisons_connection());
  EXPECT_EQ(e.info().code, "08006");
}

TEST(OdbcErrors, SerializationFailureAndTimeoutsAreRetryableButKeepTheConnection) {
  for (const char* s : {"40001", "40P01", "HYT00"}) {
    auto e = one(dialect::generic, s, 0);
    EXPECT_TRUE(e.retryable()) << s;
    EXPECT_FALSE(e.poisons_connection()) << s;
  }
  EXPECT_TRUE(one(dialect::generic, "HYT01", 0).poisons_connection());
}

TEST(OdbcErrors, MariaDbNativeCodesMapToStandardStates) {
  EXPECT_EQ(one(dialect::mysql, "HY000", 1205).info().code, "HYT00");
  EXPECT_TRUE(one(dialect::mysql, "HY000", 1205).retryable());
  auto gone = one(dialect::mysql, "HY000", 2013, "Lost connection to server during query");
  EXPECT_EQ(gone.info().code, "08S01");
  EXPECT_TRUE(gone.retryable());
  EXPECT_TRUE(gone.poisons_connection());
  EXPECT_EQ(one(dialect::mysql, "HY000", 1406).info().code, "22001");
  EXPECT_EQ(one(dialect::mysql, "23000", 1062).info().code, "23000");
  EXPECT_FALSE(one(dialect::mysql, "23000", 1062).retryable());
  EXPECT_EQ(one(dialect::mysql, "HY000", 1040).info().code, "08004");
}

TEST(OdbcErrors, SqliteBusyIsRetryableAndConstraintIsARecordError) {
  auto busy = one(dialect::sqlite, "HY000", 5, "database is locked (5)");
  EXPECT_EQ(busy.info().code, "HYT00");
  EXPECT_TRUE(busy.retryable());
  EXPECT_FALSE(busy.poisons_connection());
  EXPECT_EQ(one(dialect::sqlite, "HY000", 19, "UNIQUE constraint failed: t.id (19)").info().code, "23000");
  EXPECT_EQ(one(dialect::sqlite, "HY000", 2067).info().code, "23000");  // extended SQLITE_CONSTRAINT_UNIQUE
  EXPECT_EQ(one(dialect::sqlite, "HY000", 1, "no such table: x (1)").info().code, "42S02");
}

TEST(OdbcErrors, PsqlOdbcLostConnectionWithoutStateIsConnectionClass) {
  auto e = one(dialect::postgresql, "HY000", 35, "Could not send Query(connection dead)");
  EXPECT_EQ(e.info().code, "08S01");
  EXPECT_TRUE(e.poisons_connection());
}

TEST(OdbcErrors, FixNamesTheConfigKey) {
  EXPECT_NE(one(dialect::mysql, "28000", 1045).info().fix.find("connection.password"), std::string::npos);
  EXPECT_NE(one(dialect::sqlite, "HY000", 1, "no such table: t").info().fix.find("auto.create"),
            std::string::npos);
  EXPECT_NE(one(dialect::generic, "IM002", 0).info().fix.find("odbcinst"), std::string::npos);
}

TEST(OdbcErrors, PasswordNeverAppearsInTheMessage) {
  auto e = classify(dialect::mysql, {{"28000", 1045, "Access denied for user 'u' using password hunter2"}},
                    "cannot connect", "db", "hunter2");
  EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  EXPECT_NE(std::string(e.what()).find("[secret]"), std::string::npos);
}

TEST(OdbcErrors, AllRecordsAreKeptAndTheFirstDecides) {
  auto e = classify(dialect::generic, {{"23000", 1, "dup"}, {"01000", 2, "note"}}, "w", "x");
  EXPECT_EQ(e.info().code, "23000");
  EXPECT_NE(e.info().why.find("dup; note"), std::string::npos);
}

TEST(OdbcConnectionString, AddsWhatTheSessionNeedsUnlessGiven) {
  EXPECT_EQ(effective_connection_string("Driver={MariaDB Unicode};Server=h", dialect::mysql),
            "Driver={MariaDB Unicode};Server=h;CHARSET=utf8mb4");
  EXPECT_EQ(effective_connection_string("Driver={MariaDB Unicode};charset = latin1;", dialect::mysql),
            "Driver={MariaDB Unicode};charset = latin1;");
  EXPECT_EQ(effective_connection_string("Driver={PostgreSQL Unicode};Server=h;", dialect::postgresql),
            "Driver={PostgreSQL Unicode};Server=h;Protocol=7.4-0");
  EXPECT_EQ(effective_connection_string("DSN=x", dialect::sqlite), "DSN=x");
}

// SQL Server reads 'YYYY-MM-DD …' text into datetime by the login language's date order; every
// session sets ymd, so a window value or a written value means the same day for every login.
TEST(OdbcSession, SqlServerSessionsReadDatesInTheOrderTheyAreWritten) {
  EXPECT_EQ(session_sql(dialect::sqlserver), (std::vector<std::string>{"SET DATEFORMAT ymd"}));
  EXPECT_EQ(session_sql(dialect::postgresql), (std::vector<std::string>{"SET TimeZone = 'UTC'"}));
  EXPECT_TRUE(session_sql(dialect::sqlite).empty());
}

}  // namespace
}  // namespace sluice::odbc
