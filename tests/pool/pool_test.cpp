// The pool's bookkeeping, with a minimal connection type (the pool is a container; its behaviour
// against real PostgreSQL and MariaDB servers is covered by the sink and dialect suites).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "pool/pool.hpp"
#include "pool/registry.hpp"

namespace {

struct test_conn {
  static inline std::atomic<int> alive{0};
  bool in_tx = false;
  bool broken = false;
  bool healthy = true;
  test_conn() { ++alive; }
  ~test_conn() { --alive; }
  bool reusable() const { return !in_tx && !broken; }
  bool ping() { return healthy; }
};

using test_pool = sluice::pool::pool<test_conn>;

sluice::pool::pool_settings small(std::size_t n) {
  sluice::pool::pool_settings s;
  s.name = "test";
  s.max_size = n;
  s.acquire_timeout = std::chrono::milliseconds(100);
  return s;
}

std::function<std::unique_ptr<test_conn>()> factory() {
  return [] { return std::make_unique<test_conn>(); };
}

TEST(Pool, ReusesAHealthyConnection) {
  test_pool p(small(2), factory());
  test_conn* first;
  {
    auto l = p.acquire("t");
    first = &*l;
  }
  auto l = p.acquire("t");
  EXPECT_EQ(&*l, first);
  EXPECT_EQ(p.counters().created, 1u);
}

TEST(Pool, DestroysAConnectionLeftInATransaction) {
  test_pool p(small(2), factory());
  {
    auto l = p.acquire("t");
    l->in_tx = true;
  }
  auto c = p.counters();
  EXPECT_EQ(c.destroyed, 1u);
  EXPECT_EQ(c.open, 0u);
  EXPECT_EQ(c.idle, 0u);
}

TEST(Pool, ReturnsBrokenConnectionToNobody) {
  test_pool p(small(1), factory());
  {
    auto l = p.acquire("t");
    l->broken = true;
  }
  auto l = p.acquire("t");
  EXPECT_FALSE(l->broken);
  EXPECT_EQ(p.counters().created, 2u);
}

TEST(Pool, NeverOpensMoreThanTheBound) {
  test_pool p(small(3), factory());
  std::atomic<int> peak{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 200; ++k) {
        auto l = p.acquire("worker");
        int now = test_conn::alive.load();
        int prev = peak.load();
        while (now > prev && !peak.compare_exchange_weak(prev, now)) {
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 3);
  EXPECT_LE(p.counters().created, 3u);
}

TEST(Pool, AcquireTimesOutNamingTheHoldersAndTheOption) {
  test_pool p(small(1), factory());
  auto held = p.acquire("sink 'orders' task 0");
  try {
    auto l = p.acquire("sink 'orders' task 1");
    FAIL() << "expected a timeout";
  } catch (const sluice::error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("sink 'orders' task 0"), std::string::npos) << m;
    EXPECT_NE(m.find("connection.pool.max.size"), std::string::npos) << m;
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_EQ(p.counters().acquire_timeouts, 1u);
}

TEST(Pool, LeaseOutlivesThePool) {
  auto p = std::make_unique<test_pool>(small(1), factory());
  auto l = p->acquire("t");
  p.reset();
  EXPECT_EQ(test_conn::alive.load(), 1);
  l.release();
  EXPECT_EQ(test_conn::alive.load(), 0);
}

TEST(Pool, ReplacesAConnectionThatFailsItsHealthCheck) {
  auto s = small(1);
  s.idle_timeout = std::chrono::hours(1);
  test_pool p(s, factory());
  { auto l = p.acquire("t"); l->healthy = false; }
  // Health checks run only for connections idle more than a second.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto l = p.acquire("t");
  EXPECT_TRUE(l->healthy);
  EXPECT_EQ(p.counters().created, 2u);
}

TEST(Pool, FactoryFailureFreesTheReservedPlace) {
  int calls = 0;
  test_pool p(small(1), [&]() -> std::unique_ptr<test_conn> {
    if (++calls == 1) throw sluice::error({.what = "cannot connect", .retryable = true});
    return std::make_unique<test_conn>();
  });
  EXPECT_THROW(p.acquire("t"), sluice::error);
  auto l = p.acquire("t");
  EXPECT_EQ(p.counters().open, 1u);
}

TEST(Registry, SharesOnePoolPerDatabaseAndDropsItWithTheLastUser) {
  sluice::pool::registry<test_conn> r;
  auto a = r.get("pg|h|5432|db|u", small(2), factory());
  auto b = r.get("pg|h|5432|db|u", small(5), factory());
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(b->settings().max_size, 2u);
  auto c = r.get("pg|h|5432|other|u", small(2), factory());
  EXPECT_NE(a.get(), c.get());
  a.reset();
  b.reset();
  EXPECT_EQ(r.live().size(), 1u);
}

}  // namespace
