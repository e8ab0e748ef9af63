#include "sink/batch.hpp"

#include <algorithm>

namespace sluice::sink {

void batch::clear() {
  if (staged) staged->ready = false;
  entries_.clear();
  arena_.clear();
  bytes_ = 0;
  ranges_.clear();
  last_range_.at = nullptr;
  oldest_kafka_timestamp_ms = 0;
  created_ms = 0;
}

void batch::recycle() {
  constexpr std::size_t large = 4u << 20;
  constexpr std::size_t large_record = 64u << 10;
  spare_records_.reserve(spare_records_.size() + entries_.size());
  for (auto& e : entries_)
    if (e.rec.size_bytes <= large_record) spare_records_.push_back(std::move(e.rec));
  clear();
  if (arena_.capacity() > large) std::string().swap(arena_);
}

sink_record batch::take_record() {
  if (spare_records_.empty()) return {};
  sink_record r = std::move(spare_records_.back());
  spare_records_.pop_back();
  return r;
}

batch_entry& batch::add(sink_record rec, std::optional<std::string_view> key,
                        std::optional<std::string_view> value, bool keep_raw) {
  auto put = [this, keep_raw](std::optional<std::string_view> b) {
    raw_span s;
    if (b) bytes_ += b->size();
    if (!b || !keep_raw) return s;
    s.offset = static_cast<std::uint32_t>(arena_.size());
    s.size = static_cast<std::int32_t>(b->size());
    arena_.append(*b);
    return s;
  };
  auto*& at = last_range_.at;
  if (at == nullptr || at->first.second != rec.pos.partition || at->first.first != rec.pos.topic)
    at = &*ranges_.try_emplace({rec.pos.topic, rec.pos.partition}).first;
  offset_range& r = at->second;
  if (r.first < 0) r.first = rec.pos.offset;
  r.next = std::max(r.next, rec.pos.offset + 1);
  if (oldest_kafka_timestamp_ms == 0 || rec.pos.timestamp_ms < oldest_kafka_timestamp_ms)
    oldest_kafka_timestamp_ms = rec.pos.timestamp_ms;
  const raw_span raw_key = put(key), raw_value = put(value);  // may throw: nothing added yet
  batch_entry& e = entries_.emplace_back();
  e.raw_key = raw_key;
  e.raw_value = raw_value;
  e.rec = std::move(rec);
  return e;
}

std::optional<std::string_view> batch::raw(raw_span s) const {
  if (s.size < 0) return std::nullopt;
  return std::string_view(arena_).substr(s.offset, static_cast<std::size_t>(s.size));
}

std::size_t batch::drop_partitions(const std::vector<partition_key>& parts) {
  if (staged) staged->ready = false;
  auto gone = [&](const batch_entry& e) {
    return std::find(parts.begin(), parts.end(),
                     partition_key{e.rec.pos.topic, e.rec.pos.partition}) != parts.end();
  };
  auto before = entries_.size();
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(), gone), entries_.end());
  for (const auto& p : parts) ranges_.erase(p);
  last_range_.at = nullptr;
  return before - entries_.size();
}

void batch::truncate_partition(const partition_key& part, std::int64_t offset) {
  if (staged) staged->ready = false;
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const batch_entry& e) {
                                  return e.rec.pos.topic == part.first &&
                                         e.rec.pos.partition == part.second &&
                                         e.rec.pos.offset >= offset;
                                }),
                 entries_.end());
  auto it = ranges_.find(part);
  if (it == ranges_.end()) return;
  last_range_.at = nullptr;
  if (offset <= it->second.first)
    ranges_.erase(it);
  else
    it->second.next = offset;
}

}  // namespace sluice::sink
