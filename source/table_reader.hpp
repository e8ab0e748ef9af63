#pragma once
// What a source task needs from a polled table, whatever the database: its target and one poll
// (a connection leased for the poll and given back before acknowledgements are awaited).
// pg_table_reader wraps table_querier (libpq, commit-aware bounds); odbc_table_reader wraps
// odbc_querier (MySQL/MariaDB, SQLite, SQL Server, generic, PostgreSQL via psqlODBC).
// Ownership: a reader shares its pool with the connector. Thread-safety: one poller at a time.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dialects/odbc/connection.hpp"
#include "dialects/postgres/connection.hpp"
#include "pool/pool.hpp"
#include "source/table_querier.hpp"

namespace sluice::source {

class odbc_querier;

class table_reader {
 public:
  virtual ~table_reader() = default;
  virtual const poll_target& target() const = 0;
  // One poll starting after `from`; see table_querier::poll.
  virtual poll_outcome poll(const std::optional<source_offset>& from, row_consumer& out) = 0;
};

// Makes the reader of a target; `where` names it for messages and leases.
using reader_factory =
    std::function<std::unique_ptr<table_reader>(const poll_target& t, const std::string& where)>;

reader_factory pg_readers(const source_settings& s, std::shared_ptr<pool::pool<pg::connection>> pool);
reader_factory odbc_readers(const source_settings& s, config::dialect kind,
                            std::shared_ptr<pool::pool<odbc::connection>> pool);

}  // namespace sluice::source
