// The value side of record_converter: Connect's envelope, schemaless JSON, Debezium change
// events and tombstones. See converter.hpp for the rules.
#include <fmt/format.h>

#include "core/convert/converter_impl.hpp"
#include "core/convert/failure.hpp"
#include "core/convert/payload_decoder.hpp"

namespace sluice::convert {

namespace od = simdjson::ondemand;
using detail::fail;

namespace {

constexpr std::string_view struct_fix =
    "the sink writes rows, so values must be structs (JSON objects); fix the producer or use "
    "org.apache.kafka.connect.json.JsonConverter for value.converter";

bool consume_null(od::value& v, std::string_view near) {
  bool is_null = false;
  if (auto e = v.is_null().get(is_null)) detail::fail_json(e, near);
  if (!is_null) detail::fail_json(simdjson::N_ATOM_ERROR, near);
  return true;
}

od::json_type type_of(od::value& v, std::string_view near) {
  od::json_type t;
  if (auto e = v.type().get(t)) detail::fail_json(e, near);
  return t;
}

// The raw text of any JSON value (objects and arrays whole), pointing into the input.
std::string_view raw_text(od::value& v, od::json_type t, std::string_view near) {
  std::string_view raw;
  if (t == od::json_type::object) {
    od::object o;
    if (auto e = v.get_object().get(o)) detail::fail_json(e, near);
    if (auto e = o.raw_json().get(raw)) detail::fail_json(e, near);
  } else if (t == od::json_type::array) {
    od::array a;
    if (auto e = v.get_array().get(a)) detail::fail_json(e, near);
    if (auto e = a.raw_json().get(raw)) detail::fail_json(e, near);
  } else {
    raw = v.raw_json_token();
  }
  return detail::trim_json(raw);
}

}  // namespace

void record_converter::impl::tombstone(sink_record& r) const {
  if (!settings.delete_enabled)
    fail("the value is null (a tombstone) and delete.enabled is false",
         "set delete.enabled=true (with pk.mode=record_key) to delete the row with this key, or "
         "drop tombstones before the sink");
  if (!r.key_schema)
    fail("the value is null (a tombstone) but so is the key: there is no row to delete",
         "tombstones need the key of the row to delete; fix the producer");
  r.op = record_op::remove;
  r.value.clear();
  r.value_schema = nullptr;
}

void record_converter::impl::convert_value(std::string_view bytes, sink_record& r) {
  if (settings.value_format != format::json)
    fail(fmt::format("value.converter is {}, which yields a single primitive value, but the sink "
                     "needs a struct to write a row",
                     class_name(settings.value_format)),
         std::string(struct_fix));
  if (bytes.empty())
    fail("the value is empty (0 bytes), not JSON",
         "a delete needs a null value (a tombstone), not an empty one; fix the producer");
  if (settings.value_schemas_enable && envelope_fast(bytes, false, r)) return;
  r.value.clear();  // what a reused record or a failed fast path left
  r.value_schema.reset();
  od::document& doc = main.iterate(bytes);
  od::json_type t;
  if (auto e = doc.type().get(t)) detail::fail_json(e, "");
  if (t == od::json_type::null) {
    bool is_null = false;
    if (auto e = doc.is_null().get(is_null)) detail::fail_json(e, "");
    if (!is_null) detail::fail_json(simdjson::N_ATOM_ERROR, "");
    detail::check_end(doc);
    tombstone(r);
    return;
  }
  if (settings.value_schemas_enable) {
    read_envelope(doc, false, r);
    return;
  }
  if (t != od::json_type::object)
    fail("the value is a JSON scalar or array, but the sink needs an object to write a row",
         std::string(struct_fix));
  od::value v;
  if (auto e = doc.get_value().get(v)) detail::fail_json(e, "");
  schemaless_value(v, r);
  detail::check_end(doc);
}

bool record_converter::impl::envelope_fast(std::string_view bytes, bool is_key, sink_record& r) {
  // Walking a ~400-byte schema object on every record to find the payload was a sixth of a sink
  // task's decoding time in a profile; the schema's text is compared instead.
  const auto* last = (is_key ? key_schemas : value_schemas).last();
  if (last == nullptr) return false;
  const detail::parsed_schema& s = *last->second;
  if (!is_key && (!s.is_struct || s.debezium)) return false;
  constexpr std::string_view head = R"({"schema":)", mid = R"(,"payload":)";
  const std::string& schema = last->first;
  const std::size_t at = head.size() + schema.size() + mid.size();
  if (bytes.size() < at + 2 || bytes.back() != '}' ||
      bytes.compare(0, head.size(), head) != 0 || bytes.compare(head.size(), schema.size(), schema) != 0 ||
      bytes.compare(head.size() + schema.size(), mid.size(), mid) != 0)
    return false;
  const std::string_view payload = bytes.substr(at, bytes.size() - at - 1);
  try {
    if (s.is_struct) {
      if (payload.front() != '{') return false;
      od::document& doc = fast.iterate(payload);
      od::value v;
      if (doc.get_value().get(v)) return false;
      if (is_key) key_payload(v, &s, r);
      else value_payload(v, &s, r);
      detail::check_end(doc);  // the payload was the whole rest: {"schema":S,"payload":P}
      return true;
    }
    // A primitive key (Connect's int64 / string keys): simdjson reads a scalar only as an
    // element, so the payload is read as [P], which must then hold that one element.
    od::document& doc = fast.iterate(payload, true);
    od::array arr;
    if (doc.get_array().get(arr)) return false;
    bool first = true;
    for (auto item : arr) {
      od::value v;
      if (!first || std::move(item).get(v)) return false;
      key_payload(v, &s, r);
      first = false;
    }
    detail::check_end(doc);  // "1],[2" wrapped is [1],[2]: the array must be the whole text
    return !first;
  } catch (const detail::failure&) {
    return false;  // the full way rewrites the record's side and says what is wrong
  }
}

void record_converter::impl::read_envelope(od::document& doc, bool is_key, sink_record& r) {
  const std::string_view config_key = is_key ? "key.converter" : "value.converter";
  const auto not_envelope = [&](std::string_view found) {
    fail(fmt::format("{}.schemas.enable=true needs Connect's envelope {{\"schema\": ..., "
                     "\"payload\": ...}}, but {}",
                     config_key, found),
         fmt::format("set {}.schemas.enable=false if the producer writes plain JSON", config_key));
  };
  od::object obj;
  if (doc.get_object().get(obj)) not_envelope("the JSON is not an object");
  const detail::parsed_schema* schema = nullptr;  // owned by the cache until its next get()
  bool seen_schema = false, seen_payload = false;
  std::string_view payload_text;
  const auto hand_over = [&](od::value v) {
    if (is_key) key_payload(v, schema, r);
    else value_payload(v, schema, r);
  };
  for (auto member : obj) {
    od::field fld;
    std::string_view key;
    if (auto e = std::move(member).get(fld)) detail::fail_json(e, "");
    if (auto e = fld.unescaped_key().get(key)) detail::fail_json(e, "");
    if (key == "schema") {
      seen_schema = true;
      od::value v = fld.value();
      const od::json_type t = type_of(v, "schema");
      if (t == od::json_type::null) {
        consume_null(v, "schema");  // "schema": null means a schemaless payload
      } else if (t == od::json_type::object) {
        schema = (is_key ? key_schemas : value_schemas).get(raw_text(v, t, "schema")).get();
      } else {
        not_envelope(fmt::format("\"schema\" is {}", detail::describe_found(v, t)));
      }
    } else if (key == "payload") {
      seen_payload = true;
      od::value v = fld.value();
      if (seen_schema) hand_over(v);
      else payload_text = raw_text(v, type_of(v, "payload"), "payload");
    }
  }
  detail::check_end(doc);
  if (!seen_schema || !seen_payload)
    not_envelope(fmt::format("the object has no \"{}\"", seen_schema ? "payload" : "schema"));
  if (!payload_text.empty()) {  // the payload came first: read it again now that the schema is known
    od::array arr;
    if (auto e = deferred.iterate(payload_text, true).get_array().get(arr))
      detail::fail_json(e, "payload");
    for (auto item : arr) {
      od::value v;
      if (auto e = std::move(item).get(v)) detail::fail_json(e, "payload");
      hand_over(v);
      break;
    }
  }
}

void record_converter::impl::value_payload(od::value v, const detail::parsed_schema* s,
                                           sink_record& r) {
  const od::json_type t = type_of(v, "payload");
  if (t == od::json_type::null) {
    consume_null(v, "payload");
    tombstone(r);
    return;
  }
  if (s == nullptr) {
    if (t != od::json_type::object)
      fail(fmt::format("the payload is {}, but the sink needs an object", detail::describe_found(v, t)),
           std::string(struct_fix));
    schemaless_value(v, r);
    return;
  }
  if (!s->is_struct)
    fail(fmt::format("the value schema is {}, a primitive, but the sink needs a struct to write a row",
                     to_string(s->row.fields[0].type)),
         std::string(struct_fix));
  od::object obj;
  if (t != od::json_type::object || v.get_object().get(obj))
    fail(fmt::format("the schema is a struct but the payload is {}", detail::describe_found(v, t)),
         "fix the producer: the payload must match its schema");
  if (s->debezium) {
    debezium_with_schema(obj, *s, r);
    return;
  }
  r.value.resize(s->row.width);
  detail::decode_struct(obj, s->row, r.value.data());
  r.value_schema = s->row_schema;
  r.op = record_op::upsert;
}

char record_converter::impl::debezium_op(std::string_view op) const {
  if (op.size() != 1 || std::string_view("crudt").find(op[0]) == std::string_view::npos)
    fail(fmt::format("Debezium op \"{}\" is not one of c, r, u, d, t", op),
         "filter such events out before the sink (e.g. with a Filter transform)");
  if (op[0] == 'd' && !settings.delete_enabled)
    fail("a Debezium delete event (op \"d\") needs delete.enabled=true",
         "set delete.enabled=true to delete the row, or drop delete events upstream");
  if (op[0] == 't' && !settings.truncate_enabled)
    fail("a Debezium truncate event (op \"t\") needs truncate.enabled=true",
         "set truncate.enabled=true to truncate the table, or skipped.operations=t in Debezium");
  return op[0];
}

void record_converter::impl::debezium_with_schema(od::object payload, const detail::parsed_schema& s,
                                                  sink_record& r) {
  const detail::debezium_plan& dbz = *s.debezium;
  std::string_view op, before;
  bool has_after = false;
  for (auto member : payload) {
    od::field fld;
    std::string_view key;
    if (auto e = std::move(member).get(fld)) detail::fail_json(e, "");
    if (auto e = fld.unescaped_key().get(key)) detail::fail_json(e, "");
    od::value v = fld.value();
    if (key == "op") {
      if (v.get_string().get(op)) fail("Debezium \"op\" is not a string", "fix the producer");
    } else if (key == "after" || key == "before") {
      const od::json_type t = type_of(v, key);
      if (t == od::json_type::null) {
        consume_null(v, key);
        continue;
      }
      od::object obj;
      if (t != od::json_type::object || v.get_object().get(obj))
        fail(fmt::format("Debezium \"{}\" is {}, not an object", key, detail::describe_found(v, t)),
             "fix the producer");
      if (key == "after") {  // decoded in place: c/r/u, the common case, read the event once
        r.value.resize(dbz.after.width);
        detail::decode_struct(obj, dbz.after, r.value.data());
        has_after = true;
      } else if (auto e = obj.raw_json().get(before)) {  // only read if this is a delete
        detail::fail_json(e, "before");
      }
    }
  }
  if (op.empty()) fail("a Debezium event without \"op\"", "fix the producer");
  switch (debezium_op(op)) {
    case 'd':
      r.op = record_op::remove;
      r.value.clear();
      r.value_schema = nullptr;
      if (!before.empty()) {  // the old row, so pk.mode=record_value can still find the key
        od::object obj;
        if (auto e = sub.iterate(before).get_object().get(obj)) detail::fail_json(e, "before");
        r.value.resize(dbz.before.width);
        detail::decode_struct(obj, dbz.before, r.value.data());
        r.value_schema = dbz.before_schema;
      }
      return;
    case 't':
      r.op = record_op::truncate;
      r.value.clear();
      r.value_schema = nullptr;
      return;
    default:
      if (!has_after)
        fail(fmt::format("Debezium op \"{}\" has no \"after\" row", op), "fix the producer");
      r.op = record_op::upsert;
      r.value_schema = dbz.after_schema;
  }
}

void record_converter::impl::schemaless_value(od::value v, sink_record& r) {
  od::object obj;
  if (auto e = v.get_object().get(obj)) detail::fail_json(e, "");
  schemaless.scan(obj);
  const auto* op = schemaless.find("op");
  const auto* before = schemaless.find("before");
  const auto* after = schemaless.find("after");
  const bool debezium = op != nullptr && op->k == detail::schemaless_decoder::kind::string &&
                        schemaless.find("source") != nullptr && (before || after);
  if (!debezium) {
    r.value_schema = schemaless.materialize(r.value);
    r.op = record_op::upsert;
    return;
  }
  // Copy the views out: scanning the chosen row replaces the entries they live in.
  const std::string_view op_text = op->text;
  const auto row_text = [](const detail::schemaless_decoder::entry* e) {
    return e != nullptr && e->k == detail::schemaless_decoder::kind::json && e->text.starts_with('{')
               ? e->text
               : std::string_view{};
  };
  const std::string_view before_text = row_text(before), after_text = row_text(after);
  const auto read_row = [&](std::string_view text, std::string_view near) {
    od::object row;
    if (auto e = sub.iterate(text).get_object().get(row)) detail::fail_json(e, near);
    schemaless.scan(row);
    r.value_schema = schemaless.materialize(r.value);
  };
  switch (debezium_op(op_text)) {
    case 'd':
      r.op = record_op::remove;
      if (!before_text.empty()) read_row(before_text, "before");
      return;
    case 't': r.op = record_op::truncate; return;
    default:
      if (after_text.empty())
        fail(fmt::format("Debezium op \"{}\" has no \"after\" object", op_text), "fix the producer");
      r.op = record_op::upsert;
      read_row(after_text, "after");
  }
}

}  // namespace sluice::convert
