#pragma once
// The benchmark's own PostgreSQL connection (application_name "sluice-bench", so it never counts
// as one of the pipeline's sessions): the target table's state and columns, creating tables of a
// shape, counting rows, sampling the pipeline's sessions, and the database's ceilings measured
// with the same rows: COPY (CSV) into a copy of the table; for upsert, COPY into an unlogged
// staging table plus INSERT … ON CONFLICT (last operation per key wins, deletes applied); for a
// source, COPY (SELECT …) TO STDOUT, and a steady write load of parameterized INSERTs.
// Ownership: owns one pg::connection. Thread-safety: none; one thread at a time.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "benchkit/target.hpp"
#include "dialects/postgres/connection.hpp"
#include "dialects/postgres/identifiers.hpp"

namespace sluice::benchkit {

class pg_target : public target {
 public:
  explicit pg_target(const std::string& libpq_conninfo);

  // "schema"."table" exactly as given (quoted: case kept).
  static std::string sql_name(const std::string& table);
  // nullopt when the table does not exist; else its row count.
  std::optional<std::uint64_t> rows(const std::string& table) override;
  // The table's columns as a shape (key: its one-column integer primary key). Throws
  // sluice::error when a column type cannot be generated or the key is not one integer column.
  shape shape_of(const std::string& table) override;
  void create(const std::string& table, const shape& s, bool identity_key = false) override;
  void create_like(const std::string& table, const std::string& like) override;
  void drop(const std::string& table) override;
  // Largest key in the table, 0 when empty.
  std::int64_t max_key(const std::string& table, const shape& s) override;
  // Appends rows with ids first..first+count-1 (version 0) by COPY, moves the key's identity
  // sequence, if any, past them, and runs VACUUM ANALYZE.
  void fill(const std::string& table, const shape& s, std::int64_t first, std::uint64_t count) override;
  // Sessions of other clients named `application_name` in this database now.
  std::optional<int> sessions(const std::string& application_name) override;

  // Sink ceilings, measured in a scratch copy of `like` that is dropped afterwards.
  ceiling insert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  ceiling upsert_ceiling(const std::string& like, const shape& s, const std::vector<operation>& ops) override;
  // Source ceiling: reads every row of `table` through COPY (SELECT …) TO STDOUT.
  ceiling read_ceiling(const std::string& table, const shape& s) override;
  // INSERTs with parameters (now() for `now_columns`) between BEGIN and COMMIT.
  std::unique_ptr<row_appender> open_appender(const std::string& table, const shape& s,
                                              const std::vector<std::string>& now_columns) const override;

  std::unique_ptr<target> open_another() const override { return std::make_unique<pg_target>(conninfo_); }
  std::string dialect() const override { return "postgresql"; }

  pg::connection& conn() { return *conn_; }
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string conninfo_;
  std::unique_ptr<pg::connection> conn_;
};

}  // namespace sluice::benchkit
