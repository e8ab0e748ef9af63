#pragma once
// The database a benchmark writes into, seen by the bench's own connection: the target table's
// state, creating tables of a shape, counting rows, and the database's ceiling for the same
// records. pg_target (libpq) and odbc_target (MariaDB/MySQL, SQLite) implement it.
// Ownership: an implementation owns its one connection. Thread-safety: none; one thread at a time
// (open_another() gives a second thread its own).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "benchkit/generator.hpp"
#include "benchkit/report.hpp"
#include "benchkit/shape.hpp"

namespace sluice::benchkit {

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
  // Sessions of other clients named `application_name` now; nullopt when the database cannot say.
  virtual std::optional<int> sessions(const std::string& application_name) = 0;
  // Sink ceilings, measured in a scratch table dropped afterwards.
  virtual ceiling insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) = 0;
  virtual ceiling upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) = 0;
  // A second connection to the same database (for a sampling thread).
  virtual std::unique_ptr<target> open_another() const = 0;
  virtual std::string dialect() const = 0;
};

}  // namespace sluice::benchkit
