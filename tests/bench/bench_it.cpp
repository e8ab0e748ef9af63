// `sluice bench` as users run it: a short run per mode against a real PostgreSQL, MariaDB and
// SQLite file, checking that the counts in the report are the rows in the table (and, for a
// source, the records in its topic) and that --json and --html hold the same figures; sweeps;
// the refusal of a table holding data; the report's charts drawn by headless Chromium.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "kafka/embedded_broker.hpp"
#include "tests/support/kafka_helpers.hpp"
#include "tests/support/mariadb_server.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/sqlite_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

namespace json = boost::json;
using sluice::testing::pg_server;
using namespace std::chrono_literals;

struct outcome {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

outcome run(const std::vector<std::string>& argv, const std::filesystem::path& dir) {
  auto out_path = dir / "stdout", err_path = dir / "stderr";
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), slurp(out_path), slurp(err_path)};
}

std::uint64_t count_rows(const std::string& db, const std::string& table) {
  return std::stoull(*pg_server::shared().query(db, "SELECT count(*) FROM " + table)[0][0]);
}

// The report embedded in the HTML page, as the page's own script reads it.
json::value embedded_report(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report\">";
  auto b = html.find(open);
  auto e = html.find("</script>", b);
  if (b == std::string::npos || e == std::string::npos) return nullptr;
  std::string text = html.substr(b + open.size(), e - b - open.size());
  for (std::size_t p = 0; (p = text.find("<\\/", p)) != std::string::npos;) text.replace(p, 3, "</");
  return json::parse(text);
}

std::size_t occurrences(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = 0; (p = s.find(what, p)) != std::string::npos; p += what.size()) ++n;
  return n;
}

// The page after its scripts ran, from headless Chromium (no network: the report is self-contained).
std::string rendered_dom(const std::filesystem::path& html, const std::filesystem::path& dir) {
  auto r = run({"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + (dir / "chromium").string(),
                "--dump-dom", "file://" + html.string()},
               dir);
  EXPECT_EQ(r.code, 0) << "chromium failed (scripts/setup.sh installs it): " << r.err;
  return r.out;
}

class Bench : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = pg_server::shared().create_database("bench");
    url_ = pg_server::shared().jdbc_url(db_);
  }
  outcome bench(std::vector<std::string> args) {
    args.insert(args.begin(), {SLUICE_BIN, "bench"});
    auto r = run(args, dir_.path());
    if (r.code != 0) ADD_FAILURE() << "exit " << r.code << "\n" << r.err;
    return r;
  }
  std::string db_, url_;
  sluice::testing::temp_dir dir_;
};

// Checks the figures every run must hold, against the table.
void expect_counts_match_table(const json::object& run, const std::string& db) {
  const auto table = json::value_to<std::string>(run.at("table"));
  EXPECT_EQ(run.at("rows_in_table").as_int64(), run.at("rows_expected").as_int64()) << table;
  EXPECT_EQ(static_cast<std::uint64_t>(run.at("rows_in_table").as_int64()), count_rows(db, table)) << table;
  EXPECT_GT(run.at("rows_per_s").to_number<double>(), 0) << table;
  EXPECT_GT(run.at("latency").at("count").as_int64(), 0) << table;
  EXPECT_GE(run.at("connections").as_int64(), 1) << table;
}

TEST_F(Bench, SinkInsertReportsTheRowsOfTheTableInJsonAndHtmlAlike) {
  auto html = dir_.path() / "report.html";
  auto r = bench({"sink", "--url", url_, "--table", "ins", "--rows", "3000", "--latency-seconds", "1", "--json",
                  "--html", html.string()});
  auto report = json::parse(r.out).as_object();
  ASSERT_EQ(report.at("runs").as_array().size(), 1u);
  const auto& run = report.at("runs").as_array()[0].as_object();
  expect_counts_match_table(run, db_);
  EXPECT_EQ(run.at("records").as_int64(), 3000);
  // Insert only: every record of both phases is a new row.
  EXPECT_EQ(run.at("rows_in_table").as_int64(), 3000 + run.at("latency").at("count").as_int64());
  EXPECT_GT(report.at("ceiling").at("rows_per_s").to_number<double>(), 0);
  EXPECT_GT(run.at("ceiling_share").to_number<double>(), 0);
  EXPECT_NE(r.err.find("of what this database ingests"), std::string::npos);
  // The ceiling's scratch table is gone.
  EXPECT_EQ(*pg_server::shared().query(db_, "SELECT count(*) FROM pg_class WHERE relname LIKE 'ins_sluice%'")[0][0], "0");

  const auto page = slurp(html);
  EXPECT_EQ(embedded_report(page), json::value(report));
  auto dom = rendered_dom(html, dir_.path());
  EXPECT_NE(dom.find("data-charts=\"2\""), std::string::npos) << "throughput and latency charts";
  EXPECT_EQ(occurrences(dom, "<polyline"), 1u);
  EXPECT_EQ(occurrences(dom, "<rect"), run.at("latency").at("buckets").as_array().size());
}

TEST_F(Bench, SinkUpsertFromAConfigFileWithUpdatesAndDeletesLeavesExactlyTheLiveRows) {
  // A connector config as `sluice run` takes it: the bench uses its table, mode and keys.
  auto config = dir_.path() / "ups.json";
  std::ofstream(config) << R"({"name": "orders", "config": {"connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
    "connection.url": ")" << url_ << R"(", "topics": "orders", "table.name.format": "ups_${topic}",
    "insert.mode": "upsert", "pk.mode": "record_key", "pk.fields": "id", "delete.enabled": "true",
    "batch.size": "1000"}})";
  auto r = bench({"sink", "--config", config.string(), "--rows", "4000", "--updates", "0.3", "--deletes", "0.1",
                  "--skew", "zipf", "--latency-seconds", "1", "--json"});
  auto report = json::parse(r.out).as_object();
  const auto& run = report.at("runs").as_array()[0].as_object();
  expect_counts_match_table(run, db_);
  // Updates and deletes: fewer rows than records.
  EXPECT_LT(run.at("rows_in_table").as_int64(), 4000 + run.at("latency").at("count").as_int64());
  EXPECT_EQ(run.at("table"), "ups_orders");
  EXPECT_EQ(report.at("mode"), "upsert");
  EXPECT_NE(json::value_to<std::string>(report.at("ceiling").at("method")).find("ON CONFLICT"), std::string::npos);
}

TEST_F(Bench, SinkSweepRunsEveryPointOnItsOwnTableAndRecommendsTheFastest) {
  auto html = dir_.path() / "sweep.html";
  // Two points keep the test short; the grid of several keys is options_test's.
  auto r = bench({"sink", "--url", url_, "--table", "sw", "--rows", "2000", "--sweep", "batch.size=200,2000",
                  "--tasks", "2", "--latency-seconds", "0.5", "--keep-tables", "--json", "--html", html.string()});
  auto report = json::parse(r.out).as_object();
  const auto& runs = report.at("runs").as_array();
  ASSERT_EQ(runs.size(), 2u);
  std::size_t fastest = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    expect_counts_match_table(runs[i].as_object(), db_);
    if (runs[i].at("rows_per_s").to_number<double>() > runs[fastest].at("rows_per_s").to_number<double>()) fastest = i;
  }
  EXPECT_EQ(runs[0].at("settings").at("batch.size"), "200");
  EXPECT_EQ(runs[1].at("settings").at("batch.size"), "2000");
  for (const auto& run : runs) EXPECT_LE(run.at("connections").as_int64(), 2) << "tasks.max=2: a connection per writing task at most";
  EXPECT_EQ(report.at("best").as_int64(), static_cast<std::int64_t>(fastest));
  EXPECT_NE(r.err.find("recommended: "), std::string::npos);

  const auto page = slurp(html);
  EXPECT_EQ(embedded_report(page), json::value(report));
  auto dom = rendered_dom(html, dir_.path());
  EXPECT_NE(dom.find("data-charts=\"3\""), std::string::npos) << "throughput, latency and sweep charts";
  EXPECT_EQ(occurrences(dom, "<polyline"), 2u);
  const auto& best = runs[fastest].at("latency").at("buckets").as_array();
  EXPECT_EQ(occurrences(dom, "<rect"), best.size() + runs.size()) << "latency buckets + one bar per point";
}

TEST_F(Bench, SourceReportsInitialLoadAndChangeDelayWithTheTablesCounts) {
  auto html = dir_.path() / "source.html";
  auto r = bench({"source", "--url", url_, "--table", "src", "--rows", "5000", "--cdc-rate", "100", "--cdc-seconds",
                  "1", "--json", "--html", html.string()});
  auto report = json::parse(r.out).as_object();
  const auto& run = report.at("runs").as_array()[0].as_object();
  expect_counts_match_table(run, db_);
  EXPECT_EQ(run.at("records").as_int64(), 5000);
  EXPECT_EQ(run.at("rows_in_table").as_int64(), 5000 + run.at("latency").at("count").as_int64())
      << "every row written in the steady phase reached Kafka";
  EXPECT_FALSE(run.at("latency").at("bucket_bounds").as_bool());
  EXPECT_EQ(embedded_report(slurp(html)), json::value(report));
  auto dom = rendered_dom(html, dir_.path());
  EXPECT_NE(dom.find("data-charts=\"2\""), std::string::npos);
}

TEST_F(Bench, SourceReadsAnExistingTableWithoutWritingWhenThereIsNoSteadyPhase) {
  pg_server::shared().exec(db_, "CREATE TABLE orders (id bigint PRIMARY KEY, label text NOT NULL, total numeric(10,2)); "
                                "INSERT INTO orders SELECT g, 'o' || g, g / 100.0 FROM generate_series(1, 3000) g");
  auto config = dir_.path() / "orders-source.properties";
  std::ofstream(config) << "name=orders-source\nconnector.class=io.confluent.connect.jdbc.JdbcSourceConnector\n"
                        << "connection.url=" << url_ << "\nmode=incrementing\nincrementing.column.name=id\n"
                        << "table.whitelist=orders\ntopic.prefix=shop-\nbatch.max.rows=500\n";
  auto r = bench({"source", "--config", config.string(), "--cdc-seconds", "0", "--json"});
  auto report = json::parse(r.out).as_object();
  const auto& run = report.at("runs").as_array()[0].as_object();
  EXPECT_EQ(run.at("table"), "orders");
  EXPECT_EQ(run.at("records").as_int64(), 3000);
  EXPECT_EQ(run.at("rows_in_table").as_int64(), 3000) << "nothing written";
  EXPECT_EQ(run.at("latency").at("count").as_int64(), 0);
}

TEST_F(Bench, RefusesATableThatHoldsDataAndTouchesNothing) {
  pg_server::shared().exec(db_, "CREATE TABLE full_t (id bigint PRIMARY KEY, v text); "
                                "INSERT INTO full_t SELECT g, 'x' FROM generate_series(1, 5) g");
  for (std::string kind : {"sink", "source"}) {
    auto r = run({SLUICE_BIN, "bench", kind, "--url", url_, "--table", "full_t", "--rows", "100"}, dir_.path());
    EXPECT_NE(r.code, 0) << kind << r.out << r.err;
    EXPECT_NE(r.err.find("holds 5 rows"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--allow-existing"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Nothing was touched"), std::string::npos) << r.err;
  }
  EXPECT_EQ(count_rows(db_, "full_t"), 5u);
  EXPECT_EQ(*pg_server::shared().query(db_, "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND "
                                            "relnamespace = 'public'::regnamespace")[0][0],
            "1")
      << "no table created";
}

TEST_F(Bench, AllowExistingWritesAfterTheRowsAlreadyThereInTheTablesOwnColumns) {
  pg_server::shared().exec(db_, "CREATE TABLE mine (id bigint PRIMARY KEY, label varchar(40), qty integer, ok boolean); "
                                "INSERT INTO mine SELECT g, 'x', g, true FROM generate_series(1, 5) g");
  auto r = bench({"sink", "--url", url_, "--table", "mine", "--rows", "1000", "--latency-seconds", "0.5",
                  "--allow-existing", "--json"});
  auto report = json::parse(r.out).as_object();
  EXPECT_EQ(report.at("shape"), "id:bigint,label:text,qty:integer,ok:boolean");
  const auto& run = report.at("runs").as_array()[0].as_object();
  expect_counts_match_table(run, db_);
  EXPECT_EQ(run.at("rows_expected").as_int64(), 5 + 1000 + run.at("latency").at("count").as_int64());
  EXPECT_EQ(*pg_server::shared().query(db_, "SELECT count(*) FROM mine WHERE id <= 5 AND label = 'x'")[0][0], "5")
      << "the rows already there are untouched";
}

TEST_F(Bench, SinkOnMariaDbUpsertsThroughOdbcAgainstLoadData) {
  auto& maria = sluice::testing::mariadb_server::shared();
  const auto db = maria.create_database("bench");
  auto r = bench({"sink", "--url", maria.jdbc_url(db), "--table", "m_ups", "--rows", "3000", "--mode", "upsert",
                  "--updates", "0.2", "--deletes", "0.05", "--latency-seconds", "0.5", "--json"});
  auto report = json::parse(r.out).as_object();
  EXPECT_EQ(report.at("dialect"), "mysql");
  EXPECT_NE(json::value_to<std::string>(report.at("ceiling").at("method")).find("LOAD DATA"), std::string::npos);
  const auto& run = report.at("runs").as_array()[0].as_object();
  EXPECT_EQ(run.at("rows_in_table").as_int64(), run.at("rows_expected").as_int64());
  EXPECT_EQ(*maria.query(db, "SELECT COUNT(*) FROM m_ups")[0][0], std::to_string(run.at("rows_in_table").as_int64()));
  // The sink's sessions in the processlist, not the bench's own (its target, sampler).
  EXPECT_GE(run.at("server_sessions").as_int64(), 1);
  EXPECT_LE(run.at("server_sessions").as_int64(), run.at("connections").as_int64());
  EXPECT_EQ(*maria.query(db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
                            "table_name LIKE '%sluice_ceiling%'")[0][0],
            "0")
      << "the ceiling's scratch and staging tables are gone";
}

TEST_F(Bench, SinkOnSqliteInsertsAgainstAPreparedInsertCeiling) {
  sluice::testing::sqlite_file file;
  auto r = bench({"sink", "--url", file.jdbc_url(), "--table", "s_ins", "--rows", "2000", "--latency-seconds", "0.5",
                  "--json"});
  auto report = json::parse(r.out).as_object();
  EXPECT_EQ(report.at("dialect"), "sqlite");
  const auto& run = report.at("runs").as_array()[0].as_object();
  EXPECT_EQ(run.at("rows_in_table").as_int64(), 2000 + run.at("latency").at("count").as_int64());
  EXPECT_EQ(*file.query("SELECT COUNT(*) FROM s_ins")[0][0], std::to_string(run.at("rows_in_table").as_int64()));
  EXPECT_EQ(run.at("server_sessions"), "n/a (embedded)");
  EXPECT_NE(r.err.find("server sessions n/a (embedded)"), std::string::npos) << r.err;
}

TEST_F(Bench, RefusesWhatItCannotMeasureClearly) {
  sluice::testing::sqlite_file file;
  // An odbc: URL does not say which database family's ceiling to measure.
  for (std::string kind : {"sink", "source"}) {
    auto r = run({SLUICE_BIN, "bench", kind, "--url", "odbc:Driver={SQLite3};Database=" + file.path().string(),
                  "--table", "t"},
                 dir_.path());
    EXPECT_NE(r.code, 0) << kind;
    EXPECT_NE(r.err.find("sluice bench " + kind + " measures PostgreSQL, MariaDB/MySQL and SQLite"), std::string::npos)
        << r.err;
  }
  EXPECT_EQ(*file.query("SELECT COUNT(*) FROM sqlite_master")[0][0], "0") << "nothing created";
}

// A source run on an ODBC dialect, its topic on a broker of the test's own so the records can be
// counted after the bench (and its embedded broker) ended.
class BenchSource : public Bench {
 protected:
  json::object source(const std::string& url, const std::string& table, const std::filesystem::path& html) {
    auto r = bench({"source", "--url", url, "--table", table, "--rows", "3000", "--cdc-rate", "100", "--cdc-seconds",
                    "1", "--bootstrap", broker_.bootstrap_servers(), "--json", "--html", html.string()});
    err_ = r.err;
    return json::parse(r.out).as_object();
  }
  // The records in `topic`, reading one more than expected so that a duplicate shows.
  std::size_t records_in(const json::object& run) {
    const auto topic = json::value_to<std::string>(run.at("topic"));
    const auto expected = static_cast<std::size_t>(run.at("rows_in_table").as_int64());
    return sluice::testing::read_topic(broker_.bootstrap_servers(), topic, expected + 1, 3s).size();
  }
  void expect_source_figures(const json::object& report, const std::filesystem::path& html, std::uint64_t in_table) {
    const auto& run = report.at("runs").as_array()[0].as_object();
    EXPECT_EQ(run.at("records").as_int64(), 3000) << "the initial load";
    EXPECT_GT(run.at("latency").at("count").as_int64(), 0);
    EXPECT_EQ(run.at("rows_in_table").as_int64(), run.at("rows_expected").as_int64());
    EXPECT_EQ(run.at("rows_in_table").as_int64(), 3000 + run.at("latency").at("count").as_int64())
        << "every row written in the steady phase reached Kafka";
    EXPECT_EQ(static_cast<std::uint64_t>(run.at("rows_in_table").as_int64()), in_table);
    EXPECT_EQ(records_in(run), in_table) << "each row once in the topic";
    EXPECT_GT(run.at("rows_per_s").to_number<double>(), 0);
    EXPECT_GE(run.at("connections").as_int64(), 1);
    EXPECT_GT(report.at("ceiling").at("rows_per_s").to_number<double>(), 0);
    EXPECT_EQ(report.at("ceiling").at("rows").as_int64(), 3000) << "the ceiling reads every row";
    EXPECT_EQ(embedded_report(slurp(html)), json::value(report));
  }
  sluice::kafka::embedded_broker broker_{1, 4};
  std::string err_;
};

TEST_F(BenchSource, OnMariaDbTheReportHoldsTheTablesRowsAndEveryRecordOfTheTopic) {
  auto& maria = sluice::testing::mariadb_server::shared();
  const auto db = maria.create_database("bsrc");
  auto html = dir_.path() / "maria-source.html";
  auto report = source(maria.jdbc_url(db), "m_src", html);
  EXPECT_EQ(report.at("dialect"), "mysql");
  EXPECT_NE(json::value_to<std::string>(report.at("ceiling").at("method")).find("mariadb client"), std::string::npos);
  expect_source_figures(report, html, std::stoull(*maria.query(db, "SELECT COUNT(*) FROM m_src")[0][0]));
  const auto& run = report.at("runs").as_array()[0].as_object();
  // The connector's sessions, not the bench's own (its target, sampler and writer connections).
  EXPECT_GE(run.at("server_sessions").as_int64(), 1);
  EXPECT_LE(run.at("server_sessions").as_int64(), run.at("connections").as_int64());
}

TEST_F(BenchSource, OnSqliteTheReportHoldsTheFilesRowsAndEveryRecordOfTheTopic) {
  sluice::testing::sqlite_file file;
  auto html = dir_.path() / "sqlite-source.html";
  auto report = source(file.jdbc_url(), "s_src", html);
  EXPECT_EQ(report.at("dialect"), "sqlite");
  EXPECT_NE(json::value_to<std::string>(report.at("ceiling").at("method")).find("sqlite3 C API"), std::string::npos);
  expect_source_figures(report, html, std::stoull(*file.query("SELECT COUNT(*) FROM s_src")[0][0]));
  const auto& run = report.at("runs").as_array()[0].as_object();
  EXPECT_EQ(run.at("server_sessions"), "n/a (embedded)");
  EXPECT_NE(err_.find("server sessions n/a (embedded)"), std::string::npos) << err_;
  EXPECT_NE(slurp(html).find("1 / n/a (embedded)"), std::string::npos);
}

TEST_F(Bench, SourceSweepReadsTheTableIntoATopicPerPointAndRecommendsTheFastest) {
  auto html = dir_.path() / "source-sweep.html";
  auto r = bench({"source", "--url", url_, "--table", "ssw", "--rows", "4000", "--sweep", "batch.max.rows=200,4000",
                  "--cdc-rate", "100", "--cdc-seconds", "0.5", "--json", "--html", html.string()});
  auto report = json::parse(r.out).as_object();
  const auto& runs = report.at("runs").as_array();
  ASSERT_EQ(runs.size(), 2u);
  std::size_t fastest = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].at("rows_in_table"), runs[i].at("rows_expected")) << i;
    EXPECT_GT(runs[i].at("latency").at("count").as_int64(), 0) << i;
    if (runs[i].at("rows_per_s").to_number<double>() > runs[fastest].at("rows_per_s").to_number<double>()) fastest = i;
  }
  expect_counts_match_table(runs[1].as_object(), db_);  // the last point saw the table as it is now
  EXPECT_EQ(runs[0].at("settings").at("batch.max.rows"), "200");
  EXPECT_EQ(runs[1].at("settings").at("batch.max.rows"), "4000");
  EXPECT_NE(runs[0].at("topic"), runs[1].at("topic")) << "a fresh topic per point";
  EXPECT_EQ(runs[0].at("records").as_int64(), 4000);
  // The second point's initial load is every row there: the first point's steady rows too.
  EXPECT_EQ(runs[1].at("records"), runs[0].at("rows_in_table"));
  EXPECT_EQ(report.at("best").as_int64(), static_cast<std::int64_t>(fastest));
  EXPECT_NE(r.err.find("recommended: batch.max.rows="), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("of what this database reads out"), std::string::npos) << r.err;

  EXPECT_EQ(embedded_report(slurp(html)), json::value(report));
  auto dom = rendered_dom(html, dir_.path());
  EXPECT_NE(dom.find("data-charts=\"3\""), std::string::npos) << "throughput, delay and sweep charts";
}

}  // namespace
