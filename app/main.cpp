// sluice: moves rows between Kafka and relational databases.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "app/commands.hpp"
#include "core/error.hpp"

namespace {

constexpr const char* help_text = R"(sluice — Kafka <-> database pipelines, Kafka Connect JDBC compatible

Usage:
  sluice run FILE...        run the connectors in FILE(s) until SIGINT/SIGTERM
  sluice validate FILE...   check connector configs without connecting anywhere
  sluice docs               print the configuration reference (markdown)
  sluice serve [--listeners http://HOST:PORT] [--state DIR]
               [--auth-token TOKEN] [--auth-basic USER:PASS] [--max-body BYTES]
                            run a worker with Kafka Connect's REST API (default
                            http://127.0.0.1:8083; connectors kept in DIR, default
                            ./sluice-state), /metrics and /health; auth also from
                            SLUICE_AUTH_TOKEN / SLUICE_AUTH_BASIC
               [--group-id ID --bootstrap-servers HOST:PORT [--config-topic T]
                [--offset-topic T] [--status-topic T] [--session-timeout-ms MS]]
                            cluster mode: workers with one group id share their
                            connectors through Kafka (README "Running a cluster")
  sluice kafka [--partitions N] [--topic NAME[:PARTITIONS]]...
                            start the embedded Kafka-protocol broker; prints its
                            bootstrap address as the first line, runs until killed
  sluice bench sink (--config FILE | --url URL --table NAME) [--rows N]
               [--columns N|name:type,...] [--mode insert|upsert] [--updates 0.2]
               [--deletes 0.05] [--skew zipf] [--sweep KEY=V1,V2,...]...
               [--allow-existing] [--json] [--html FILE]
                            measure a sink pipeline (rows/s, MB/s, produce->commit
                            latency, db time per batch, RSS, CPU, connections)
                            against the database's own ceiling (PostgreSQL COPY,
                            MariaDB LOAD DATA, SQLite's C API) for the same rows
  sluice bench source (--config FILE | --url URL --table NAME) [--rows N]
               [--cdc-rate R] [--cdc-seconds S] [--sweep KEY=V1,V2,...]...
               [--allow-existing] [--json] [--html FILE]
                            measure a source: initial load rate against the
                            database's full read (COPY TO, the mariadb client,
                            SQLite's C API), and commit -> in Kafka delay under a
                            steady write load
  sluice help               this text
  sluice --version          the version

FILE is a Kafka Connect REST body ({"name": ..., "config": {...}}), a flat JSON
object, a JSON list of either, or a .properties file (Kafka Connect standalone).
Confluent JDBC connector configs work unchanged; see `sluice docs`.
)";

}  // namespace

int main(int argc, char** argv) {
  sluice::app::block_stop_signals();
  sluice::app::args rest(argv + (argc > 1 ? 2 : 1), argv + argc);
  std::string verb = argc > 1 ? argv[1] : "";
  try {
    if (verb == "run") return sluice::app::cmd_run(rest);
    if (verb == "validate") return sluice::app::cmd_validate(rest);
    if (verb == "docs") return sluice::app::cmd_docs(rest);
    if (verb == "kafka") return sluice::app::cmd_kafka(rest);
    if (verb == "serve") return sluice::app::cmd_serve(rest);
    if (verb == "bench") return sluice::app::cmd_bench(rest);
    if (verb == "help" || verb == "--help" || verb == "-h") {
      std::fputs(help_text, stdout);
      return 0;
    }
    if (verb == "--version" || verb == "version") {
      fmt::print("sluice {}\n", SLUICE_VERSION);
      return 0;
    }
    if (verb.empty()) {
      std::fputs(help_text, stderr);
      return 64;
    }
    return sluice::app::usage_error(
        "", fmt::format("unknown command '{}'; the commands are run, validate, docs, serve, kafka, bench, help",
                        verb));
  } catch (const sluice::error& e) {
    fmt::print(stderr, "sluice: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "sluice: unexpected failure: {}\n", e.what());
    return 70;
  }
}
