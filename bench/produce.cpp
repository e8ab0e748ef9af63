// bench_produce: writes the benchmark workload to Kafka (Connect JSON, keyed by id, lz4) or as CSV.
//   bench_produce --bootstrap B --topic T --count N [--first ID] [--rate R] [--version V]
//   bench_produce --csv FILE --count N
// With --rate, records are produced at R per second (steady load for latency measurements);
// each record's Kafka timestamp is its produce time.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "benchkit/workload.hpp"
#include "kafka/producer.hpp"

int main(int argc, char** argv) {
  std::string bootstrap, topic, csv;
  std::int64_t count = 0, first = 1, rate = 0, version = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--bootstrap") bootstrap = v;
    else if (k == "--topic") topic = v;
    else if (k == "--csv") csv = v;
    else if (k == "--count") count = std::stoll(v);
    else if (k == "--first") first = std::stoll(v);
    else if (k == "--rate") rate = std::stoll(v);
    else if (k == "--version") version = std::stoll(v);
    else {
      fmt::print(stderr, "bench_produce: unknown argument {}\n", k);
      return 64;
    }
  }
  if (!csv.empty()) {
    std::ofstream out(csv);
    for (std::int64_t id = first; id < first + count; ++id)
      out << sluice::benchkit::csv_line(sluice::benchkit::make_row(id, version));
    return 0;
  }
  std::size_t failed = 0;
  sluice::kafka::producer p({{"bootstrap.servers", bootstrap}, {"compression.type", "lz4"},
                             // At a steady rate, librdkafka's default linger (5 ms). With 1 ms each
                             // partition's log grew by one message set per record, and the embedded
                             // broker finds a fetch's offset by walking the partition's message
                             // sets from the first: its one thread reached a full core within 20 s
                             // at 10k records/s, and the produce->commit p99 measured the broker.
                             {"linger.ms", rate > 0 ? "5" : "20"},
                             {"batch.size", "1000000"}, {"queue.buffering.max.kbytes", "262144"}},
                            "bench producer", [&](const sluice::kafka::delivery_report& r) {
                              if (r.err) ++failed;
                            });
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t n = 0; n < count; ++n) {
    if (rate > 0) {
      auto due = start + std::chrono::microseconds(n * 1000000 / rate);
      if (due > std::chrono::steady_clock::now()) {
        p.poll(0);
        std::this_thread::sleep_until(due);
      }
    }
    auto id = first + n;
    auto key = sluice::benchkit::key_json(id);
    auto value = sluice::benchkit::value_json(sluice::benchkit::make_row(id, version));
    while (p.produce(topic, -1, key, value, {}, 0) == RD_KAFKA_RESP_ERR__QUEUE_FULL) p.poll(10);
  }
  p.flush(std::chrono::seconds(120));
  if (failed) {
    fmt::print(stderr, "bench_produce: {} records not delivered\n", failed);
    return 1;
  }
  return 0;
}
