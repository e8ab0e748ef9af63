#include "core/convert/converter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/convert/converter_impl.hpp"
#include "core/convert/failure.hpp"
#include "core/convert/payload_decoder.hpp"
#include "core/error.hpp"

namespace sluice::convert {

namespace od = simdjson::ondemand;
using detail::fail;

namespace {

struct format_entry {
  std::string_view class_name;
  std::string_view short_name;
  format f;
};
constexpr format_entry format_table[] = {
    {"org.apache.kafka.connect.json.JsonConverter", "json", format::json},
    {"org.apache.kafka.connect.storage.StringConverter", "string", format::string},
    {"org.apache.kafka.connect.converters.LongConverter", "long", format::int64},
    {"org.apache.kafka.connect.converters.IntegerConverter", "integer", format::int32},
    {"org.apache.kafka.connect.converters.ByteArrayConverter", "bytes", format::bytes},
};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

std::shared_ptr<const struct_schema> one_field_schema(type_kind t) {
  auto s = std::make_shared<struct_schema>();
  s->fields.push_back({.name = "", .type = t, .optional = false});
  return s;
}

// Kafka's LongSerializer / IntegerSerializer write big-endian two's complement.
std::int64_t read_big_endian(std::string_view bytes) noexcept {
  std::uint64_t u = (static_cast<unsigned char>(bytes[0]) & 0x80) ? ~std::uint64_t{0} : 0;
  for (char c : bytes) u = (u << 8) | static_cast<unsigned char>(c);
  return static_cast<std::int64_t>(u);
}

}  // namespace

format format_from_class(std::string_view converter_class, std::string_view config_key) {
  for (const auto& e : format_table)
    if (converter_class == e.class_name || iequals(converter_class, e.short_name)) return e.f;
  throw sluice::error({
      .what = "unsupported converter",
      .where = std::string(config_key),
      .why = fmt::format("\"{}\" is not a converter sluice can read", converter_class),
      .fix = fmt::format("set {} to one of org.apache.kafka.connect.json.JsonConverter, "
                         "org.apache.kafka.connect.storage.StringConverter, "
                         "org.apache.kafka.connect.converters.LongConverter, IntegerConverter or "
                         "ByteArrayConverter (or json, string, long, integer, bytes)",
                         config_key),
  });
}

std::string_view class_name(format f) noexcept {
  for (const auto& e : format_table)
    if (e.f == f) return e.class_name;
  return "?";
}

namespace detail {

od::document& padded_input::iterate(std::string_view bytes, bool wrap_in_array) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end (whatever they hold: root scalars,
  // the only values whose end is the input's end, are copied and padded by simdjson itself).
  // When those bytes lie on the same 4 KiB page as the last byte they are readable, so the
  // record's own buffer is parsed in place: copying every message was 12% of a sink task's
  // consumer thread in a profile.
  // simdjson's On-Demand also looks at the first byte past the end to tell whether a root object
  // or array was closed: with a '}' or ']' there, a malformed record failed with another error
  // than the same record with anything else there (a CI run, 2026-11-24). Such input is copied,
  // and a copy is followed by spaces, so a record's error never depends on the memory after it.
  if (!wrap_in_array && !bytes.empty()) {
    const auto last = reinterpret_cast<std::uintptr_t>(bytes.data() + bytes.size() - 1);
    if (last / 4096 == (last + simdjson::SIMDJSON_PADDING) / 4096 && bytes.data()[bytes.size()] != '}' &&
        bytes.data()[bytes.size()] != ']') {
      if (auto e = parser_.iterate(bytes.data(), bytes.size(), bytes.size() + simdjson::SIMDJSON_PADDING).get(doc_))
        fail_json(e, "");
      return doc_;
    }
  }
  const std::size_t n = bytes.size() + (wrap_in_array ? 2 : 0);
  if (buf_.size() < n + simdjson::SIMDJSON_PADDING)
    buf_.resize(std::max(n + simdjson::SIMDJSON_PADDING, buf_.size() * 2));
  char* p = buf_.data();
  if (wrap_in_array) *p++ = '[';
  if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
  if (wrap_in_array) p[bytes.size()] = ']';
  std::memset(buf_.data() + n, ' ', simdjson::SIMDJSON_PADDING);  // not an earlier record's bytes
  if (auto e = parser_.iterate(buf_.data(), n, buf_.size()).get(doc_)) fail_json(e, "");
  return doc_;
}

void check_end(od::document& doc) {
  const char* at = nullptr;
  auto e = doc.current_location().get(at);
  if (e == simdjson::OUT_OF_BOUNDS) return;
  if (e) fail_json(e, "");
  fail("unexpected content after the JSON value",
       "the bytes hold more than one JSON value: check the producer's serializer");
}

}  // namespace detail

record_converter::impl::impl(converter_settings s)
    : settings(s),
      string_key(one_field_schema(type_kind::string)),
      int64_key(one_field_schema(type_kind::int64)),
      int32_key(one_field_schema(type_kind::int32)),
      bytes_key(one_field_schema(type_kind::bytes)) {}

record_converter::record_converter(converter_settings s) : impl_(std::make_unique<impl>(s)) {}
record_converter::~record_converter() = default;
record_converter::record_converter(record_converter&&) noexcept = default;
record_converter& record_converter::operator=(record_converter&&) noexcept = default;

const converter_settings& record_converter::settings() const noexcept { return impl_->settings; }

sink_record record_converter::convert(const kafka_position& pos, std::optional<std::string_view> key,
                                      std::optional<std::string_view> value) {
  sink_record r;
  r.pos = pos;
  convert(key, value, r);
  return r;
}

void record_converter::convert(std::optional<std::string_view> key,
                               std::optional<std::string_view> value, sink_record& r) {
  const kafka_position& pos = r.pos;
  r.size_bytes = (key ? key->size() : 0) + (value ? value->size() : 0);
  r.op = record_op::upsert;
  r.key_schema.reset();
  r.key.clear();
  // r.value is left as it is: the envelope's fast path overwrites every slot, reusing the text
  // values' buffers, and every other path clears it first.
  const char* part = "key";
  try {
    if (key) impl_->convert_key(*key, r);
    part = "value";
    if (value) impl_->convert_value(*value, r);
    else impl_->tombstone(r);
  } catch (detail::failure& f) {
    throw sluice::error({
        .what = "cannot convert record",
        .where = fmt::format("topic '{}' partition {} offset {}", pos.topic, pos.partition, pos.offset),
        .why = fmt::format("{}: {}", part, f.why),
        .fix = std::move(f.fix),
    });
  }
}

void record_converter::impl::convert_key(std::string_view bytes, sink_record& r) {
  const auto wrong_size = [&](std::size_t want) {
    fail(fmt::format("key.converter is {}, which reads {} bytes, but the key has {}",
                     class_name(settings.key_format), want, bytes.size()),
         "set key.converter to the converter matching the producer's key serializer");
  };
  switch (settings.key_format) {
    case format::string:
      if (!simdjson::validate_utf8(bytes.data(), bytes.size()))
        fail("the key is not valid UTF-8, so StringConverter cannot read it",
             "set key.converter=org.apache.kafka.connect.converters.ByteArrayConverter for binary keys");
      r.key_schema = string_key;
      r.key.emplace_back(std::string(bytes));
      return;
    case format::int64:
      if (bytes.size() != 8) wrong_size(8);
      r.key_schema = int64_key;
      r.key.emplace_back(read_big_endian(bytes));
      return;
    case format::int32:
      if (bytes.size() != 4) wrong_size(4);
      r.key_schema = int32_key;
      r.key.emplace_back(read_big_endian(bytes));
      return;
    case format::bytes:
      r.key_schema = bytes_key;
      r.key.emplace_back(bytes_value{std::string(bytes)});
      return;
    case format::json: break;
  }
  if (bytes.empty())
    fail("the key is empty (0 bytes), not JSON",
         "set key.converter to match the producer's key serializer");
  if (settings.key_schemas_enable && envelope_fast(bytes, true, r)) return;
  r.key.clear();  // what a failed fast path left
  r.key_schema.reset();
  od::document& doc = main.iterate(bytes);
  od::json_type t;
  if (auto e = doc.type().get(t)) detail::fail_json(e, "");
  if (t == od::json_type::null) {
    bool is_null = false;
    if (auto e = doc.is_null().get(is_null)) detail::fail_json(e, "");
    if (!is_null) detail::fail_json(simdjson::N_ATOM_ERROR, "");
    detail::check_end(doc);
    return;  // a JSON null key is a null key
  }
  if (settings.key_schemas_enable) {
    read_envelope(doc, true, r);
    return;
  }
  if (t == od::json_type::object || t == od::json_type::array) {
    od::value v;
    if (auto e = doc.get_value().get(v)) detail::fail_json(e, "");
    schemaless_key(v, r);
  } else {
    schemaless.scan_single(doc);
    r.key_schema = schemaless.materialize(r.key);
  }
  detail::check_end(doc);
}

void record_converter::impl::key_payload(od::value v, const detail::parsed_schema* s, sink_record& r) {
  od::json_type t;
  if (auto e = v.type().get(t)) detail::fail_json(e, "payload");
  if (t == od::json_type::null) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) detail::fail_json(e, "payload");
    return;
  }
  if (s == nullptr) {
    schemaless_key(v, r);
    return;
  }
  if (s->is_struct) {
    od::object obj;
    if (t != od::json_type::object || v.get_object().get(obj))
      fail(fmt::format("the schema is a struct but the payload is {}", detail::describe_found(v, t)),
           "fix the producer: the key payload must match its schema");
    r.key.resize(s->row.width);
    detail::decode_struct(obj, s->row, r.key.data());
  } else {
    r.key.resize(1);
    detail::decode_field(v, s->row.fields[0], r.key.data());
  }
  r.key_schema = s->row_schema;
}

void record_converter::impl::schemaless_key(od::value v, sink_record& r) {
  od::json_type t;
  if (auto e = v.type().get(t)) detail::fail_json(e, "");
  if (t == od::json_type::object) {
    od::object obj;
    if (auto e = v.get_object().get(obj)) detail::fail_json(e, "");
    schemaless.scan(obj);
  } else {
    schemaless.scan_single(v);
  }
  r.key_schema = schemaless.materialize(r.key);
}

}  // namespace sluice::convert
