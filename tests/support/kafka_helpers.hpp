#pragma once
// Producing and reading whole topics in tests, through sluice's own kafka wrappers.
// Thread-safety: free functions, safe from any thread.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/message.hpp"

namespace sluice::testing {

struct test_record {
  std::optional<std::string> key, value;
  std::int32_t partition = -1;  // -1: by key
  std::vector<kafka::header> headers;
};

// Produces every record and waits for all acks; throws std::runtime_error when one fails.
void produce_all(const std::string& bootstrap, const std::string& topic,
                 const std::vector<test_record>& records);

struct consumed {
  std::optional<std::string> key, value;
  std::int32_t partition;
  std::int64_t offset;
  std::vector<kafka::header> headers;
};

// Reads from the beginning of every partition (no group, read_committed) until `count` records
// or the timeout; returns what it read, in arrival order (per partition in offset order).
std::vector<consumed> read_topic(const std::string& bootstrap, const std::string& topic,
                                 std::size_t count, std::chrono::milliseconds timeout);

}  // namespace sluice::testing
