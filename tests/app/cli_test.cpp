// The `sluice` command line, run as a real process.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace {

struct outcome {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

outcome run(const std::vector<std::string>& args) {
  sluice::testing::temp_dir dir;
  auto out_path = dir.path() / "out";
  auto err_path = dir.path() / "err";
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv;
    std::string bin = SLUICE_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  outcome r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST(Cli, PrintsItsVersion) {
  auto r = run({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("sluice ", 0), 0u) << r.out;
}

TEST(Cli, HelpListsEveryVerb) {
  auto r = run({"help"});
  EXPECT_EQ(r.code, 0);
  for (auto verb : {"run", "validate", "docs", "kafka"})
    EXPECT_NE(r.out.find(std::string("sluice ") + verb), std::string::npos) << verb;
}

TEST(Cli, UnknownVerbIsAUsageError) {
  auto r = run({"frobnicate"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST(Cli, NoArgumentsPrintsUsageAndFails) {
  auto r = run({});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("Usage"), std::string::npos);
}

TEST(Cli, ValidateAcceptsAValidConfig) {
  sluice::testing::temp_dir dir;
  write(dir.path() / "ok.json", R"({"name": "orders", "config": {
      "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
      "connection.url": "jdbc:postgresql://localhost:5432/shop?user=u",
      "topics": "orders", "insert.mode": "upsert", "pk.mode": "record_key"}})");
  auto r = run({"validate", (dir.path() / "ok.json").string()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("orders: valid sink connector"), std::string::npos) << r.out;
}

TEST(Cli, ValidateWarnsThatAConfigWithoutBootstrapServersUsesTheEmbeddedBroker) {
  // A config migrated from Kafka Connect has no bootstrap.servers (the worker held it).
  sluice::testing::temp_dir dir;
  write(dir.path() / "migrated.json", R"({"name": "orders", "config": {
      "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
      "connection.url": "jdbc:postgresql://localhost:5432/shop?user=u", "topics": "orders"}})");
  auto r = run({"validate", (dir.path() / "migrated.json").string()});
  EXPECT_EQ(r.code, 0) << "a warning, not an error: " << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bootstrap.servers"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("embedded"), std::string::npos) << r.err;
  write(dir.path() / "explicit.json", R"({"name": "orders", "config": {
      "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector", "bootstrap.servers": "embedded",
      "connection.url": "jdbc:postgresql://localhost:5432/shop?user=u", "topics": "orders"}})");
  auto quiet = run({"validate", (dir.path() / "explicit.json").string()});
  EXPECT_EQ(quiet.code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("warning"), std::string::npos) << quiet.err;
}

TEST(Cli, ValidateListsEveryProblemAndNeverThePassword) {
  sluice::testing::temp_dir dir;
  write(dir.path() / "bad.properties",
        "name=orders\n"
        "connector.class=io.confluent.connect.jdbc.JdbcSinkConnector\n"
        "connection.url=jdbc:postgresql://localhost/shop?user=u&password=hunter2\n"
        "connection.password=hunter2\n"
        "topics=orders\n"
        "insert.mode=upsrt\n"
        "batch.size=many\n"
        "auto.creat=true\n");
  auto r = run({"validate", (dir.path() / "bad.properties").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("insert.mode"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("batch.size"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("auto.create"), std::string::npos) << r.err;  // did you mean
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

TEST(Cli, ValidateReportsAnUnreadableFile) {
  auto r = run({"validate", "/nonexistent/sink.json"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/sink.json"), std::string::npos) << r.err;
}

TEST(Cli, RunRefusesAnInvalidConfigBeforeStartingAnything) {
  sluice::testing::temp_dir dir;
  write(dir.path() / "bad.json", R"({"name": "x", "connector.class": "jdbc-sink"})");
  auto r = run({"run", (dir.path() / "bad.json").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("connection.url"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was started"), std::string::npos) << r.err;
}

TEST(Cli, CommittedReferenceEqualsGeneratedDocs) {
  auto r = run({"docs"});
  ASSERT_EQ(r.code, 0);
  auto committed = slurp(std::string(SLUICE_SOURCE_DIR) + "/docs/configuration.md");
  EXPECT_EQ(committed, r.out)
      << "docs/configuration.md is stale: regenerate it with `build/app/sluice docs > "
         "docs/configuration.md`";
}

TEST(Cli, KafkaPrintsBootstrapFirstAndStopsOnSigterm) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    close(pipefd[0]);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    execl(SLUICE_BIN, SLUICE_BIN, "kafka", "--partitions", "3", "--topic", "orders:8", nullptr);
    _exit(127);
  }
  close(pipefd[1]);
  std::string line;
  char c;
  while (read(pipefd[0], &c, 1) == 1 && c != '\n') line += c;
  close(pipefd[0]);
  EXPECT_NE(line.find("127.0.0.1:"), std::string::npos) << line;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(Cli, KafkaRejectsABadPartitionCount) {
  auto r = run({"kafka", "--partitions", "zero"});
  EXPECT_EQ(r.code, 64);
  EXPECT_NE(r.err.find("--partitions"), std::string::npos) << r.err;
}

}  // namespace
