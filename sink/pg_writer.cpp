#include "sink/pg_writer.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/log.hpp"
#include "dialects/postgres/copy_encoder.hpp"
#include "dialects/postgres/identifiers.hpp"
#include "dialects/postgres/types.hpp"
#include "sink/type_check.hpp"

namespace sluice::sink {
namespace {

// CREATE TABLE IF NOT EXISTS is not safe against itself: when tasks race, the loser fails with
// 23505 on pg_type, 42710 (its row type exists) or 42P07, and the table it wanted then exists.
bool lost_create_race(const error& e) {
  const auto& code = e.info().code;
  return code == "42P07" || code == "23505" || code == "42710";
}

using steady = std::chrono::steady_clock;

// Record-level failures: the data of one record is wrong (class 22 data exception, class 23
// integrity constraint, class 54 program limit such as an oversized row); bisect finds it.
bool is_record_error(const error& e) {
  const auto& c = e.info().code;
  if (e.retryable() || e.poisons_connection()) return false;
  return c.starts_with("22") || c.starts_with("23") || c.starts_with("54") || c == "encode";
}

std::string hex_hash(const std::string& s) {
  return fmt::format("{:016x}", std::hash<std::string>{}(s));
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

struct pg_writer::table_group {
  std::string name;  // as table.name.format produced it
  pg::table_ref ref;
  std::vector<std::size_t> entries;  // batch entries going to this table, in offset order
  std::optional<row_plan> plan;
  const pg::table_info* info = nullptr;
  std::vector<int> column_index;  // plan column i → info->columns index
};

pg_writer::pg_writer(sink_settings s, std::shared_ptr<pg_pool> pool, std::string holder)
    : s_(std::move(s)), pool_(std::move(pool)), holder_(std::move(holder)),
      q_(s_.quote_always ? pg::quoting::always : pg::quoting::never),
      offsets_ref_(pg::parse_table_name(s_.offsets_table)) {}

std::string pg_writer::where(const std::string& table) const {
  return fmt::format("sink '{}' table {}", s_.connector, table);
}

void pg_writer::ensure_offsets_table(pg::connection& c) {
  if (offsets_ready_) return;
  // Offsets are keyed by connector, so several sinks can share the table.
  try {
    c.exec(fmt::format(
        "CREATE TABLE IF NOT EXISTS {} (connector text NOT NULL, topic text NOT NULL, "
        "\"partition\" integer NOT NULL, next_offset bigint, updated_at timestamptz NOT NULL "
        "DEFAULT now(), PRIMARY KEY (connector, topic, \"partition\"))",
        pg::render_table(offsets_ref_, pg::quoting::always)));
  } catch (const error& e) {
    if (!lost_create_race(e)) throw;
  }
  offsets_ready_ = true;
}

std::map<partition_key, std::int64_t> pg_writer::stored_offsets() {
  std::map<partition_key, std::int64_t> out;
  auto lease = pool_->acquire(holder_);
  try {
    auto r = lease->exec_params(
        fmt::format("SELECT topic, \"partition\", next_offset FROM {} WHERE connector = $1 AND "
                    "next_offset IS NOT NULL ORDER BY 1, 2",
                    pg::render_table(offsets_ref_, pg::quoting::always)),
        {s_.connector});
    for (int i = 0; i < r.rows(); ++i)
      out[{std::string(r.text(i, 0)), std::stoi(std::string(r.text(i, 1)))}] =
          std::stoll(std::string(r.text(i, 2)));
  } catch (const error& e) {
    if (e.info().code != "42P01") throw;  // no offsets table yet: nothing stored
  }
  return out;
}

void pg_writer::set_offsets(const std::map<partition_key, std::int64_t>& next) {
  if (next.empty()) return;
  std::vector<partition_key> keys;
  for (const auto& [k, v] : next) keys.push_back(k);
  load_offsets(keys);  // creates the table and a row per partition when missing
  auto lease = pool_->acquire(holder_);
  const auto table = pg::render_table(offsets_ref_, pg::quoting::always);
  lease->exec("BEGIN");
  for (const auto& [k, v] : next)
    lease->exec_params(fmt::format("UPDATE {} SET next_offset = $4, updated_at = now() WHERE "
                                   "connector = $1 AND topic = $2 AND \"partition\" = $3",
                                   table),
                       {s_.connector, k.first, std::to_string(k.second), std::to_string(v)});
  lease->exec("COMMIT");
}

std::map<partition_key, std::optional<std::int64_t>> pg_writer::load_offsets(
    const std::vector<partition_key>& parts) {
  std::map<partition_key, std::optional<std::int64_t>> out;
  if (parts.empty()) return out;
  std::vector<std::string> topics, partitions;
  for (const auto& p : parts) {
    topics.push_back(p.first);
    partitions.push_back(std::to_string(p.second));
  }
  auto table = pg::render_table(offsets_ref_, pg::quoting::always);
  for (int attempt = 0;; ++attempt) {
    pool::lease<pg::connection> lease;
    try {
      // Inside the try: a server that is down fails here, and is retried like any other
      // transient error instead of ending the task (which would cost a group rebalance).
      lease = pool_->acquire(holder_);
      ensure_offsets_table(*lease);
      // A row per partition (NULL = nothing stored yet) so every later write is a plain
      // compare-and-set UPDATE.
      lease->exec_params(
          fmt::format("INSERT INTO {} (connector, topic, \"partition\", next_offset) "
                      "SELECT $1, t, p, NULL FROM unnest($2::text[], $3::int[]) AS x(t, p) "
                      "ON CONFLICT DO NOTHING",
                      table),
          {s_.connector, text_array(topics), "{" + fmt::format("{}", fmt::join(partitions, ",")) + "}"});
      auto r = lease->exec_params(
          fmt::format("SELECT topic, \"partition\", next_offset FROM {} o JOIN unnest($2::text[], "
                      "$3::int[]) AS x(t, p) ON o.topic = x.t AND o.\"partition\" = x.p "
                      "WHERE o.connector = $1",
                      table),
          {s_.connector, text_array(topics), "{" + fmt::format("{}", fmt::join(partitions, ",")) + "}"});
      for (int i = 0; i < r.rows(); ++i) {
        partition_key k{std::string(r.text(i, 0)), std::stoi(std::string(r.text(i, 1)))};
        std::optional<std::int64_t> off;
        if (!r.is_null(i, 2)) off = std::stoll(std::string(r.text(i, 2)));
        out[k] = off;
        expected_[k] = off;
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

void pg_writer::forget(const std::vector<partition_key>& parts) {
  for (const auto& p : parts) expected_.erase(p);
}

const pg::table_info& pg_writer::ensure_table(pg::connection& c, table_group& g) {
  auto key = std::make_pair(g.ref.schema, g.ref.table);
  auto it = tables_.find(key);
  const auto& cols = g.plan->columns();
  auto missing_columns = [&](const pg::table_info& info) {
    std::vector<const planned_column*> out;
    for (const auto& pc : cols) {
      auto stored = pg::stored_name(pc.name, q_);
      bool found = std::any_of(info.columns.begin(), info.columns.end(),
                               [&](const pg::column_info& ci) { return ci.name == stored; });
      if (!found) out.push_back(&pc);
    }
    return out;
  };
  if (it == tables_.end() || !missing_columns(it->second).empty()) {
    auto info = pg::describe_table(c, g.ref, q_);
    if (!info) {
      if (!s_.auto_create)
        throw error({.what = "cannot write to a missing table", .where = where(g.name),
                     .why = fmt::format("table {} does not exist", pg::display_table(g.ref)),
                     .fix = "create the table, or set auto.create=true to let the sink create it",
                     .code = "42P01"});
      std::vector<field_schema> fields;
      for (const auto& pc : cols) fields.push_back(pc.schema);
      auto sql = pg::create_table_sql(g.ref, fields, g.plan->pk_names(), q_);
      try {
        c.exec(sql);
      } catch (const error& e) {
        // Another task created it first: fine, describe it below.
        if (!lost_create_race(e)) throw;
      }
      log::get("sink")->info("{}: created table {}", where(g.name), pg::display_table(g.ref));
      info = pg::describe_table(c, g.ref, q_);
      if (!info)
        throw error({.what = "cannot find the table just created", .where = where(g.name),
                     .why = "it is not visible through search_path",
                     .fix = "qualify table.name.format with a schema"});
    }
    auto missing = missing_columns(*info);
    if (!missing.empty()) {
      if (!s_.auto_evolve)
        throw error({.what = "cannot write a field the table has no column for",
                     .where = where(g.name),
                     .why = fmt::format("table {} has no column \"{}\" ({} in the record)",
                                        pg::display_table(g.ref), missing.front()->name,
                                        to_string(missing.front()->schema.type)),
                     .fix = "add the column, set auto.evolve=true, or leave the field out with "
                            "fields.whitelist",
                     .code = "42703"});
      for (const auto* pc : missing) {
        if (!pc->schema.optional && !pc->schema.default_sql_literal)
          throw error({.what = "cannot add a required column", .where = where(g.name),
                       .why = fmt::format("field \"{}\" is required (not optional) and has no "
                                          "default, so existing rows could not hold it",
                                          pc->name),
                       .fix = fmt::format("make \"{}\" optional or give it a default in the "
                                          "producer's schema, or add the column by hand",
                                          pc->name)});
        c.exec(pg::add_column_sql(g.ref, pc->schema, q_));
        log::get("sink")->info("{}: added column \"{}\"", where(g.name), pc->name);
      }
      info = pg::describe_table(c, g.ref, q_);
    }
    it = tables_.insert_or_assign(key, std::move(*info)).first;
  }
  const auto& info = it->second;
  g.info = &info;
  g.column_index.clear();
  for (const auto& pc : cols) {
    auto stored = pg::stored_name(pc.name, q_);
    int idx = -1;
    for (std::size_t i = 0; i < info.columns.size(); ++i)
      if (info.columns[i].name == stored) idx = static_cast<int>(i);
    const auto& ci = info.columns[static_cast<std::size_t>(idx)];
    if (!column_accepts(pc.schema, ci.type_oid))
      throw error({.what = "cannot write a field into a column of another type",
                   .where = fmt::format("{} column \"{}\"", where(g.name), ci.name),
                   .why = fmt::format("the record's field is {} but the column is {}",
                                      describe_field_type(pc.schema), ci.type),
                   .fix = "change the column type (ALTER TABLE … ALTER COLUMN … TYPE …) or the "
                          "producer's schema; auto.evolve only adds columns, it never changes "
                          "a type",
                   .code = "42804"});
    g.column_index.push_back(idx);
  }
  if (s_.insert != insert_mode::insert || s_.delete_enabled) {
    // ON CONFLICT and the key joins need the pk columns to be the table's key.
    auto pk = g.plan->pk_names();
    std::vector<std::string> stored;
    for (const auto& n : pk) stored.push_back(pg::stored_name(n, q_));
    auto tpk = info.primary_key;
    std::sort(stored.begin(), stored.end());
    std::sort(tpk.begin(), tpk.end());
    if (s_.insert == insert_mode::upsert && stored != tpk)
      throw error({.what = "cannot upsert", .where = where(g.name),
                   .why = fmt::format("the key columns ({}) are not the primary key of {} ({})",
                                      fmt::join(pk, ", "), pg::display_table(g.ref),
                                      tpk.empty() ? "none" : fmt::format("{}", fmt::join(tpk, ", "))),
                   .fix = "make the table's primary key match pk.fields, or change pk.fields / "
                          "pk.mode"});
  }
  return info;
}

void pg_writer::write_ops(pg::connection& c, batch& b, table_group& g,
                          const std::vector<std::size_t>& ups, const std::vector<std::size_t>& dels,
                          bool bisect, std::vector<std::size_t>& failed) {
  const auto& info = *g.info;
  auto& plan = *g.plan;
  const auto& cols = plan.columns();
  auto target = pg::render_table(g.ref, q_);
  std::vector<const value*> fields;
  value_scratch scratch;

  // Encodes rows and streams them into a COPY as they are encoded, so the server parses one
  // chunk while the next is encoded (encoding the whole batch first left the server idle for a
  // quarter of each batch). A record whose value cannot be encoded (out of range, bad text) is
  // isolated. The COPY starts with the first chunk that holds a row: `copy_sql` runs only then
  // (it may create the staging table), and a batch with nothing to encode runs no COPY at all.
  // Returns the rows sent.
  auto copy_rows = [&](pg::copy_encoder& enc, const std::vector<std::size_t>& idx, bool keys_only,
                       const std::function<std::string()>& copy_sql) -> std::size_t {
    constexpr std::size_t chunk_bytes = 64 * 1024;
    std::optional<pg::copy_stream> out;
    auto flush = [&] {
      if (!out) out.emplace(c, copy_sql());
      out->send(enc.data());
      enc.consumed();
    };
    enc.begin();
    for (auto i : idx) {
      auto& e = b.entries()[i];
      plan.extract(e.rec, fields, scratch, keys_only);
      try {
        enc.add_row(fields);
      } catch (const error& err) {
        auto info_copy = err.info();
        info_copy.where = fmt::format("{} {}[{}]@{}", where(g.name), e.rec.pos.topic,
                                      e.rec.pos.partition, e.rec.pos.offset);
        e.failure = info_copy;
        failed.push_back(i);
        continue;
      }
      if (enc.data().size() >= chunk_bytes) flush();
    }
    if (enc.rows() == 0) return 0;
    enc.finish();
    flush();
    out->finish();
    return enc.rows();
  };

  auto column_list = [&](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += ", ";
      out += pg::render_name(cols[i].name, q_);
    }
    return out;
  };
  auto oids = [&](std::size_t n, bool staged, std::vector<std::string>& names) {
    std::vector<unsigned> out;
    names.clear();
    for (std::size_t i = 0; i < n; ++i) {
      unsigned oid = info.columns[static_cast<std::size_t>(g.column_index[i])].type_oid;
      // Types the binary encoder does not know travel as text and are cast by the server.
      if (!pg::copy_encoder::supports(oid)) oid = staged ? 25 : oid;
      out.push_back(oid);
      names.push_back(cols[i].name);
    }
    return out;
  };
  bool all_binary = true;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (!pg::copy_encoder::supports(info.columns[static_cast<std::size_t>(g.column_index[i])].type_oid))
      all_binary = false;

  // A temporary staging table with the given columns, created once per connection.
  auto stage = [&](const char* kind, std::size_t n) {
    std::string spec = pg::display_table(g.ref) + "|" + kind;
    std::string defs;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& ci = info.columns[static_cast<std::size_t>(g.column_index[i])];
      auto type = pg::copy_encoder::supports(ci.type_oid) ? ci.type : std::string("text");
      spec += "|" + ci.name + ":" + type;
      if (i) defs += ", ";
      defs += pg::quote_ident(ci.name) + " " + type;
    }
    auto name = pg::quote_ident("sluice_stage_" + hex_hash(spec));
    c.exec(fmt::format("CREATE TEMP TABLE IF NOT EXISTS {} ({}) ON COMMIT DELETE ROWS", name, defs));
    return name;
  };
  auto select_list = [&](std::size_t n, const std::string& alias) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& ci = info.columns[static_cast<std::size_t>(g.column_index[i])];
      if (i) out += ", ";
      out += alias + "." + pg::quote_ident(ci.name);
      if (!pg::copy_encoder::supports(ci.type_oid)) out += "::" + ci.type;
    }
    return out;
  };
  auto key_match = [&](const std::string& a, const std::string& b2) {
    std::string out;
    for (std::size_t i = 0; i < plan.pk_count(); ++i) {
      const auto& ci = info.columns[static_cast<std::size_t>(g.column_index[i])];
      if (i) out += " AND ";
      out += fmt::format("{0}.{1} = {2}.{1}", a, pg::quote_ident(ci.name), b2);
    }
    return out;
  };

  std::vector<std::string> names;
  if (!dels.empty()) {
    auto k = plan.pk_count();
    auto types = oids(k, true, names);
    pg::copy_encoder enc(std::move(types), names);
    std::string st;
    auto copy_sql = [&] {
      st = stage("keys", k);
      return fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", st, column_list(k));
    };
    if (copy_rows(enc, dels, true, copy_sql) > 0) {
      c.exec(fmt::format("DELETE FROM {} t USING {} s WHERE {}", target, st, key_match("t", "s")));
      if (bisect) c.exec(fmt::format("DELETE FROM {}", st));
    }
  }
  if (!ups.empty()) {
    auto n = cols.size();
    bool direct = s_.insert == insert_mode::insert && all_binary;
    auto types = oids(n, !direct, names);
    pg::copy_encoder enc(std::move(types), names);
    std::string st;
    auto copy_sql = [&] {
      if (direct) return fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", target, column_list(n));
      st = stage("rows", n);
      return fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", st, column_list(n));
    };
    if (copy_rows(enc, ups, false, copy_sql) == 0 || direct) return;
    if (s_.insert == insert_mode::update) {
      std::string sets;
      for (std::size_t i = plan.pk_count(); i < n; ++i) {
        const auto& ci = info.columns[static_cast<std::size_t>(g.column_index[i])];
        if (!sets.empty()) sets += ", ";
        sets += fmt::format("{0} = s.{0}", pg::quote_ident(ci.name));
        if (!pg::copy_encoder::supports(ci.type_oid)) sets += "::" + ci.type;
      }
      if (!sets.empty())
        c.exec(fmt::format("UPDATE {} t SET {} FROM {} s WHERE {}", target, sets, st,
                           key_match("t", "s")));
    } else {
      std::string conflict;
      if (s_.insert == insert_mode::upsert) {
        std::string sets;
        for (std::size_t i = plan.pk_count(); i < n; ++i) {
          const auto& ci = info.columns[static_cast<std::size_t>(g.column_index[i])];
          if (!sets.empty()) sets += ", ";
          sets += fmt::format("{0} = EXCLUDED.{0}", pg::quote_ident(ci.name));
        }
        std::string keys;
        for (std::size_t i = 0; i < plan.pk_count(); ++i) {
          if (i) keys += ", ";
          keys += pg::quote_ident(info.columns[static_cast<std::size_t>(g.column_index[i])].name);
        }
        conflict = sets.empty() ? fmt::format(" ON CONFLICT ({}) DO NOTHING", keys)
                                : fmt::format(" ON CONFLICT ({}) DO UPDATE SET {}", keys, sets);
      }
      c.exec(fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} s{}", target, column_list(n),
                         select_list(n, "s"), st, conflict));
    }
    if (bisect) c.exec(fmt::format("DELETE FROM {}", st));
  }
}

void pg_writer::bisect(pg::connection& c, batch& b, table_group& g, std::vector<std::size_t> ups,
                       std::vector<std::size_t> dels, std::vector<std::size_t>& failed) {
  if (ups.empty() && dels.empty()) return;
  c.exec("SAVEPOINT sluice_bisect");
  const std::size_t before = failed.size();
  try {
    write_ops(c, b, g, ups, dels, true, failed);
    c.exec("RELEASE SAVEPOINT sluice_bisect");
    return;
  } catch (const error& e) {
    if (!is_record_error(e)) throw;
    c.exec("ROLLBACK TO SAVEPOINT sluice_bisect; RELEASE SAVEPOINT sluice_bisect");
    // Records this attempt found it could not encode are found again by the halves: listed
    // once, not once per level (each listed one goes to the dead-letter queue).
    failed.resize(before);
    if (ups.size() + dels.size() == 1) {
      auto i = ups.empty() ? dels.front() : ups.front();
      auto& ent = b.entries()[i];
      auto info = e.info();
      info.where = fmt::format("{} {}[{}]@{}", where(g.name), ent.rec.pos.topic,
                               ent.rec.pos.partition, ent.rec.pos.offset);
      ent.failure = info;
      failed.push_back(i);
      return;
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
  bisect(c, b, g, std::move(ups), std::move(dels), failed);
  bisect(c, b, g, std::move(u2), std::move(d2), failed);
}

bool pg_writer::write_group(pg::connection& c, batch& b, table_group& g, bool bisect_mode,
                            std::vector<std::size_t>& failed) {
  auto ops = g.plan->last_per_key(b.entries(), g.entries);
  if (ops.truncate) c.exec("TRUNCATE " + pg::render_table(g.ref, q_));
  const bool tolerant = s_.errors == tolerance::all;
  if (!bisect_mode) {
    const std::size_t before = failed.size();
    write_ops(c, b, g, ops.ups, ops.dels, false, failed);
    return tolerant &&
           !g.plan->superseded_by(b.entries(), g.entries, std::span<const std::size_t>(failed).subspan(before)).empty();
  }
  g.plan->write_giving_way(b.entries(), g.entries, std::move(ops), failed, tolerant,
                           [&](std::vector<std::size_t> ups, std::vector<std::size_t> dels) {
                             bisect(c, b, g, std::move(ups), std::move(dels), failed);
                           });
  return false;
}

bool pg_writer::advance_offsets(pg::connection& c, const batch& b) {
  if (b.ranges().empty()) return true;
  std::vector<std::string> topics, parts, expected, next;
  for (const auto& [k, r] : b.ranges()) {
    topics.push_back(k.first);
    parts.push_back(std::to_string(k.second));
    auto it = expected_.find(k);
    expected.push_back(it != expected_.end() && it->second ? std::to_string(*it->second) : "NULL");
    next.push_back(std::to_string(r.next));
  }
  auto res = c.exec_params(
      fmt::format("UPDATE {} o SET next_offset = v.n, updated_at = now() FROM unnest($2::text[], "
                  "$3::int[], $4::bigint[], $5::bigint[]) AS v(t, p, e, n) WHERE o.connector = $1 "
                  "AND o.topic = v.t AND o.\"partition\" = v.p AND o.next_offset IS NOT DISTINCT "
                  "FROM v.e",
                  pg::render_table(offsets_ref_, pg::quoting::always)),
      {s_.connector, text_array(topics), "{" + fmt::format("{}", fmt::join(parts, ",")) + "}",
       "{" + fmt::format("{}", fmt::join(expected, ",")) + "}",
       "{" + fmt::format("{}", fmt::join(next, ",")) + "}"});
  return res.affected() == b.ranges().size();
}

write_result pg_writer::write(batch& b, const before_commit_fn& before_commit) {
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

  bool bisect_mode = false;
  for (int attempt = 0;;) {
    pool::lease<pg::connection> lease;
    try {
      lease = pool_->acquire(holder_);  // a server that is down is retried below like the rest
      r.failed.clear();
      std::vector<table_group> groups;
      for (auto& t : s_.by_table(b, r.failed)) {
        table_group g;
        g.ref = pg::parse_table_name(t.table);
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
          auto info = pg::describe_table(*lease, g.ref, q_);
          if (!info) continue;
          tables_.insert_or_assign({g.ref.schema, g.ref.table}, *info);
          // Only truncates, which carry no key or value: the plan needs no key columns (with
          // pk.mode=record_key/record_value building one would fail for want of records).
          auto keyless = s_;
          keyless.pk = pk_mode::none;
          g.plan = row_plan::build(keyless, {}, g.name);
          g.info = &tables_.at({g.ref.schema, g.ref.table});
          continue;
        }
        g.plan = row_plan::build(s_, recs, g.name);
        ensure_table(*lease, g);  // DDL runs in its own (autocommit) statements
      }
      lease->exec("BEGIN");
      bool redo = false;
      for (auto& g : groups)
        if (g.plan) redo |= write_group(*lease, b, g, bisect_mode, r.failed);
      if (redo) {
        lease->exec("ROLLBACK");
        bisect_mode = true;  // write the records a bad one had superseded in its place
        continue;
      }
      bool new_failures = std::any_of(r.failed.begin(), r.failed.end(), [&](std::size_t i) {
        return b.entries()[i].failure && b.entries()[i].failure->code != "convert";
      });
      if (s_.errors == tolerance::none && new_failures) {
        // Records another owner of these partitions already wrote fail here too (duplicate key
        // in insert mode): that is a conflict to restart from, not a reason to stop.
        if (!advance_offsets(*lease, b)) {
          lease->exec("ROLLBACK");
          r.conflict = true;
          return r;
        }
        lease->exec("ROLLBACK");
        cut_at_failures(r.failed);
        for (auto& e : b.entries()) e.failure.reset();
        continue;  // write what comes before the bad record, then stop
      }
      if (!advance_offsets(*lease, b)) {
        lease->exec("ROLLBACK");
        r.conflict = true;
        return r;
      }
      if (before_commit && !r.failed.empty()) before_commit(b, r.failed);
      lease->exec("COMMIT");
      for (const auto& [k, rg] : b.ranges()) {
        expected_[k] = rg.next;
        r.committed[k] = rg.next;
      }
      r.rows_written = b.entries().size() - r.failed.size();
      r.db_seconds = std::chrono::duration<double>(steady::now() - t0).count();
      return r;
    } catch (const error& e) {
      lease.discard();  // never reuse a connection whose transaction state is unknown
      if (is_record_error(e) && !bisect_mode) {
        bisect_mode = true;  // find the bad records under savepoints
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
