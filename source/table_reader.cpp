#include "source/table_reader.hpp"

#include "source/odbc_querier.hpp"

namespace sluice::source {
namespace {

class pg_table_reader final : public table_reader {
 public:
  pg_table_reader(const source_settings& s, const poll_target& t, const std::string& where,
                  std::shared_ptr<pool::pool<pg::connection>> pool)
      : q_(s, t, where), pool_(std::move(pool)), holder_(where + " poll") {}
  const poll_target& target() const override { return q_.target(); }
  poll_outcome poll(const std::optional<source_offset>& from, row_consumer& out) override {
    auto lease = pool_->acquire(holder_);
    return q_.poll(*lease, from, out);
  }

 private:
  table_querier q_;
  std::shared_ptr<pool::pool<pg::connection>> pool_;
  std::string holder_;
};

class odbc_table_reader final : public table_reader {
 public:
  odbc_table_reader(const source_settings& s, config::dialect kind, const poll_target& t,
                    const std::string& where, std::shared_ptr<pool::pool<odbc::connection>> pool)
      : q_(s, kind, t, where), pool_(std::move(pool)), holder_(where + " poll") {}
  const poll_target& target() const override { return q_.target(); }
  poll_outcome poll(const std::optional<source_offset>& from, row_consumer& out) override {
    auto lease = pool_->acquire(holder_);
    return q_.poll(*lease, from, out);
  }

 private:
  odbc_querier q_;
  std::shared_ptr<pool::pool<odbc::connection>> pool_;
  std::string holder_;
};

}  // namespace

reader_factory pg_readers(const source_settings& s, std::shared_ptr<pool::pool<pg::connection>> pool) {
  return [&s, pool](const poll_target& t, const std::string& where) -> std::unique_ptr<table_reader> {
    return std::make_unique<pg_table_reader>(s, t, where, pool);
  };
}

reader_factory odbc_readers(const source_settings& s, config::dialect kind,
                            std::shared_ptr<pool::pool<odbc::connection>> pool) {
  return [&s, kind, pool](const poll_target& t, const std::string& where) -> std::unique_ptr<table_reader> {
    return std::make_unique<odbc_table_reader>(s, kind, t, where, pool);
  };
}

}  // namespace sluice::source
