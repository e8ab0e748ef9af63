#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/dialects/pg_test_db.hpp"

namespace sluice::pg {
namespace {

class PgConnection : public pg_test {};

sluice::error open_error(const std::string& conninfo) {
  try {
    connection::open(conninfo, "sink 'orders'");
  } catch (const sluice::error& e) {
    return e;
  }
  ADD_FAILURE() << "connection succeeded";
  return sluice::error({});
}

TEST_F(PgConnection, OpensAndRunsStatementsAndParameters) {
  auto c = connect();
  EXPECT_GE(c->server_version(), 150000);
  EXPECT_EQ(scalar(*c, "SHOW client_encoding"), "UTF8");
  result r = c->exec_params("SELECT $1::text, $2::text IS NULL, length($1)", {"Überweisung", std::nullopt});
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.text(0, 0), "Überweisung");
  EXPECT_EQ(r.text(0, 1), "t");
  EXPECT_EQ(r.text(0, 2), "11");
  EXPECT_TRUE(c->ping());
  EXPECT_TRUE(c->reusable());
}

TEST_F(PgConnection, MissingDatabaseIs3D000AndNeverShowsThePassword) {
  sluice::error e = open_error(server().conninfo("no_such_db") + " password=hunter2secret");
  EXPECT_EQ(e.info().code, "3D000") << e.what();
  EXPECT_FALSE(e.retryable());
  EXPECT_NE(e.info().why.find("no_such_db"), std::string::npos) << e.what();
  EXPECT_NE(e.info().fix.find("connection.url"), std::string::npos) << e.what();
  EXPECT_NE(e.info().where.find("sink 'orders'"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("hunter2secret"), std::string::npos) << e.what();
}

TEST_F(PgConnection, UnknownRoleInUriIs28000AndNeverShowsThePassword) {
  const std::string uri = "postgresql://ghost:hunter2secret@/postgres?host=" + server().socket_dir() +
                          "&port=" + std::to_string(server().port());
  sluice::error e = open_error(uri);
  EXPECT_EQ(e.info().code, "28000") << e.what();
  EXPECT_NE(e.info().fix.find("connection.user"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find("hunter2secret"), std::string::npos) << e.what();
}

TEST_F(PgConnection, UnreachableServerIsRetryable08001) {
  const std::string info = "host=" + server().socket_dir() + " port=1 dbname=postgres user=postgres";
  sluice::error e = open_error(info);
  EXPECT_EQ(e.info().code, "08001") << e.what();
  EXPECT_TRUE(e.retryable());
}

TEST_F(PgConnection, MalformedConninfoIsNotRetryableAndDoesNotEchoSecrets) {
  for (const char* bad : {"host=/tmp password hunter2secret", "host=/tmp password='hunter2secret",
                          "postgresql://u:hunter2secret@localhost/db%zz"}) {
    sluice::error e = open_error(bad);
    EXPECT_EQ(std::string(e.what()).find("hunter2secret"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable()) << e.what();
    EXPECT_NE(e.info().fix.find("connection.url"), std::string::npos) << e.what();
  }
}

TEST_F(PgConnection, ConnectTimeoutBoundsTheWaitForASilentServer) {
  // A socket that listens but never answers: the kernel completes the TCP handshake from the
  // backlog, libpq sends its start-up packet, and only connect_timeout ends the wait.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const auto started = std::chrono::steady_clock::now();
  sluice::error e = open_error("host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) +
                               " connect_timeout=2 dbname=x user=x");
  const auto waited = std::chrono::steady_clock::now() - started;
  ::close(fd);
  EXPECT_TRUE(e.retryable()) << e.what();
  EXPECT_NE(e.info().why.find("timed out"), std::string::npos) << e.what();
  EXPECT_GE(waited, std::chrono::milliseconds(1500));
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST_F(PgConnection, MissingTableIs42P01WithAutoCreateFix) {
  auto c = connect();
  try {
    c->exec("SELECT * FROM \"NoSuchTable\"");
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "42P01");
    EXPECT_NE(e.info().why.find("NoSuchTable"), std::string::npos) << e.what();
    EXPECT_NE(e.info().fix.find("auto.create"), std::string::npos);
    EXPECT_FALSE(e.retryable());
    EXPECT_FALSE(e.poisons_connection());
  }
  EXPECT_FALSE(c->is_broken());
  EXPECT_TRUE(c->ping());
}

TEST_F(PgConnection, UniqueViolationIs23505WithUpsertFixAndDetail) {
  auto c = connect();
  c->exec("CREATE TABLE uniq (id int PRIMARY KEY)");
  c->exec("INSERT INTO uniq VALUES (1)");
  try {
    c->exec_params("INSERT INTO uniq VALUES ($1)", {"1"});
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "23505");
    EXPECT_NE(e.info().why.find("Key (id)=(1)"), std::string::npos) << e.what();
    EXPECT_NE(e.info().fix.find("insert.mode=upsert"), std::string::npos);
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_TRUE(c->reusable());
}

TEST_F(PgConnection, FailedTransactionIsNotReusableUntilRolledBack) {
  auto c = connect();
  c->exec("BEGIN");
  EXPECT_TRUE(c->in_transaction_or_failed());
  EXPECT_THROW(c->exec("SELECT 1/0"), sluice::error);
  EXPECT_TRUE(c->in_transaction_or_failed());
  EXPECT_FALSE(c->reusable());
  EXPECT_FALSE(c->is_broken());
  c->exec("ROLLBACK");
  EXPECT_TRUE(c->reusable());
}

TEST_F(PgConnection, TerminatedBackendIsRetryableAndPoisonsTheConnection) {
  auto c = connect();
  const std::string pid = scalar(*c, "SELECT pg_backend_pid()");
  server().exec(db(), "SELECT pg_terminate_backend(" + pid + ")");
  try {
    c->exec("SELECT 1");
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_TRUE(e.poisons_connection()) << e.what();
  }
  EXPECT_TRUE(c->is_broken());
  EXPECT_FALSE(c->reusable());
  EXPECT_FALSE(c->ping());
}

TEST_F(PgConnection, StoppedServerIsRetryableAndAFreshConnectionWorksAfterRestart) {
  auto c = connect();
  server().stop();
  try {
    c->exec("SELECT 1");
    ADD_FAILURE() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
    EXPECT_TRUE(e.poisons_connection()) << e.what();
  }
  EXPECT_TRUE(c->is_broken());
  try {
    connect();
    ADD_FAILURE() << "connected to a stopped server";
  } catch (const sluice::error& e) {
    EXPECT_TRUE(e.retryable()) << e.what();
  }
  server().start();
  EXPECT_TRUE(connect()->ping());
}

TEST_F(PgConnection, CopyInLoadsRowsAndReportsTheCount) {
  auto c = connect();
  c->exec("CREATE TABLE copied (id int, name text)");
  EXPECT_EQ(c->copy_in("COPY copied FROM STDIN", "1\ta\n2\tb\n"), 2u);
  EXPECT_EQ(scalar(*c, "SELECT string_agg(name, ',' ORDER BY id) FROM copied"), "a,b");
  EXPECT_TRUE(c->reusable());
}

TEST_F(PgConnection, CopyIntoMissingTableIs42P01AndLeavesConnectionUsable) {
  auto c = connect();
  try {
    c->copy_in("COPY \"Missing\" FROM STDIN", "1\n");
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "42P01") << e.what();
  }
  EXPECT_TRUE(c->reusable());
  EXPECT_TRUE(c->ping());
}

TEST_F(PgConnection, CopyWithBadDataFailsAndLeavesConnectionUsable) {
  auto c = connect();
  c->exec("CREATE TABLE copy_bad (id int)");
  try {
    c->copy_in("COPY copy_bad FROM STDIN", "1\nnot-a-number\n");
    FAIL() << "expected an error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.info().code, "22P02") << e.what();
    EXPECT_NE(e.info().fix.find("errors.tolerance=all"), std::string::npos);
  }
  EXPECT_TRUE(c->reusable());
  EXPECT_EQ(scalar(*c, "SELECT count(*) FROM copy_bad"), "0");
}

}  // namespace
}  // namespace sluice::pg
