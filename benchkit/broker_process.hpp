#pragma once
// The embedded Kafka broker of a benchmark, in its own process (`sluice kafka`), so the peak RSS
// and CPU reported for sluice are the pipeline's, not the in-memory topics' (the broker keeps up
// to 5 MiB per partition). The child dies with this process (PR_SET_PDEATHSIG).
// Ownership: owns the child process; the destructor stops it. Thread-safety: none.
#include <string>
#include <vector>
#include <sys/types.h>

namespace sluice::benchkit {

class broker_process {
 public:
  // Starts `sluice_binary kafka --partitions N --topic T:N...` and reads its bootstrap address.
  // The topics are created up front: the mock broker does not answer CreateTopics, and topics
  // another process asks for are auto-created with 4 partitions. Throws sluice::error when it
  // does not start.
  broker_process(const std::string& sluice_binary, int partitions, const std::vector<std::string>& topics);
  ~broker_process();
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  pid_t pid_ = -1;
  std::string bootstrap_;
};

}  // namespace sluice::benchkit
