#include <gtest/gtest.h>
#include "config/connection_url.hpp"
#include "core/error.hpp"

namespace sluice::config {
namespace {

connection_target parse(std::string_view url, std::string_view user = "", std::string_view password = "",
                        std::string_view dialect_name = "") {
  return parse_connection_url(url, user, password, dialect_name);
}

std::string error_text(std::string_view url, std::string_view dialect_name = "") {
  try {
    parse(url, "", "", dialect_name);
  } catch (const sluice::error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConnectionUrl, JdbcPostgresqlWithParametersBecomesConninfoAndOdbc) {
  auto t = parse("jdbc:postgresql://db.example.com:6432/orders?user=app&password=pw&sslmode=require"
                 "&ApplicationName=sluice&reWriteBatchedInserts=true");
  EXPECT_EQ(t.kind, dialect::postgresql);
  EXPECT_EQ(t.host, "db.example.com");
  EXPECT_EQ(t.port, 6432);
  EXPECT_EQ(t.database, "orders");
  EXPECT_EQ(t.user, "app");
  EXPECT_EQ(t.password, "pw");
  EXPECT_EQ(t.params.at("sslmode"), "require");
  EXPECT_EQ(t.params.at("reWriteBatchedInserts"), "true");
  EXPECT_FALSE(t.params.contains("password"));
  EXPECT_EQ(t.libpq_conninfo,
            "host='db.example.com' port='6432' dbname='orders' user='app' password='pw' "
            "application_name='sluice' sslmode='require'");
  EXPECT_EQ(t.odbc,
            "Driver={PostgreSQL Unicode};Server=db.example.com;Port=6432;Database=orders;SSLmode=require;"
            "UID=app;PWD=pw");
  EXPECT_EQ(t.display,
            "jdbc:postgresql://db.example.com:6432/orders?user=app&password=[secret]&sslmode=require"
            "&ApplicationName=sluice&reWriteBatchedInserts=true");
  EXPECT_EQ(t.pool_key, "postgresql|db.example.com|6432|orders|app");
}

TEST(ConnectionUrl, JdbcPostgresqlDefaultsToLocalhost5432) {
  auto t = parse("jdbc:postgresql://localhost/db");
  EXPECT_EQ(t.host, "localhost");
  EXPECT_EQ(t.port, 5432);
  auto bare = parse("jdbc:postgresql:mydb");
  EXPECT_EQ(bare.host, "localhost");
  EXPECT_EQ(bare.database, "mydb");
}

TEST(ConnectionUrl, JdbcPostgresqlTranslatesDriverParametersToLibpq) {
  auto t = parse("jdbc:postgresql://h/db?ssl=true&currentSchema=sales&connectTimeout=7&tcpKeepAlive=true"
                 "&targetServerType=primary&prepareThreshold=0&password=a%2Bb+c");
  EXPECT_EQ(t.password, "a+b c");  // pgjdbc decodes parameters like java.net.URLDecoder
  EXPECT_EQ(t.libpq_conninfo,
            "host='h' port='5432' dbname='db' password='a+b c' connect_timeout='7' keepalives='1' "
            "target_session_attrs='primary' sslmode='verify-full' options='-c search_path=sales'");
}

TEST(ConnectionUrl, HostAndPortParametersSelectAUnixSocket) {
  auto t = parse("jdbc:postgresql://localhost/app?host=/tmp/pg sock&port=5555");
  EXPECT_EQ(t.host, "/tmp/pg sock");
  EXPECT_EQ(t.port, 5555);
  EXPECT_EQ(t.libpq_conninfo, "host='/tmp/pg sock' port='5555' dbname='app'");
  EXPECT_FALSE(t.params.contains("host"));
}

TEST(ConnectionUrl, ConnectionUserAndPasswordOverrideTheUrls) {
  auto t = parse("jdbc:postgresql://h/db?user=url_user&password=url_pw", "cfg_user", "cfg'pw");
  EXPECT_EQ(t.user, "cfg_user");
  EXPECT_EQ(t.password, "cfg'pw");
  EXPECT_EQ(t.libpq_conninfo, "host='h' port='5432' dbname='db' user='cfg_user' password='cfg\\'pw'");
  EXPECT_EQ(t.pool_key, "postgresql|h|5432|db|cfg_user");
}

TEST(ConnectionUrl, JdbcMysqlBecomesMariadbOdbc) {
  auto t = parse("jdbc:mysql://maria:3307/shop?user=u&password=p;x&useSSL=false");
  EXPECT_EQ(t.kind, dialect::mysql);
  EXPECT_EQ(t.host, "maria");
  EXPECT_EQ(t.port, 3307);
  EXPECT_EQ(t.database, "shop");
  EXPECT_EQ(t.params.at("useSSL"), "false");
  EXPECT_EQ(t.odbc, "Driver={MariaDB Unicode};Server=maria;Port=3307;Database=shop;UID=u;PWD={p;x}");
  EXPECT_TRUE(t.libpq_conninfo.empty());
  EXPECT_EQ(t.display, "jdbc:mysql://maria:3307/shop?user=u&password=[secret]&useSSL=false");
}

TEST(ConnectionUrl, JdbcMariadbWithSocketAndUserInfo) {
  auto t = parse("jdbc:mariadb://me:pw@localhost/shop?localSocket=/run/mysqld/mysqld.sock");
  EXPECT_EQ(t.kind, dialect::mysql);
  EXPECT_EQ(t.user, "me");
  EXPECT_EQ(t.password, "pw");
  EXPECT_EQ(t.port, 3306);
  EXPECT_EQ(t.odbc,
            "Driver={MariaDB Unicode};Server=localhost;Port=3306;Database=shop;Socket=/run/mysqld/mysqld.sock;"
            "UID=me;PWD=pw");
  EXPECT_EQ(t.display, "jdbc:mariadb://me:[secret]@localhost/shop?localSocket=/run/mysqld/mysqld.sock");
}

TEST(ConnectionUrl, JdbcSqliteNamesTheFile) {
  auto t = parse("jdbc:sqlite:/var/lib/app/test.db");
  EXPECT_EQ(t.kind, dialect::sqlite);
  EXPECT_EQ(t.database, "/var/lib/app/test.db");
  EXPECT_EQ(t.odbc, "Driver={SQLite3};Database=/var/lib/app/test.db;StepAPI=1");
  EXPECT_EQ(t.pool_key, "sqlite||0|/var/lib/app/test.db|");
  EXPECT_EQ(parse("jdbc:sqlite:test.db").database, "test.db");
}

TEST(ConnectionUrl, JdbcSqlserverPropertiesAreTranslated) {
  auto t = parse("jdbc:sqlserver://mssql:1433;databaseName=sales;user=sa;password={p;w}}};encrypt=true;"
                 "loginTimeout=5");
  EXPECT_EQ(t.kind, dialect::sqlserver);
  EXPECT_EQ(t.host, "mssql");
  EXPECT_EQ(t.port, 1433);
  EXPECT_EQ(t.database, "sales");
  EXPECT_EQ(t.user, "sa");
  EXPECT_EQ(t.password, "p;w}");
  EXPECT_EQ(t.params.at("loginTimeout"), "5");
  EXPECT_EQ(t.odbc,
            "Driver={ODBC Driver 18 for SQL Server};Server=tcp:mssql,1433;Database=sales;Encrypt=yes;UID=sa;"
            "PWD={p;w}}}");
  EXPECT_EQ(t.display, "jdbc:sqlserver://mssql:1433;databaseName=sales;user=sa;password=[secret];encrypt=true;"
                       "loginTimeout=5");
}

TEST(ConnectionUrl, LibpqUriIsKeptInLibpqTerms) {
  auto t = parse("postgresql://app:pw@pg.local:5433/orders?sslmode=disable&connect_timeout=5");
  EXPECT_EQ(t.kind, dialect::postgresql);
  EXPECT_EQ(t.user, "app");
  EXPECT_EQ(t.password, "pw");
  EXPECT_EQ(t.libpq_conninfo,
            "host='pg.local' port='5433' dbname='orders' user='app' password='pw' sslmode='disable' "
            "connect_timeout='5'");
  EXPECT_EQ(t.display, "postgresql://app:[secret]@pg.local:5433/orders?sslmode=disable&connect_timeout=5");
}

TEST(ConnectionUrl, LibpqUriWithSocketDirectory) {
  auto t = parse("postgres:///orders?host=/var/run/postgresql");
  EXPECT_EQ(t.host, "/var/run/postgresql");
  EXPECT_EQ(t.libpq_conninfo, "host='/var/run/postgresql' dbname='orders'");
  auto encoded = parse("postgresql://%2Ftmp%2Fpg:5499/db");
  EXPECT_EQ(encoded.host, "/tmp/pg");
  EXPECT_EQ(encoded.port, 5499);
}

TEST(ConnectionUrl, ConninfoStringIsUnderstood) {
  auto t = parse("host=localhost port=5432 dbname=app user=me password='a b\\'c' application_name=x");
  EXPECT_EQ(t.kind, dialect::postgresql);
  EXPECT_EQ(t.host, "localhost");
  EXPECT_EQ(t.port, 5432);
  EXPECT_EQ(t.database, "app");
  EXPECT_EQ(t.user, "me");
  EXPECT_EQ(t.password, "a b'c");
  EXPECT_EQ(t.libpq_conninfo,
            "host='localhost' port='5432' dbname='app' user='me' password='a b\\'c' application_name='x'");
  EXPECT_EQ(t.display, "host=localhost port=5432 dbname=app user=me password=[secret] application_name=x");
}

TEST(ConnectionUrl, OdbcConnectionStringIsUsedAsGiven) {
  auto t = parse("odbc:Driver={MariaDB Unicode};Server=m;Port=3306;Database=d;UID=u;PWD=p");
  EXPECT_EQ(t.kind, dialect::mysql);
  EXPECT_EQ(t.odbc, "Driver={MariaDB Unicode};Server=m;Port=3306;Database=d;UID=u;PWD=p");
  EXPECT_EQ(t.host, "m");
  EXPECT_EQ(t.port, 3306);
  EXPECT_EQ(t.database, "d");
  EXPECT_EQ(t.user, "u");
  EXPECT_EQ(t.password, "p");
  EXPECT_EQ(t.display, "odbc:Driver={MariaDB Unicode};Server=m;Port=3306;Database=d;UID=u;PWD=[secret]");
}

TEST(ConnectionUrl, OdbcDriverNameDecidesTheDialect) {
  EXPECT_EQ(parse("odbc:Driver={SQLite3};Database=/tmp/x.db").kind, dialect::sqlite);
  EXPECT_EQ(parse("odbc:Driver={ODBC Driver 18 for SQL Server};Server=s").kind, dialect::sqlserver);
  auto pg = parse("odbc:Driver={PostgreSQL Unicode};Server=p;Port=5432;Database=d;UID=u;PWD=x");
  EXPECT_EQ(pg.kind, dialect::postgresql);
  EXPECT_EQ(pg.odbc, "Driver={PostgreSQL Unicode};Server=p;Port=5432;Database=d;UID=u;PWD=x");
  EXPECT_EQ(pg.libpq_conninfo, "host='p' port='5432' dbname='d' user='u' password='x'");
}

TEST(ConnectionUrl, OdbcDsnIsGenericUnlessDialectNameSaysOtherwise) {
  auto t = parse("odbc:DSN=warehouse");
  EXPECT_EQ(t.kind, dialect::generic);
  EXPECT_EQ(t.odbc, "DSN=warehouse");
  EXPECT_EQ(t.pool_key, "generic||0|||DSN=warehouse");
  EXPECT_EQ(parse("odbc:warehouse").odbc, "DSN=warehouse");
  EXPECT_EQ(parse("odbc:DSN=warehouse", "", "", "PostgreSqlDatabaseDialect").kind, dialect::postgresql);
}

TEST(ConnectionUrl, OdbcUserAndPasswordOverridesReplaceUidAndPwd) {
  auto t = parse("odbc:DSN=w;UID=old;PWD=old", "new", "n;ew");
  EXPECT_EQ(t.odbc, "DSN=w;UID=new;PWD={n;ew}");
  auto added = parse("odbc:DSN=w", "u", "p");
  EXPECT_EQ(added.odbc, "DSN=w;UID=u;PWD=p");
}

TEST(ConnectionUrl, DialectNameOverridesDetection) {
  EXPECT_EQ(parse("jdbc:postgresql://h/db", "", "", "GenericDatabaseDialect").kind, dialect::generic);
  EXPECT_EQ(parse("jdbc:mysql://h/db", "", "", "mariadb").kind, dialect::mysql);
  EXPECT_EQ(parse("jdbc:mysql://h/db", "", "", "MySqlDatabaseDialect").kind, dialect::mysql);
  EXPECT_EQ(parse("jdbc:sqlite:x.db", "", "", "sqlitedatabasedialect").kind, dialect::sqlite);
}

TEST(ConnectionUrl, DialectNameContradictingTheUrlIsAnError) {
  const auto text = error_text("jdbc:postgresql://h/db", "MySqlDatabaseDialect");
  EXPECT_NE(text.find("dialect.name says mysql but connection.url is a postgresql URL"), std::string::npos) << text;
}

TEST(ConnectionUrl, UnknownDialectNameIsAnError) {
  const auto text = error_text("jdbc:postgresql://h/db", "OracleDatabaseDialect");
  EXPECT_NE(text.find("OracleDatabaseDialect"), std::string::npos);
  EXPECT_NE(text.find("PostgreSqlDatabaseDialect"), std::string::npos);
}

TEST(ConnectionUrl, UnsupportedOrUnknownFormsAreErrorsWithAFix) {
  EXPECT_NE(error_text("jdbc:oracle:thin:@host:1521:orcl").find("'oracle'"), std::string::npos);
  EXPECT_NE(error_text("mongodb://h/db").find("not a form sluice knows"), std::string::npos);
  EXPECT_NE(error_text("").find("empty"), std::string::npos);
  EXPECT_NE(error_text("jdbc:postgresql://h1:5432,h2:5432/db").find("several hosts"), std::string::npos);
  EXPECT_NE(error_text("jdbc:postgresql://h:99999/db").find("port '99999'"), std::string::npos);
  EXPECT_NE(error_text("jdbc:sqlite:").find("no database file"), std::string::npos);
  EXPECT_NE(error_text("jdbc:postgresql://h/db?password=%zz").find("'%'"), std::string::npos);
}

TEST(ConnectionUrl, NoDisplayOrErrorContainsThePassword) {
  const std::string pw = "Hunter2Secret";
  const std::vector<std::string> urls = {
      "jdbc:postgresql://h/db?user=u&password=" + pw,
      "jdbc:postgresql://u:" + pw + "@h/db",
      "jdbc:mysql://h/db?password=" + pw + "&user=u",
      "jdbc:sqlserver://h;password=" + pw + ";user=u",
      "jdbc:sqlserver://h;Password={" + pw + ";x}",
      "postgresql://u:" + pw + "@h:5432/db",
      "host=h password=" + pw + " dbname=d",
      "host=h password = '" + pw + " with blank' dbname=d",
      "odbc:DSN=x;PWD=" + pw,
      "odbc:DSN=x;Password={" + pw + "}",
      "jdbc:postgresql://h/db?sslpassword=" + pw,
      // Malformed ones: the error must not show the password either.
      "jdbc:postgresql://u:" + pw + "@h:notaport/db",
      "jdbc:postgresql://h:1,h2/db?password=" + pw,
      "host=h password=" + pw + " oops",
      "host=h password=" + pw + " dbname='unterminated",
      "jdbc:oracle:thin:u/" + pw + "@h?password=" + pw,
      "nonsense?password=" + pw,
      // Passwords holding URL delimiters, written unencoded in the user info.
      "postgresql://app:" + pw + "?x@db/shop",
      "postgresql://app:pa?ss" + pw + "@db/shop",
      "jdbc:mysql://app:" + pw + "?x@db/shop",
      "jdbc:mysql://app:pa?ss" + pw + "@db/shop?user=x@y",
      "jdbc:postgresql://app:pa/ss" + pw + "@db/shop",
      "jdbc:postgresql://app:" + pw + "/ss@db/shop",
      "jdbc:postgresql://app:pa#" + pw + "@db/shop",
      "jdbc:postgresql://app:p@" + pw + "@db/shop",
      "jdbc:postgresql://app:p@" + pw + "/x@db/shop",
      "jdbc:postgresql://app:pa?" + pw + "=1@db/shop",
      "jdbc:postgresql://app:" + pw + "/x?y@db/shop?user=a@b",
      "postgresql://app:5432/" + pw + "@db/shop",
      // Separators inside a password parameter.
      "host=h password=a;" + pw,
      "host=h password=a;" + pw + " dbname=d",
      "jdbc:postgresql://h/db?password=a#" + pw,
      "jdbc:postgresql://h/db?password=a&" + pw + "&sslmode=require",
      "jdbc:sqlserver://h;password=a;" + pw + ";user=u",
  };
  for (const auto& url : urls) {
    EXPECT_EQ(mask_url_secrets(url).find(pw), std::string::npos) << url << " -> " << mask_url_secrets(url);
    try {
      auto t = parse(url);
      EXPECT_EQ(t.display.find(pw), std::string::npos) << t.display;
      EXPECT_EQ(t.pool_key.find(pw), std::string::npos) << t.pool_key;
    } catch (const sluice::error& e) {
      EXPECT_EQ(std::string(e.what()).find(pw), std::string::npos) << e.what();
    }
  }
}

TEST(ConnectionUrl, PasswordsWithUrlDelimitersInTheUserInfoAreTheUsersPassword) {
  for (const std::string pw : {"pa?ss", "pa#ss", "p@ss", "pa?s#s@x"}) {
    for (const std::string scheme : {"postgresql://", "jdbc:postgresql://", "jdbc:mysql://"}) {
      const std::string url = scheme + "app:" + pw + "@db:5433/shop?sslmode=require";
      auto t = parse(url);
      EXPECT_EQ(t.user, "app") << url;
      EXPECT_EQ(t.password, pw) << url;
      EXPECT_EQ(t.host, "db") << url;
      EXPECT_EQ(t.port, 5433) << url;
      EXPECT_EQ(t.database, "shop") << url;
      EXPECT_EQ(t.display, scheme + "app:[secret]@db:5433/shop?sslmode=require") << url;
    }
  }
  // An '@' in a parameter is not user info.
  auto azure = parse("jdbc:postgresql://h:5432/db?user=admin@srv&password=x");
  EXPECT_EQ(azure.host, "h");
  EXPECT_EQ(azure.user, "admin@srv");
  EXPECT_EQ(azure.display, "jdbc:postgresql://h:5432/db?user=admin@srv&password=[secret]");
  auto no_path = parse("jdbc:mysql://h?user=admin@srv");
  EXPECT_EQ(no_path.host, "h");
  EXPECT_EQ(no_path.user, "admin@srv");
}

TEST(ConnectionUrl, PasswordWithASlashIsRefusedWithoutQuotingIt) {
  for (const std::string url : {"jdbc:postgresql://app:pa/Zq9@db/shop", "jdbc:postgresql://app:5432/Zq9@db/shop",
                                "jdbc:mysql://app:pa/Zq9@db/shop"}) {
    const std::string e = error_text(url);
    EXPECT_EQ(e.find("'pa'"), std::string::npos) << e;
    EXPECT_EQ(e.find("Zq9"), std::string::npos) << e;
    EXPECT_NE(e.find("%2F"), std::string::npos) << e;
    EXPECT_NE(e.find("connection.password"), std::string::npos) << e;
  }
  // A port that is no number is still quoted when no password can be involved.
  EXPECT_NE(error_text("jdbc:postgresql://h:54x2/db").find("'54x2'"), std::string::npos);
}

TEST(ConnectionUrl, MaskingKeepsEverythingButThePassword) {
  EXPECT_EQ(mask_url_secrets("jdbc:postgresql://h/db?password=x&sslmode=require#frag"),
            "jdbc:postgresql://h/db?password=[secret]&sslmode=require#frag");
  EXPECT_EQ(mask_url_secrets("host=h password='a b' port=1"), "host=h password=[secret] port=1");
  EXPECT_EQ(mask_url_secrets("odbc:Driver={X};PWD={a;b}};c};UID=u"), "odbc:Driver={X};PWD=[secret];UID=u");
  EXPECT_EQ(mask_url_secrets("jdbc:postgresql://h/db?user=me"), "jdbc:postgresql://h/db?user=me");
  EXPECT_EQ(mask_url_secrets("host=h password=a;b dbname=d"), "host=h password=[secret] dbname=d");
  EXPECT_EQ(mask_url_secrets("Driver={X};PWD=a;UID=u"), "Driver={X};PWD=[secret];UID=u");
  EXPECT_EQ(mask_url_secrets("postgresql://app:pa?ss@db/shop"), "postgresql://app:[secret]@db/shop");
}

}  // namespace
}  // namespace sluice::config
