#include "sink/odbc_writer.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/log.hpp"
#include "dialects/odbc/param_values.hpp"
#include "dialects/odbc/text.hpp"
#include "sink/type_check.hpp"

namespace sluice::sink {
namespace {

using steady = std::chrono::steady_clock;

// Record-level failures: the data of one record is wrong (class 22 data exception, class 23
// integrity constraint, class 54 program limit); isolating it lets the rest of the batch commit.
bool is_record_error(const error& e) {
  const auto& c = e.info().code;
  if (e.retryable() || e.poisons_connection()) return false;
  return c.starts_with("22") || c.starts_with("23") || c.starts_with("54");
}

field_schema offsets_field(const char* name, type_kind t, bool optional,
                           logical_kind l = logical_kind::none) {
  field_schema f;
  f.name = name;
  f.type = t;
  f.optional = optional;
  f.logical = l;
  return f;
}

std::string now_text() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return odbc::format_timestamp(us);
}

// Fills `a` (already reset to the targets' kinds) with the rows of `entries`, as the parameters
// of `d`. A record whose value cannot be bound fails alone: it is left out and listed in `bad`
// with its error; `row_entry` maps each array row to its entry.
void fill_rows(row_plan& plan, const batch& b, const std::vector<std::size_t>& entries,
               const odbc::dml& d, const std::vector<odbc::param_target>& targets, bool keys_only,
               const std::string& where, odbc::param_array& a, std::vector<std::size_t>& row_entry,
               std::vector<std::pair<std::size_t, error_info>>& bad) {
  row_entry.clear();
  std::vector<const value*> fields;
  value_scratch scratch;
  for (auto i : entries) {
    const auto& e = b.entries()[i];
    plan.extract(e.rec, fields, scratch, keys_only);
    a.add_row();
    try {
      for (std::size_t k = 0; k < d.params.size(); ++k)
        odbc::put_value(a, k, fields[d.params[k]], targets[k]);
      row_entry.push_back(i);
    } catch (const error& err) {
      a.drop_last_row();
      auto info = err.info();
      info.where = fmt::format("{} {} {}[{}]@{}", where, info.where, e.rec.pos.topic,
                               e.rec.pos.partition, e.rec.pos.offset);
      bad.emplace_back(i, std::move(info));
    }
  }
}

std::vector<odbc::param_target> param_targets(const odbc_writer::write_target& t) {
  std::vector<odbc::param_target> out;
  for (std::size_t k = 0; k < t.kinds.size(); ++k) out.push_back({t.kinds[k], t.families[k], t.columns[k]});
  return out;
}

// Rows per JSON parameter: chunks bound the text.
constexpr std::size_t json_rows = 10000;

}  // namespace

bool odbc_writer::write_target::operator==(const write_target& o) const {
  return plan_columns == o.plan_columns && pk_count == o.pk_count && dml.sql == o.dml.sql &&
         dml.params == o.dml.params && dml.tuple_begin == o.dml.tuple_begin &&
         dml.tuple_end == o.dml.tuple_end && dml.json_sql == o.dml.json_sql && kinds == o.kinds &&
         families == o.families && columns == o.columns && utf8 == o.utf8 && per == o.per;
}

// One batch's rows made ready by stage(), per table; the vectors keep their capacity as the
// batch is recycled.
struct odbc_writer::staged final : staged_work {
  struct group {
    std::string table;
    std::shared_ptr<const write_target> target;
    std::vector<std::size_t> ups;        // the entries to write (last per key), batch order
    std::vector<std::size_t> row_entry;  // array row → entry
    std::vector<std::pair<std::size_t, error_info>> bad;  // values that could not be bound
    odbc::param_array params;
  };
  std::size_t entries = 0;   // the batch's size when staged
  std::vector<group> groups;
  std::size_t used = 0;      // groups[0, used) belong to this batch
};

struct odbc_writer::table_group {
  std::string name;  // as table.name.format produced it
  odbc::table_id id;
  std::vector<std::size_t> entries;  // batch entries going to this table, in offset order
  std::optional<row_plan> plan;
  const odbc::table_def* def = nullptr;
  std::vector<int> column_index;  // plan column i → def->columns index
};

odbc_writer::odbc_writer(sink_settings s, config::dialect kind, odbc::dialect_options o,
                         std::shared_ptr<odbc_pool> pool, std::string holder)
    : s_(std::move(s)), pool_(std::move(pool)), holder_(std::move(holder)) {
  o.quote_always = s_.quote_always;
  d_ = odbc::make_dialect(kind, o);
}

std::string odbc_writer::where(const std::string& table) const {
  return fmt::format("sink '{}' table {}", s_.connector, table);
}

void odbc_writer::prepare(odbc::connection& c) {
  if (adapted_) return;
  d_->adapt(c);
  offsets_id_ = d_->parse_table(s_.offsets_table);
  adapted_ = true;
}

void odbc_writer::ensure_offsets_table(odbc::connection& c) {
  if (offsets_ready_) return;
  // Keyed by connector, so several sinks can share the table.
  std::vector<field_schema> fields = {
      offsets_field("connector", type_kind::string, false),
      offsets_field("topic", type_kind::string, false),
      offsets_field("partition", type_kind::int32, false),
      offsets_field("next_offset", type_kind::int64, true),
      offsets_field("updated_at", type_kind::int64, true, logical_kind::timestamp),
  };
  for (const auto& sql : d_->create_table_sql(offsets_id_, fields, {"connector", "topic", "partition"})) {
    try {
      c.exec(sql);
    } catch (const error& e) {
      if (!d_->is_already_exists(e)) throw;  // tasks racing to create it
    }
  }
  offsets_ready_ = true;
}

std::map<partition_key, std::int64_t> odbc_writer::stored_offsets() {
  std::map<partition_key, std::int64_t> out;
  auto lease = pool_->acquire(holder_);
  prepare(*lease);
  if (!d_->describe(*lease, offsets_id_)) return out;  // no offsets table yet: nothing stored
  for (const auto& r : lease->query(
           fmt::format("SELECT {}, {}, {} FROM {} WHERE {} = ? AND {} IS NOT NULL", d_->quote("topic"),
                       d_->quote("partition"), d_->quote("next_offset"), d_->render_table(offsets_id_),
                       d_->quote("connector"), d_->quote("next_offset")),
           {s_.connector}))
    out[{r[0].value_or(""), std::stoi(r[1].value_or("0"))}] = std::stoll(r[2].value_or("0"));
  return out;
}

void odbc_writer::set_offsets(const std::map<partition_key, std::int64_t>& next) {
  if (next.empty()) return;
  std::vector<partition_key> keys;
  for (const auto& [k, v] : next) keys.push_back(k);
  load_offsets(keys);  // creates the table and a row per partition when missing
  auto lease = pool_->acquire(holder_);
  prepare(*lease);
  const auto sql = fmt::format("UPDATE {} SET {} = ? WHERE {} = ? AND {} = ? AND {} = ?",
                               d_->render_table(offsets_id_), d_->quote("next_offset"),
                               d_->quote("connector"), d_->quote("topic"), d_->quote("partition"));
  lease->begin();
  for (const auto& [k, v] : next)
    lease->exec(sql, {std::to_string(v), s_.connector, k.first, std::to_string(k.second)});
  lease->commit();
}

std::map<partition_key, std::optional<std::int64_t>> odbc_writer::load_offsets(
    const std::vector<partition_key>& parts) {
  std::map<partition_key, std::optional<std::int64_t>> out;
  if (parts.empty()) return out;
  for (int attempt = 0;; ++attempt) {
    pool::lease<odbc::connection> lease;
    try {
      lease = pool_->acquire(holder_);
      prepare(*lease);
      ensure_offsets_table(*lease);
      const auto table = d_->render_table(offsets_id_);
      const auto topic = d_->quote("topic"), partition = d_->quote("partition"),
                 next = d_->quote("next_offset"), connector = d_->quote("connector");
      auto stored = [&] {
        std::map<partition_key, std::optional<std::int64_t>> m;
        for (const auto& r : lease->query(fmt::format("SELECT {}, {}, {} FROM {} WHERE {} = ?", topic,
                                                      partition, next, table, connector),
                                          {s_.connector}))
          m[{r[0].value_or(""), std::stoi(r[1].value_or("0"))}] =
              r[2] ? std::optional<std::int64_t>(std::stoll(*r[2])) : std::nullopt;
        return m;
      };
      auto rows = stored();
      // A row per partition (NULL = nothing stored yet) so every later write is a plain
      // compare-and-set UPDATE. Autocommit: a duplicate from a racing task is harmless.
      bool inserted = false;
      for (const auto& p : parts) {
        if (rows.contains(p)) continue;
        try {
          lease->exec(fmt::format("INSERT INTO {} ({}, {}, {}, {}) VALUES (?, ?, ?, NULL)", table,
                                  connector, topic, partition, next),
                      {s_.connector, p.first, std::to_string(p.second)});
        } catch (const error& e) {
          if (!e.info().code.starts_with("23")) throw;
        }
        inserted = true;
      }
      if (inserted) rows = stored();
      for (const auto& p : parts) {
        auto it = rows.find(p);
        out[p] = it == rows.end() ? std::nullopt : it->second;
        expected_[p] = out[p];
      }
      return out;
    } catch (const error& e) {
      lease.discard();
      offsets_ready_ = false;
      if (!e.retryable() || attempt >= s_.max_retries) throw;
      log::get("sink")->warn("{}: reading stored offsets failed, retrying: {}", holder_, e.what());
      std::this_thread::sleep_for(s_.retry_backoff * std::min(1 << std::min(attempt, 6), 32) / 4);
    }
  }
}

void odbc_writer::forget(const std::vector<partition_key>& parts) {
  for (const auto& p : parts) expected_.erase(p);
}

void odbc_writer::ensure_table(odbc::connection& c, table_group& g) {
  auto key = std::make_pair(g.id.schema, g.id.table);
  const auto& cols = g.plan->columns();
  auto missing_columns = [&](const odbc::table_def& def) {
    std::vector<const planned_column*> out;
    for (const auto& pc : cols) {
      const auto stored = d_->stored_name(pc.name);
      if (std::none_of(def.columns.begin(), def.columns.end(),
                       [&](const odbc::column_def& cd) { return d_->same_column(cd.name, stored); }))
        out.push_back(&pc);
    }
    return out;
  };
  auto it = tables_.find(key);
  if (it == tables_.end() || !missing_columns(it->second).empty()) {
    auto def = d_->describe(c, g.id);
    if (!def) {
      if (!s_.auto_create)
        throw error({.what = "cannot write to a missing table", .where = where(g.name),
                     .why = fmt::format("table {} does not exist", d_->display(g.id)),
                     .fix = "create the table, or set auto.create=true to let the sink create it",
                     .code = "42S02"});
      std::vector<field_schema> fields;
      for (const auto& pc : cols) fields.push_back(pc.schema);
      for (const auto& sql : d_->create_table_sql(g.id, fields, g.plan->pk_names())) {
        try {
          c.exec(sql);
        } catch (const error& e) {
          if (!d_->is_already_exists(e)) throw;  // another task created it first
        }
      }
      log::get("sink")->info("{}: created table {}", where(g.name), d_->display(g.id));
      def = d_->describe(c, g.id);
      if (!def)
        throw error({.what = "cannot find the table just created", .where = where(g.name),
                     .why = fmt::format("{} does not resolve {} after creating it", d_->name(),
                                        d_->display(g.id)),
                     .fix = "qualify table.name.format with a schema or database"});
    }
    auto missing = missing_columns(*def);
    if (!missing.empty()) {
      if (!s_.auto_evolve)
        throw error({.what = "cannot write a field the table has no column for",
                     .where = where(g.name),
                     .why = fmt::format("table {} has no column \"{}\" ({} in the record)",
                                        d_->display(g.id), missing.front()->name,
                                        to_string(missing.front()->schema.type)),
                     .fix = "add the column, set auto.evolve=true, or leave the field out with "
                            "fields.whitelist",
                     .code = "42S22"});
      for (const auto* pc : missing) {
        if (!pc->schema.optional && !pc->schema.default_sql_literal)
          throw error({.what = "cannot add a required column", .where = where(g.name),
                       .why = fmt::format("field \"{}\" is required (not optional) and has no "
                                          "default, so existing rows could not hold it",
                                          pc->name),
                       .fix = fmt::format("make \"{}\" optional or give it a default in the "
                                          "producer's schema, or add the column by hand",
                                          pc->name)});
        try {
          c.exec(d_->add_column_sql(def->id, pc->schema));
          log::get("sink")->info("{}: added column \"{}\"", where(g.name), pc->name);
        } catch (const error& e) {
          if (!d_->is_already_exists(e)) throw;  // another task added it first
        }
      }
      def = d_->describe(c, g.id);
      if (!def || !missing_columns(*def).empty())
        throw error({.what = "cannot find the columns just added", .where = where(g.name),
                     .why = "the table changed while the sink evolved it",
                     .retryable = true});
    }
    it = tables_.insert_or_assign(key, std::move(*def)).first;
  }
  const auto& def = it->second;
  g.def = &def;
  g.column_index.clear();
  for (const auto& pc : cols) {
    const auto stored = d_->stored_name(pc.name);
    int idx = -1;
    for (std::size_t i = 0; i < def.columns.size() && idx < 0; ++i)
      if (def.columns[i].name == stored) idx = static_cast<int>(i);
    for (std::size_t i = 0; i < def.columns.size() && idx < 0; ++i)
      if (d_->same_column(def.columns[i].name, stored)) idx = static_cast<int>(i);
    const auto& cd = def.columns[static_cast<std::size_t>(idx)];
    if (!odbc::accepts(pc.schema, cd.family))
      throw error({.what = "cannot write a field into a column of another type",
                   .where = fmt::format("{} column \"{}\"", where(g.name), cd.name),
                   .why = fmt::format("the record's field is {} but the column is {}",
                                      describe_field_type(pc.schema), cd.type),
                   .fix = "change the column type (ALTER TABLE) or the producer's schema; "
                          "auto.evolve only adds columns, it never changes a type",
                   .code = "42804"});
    g.column_index.push_back(idx);
  }
  if (s_.insert == insert_mode::upsert) {
    // The dialect's upsert needs the key columns to be the table's key.
    std::vector<std::string> plan_key, table_key = def.primary_key;
    for (std::size_t i = 0; i < g.plan->pk_count(); ++i)
      plan_key.push_back(def.columns[static_cast<std::size_t>(g.column_index[i])].name);
    std::sort(plan_key.begin(), plan_key.end());
    std::sort(table_key.begin(), table_key.end());
    const bool same = plan_key.size() == table_key.size() &&
                      std::equal(plan_key.begin(), plan_key.end(), table_key.begin(),
                                 [&](const auto& a, const auto& b) { return d_->same_column(a, b); });
    if (!same)
      throw error({.what = "cannot upsert", .where = where(g.name),
                   .why = fmt::format("the key columns ({}) are not the primary key of {} ({})",
                                      fmt::join(g.plan->pk_names(), ", "), d_->display(g.id),
                                      table_key.empty() ? "none" : fmt::format("{}", fmt::join(table_key, ", "))),
                   .fix = "make the table's primary key match pk.fields, or change pk.fields / "
                          "pk.mode"});
  }
}

odbc_writer::write_target odbc_writer::target_for(const table_group& g, const odbc::dml& d,
                                                  bool utf8) const {
  write_target t;
  for (const auto& col : g.plan->columns()) t.plan_columns.push_back(col.name);
  t.pk_count = g.plan->pk_count();
  t.dml = d;
  for (auto p : d.params) {
    const auto& cd = g.def->columns[static_cast<std::size_t>(g.column_index[p])];
    t.kinds.push_back(d_->binding(cd));
    t.families.push_back(cd.family);
    t.columns.push_back(cd.name);
  }
  t.utf8 = utf8;
  t.per = d.tuple_end ? d_->rows_per_statement(d.params.size()) : 1;
  return t;
}

odbc_writer::write_target odbc_writer::ups_target(odbc::connection& c, const table_group& g) const {
  const auto& def = *g.def;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < g.plan->columns().size(); ++i)
    names.push_back(def.columns[static_cast<std::size_t>(g.column_index[i])].name);
  odbc::dml d;
  switch (s_.insert) {
    case insert_mode::insert: d = d_->insert_sql(def.id, names); break;
    case insert_mode::upsert: d = d_->upsert_sql(def.id, names, g.plan->pk_count()); break;
    case insert_mode::update: d = d_->update_sql(def.id, names, g.plan->pk_count()); break;
  }
  return target_for(g, d, c.utf8_params());
}

std::shared_ptr<const odbc_writer::write_target> odbc_writer::publish(const std::string& table,
                                                                      write_target t) {
  std::lock_guard lock(published_mu_);
  auto& p = published_[table];
  if (!p || !(*p == t)) p = std::make_shared<const write_target>(std::move(t));
  return p;
}

void odbc_writer::run_dml(odbc::connection& c, batch& b, table_group& g, const write_target& t,
                          const std::vector<std::size_t>& entries, bool keys_only,
                          std::vector<std::size_t>& failed) {
  if (t.dml.sql.empty() || entries.empty()) return;
  params_.reset(t.kinds, t.utf8);
  std::vector<std::pair<std::size_t, error_info>> bad;
  fill_rows(*g.plan, b, entries, t.dml, param_targets(t), keys_only, where(g.name), params_,
            row_entry_, bad);
  // A value that cannot be written fails its record, not the batch.
  for (auto& [i, info] : bad) {
    b.entries()[i].failure = std::move(info);
    failed.push_back(i);
  }
  execute_filled(c, t, params_, row_entry_);
}

void odbc_writer::execute_filled(odbc::connection& c, const write_target& t, odbc::param_array& a,
                                 const std::vector<std::size_t>& row_entry) {
  if (a.rows() == 0) return;
  const auto& d = t.dml;
  try {
    if (t.per <= 1) {
      a.execute(c.prepared(d.sql));
      return;
    }
    const std::size_t per = t.per;
    // Many rows per statement: full statements share one prepared form, the rest one more.
    auto values_lists = [&](std::size_t lo, std::size_t hi) {
      const std::string full = hi - lo >= per ? odbc::with_rows(d, per).sql : std::string();
      for (; lo + per <= hi; lo += per) a.execute_rows(c.prepared(full), lo, per);
      if (lo < hi) {
        const std::size_t rest = hi - lo;
        if (rest == 1) a.execute_rows(c.prepared(d.sql), lo, 1);
        else a.execute_rows(c.prepared(odbc::with_rows(d, rest).sql), lo, rest);
      }
    };
    const std::size_t rows = a.rows();
    if (d.json_sql.empty()) {
      values_lists(0, rows);
      return;
    }
    // All rows in one JSON parameter (SQLite): the statement the driver compiles again on each
    // execute stays short. Chunks bound the text; a chunk with a value JSON cannot carry
    // exactly goes through VALUES lists.
    for (std::size_t lo = 0; lo < rows; lo += json_rows) {
      const std::size_t hi = std::min(rows, lo + json_rows);
      if (!a.execute_json(c.prepared(d.json_sql), lo, hi - lo)) values_lists(lo, hi);
    }
  } catch (const error&) {
    if (auto r = a.failed_row()) failed_entry_ = row_entry[*r];
    throw;
  }
}

void odbc_writer::write_ops(odbc::connection& c, batch& b, table_group& g,
                            const std::vector<std::size_t>& ups, const std::vector<std::size_t>& dels,
                            std::vector<std::size_t>& failed) {
  if (!dels.empty()) {
    const auto& def = *g.def;
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < g.plan->pk_count(); ++i)
      keys.push_back(def.columns[static_cast<std::size_t>(g.column_index[i])].name);
    run_dml(c, b, g, target_for(g, d_->delete_sql(def.id, keys), c.utf8_params()), dels, true, failed);
  }
  if (!ups.empty()) run_dml(c, b, g, *publish(g.name, ups_target(c, g)), ups, false, failed);
}

void odbc_writer::isolate(odbc::connection& c, batch& b, table_group& g, std::vector<std::size_t> ups,
                          std::vector<std::size_t> dels, std::vector<std::size_t>& failed) {
  while (!ups.empty() || !dels.empty()) {
    const std::string sp = "sluice_isolate";
    c.exec(d_->savepoint_sql(sp));
    failed_entry_.reset();
    std::vector<std::size_t> bad;
    try {
      write_ops(c, b, g, ups, dels, bad);
      if (auto rel = d_->release_savepoint_sql(sp); !rel.empty()) c.exec(rel);
      failed.insert(failed.end(), bad.begin(), bad.end());
      return;
    } catch (const error& e) {
      if (!is_record_error(e)) throw;
      c.exec(d_->rollback_to_savepoint_sql(sp));
      if (auto rel = d_->release_savepoint_sql(sp); !rel.empty()) c.exec(rel);
      // Entries whose values could not be converted were marked by write_ops; keep them out.
      auto mark = [&](std::size_t i, const error_info& info) {
        auto& ent = b.entries()[i];
        auto copy = info;
        copy.where = fmt::format("{} {}[{}]@{}", where(g.name), ent.rec.pos.topic,
                                 ent.rec.pos.partition, ent.rec.pos.offset);
        ent.failure = copy;
        failed.push_back(i);
      };
      auto drop = [](std::vector<std::size_t>& v, std::size_t i) {
        v.erase(std::remove(v.begin(), v.end(), i), v.end());
      };
      for (auto i : bad) {
        failed.push_back(i);
        drop(ups, i);
        drop(dels, i);
      }
      if (ups.size() + dels.size() == 1) {
        mark(ups.empty() ? dels.front() : ups.front(), e.info());
        return;
      }
      if (failed_entry_) {
        // The driver named the failed row: set it aside and try the rest at once.
        const auto i = *failed_entry_;
        mark(i, e.info());
        drop(ups, i);
        drop(dels, i);
        continue;
      }
    }
    // Halve the larger side; both halves keep their own order.
    std::vector<std::size_t> u2, d2;
    if (ups.size() >= dels.size()) {
      u2.assign(ups.begin() + static_cast<std::ptrdiff_t>(ups.size() / 2), ups.end());
      ups.resize(ups.size() / 2);
    } else {
      d2.assign(dels.begin() + static_cast<std::ptrdiff_t>(dels.size() / 2), dels.end());
      dels.resize(dels.size() / 2);
    }
    isolate(c, b, g, std::move(ups), std::move(dels), failed);
    isolate(c, b, g, std::move(u2), std::move(d2), failed);
    return;
  }
}

bool odbc_writer::write_group(odbc::connection& c, batch& b, table_group& g, bool isolate_mode,
                              std::vector<std::size_t>& failed, staged* st) {
  const bool tolerant = s_.errors == tolerance::all;
  const std::size_t first = failed.size();
  auto superseding_failed = [&] {
    return tolerant &&
           !g.plan->superseded_by(b.entries(), g.entries, std::span<const std::size_t>(failed).subspan(first)).empty();
  };
  if (!isolate_mode && st) {
    for (std::size_t k = 0; k < st->used; ++k) {
      auto& sg = st->groups[k];
      if (sg.table != g.name) continue;
      // Staged against the statement and bindings published then: used when they still hold.
      auto now = publish(g.name, ups_target(c, g));
      if (!(*now == *sg.target)) break;
      for (auto& [i, info] : sg.bad) {
        b.entries()[i].failure = info;
        failed.push_back(i);
      }
      execute_filled(c, *now, sg.params, sg.row_entry);
      return superseding_failed();
    }
  }
  auto ops = g.plan->last_per_key(b.entries(), g.entries);
  if (ops.truncate) c.exec(d_->truncate_sql(g.def->id));
  if (!isolate_mode) {
    write_ops(c, b, g, ops.ups, ops.dels, failed);
    return superseding_failed();
  }
  g.plan->write_giving_way(b.entries(), g.entries, std::move(ops), failed, tolerant,
                           [&](std::vector<std::size_t> ups, std::vector<std::size_t> dels) {
                             isolate(c, b, g, std::move(ups), std::move(dels), failed);
                           });
  return false;
}

void odbc_writer::stage(batch& b) noexcept {
  try {
    if (b.empty()) return;
    std::map<std::string, std::shared_ptr<const write_target>> targets;
    {
      std::lock_guard lock(published_mu_);
      if (published_.empty()) return;  // nothing written yet: the first batch describes the table
      targets = published_;
    }
    if (!dynamic_cast<staged*>(b.staged.get())) b.staged = std::make_unique<staged>();
    auto& st = static_cast<staged&>(*b.staged);
    st.ready = false;
    st.used = 0;
    std::vector<std::size_t> failed;
    for (auto& t : s_.by_table(b, failed)) {
      auto it = targets.find(t.table);
      if (it == targets.end()) continue;
      const auto& wt = *it->second;
      std::vector<const sink_record*> recs;
      bool truncates = false;
      for (auto i : t.entries) {
        truncates |= b.entries()[i].rec.op == record_op::truncate;
        recs.push_back(&b.entries()[i].rec);
      }
      if (truncates) continue;
      auto plan = row_plan::build(s_, recs, t.table);
      if (plan.pk_count() != wt.pk_count || plan.columns().size() != wt.plan_columns.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < wt.plan_columns.size(); ++i) same &= plan.columns()[i].name == wt.plan_columns[i];
      if (!same) continue;
      auto ops = plan.last_per_key(b.entries(), t.entries);
      if (ops.truncate || !ops.dels.empty() || ops.ups.empty()) continue;
      if (st.used == st.groups.size()) st.groups.emplace_back();
      auto& g = st.groups[st.used];
      g.table = t.table;
      g.target = it->second;
      g.ups = std::move(ops.ups);
      g.bad.clear();
      g.params.reset(wt.kinds, wt.utf8);
      fill_rows(plan, b, g.ups, wt.dml, param_targets(wt), false, where(t.table), g.params,
                g.row_entry, g.bad);
      const auto rows = g.params.rows();
      if (wt.per > 1 && !wt.dml.json_sql.empty() && rows > 0 && rows <= json_rows) g.params.render_json(0, rows);
      ++st.used;
    }
    st.entries = b.entries().size();
    st.ready = st.used > 0;
  } catch (...) {
    // Anything that goes wrong here is met again, and reported, by write() doing the work itself.
    if (b.staged) b.staged->ready = false;
  }
}

bool odbc_writer::advance_offsets(odbc::connection& c, const batch& b) {
  const auto table = d_->render_table(offsets_id_);
  const auto base = fmt::format("UPDATE {} SET {} = ?, {} = ? WHERE {} = ? AND {} = ? AND {} = ? AND {}",
                                table, d_->quote("next_offset"), d_->quote("updated_at"),
                                d_->quote("connector"), d_->quote("topic"), d_->quote("partition"),
                                d_->quote("next_offset"));
  const auto now = now_text();
  for (const auto& [k, r] : b.ranges()) {
    auto it = expected_.find(k);
    const bool known = it != expected_.end() && it->second.has_value();
    odbc::text_params p = {std::to_string(r.next), now, s_.connector, k.first, std::to_string(k.second)};
    std::string sql = base + (known ? " = ?" : " IS NULL");
    if (known) p.push_back(std::to_string(it->second.value()));
    if (c.prepared(sql).execute(p) != 1) return false;
  }
  return true;
}

bool odbc_writer::already_committed(odbc::connection& c, const batch& b) {
  if (b.ranges().empty()) return false;
  const auto sql = fmt::format("SELECT {} FROM {} WHERE {} = ? AND {} = ? AND {} = ?", d_->quote("next_offset"),
                               d_->render_table(offsets_id_), d_->quote("connector"), d_->quote("topic"),
                               d_->quote("partition"));
  for (const auto& [k, rg] : b.ranges()) {
    auto rows = c.query(sql, {s_.connector, k.first, std::to_string(k.second)});
    if (rows.empty() || !rows[0][0] || *rows[0][0] != std::to_string(rg.next)) return false;
  }
  return true;
}

write_result odbc_writer::write(batch& b, const before_commit_fn& before_commit) {
  write_result r;
  auto t0 = steady::now();
  // errors.tolerance=none: a record that cannot be converted ends its partition's share of the
  // batch; what comes before it is written, then the task stops with the reason.
  auto cut_at_failures = [&](const std::vector<std::size_t>& bad) {
    std::map<partition_key, std::int64_t> cut;
    for (auto i : bad) {
      const auto& e = b.entries()[i];
      partition_key k{e.rec.pos.topic, e.rec.pos.partition};
      auto it = cut.find(k);
      if (it == cut.end() || e.rec.pos.offset < it->second) cut[k] = e.rec.pos.offset;
      if (!r.fatal) r.fatal = e.failure;
    }
    for (const auto& [k, off] : cut) b.truncate_partition(k, off);
  };
  if (s_.errors == tolerance::none) {
    std::vector<std::size_t> bad;
    for (std::size_t i = 0; i < b.entries().size(); ++i)
      if (b.entries()[i].failure) bad.push_back(i);
    if (!bad.empty()) cut_at_failures(bad);
  }

  bool isolate_mode = false;
  bool maybe_committed = false;
  for (int attempt = 0;;) {
    pool::lease<odbc::connection> lease;
    try {
      lease = pool_->acquire(holder_);  // a server that is down is retried below like the rest
      prepare(*lease);
      if (maybe_committed && already_committed(*lease, b)) {
        // The commit whose answer was lost went through: done, nothing is written twice.
        for (const auto& [k, rg] : b.ranges()) {
          expected_[k] = rg.next;
          r.committed[k] = rg.next;
        }
        r.rows_written = b.entries().size() - r.failed.size();
        r.db_seconds = std::chrono::duration<double>(steady::now() - t0).count();
        return r;
      }
      maybe_committed = false;
      r.failed.clear();
      std::vector<table_group> groups;
      for (auto& t : s_.by_table(b, r.failed)) {
        table_group g;
        g.id = d_->parse_table(t.table);
        g.name = std::move(t.table);
        g.entries = std::move(t.entries);
        groups.push_back(std::move(g));
      }
      ensure_offsets_table(*lease);
      for (auto& g : groups) {
        std::vector<const sink_record*> recs;
        for (auto i : g.entries)
          if (b.entries()[i].rec.op != record_op::truncate) recs.push_back(&b.entries()[i].rec);
        if (recs.empty()) {
          auto def = d_->describe(*lease, g.id);
          if (!def) continue;
          tables_.insert_or_assign({g.id.schema, g.id.table}, *def);
          // Only truncates, which carry no key or value: the plan needs no key columns.
          auto keyless = s_;
          keyless.pk = pk_mode::none;
          g.plan = row_plan::build(keyless, {}, g.name);
          g.def = &tables_.at({g.id.schema, g.id.table});
          continue;
        }
        g.plan = row_plan::build(s_, recs, g.name);
        ensure_table(*lease, g);  // DDL commits by itself, before the transaction
      }
      lease->begin();
      auto* st = b.staged && b.staged->ready ? dynamic_cast<staged*>(b.staged.get()) : nullptr;
      if (st && st->entries != b.entries().size()) st = nullptr;
      bool redo = false;
      for (auto& g : groups)
        if (g.plan) redo |= write_group(*lease, b, g, isolate_mode, r.failed, st);
      if (redo) {
        lease->rollback();
        isolate_mode = true;  // write the records a bad one had superseded in its place
        continue;
      }
      bool new_failures = std::any_of(r.failed.begin(), r.failed.end(), [&](std::size_t i) {
        return b.entries()[i].failure && b.entries()[i].failure->code != "convert";
      });
      if (s_.errors == tolerance::none && new_failures) {
        // Records another owner of these partitions already wrote fail here too (duplicate key
        // in insert mode): that is a conflict to restart from, not a reason to stop.
        if (!advance_offsets(*lease, b)) {
          lease->rollback();
          r.conflict = true;
          return r;
        }
        lease->rollback();
        cut_at_failures(r.failed);
        for (auto& e : b.entries()) e.failure.reset();
        continue;  // write what comes before the bad record, then stop
      }
      if (!advance_offsets(*lease, b)) {
        lease->rollback();
        r.conflict = true;
        return r;
      }
      std::sort(r.failed.begin(), r.failed.end());
      r.failed.erase(std::unique(r.failed.begin(), r.failed.end()), r.failed.end());
      if (before_commit && !r.failed.empty()) before_commit(b, r.failed);
      try {
        lease->commit();
      } catch (const error&) {
        maybe_committed = true;  // the server may have committed before the connection went
        throw;
      }
      for (const auto& [k, rg] : b.ranges()) {
        expected_[k] = rg.next;
        r.committed[k] = rg.next;
      }
      r.rows_written = b.entries().size() - r.failed.size();
      r.db_seconds = std::chrono::duration<double>(steady::now() - t0).count();
      return r;
    } catch (const error& e) {
      // A record error leaves the connection sound: roll back and give it back. Anything else
      // may have left it in an unknown state: destroy it.
      if (lease) {
        if (is_record_error(e) && !lease->is_broken()) lease->rollback();
        else lease.discard();
      }
      if (is_record_error(e) && !isolate_mode) {
        isolate_mode = true;  // find the bad records under savepoints
        continue;
      }
      tables_.clear();
      offsets_ready_ = false;
      if (!e.retryable() || attempt >= s_.max_retries) throw;
      ++attempt;
      ++r.retries;
      auto wait = std::min(s_.retry_backoff * (1 << std::min(attempt - 1, 5)),
                           std::chrono::milliseconds(60000));
      log::get("sink")->warn("{}: write failed (attempt {} of {}), retrying in {} ms: {}", holder_,
                             attempt, s_.max_retries, wait.count(), e.what());
      std::this_thread::sleep_for(wait);
    }
  }
}

}  // namespace sluice::sink
