#include "core/convert/schemaless.hpp"

#include <fmt/format.h>

#include "core/convert/failure.hpp"
#include "core/convert/payload_decoder.hpp"

namespace sluice::convert::detail {

namespace od = simdjson::ondemand;

namespace {

std::string_view token_of(od::value& v) { return trim_json(v.raw_json_token()); }
std::string_view token_of(od::document& d) {
  std::string_view t;
  if (d.raw_json_token().get(t)) return {};
  return trim_json(t);
}

// Works on a value or a root scalar document, which simdjson keeps as distinct types.
template <class V>
schemaless_decoder::entry classify(V& v, std::string_view name) {
  using kind = schemaless_decoder::kind;
  schemaless_decoder::entry e;
  e.name = name;
  od::json_type t;
  if (auto err = v.type().get(t)) fail_json(err, name);
  switch (t) {
    case od::json_type::null: {
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) fail_json(err, name);
      if (!is_null) fail_json(simdjson::N_ATOM_ERROR, name);
      e.k = kind::null_;
      break;
    }
    case od::json_type::boolean:
      if (auto err = v.get_bool().get(e.b)) fail_json(err, name);
      e.k = kind::boolean;
      break;
    case od::json_type::number: {
      const std::string_view tok = token_of(v);
      if (tok.find_first_of(".eE") != std::string_view::npos) {
        if (auto err = v.get_double().get(e.d)) fail_json(err, name);
        e.k = kind::float64;
      } else if (!v.get_int64().get(e.i)) {
        e.k = kind::int64;
      } else {  // beyond int64: keep every digit as a Decimal of scale 0
        const std::string_view digits = !tok.empty() && tok[0] == '-' ? tok.substr(1) : tok;
        if (digits.empty() || digits[0] == '0' ||
            digits.find_first_not_of("0123456789") != std::string_view::npos)
          fail_json(simdjson::NUMBER_ERROR, name);
        e.k = kind::big_integer;
        e.text = tok;
      }
      break;
    }
    case od::json_type::string:
      if (auto err = v.get_string().get(e.text)) fail_json(err, name);
      e.k = kind::string;
      break;
    case od::json_type::object: {
      od::object o;
      if (auto err = v.get_object().get(o)) fail_json(err, name);
      if (auto err = o.raw_json().get(e.text)) fail_json(err, name);
      e.text = trim_json(e.text);
      e.k = kind::json;
      break;
    }
    case od::json_type::array: {
      od::array a;
      if (auto err = v.get_array().get(a)) fail_json(err, name);
      if (auto err = a.raw_json().get(e.text)) fail_json(err, name);
      e.text = trim_json(e.text);
      e.k = kind::json;
      break;
    }
  }
  return e;
}

field_schema field_for(const schemaless_decoder::entry& e) {
  using kind = schemaless_decoder::kind;
  field_schema f{.name = std::string(e.name)};
  switch (e.k) {
    case kind::boolean: f.type = type_kind::boolean; break;
    case kind::int64: f.type = type_kind::int64; break;
    case kind::float64: f.type = type_kind::float64; break;
    case kind::big_integer:
      f.type = type_kind::bytes;
      f.logical = logical_kind::decimal;
      break;
    case kind::json: f.logical = logical_kind::json; break;
    default: break;  // null and string: string
  }
  return f;
}

value value_of(const schemaless_decoder::entry& e) {
  using kind = schemaless_decoder::kind;
  switch (e.k) {
    case kind::null_: return null_value{};
    case kind::boolean: return e.b;
    case kind::int64: return e.i;
    case kind::float64: return e.d;
    case kind::big_integer: return decimal_value{std::string(e.text), 0};
    case kind::string:
    case kind::json: return std::string(e.text);
  }
  return null_value{};
}

}  // namespace

void schemaless_decoder::scan(od::object obj) {
  entries_.clear();
  std::string_view last_key;
  for (auto member : obj) {
    od::field fld;
    if (auto err = std::move(member).get(fld)) fail_json(err, last_key);
    std::string_view key;
    if (auto err = fld.unescaped_key().get(key)) fail_json(err, last_key);
    last_key = key;
    od::value v = fld.value();
    entries_.push_back(classify(v, key));
  }
}

void schemaless_decoder::scan_single(od::value v) {
  entries_.clear();
  entries_.push_back(classify(v, ""));
}

void schemaless_decoder::scan_single(od::document& doc) {
  entries_.clear();
  entries_.push_back(classify(doc, ""));
}

const schemaless_decoder::entry* schemaless_decoder::find(std::string_view name) const noexcept {
  for (const auto& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

std::shared_ptr<const struct_schema> schemaless_decoder::materialize(std::vector<value>& out) {
  fingerprint_.clear();
  for (const auto& e : entries_) {
    fingerprint_.push_back(static_cast<char>(e.k));
    fingerprint_.append(e.name);
    fingerprint_.push_back('\0');
  }
  if (last_ == nullptr || last_->first != fingerprint_) {
    auto it = cache_.find(fingerprint_);
    if (it == cache_.end()) {
      auto schema = std::make_shared<struct_schema>();
      schema->fields.reserve(entries_.size());
      for (const auto& e : entries_) schema->fields.push_back(field_for(e));
      if (cache_.size() >= max_entries) cache_.clear();
      it = cache_.emplace(fingerprint_, std::move(schema)).first;
    }
    last_ = &*it;
  }
  out.reserve(out.size() + entries_.size());
  for (const auto& e : entries_) out.push_back(value_of(e));
  return last_->second;
}

}  // namespace sluice::convert::detail
