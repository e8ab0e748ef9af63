#pragma once
// The database a benchmark measures, seen by the bench's own connection: the target table's
// state, creating and filling tables of a shape, counting rows and the pipeline's server
// sessions, a source's steady write load, and the database's ceiling for the same rows (sink:
// bulk load; source: a full read). pg_target (libpq) and odbc_target (MariaDB/MySQL, SQLite)
// implement it, so the sink and source runners never know the family.
// Ownership: an implementation owns its one connection; a row_appender owns its own.
// Thread-safety: none; one thread at a time (open_another() and open_appender() give another
// thread its own connection).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "benchkit/generator.hpp"
#include "benchkit/report.hpp"
#include "benchkit/shape.hpp"

namespace sluice::benchkit {

// A source's steady write load, on a connection of its own: rows committed in small transactions.
class row_appender {
 public:
  virtual ~row_appender() = default;
  // Inserts the rows with ids first..first+count-1 (version 0) in one transaction and commits
  // before returning. Throws sluice::error.
  virtual void append(std::int64_t first, std::size_t count) = 0;
};

class target {
 public:
  virtual ~target() = default;

  // nullopt when the table does not exist; else its row count.
  virtual std::optional<std::uint64_t> rows(const std::string& table) = 0;
  // The table's columns as a shape. Throws sluice::error when the generator cannot fill them.
  virtual shape shape_of(const std::string& table) = 0;
  virtual void create(const std::string& table, const shape& s, bool identity_key = false) = 0;
  virtual void create_like(const std::string& table, const std::string& like) = 0;
  virtual void drop(const std::string& table) = 0;
  // Largest key in the table, 0 when empty.
  virtual std::int64_t max_key(const std::string& table, const shape& s) = 0;
  // Appends the rows with ids first..first+count-1 (version 0) through the database's bulk path,
  // then refreshes the planner's statistics, so a source's first poll plans as it would in use.
  virtual void fill(const std::string& table, const shape& s, std::int64_t first, std::uint64_t count) = 0;
  // The pipeline's sessions on the server now (PostgreSQL: named `application_name`; MariaDB:
  // the bench's user minus the bench's own connections); nullopt when the database has no
  // server to ask (SQLite: embedded).
  virtual std::optional<int> sessions(const std::string& application_name) = 0;
  // Sink ceilings, measured in a scratch table dropped afterwards.
  virtual ceiling insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) = 0;
  virtual ceiling upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) = 0;
  // Source ceiling: every row of `table` read out by the database's fastest full read.
  virtual ceiling read_ceiling(const std::string& table, const shape& s) = 0;
  // A writer of generated rows into `table` on its own connection; the columns named in
  // `now_columns` get the database's current time (a timestamp mode's column) instead.
  virtual std::unique_ptr<row_appender> open_appender(const std::string& table, const shape& s,
                                                      const std::vector<std::string>& now_columns) const = 0;
  // A second connection to the same database (for a sampling thread).
  virtual std::unique_ptr<target> open_another() const = 0;
  virtual std::string dialect() const = 0;
};

}  // namespace sluice::benchkit
