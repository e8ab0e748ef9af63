#include "sink/row_plan.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/error.hpp"

namespace sluice::sink {
namespace {

bool allowed(const sink_settings& s, const std::string& name) {
  return s.fields_whitelist.empty() ||
         std::find(s.fields_whitelist.begin(), s.fields_whitelist.end(), name) !=
             s.fields_whitelist.end();
}

field_schema kafka_field(const std::string& name, type_kind t) {
  field_schema f;
  f.name = name;
  f.type = t;
  f.optional = false;
  return f;
}

// Every distinct value (or key) schema in the records, first seen first.
std::vector<const struct_schema*> distinct(const std::vector<const sink_record*>& recs, bool key) {
  std::vector<const struct_schema*> out;
  for (const auto* r : recs) {
    const auto* s = key ? r->key_schema.get() : r->value_schema.get();
    if (s && std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

}  // namespace

row_plan row_plan::build(const sink_settings& s, const std::vector<const sink_record*>& recs,
                         const std::string& table) {
  row_plan p;
  auto where = fmt::format("sink '{}' table '{}'", s.connector, table);
  auto values = distinct(recs, false);
  std::set<std::string> taken;
  auto add = [&](planned_column c) {
    if (taken.insert(c.name).second) p.columns_.push_back(std::move(c));
  };

  switch (s.pk) {
    case pk_mode::none:
      break;
    case pk_mode::kafka: {
      if (s.pk_fields.size() != 3)
        throw error({.what = "cannot build the primary key", .where = where,
                     .why = "pk.mode=kafka needs three column names (topic, partition, offset)",
                     .fix = "set pk.fields to three names or leave it empty for "
                            "__connect_topic,__connect_partition,__connect_offset"});
      add({s.pk_fields[0], kafka_field(s.pk_fields[0], type_kind::string), column_origin::kafka_topic, true});
      add({s.pk_fields[1], kafka_field(s.pk_fields[1], type_kind::int32), column_origin::kafka_partition, true});
      add({s.pk_fields[2], kafka_field(s.pk_fields[2], type_kind::int64), column_origin::kafka_offset, true});
      break;
    }
    case pk_mode::record_key: {
      auto keys = distinct(recs, true);
      if (keys.empty())
        throw error({.what = "cannot build the primary key", .where = where,
                     .why = "pk.mode=record_key but the records have no key",
                     .fix = "produce records with keys, or use pk.mode=record_value / kafka"});
      const auto* ks = keys.front();
      if (ks->fields.size() == 1 && ks->fields[0].name.empty()) {
        // A primitive key: one column, named by pk.fields.
        p.primitive_key_ = true;
        auto f = ks->fields[0];
        f.name = s.pk_fields.empty() ? "__connect_key" : s.pk_fields[0];
        f.optional = false;
        if (s.pk_fields.size() > 1)
          throw error({.what = "cannot build the primary key", .where = where,
                       .why = fmt::format("the record key is a primitive but pk.fields names {} "
                                          "columns", s.pk_fields.size()),
                       .fix = "set pk.fields to a single column name for a primitive key"});
        add({f.name, f, column_origin::key_field, true});
      } else {
        std::vector<std::string> names = s.pk_fields;
        if (names.empty())
          for (const auto& f : ks->fields) names.push_back(f.name);
        for (const auto& n : names) {
          int i = ks->index_of(n);
          if (i < 0)
            throw error({.what = "cannot build the primary key", .where = where,
                         .why = fmt::format("pk.fields names '{}' but the record key has no such "
                                            "field", n),
                         .fix = "set pk.fields to fields of the record key (case-sensitive)"});
          auto f = ks->fields[static_cast<std::size_t>(i)];
          f.optional = false;
          add({n, f, column_origin::key_field, true});
        }
      }
      break;
    }
    case pk_mode::record_value: {
      if (values.empty())
        throw error({.what = "cannot build the primary key", .where = where,
                     .why = "pk.mode=record_value but the records have no value",
                     .fix = "use pk.mode=record_key for deletes"});
      std::vector<std::string> names = s.pk_fields;
      if (names.empty())
        for (const auto& f : values.front()->fields) names.push_back(f.name);
      for (const auto& n : names) {
        int i = values.front()->index_of(n);
        if (i < 0)
          throw error({.what = "cannot build the primary key", .where = where,
                       .why = fmt::format("pk.fields names '{}' but the record value has no such "
                                          "field", n),
                       .fix = "set pk.fields to fields of the record value (case-sensitive)"});
        auto f = values.front()->fields[static_cast<std::size_t>(i)];
        f.optional = false;
        add({n, f, column_origin::value_field, true});
      }
      break;
    }
  }
  p.pk_count_ = p.columns_.size();
  p.dedupe_by_key_ = p.pk_count_ != 0 && s.pk != pk_mode::kafka;
  for (const auto* vs : values)
    for (const auto& f : vs->fields)
      if (allowed(s, f.name)) add({f.name, f, column_origin::value_field, false});
  return p;
}

std::vector<std::string> row_plan::pk_names() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < pk_count_; ++i) out.push_back(columns_[i].name);
  return out;
}

const std::vector<int>& row_plan::positions(const struct_schema* s, bool key_side) {
  auto& cache = key_side ? key_pos_ : value_pos_;
  auto it = cache.find(s);
  if (it != cache.end()) return it->second;
  std::vector<int> pos(columns_.size(), -1);
  auto want = key_side ? column_origin::key_field : column_origin::value_field;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].origin != want) continue;
    if (key_side && primitive_key_)
      pos[i] = 0;
    else
      pos[i] = s->index_of(columns_[i].name);
  }
  return cache.emplace(s, std::move(pos)).first->second;
}

void row_plan::extract(const sink_record& r, std::vector<const value*>& out,
                       value_scratch& scratch, bool keys_only) {
  std::size_t n = keys_only ? pk_count_ : columns_.size();
  out.assign(n, nullptr);
  const std::vector<int>* kp = r.key_schema ? &positions(r.key_schema.get(), true) : nullptr;
  const std::vector<int>* vp = r.value_schema ? &positions(r.value_schema.get(), false) : nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    switch (columns_[i].origin) {
      case column_origin::key_field:
        if (kp && (*kp)[i] >= 0 && static_cast<std::size_t>((*kp)[i]) < r.key.size())
          out[i] = &r.key[static_cast<std::size_t>((*kp)[i])];
        break;
      case column_origin::value_field:
        if (vp && (*vp)[i] >= 0 && static_cast<std::size_t>((*vp)[i]) < r.value.size())
          out[i] = &r.value[static_cast<std::size_t>((*vp)[i])];
        break;
      case column_origin::kafka_topic:
        scratch[0] = r.pos.topic;
        out[i] = &scratch[0];
        break;
      case column_origin::kafka_partition:
        scratch[1] = static_cast<std::int64_t>(r.pos.partition);
        out[i] = &scratch[1];
        break;
      case column_origin::kafka_offset:
        scratch[2] = r.pos.offset;
        out[i] = &scratch[2];
        break;
    }
  }
}

void row_plan::append_dedupe_key(const sink_record& r, std::string& k) {
  // A type tag and the value's bytes, lengths before variable parts: equal keys give equal
  // strings and different keys different ones. Rendering each value as text (to_display) was
  // 3% of a whole insert run in a profile, for one bigint key.
  extract(r, tmp_, tmp_scratch_, true);
  auto put = [&](const auto& x) { k.append(reinterpret_cast<const char*>(&x), sizeof x); };
  auto put_text = [&](std::string_view t) {
    put(t.size());
    k.append(t);
  };
  for (const auto* v : tmp_) {
    if (v == nullptr) {
      k += '\xff';
      continue;
    }
    k += static_cast<char>(v->index());
    switch (v->index()) {
      case 1: k += std::get<bool>(*v) ? '1' : '0'; break;
      case 2: put(std::get<std::int64_t>(*v)); break;
      case 3: put(std::get<double>(*v)); break;
      case 4: put_text(std::get<std::string>(*v)); break;
      case 5: put_text(std::get<bytes_value>(*v).data); break;
      case 6: put_text(std::get<decimal_value>(*v).to_string()); break;
      case 7: put(std::get<date_value>(*v).days); break;
      case 8: put(std::get<time_value>(*v).micros); break;
      case 9: put(std::get<timestamp_value>(*v).micros); break;
      default: break;  // null: the tag alone
    }
  }
}

row_plan::group_ops row_plan::last_per_key(const std::vector<batch_entry>& all,
                                           const std::vector<std::size_t>& entries) {
  group_ops out;
  if (!dedupe_by_key_) {
    for (auto i : entries) {
      const auto op = all[i].rec.op;
      if (op == record_op::truncate) {
        out.truncate = true;
        out.ups.clear();
        out.dels.clear();
      } else {
        (op == record_op::remove ? out.dels : out.ups).push_back(i);
      }
    }
    return out;
  }
  // The last entry per distinct key, in a flat open-addressing table (a map with a string and a
  // node per record was a tenth of the writer thread's time in a profile).
  std::size_t cap = 16;
  while (cap < entries.size() * 2) cap <<= 1;
  const std::size_t mask = cap - 1;
  // The keys' bytes one after the other, where each distinct key ends, its last entry, and
  // slots holding a distinct key's number + 1.
  std::string key_bytes;
  std::vector<std::size_t> key_ends, winner, taken;
  std::vector<std::uint32_t> slots(cap, 0);
  winner.reserve(entries.size());
  // A truncate empties the table by clearing only the slots taken, so a batch of many truncates
  // stays linear.
  auto reset = [&] {
    for (auto at : taken) slots[at] = 0;
    taken.clear();
    key_bytes.clear();
    key_ends.clear();
    winner.clear();
  };
  auto key_at = [&](std::size_t d) {
    const std::size_t begin = d == 0 ? 0 : key_ends[d - 1];
    return std::string_view(key_bytes).substr(begin, key_ends[d] - begin);
  };
  for (auto i : entries) {
    const auto& r = all[i].rec;
    if (r.op == record_op::truncate) {
      out.truncate = true;
      reset();
      continue;
    }
    const std::size_t begin = key_bytes.size();
    append_dedupe_key(r, key_bytes);
    const std::string_view k = std::string_view(key_bytes).substr(begin);
    std::size_t at = std::hash<std::string_view>{}(k) & mask;
    for (;; at = (at + 1) & mask) {
      if (slots[at] == 0) {
        slots[at] = static_cast<std::uint32_t>(winner.size() + 1);
        taken.push_back(at);
        key_ends.push_back(key_bytes.size());
        winner.push_back(i);
        break;
      }
      const std::size_t d = slots[at] - 1;
      if (key_at(d) == k) {
        winner[d] = i;
        key_bytes.resize(begin);
        break;
      }
    }
  }
  std::vector<bool> keep(all.size(), false);
  for (auto i : winner) keep[i] = true;
  for (auto i : entries)
    if (keep[i]) (all[i].rec.op == record_op::remove ? out.dels : out.ups).push_back(i);
  return out;
}

std::vector<std::size_t> row_plan::superseded_by(const std::vector<batch_entry>& all,
                                                 const std::vector<std::size_t>& entries,
                                                 std::span<const std::size_t> failed) {
  std::vector<std::size_t> out;
  if (!dedupe_by_key_ || failed.empty()) return out;
  // Only after a write failed: plain containers will do.
  std::set<std::string> keys;
  std::set<std::size_t> bad(failed.begin(), failed.end());
  std::string k;
  for (auto i : failed) {
    k.clear();
    append_dedupe_key(all[i].rec, k);
    keys.insert(k);
  }
  for (auto i : entries) {
    if (all[i].rec.op == record_op::truncate) {
      out.clear();
      continue;
    }
    if (bad.count(i)) continue;
    k.clear();
    append_dedupe_key(all[i].rec, k);
    if (keys.count(k)) out.push_back(i);
  }
  return out;
}

}  // namespace sluice::sink
