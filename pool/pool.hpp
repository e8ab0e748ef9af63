#pragma once
// A bounded pool of database connections with RAII leases.
//
// - Never more than `max_size` connections exist at once (open = idle + leased); a caller that
//   finds none idle and the bound reached waits up to `acquire_timeout`, then gets an error that
//   names connection.pool.max.size and who holds the leases.
// - A lease is move-only; its destructor returns a reusable connection (no open or failed
//   transaction, not broken) to the idle list and destroys any other. It never throws.
// - The pool may die before its leases: they hold the shared state and destroy their connection
//   when the pool is gone.
// - Connections older than max_lifetime, or idle longer than idle_timeout, are closed on return
//   or by maintain(); leases held longer than lease_warn are logged with their holder.
//
// Conn must provide `bool reusable() const` (idle, unbroken) and `bool ping()` (health check).
// Thread-safety: every member function is safe from any thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/histogram.hpp"
#include "core/log.hpp"

namespace sluice::pool {

using clock = std::chrono::steady_clock;

struct pool_settings {
  std::string name;  // the database, for messages and metrics (never holds a password)
  std::size_t max_size = 4;
  std::chrono::milliseconds acquire_timeout{30000};
  std::chrono::milliseconds max_lifetime{1800000};
  std::chrono::milliseconds idle_timeout{600000};
  std::chrono::milliseconds lease_warn{60000};
};

struct pool_counters {
  std::size_t open = 0, idle = 0, leased = 0, waiting = 0;
  std::uint64_t created = 0, destroyed = 0, acquire_timeouts = 0, acquires = 0;
  double longest_lease_seconds = 0;  // of the leases held now
};

template <class Conn>
class pool;

template <class Conn>
class lease;

namespace detail {

template <class Conn>
struct slot {
  std::unique_ptr<Conn> conn;
  clock::time_point created;
  clock::time_point last_used;
};

template <class Conn>
struct active_lease {
  std::string holder;
  clock::time_point since;
  bool warned = false;
};

template <class Conn>
struct pool_state {
  pool_settings settings;
  std::function<std::unique_ptr<Conn>()> factory;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<slot<Conn>> idle;
  std::list<active_lease<Conn>> active;
  std::size_t open = 0;
  std::size_t waiting = 0;
  std::uint64_t created = 0, destroyed = 0, acquire_timeouts = 0, acquires = 0;
  histogram acquire_seconds;  // time from acquire() to the lease, for each lease given
  bool closed = false;

  // Called by a lease's destructor. Never throws.
  void give_back(slot<Conn> s, typename std::list<active_lease<Conn>>::iterator it) noexcept {
    std::unique_ptr<Conn> doomed;
    {
      std::lock_guard lock(mu);
      active.erase(it);
      auto now = clock::now();
      bool keep = !closed && s.conn && s.conn->reusable() &&
                  now - s.created < settings.max_lifetime;
      if (keep) {
        s.last_used = now;
        idle.push_back(std::move(s));
      } else {
        doomed = std::move(s.conn);
        --open;
        ++destroyed;
      }
    }
    cv.notify_one();
    // Closing a connection can take a network round trip: do it outside the lock.
    doomed.reset();
  }
};

}  // namespace detail

template <class Conn>
class lease {
 public:
  lease() = default;
  lease(lease&& o) noexcept { *this = std::move(o); }
  lease& operator=(lease&& o) noexcept {
    if (this != &o) {
      release();
      state_ = std::move(o.state_);
      slot_ = std::move(o.slot_);
      it_ = o.it_;
    }
    return *this;
  }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease() { release(); }

  Conn& operator*() const noexcept { return *slot_.conn; }
  Conn* operator->() const noexcept { return slot_.conn.get(); }
  explicit operator bool() const noexcept { return state_ != nullptr; }

  // Forces the connection to be destroyed instead of reused when the lease ends.
  void discard() noexcept {
    if (slot_.conn) slot_.conn.reset();
  }
  void release() noexcept {
    if (auto s = std::move(state_)) s->give_back(std::move(slot_), it_);
    state_.reset();
  }

 private:
  friend class pool<Conn>;
  lease(std::shared_ptr<detail::pool_state<Conn>> st, detail::slot<Conn> sl,
        typename std::list<detail::active_lease<Conn>>::iterator it)
      : state_(std::move(st)), slot_(std::move(sl)), it_(it) {}

  std::shared_ptr<detail::pool_state<Conn>> state_;
  detail::slot<Conn> slot_;
  typename std::list<detail::active_lease<Conn>>::iterator it_{};
};

template <class Conn>
class pool {
 public:
  pool(pool_settings s, std::function<std::unique_ptr<Conn>()> factory)
      : state_(std::make_shared<detail::pool_state<Conn>>()) {
    state_->settings = std::move(s);
    state_->factory = std::move(factory);
  }
  ~pool() { close(); }
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;

  // Leases a healthy connection, opening one when below the bound. `holder` names the connector
  // and place ("sink 'orders' task 0 writer") for leak reports. Throws sluice::error on timeout
  // or when a new connection cannot be opened (the factory's error, retryable as it says).
  lease<Conn> acquire(const std::string& holder) {
    auto& st = *state_;
    auto start = clock::now();
    auto deadline = start + st.settings.acquire_timeout;
    std::unique_lock lock(st.mu);
    for (;;) {
      if (st.closed)
        throw error({.what = "cannot lease a connection", .where = st.settings.name,
                     .why = "the pool is closed (connector stopping)", .retryable = true});
      // Newest idle first: it is the most likely to be alive and warm.
      while (!st.idle.empty()) {
        auto s = std::move(st.idle.back());
        st.idle.pop_back();
        auto now = clock::now();
        bool expired = now - s.created >= st.settings.max_lifetime ||
                       now - s.last_used >= st.settings.idle_timeout;
        bool ok = !expired;
        if (ok && now - s.last_used > std::chrono::seconds(1)) {
          lock.unlock();  // the health check is a round trip
          ok = s.conn->ping();
          lock.lock();
        }
        if (ok) return make_lease(lock, std::move(s), holder, start);
        --st.open;
        ++st.destroyed;
        lock.unlock();
        s.conn.reset();
        lock.lock();
      }
      if (st.open < st.settings.max_size) {
        ++st.open;  // reserve the place before the slow connect
        lock.unlock();
        std::unique_ptr<Conn> c;
        try {
          c = st.factory();
        } catch (...) {
          lock.lock();
          --st.open;
          lock.unlock();
          st.cv.notify_one();
          throw;
        }
        lock.lock();
        ++st.created;
        auto now = clock::now();
        return make_lease(lock, detail::slot<Conn>{std::move(c), now, now}, holder, start);
      }
      ++st.waiting;
      bool timed_out = st.cv.wait_until(lock, deadline) == std::cv_status::timeout;
      --st.waiting;
      if (timed_out && st.idle.empty() && st.open >= st.settings.max_size) {
        ++st.acquire_timeouts;
        std::string holders;
        for (const auto& a : st.active) {
          if (!holders.empty()) holders += ", ";
          holders += fmt::format("{} ({:.1f}s)", a.holder,
                                 std::chrono::duration<double>(clock::now() - a.since).count());
        }
        throw error({.what = "timed out waiting for a database connection",
                     .where = st.settings.name,
                     .why = fmt::format("all {} connections are leased for more than {} ms: {}",
                                        st.settings.max_size, st.settings.acquire_timeout.count(),
                                        holders),
                     .fix = "raise connection.pool.max.size, lower tasks.max, or raise "
                            "connection.pool.acquire.timeout.ms",
                     .retryable = true});
      }
    }
  }

  // Closes idle connections past their idle timeout or lifetime and logs leases held longer than
  // lease_warn (once per lease). Cheap; call it from any periodic loop.
  void maintain() {
    auto& st = *state_;
    std::vector<std::unique_ptr<Conn>> doomed;  // closed after the lock is released
    struct long_lease {
      std::string holder;
      double seconds;
    };
    std::vector<long_lease> overdue;  // logged after the lock is released
    {
      std::lock_guard lock(st.mu);
      auto now = clock::now();
      for (auto it = st.idle.begin(); it != st.idle.end();) {
        if (now - it->created >= st.settings.max_lifetime ||
            now - it->last_used >= st.settings.idle_timeout) {
          doomed.push_back(std::move(it->conn));
          it = st.idle.erase(it);
          --st.open;
          ++st.destroyed;
        } else {
          ++it;
        }
      }
      for (auto& a : st.active) {
        if (!a.warned && now - a.since >= st.settings.lease_warn) {
          a.warned = true;
          overdue.push_back({a.holder, std::chrono::duration<double>(now - a.since).count()});
        }
      }
    }
    for (const auto& o : overdue)
      log::get("pool")->warn(
          "connection of {} leased by {} for {} (more than connection.pool.lease.warn.ms="
          "{}): a long transaction or a stuck write",
          st.settings.name, o.holder,
          o.seconds < 1 ? fmt::format("{:.0f} ms", o.seconds * 1000)
                        : fmt::format("{:.1f} s", o.seconds),
          st.settings.lease_warn.count());
  }

  pool_counters counters() const {
    auto& st = *state_;
    std::lock_guard lock(st.mu);
    pool_counters c;
    c.open = st.open;
    c.idle = st.idle.size();
    c.leased = st.active.size();
    c.waiting = st.waiting;
    c.created = st.created;
    c.destroyed = st.destroyed;
    c.acquire_timeouts = st.acquire_timeouts;
    c.acquires = st.acquires;
    auto now = clock::now();
    for (const auto& a : st.active)
      c.longest_lease_seconds =
          std::max(c.longest_lease_seconds, std::chrono::duration<double>(now - a.since).count());
    return c;
  }

  const pool_settings& settings() const noexcept { return state_->settings; }
  // Time callers waited for a lease (lock-free to read).
  const histogram& acquire_histogram() const noexcept { return state_->acquire_seconds; }

  // Destroys idle connections and refuses new leases; leases out now are destroyed when returned.
  void close() noexcept {
    std::vector<detail::slot<Conn>> doomed;
    {
      std::lock_guard lock(state_->mu);
      state_->closed = true;
      doomed.swap(state_->idle);
      state_->open -= doomed.size();
      state_->destroyed += doomed.size();
    }
    state_->cv.notify_all();
  }

 private:
  lease<Conn> make_lease(std::unique_lock<std::mutex>& lock, detail::slot<Conn> s,
                         const std::string& holder, clock::time_point start) {
    auto& st = *state_;
    ++st.acquires;
    st.acquire_seconds.observe(std::chrono::duration<double>(clock::now() - start).count());
    st.active.push_front({holder, clock::now(), false});
    auto it = st.active.begin();
    lock.unlock();
    return lease<Conn>(state_, std::move(s), it);
  }

  std::shared_ptr<detail::pool_state<Conn>> state_;
};

}  // namespace sluice::pool
