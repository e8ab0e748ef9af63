// librdkafka 2.0.2 asserts (rdkafka_sticky_assignor.c: assignor_state) when a cooperative-sticky
// consumer is closed after its JoinGroup answer and before its first assignment (librdkafka
// #4312, fixed in 2.3.0). kafka::consumer::close() works around it; these tests close consumers
// at every moment of their first rebalance, in a child process so a crash is seen as one.
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "kafka/consumer.hpp"
#include "tests/kafka/test_cluster.hpp"

namespace sluice::kafka {
namespace {

using namespace std::chrono_literals;
using testing::test_cluster;

// Rounds of `members` consumers joining one group together, each closed after a random poll
// time from 0 to `max_poll` (so some close before their JoinGroup answer, some between it and
// the assignment, some after).
void churn(const std::string& bootstrap, const std::string& topic, int rounds, int members,
           std::chrono::milliseconds max_poll) {
  std::mt19937 rng(42);
  for (int r = 0; r < rounds; ++r) {
    std::vector<std::jthread> ts;
    for (int m = 0; m < members; ++m) {
      const auto wait = std::chrono::milliseconds(rng() % static_cast<unsigned>(max_poll.count() + 1));
      ts.emplace_back([&, wait] {
        consumer c({{"bootstrap.servers", bootstrap},
                    {"group.id", "coop-close"},
                    {"partition.assignment.strategy", "cooperative-sticky"},
                    {"session.timeout.ms", "3000"},
                    {"heartbeat.interval.ms", "300"}},
                   "cooperative close test", nullptr);
        c.subscribe({topic});
        const auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until) c.poll(20ms);
        c.close();
      });
    }
  }
}

TEST(CooperativeClose, ClosingAtAnyMomentOfTheFirstRebalanceDoesNotCrash) {
  EXPECT_EXIT(
      {
        test_cluster cluster;
        const auto topic = cluster.topic(6);
        // Before the workaround the first or second round crashed; each round takes up to a
        // session timeout on the mock broker (a member that left counts until it expires).
        churn(cluster.bootstrap(), topic, 5, 4, 1500ms);
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace sluice::kafka
