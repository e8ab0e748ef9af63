#include "dialects/odbc/param_array.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <sqlext.h>

#include "core/convert/connect_json.hpp"
#include "dialects/odbc/connection.hpp"
#include "dialects/odbc/text.hpp"

namespace sluice::odbc {

void param_array::reset(std::vector<bind_as> kinds, bool utf8_text) {
  utf8_ = utf8_text;
  // The columns' storage keeps its capacity: the same shape comes back batch after batch.
  cols_.resize(kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) cols_[i].kind = kinds[i];
  clear_rows();
}

void param_array::clear_rows() {
  for (auto& c : cols_) {
    c.ints.clear();
    c.doubles.clear();
    c.text.clear();
    c.bytes.clear();
    c.spans.clear();
    c.ind.clear();
  }
  rows_ = 0;
  rendered_.reset();
}

void param_array::add_row() {
  for (auto& c : cols_) {
    switch (c.kind) {
      case bind_as::int64: c.ints.push_back(0); break;
      case bind_as::float64: c.doubles.push_back(0); break;
      case bind_as::text: c.spans.emplace_back(utf8_ ? c.bytes.size() : c.text.size(), 0); break;
      case bind_as::binary: c.spans.emplace_back(c.bytes.size(), 0); break;
    }
    c.ind.push_back(SQL_NULL_DATA);
  }
  ++rows_;
  rendered_.reset();
}

void param_array::drop_last_row() {
  if (rows_ == 0) return;
  for (auto& c : cols_) {
    switch (c.kind) {
      case bind_as::int64: c.ints.pop_back(); break;
      case bind_as::float64: c.doubles.pop_back(); break;
      case bind_as::text:
        if (utf8_) c.bytes.resize(c.spans.back().first);
        else c.text.resize(c.spans.back().first);
        c.spans.pop_back();
        break;
      case bind_as::binary:
        c.bytes.resize(c.spans.back().first);
        c.spans.pop_back();
        break;
    }
    c.ind.pop_back();
  }
  --rows_;
  rendered_.reset();
}

void param_array::set_null(std::size_t col) {
  rendered_.reset();
  cols_[col].ind.back() = SQL_NULL_DATA;
}

void param_array::set_int(std::size_t col, std::int64_t v) {
  rendered_.reset();
  auto& c = cols_[col];
  c.ints.back() = v;
  c.ind.back() = sizeof(std::int64_t);
}

void param_array::set_double(std::size_t col, double v) {
  rendered_.reset();
  auto& c = cols_[col];
  c.doubles.back() = v;
  c.ind.back() = sizeof(double);
}

void param_array::set_text(std::size_t col, std::string_view utf8) {
  rendered_.reset();
  auto& c = cols_[col];
  auto& span = c.spans.back();
  if (utf8_) {
    c.bytes.resize(span.first);  // a cell set twice keeps only its last value
    append_utf8(c.bytes, utf8);
    span.second = c.bytes.size() - span.first;
    c.ind.back() = static_cast<SQLLEN>(span.second);
    return;
  }
  c.text.resize(span.first);
  append_utf16(c.text, utf8);
  span.second = c.text.size() - span.first;
  c.ind.back() = static_cast<SQLLEN>(span.second * sizeof(char16_t));
}

void param_array::set_binary(std::size_t col, std::string_view bytes) {
  rendered_.reset();
  auto& c = cols_[col];
  auto& span = c.spans.back();
  c.bytes.resize(span.first);
  c.bytes.append(bytes);
  span.second = bytes.size();
  c.ind.back() = static_cast<SQLLEN>(bytes.size());
}

namespace {

// Binds parameter `p` of kind `kind` to `data` (an array element or the first of a column-wise
// array of `buffer_bytes`-wide elements); `units` is the longest value in characters / bytes.
void bind_param(statement& s, SQLUSMALLINT p, bind_as kind, bool utf8, void* data, std::size_t units,
                SQLLEN buffer_bytes, SQLLEN* ind) {
  SQLRETURN rc = SQL_SUCCESS;
  units = std::max<std::size_t>(units, 1);
  switch (kind) {
    case bind_as::int64:
      rc = SQLBindParameter(s.raw(), p, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, data,
                            sizeof(std::int64_t), ind);
      break;
    case bind_as::float64:
      rc = SQLBindParameter(s.raw(), p, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, data,
                            sizeof(double), ind);
      break;
    case bind_as::text:
      if (utf8) {
        rc = SQLBindParameter(s.raw(), p, SQL_PARAM_INPUT, SQL_C_CHAR,
                              units > 8000 ? SQL_LONGVARCHAR : SQL_VARCHAR, units, 0, data, buffer_bytes, ind);
        break;
      }
      rc = SQLBindParameter(s.raw(), p, SQL_PARAM_INPUT, SQL_C_WCHAR,
                            units > 4000 ? SQL_WLONGVARCHAR : SQL_WVARCHAR, units, 0, data, buffer_bytes, ind);
      break;
    case bind_as::binary:
      rc = SQLBindParameter(s.raw(), p, SQL_PARAM_INPUT, SQL_C_BINARY,
                            units > 8000 ? SQL_LONGVARBINARY : SQL_VARBINARY, units, 0, data, buffer_bytes, ind);
      break;
  }
  s.check(rc, "cannot bind a parameter");
}

// Throws the statement's translated error after releasing its cursor and parameters.
[[noreturn]] void fail_released(statement& s) {
  try {
    s.fail("batch write failed");
  } catch (...) {
    s.close_cursor();
    s.reset_params();
    throw;
  }
}

// Executes `s` once with the parameters bound; the affected row count. Parameters and cursor are
// released either way.
std::int64_t execute_once(statement& s) {
  SQLRETURN rc = SQLExecute(s.raw());
  if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) fail_released(s);
  SQLLEN count = 0;
  std::int64_t affected = 0;
  if (rc != SQL_NO_DATA && SQL_SUCCEEDED(SQLRowCount(s.raw(), &count)) && count > 0) affected = count;
  s.close_cursor();
  s.reset_params();
  return affected;
}

}  // namespace

void param_array::bind_chunk(statement& s, std::size_t lo, std::size_t n) {
  for (std::size_t i = 0; i < cols_.size(); ++i) {
    auto& c = cols_[i];
    const auto p = static_cast<SQLUSMALLINT>(i + 1);
    if (c.kind == bind_as::int64) {
      bind_param(s, p, c.kind, false, &c.ints[lo], 0, 0, &c.ind[lo]);
      continue;
    }
    if (c.kind == bind_as::float64) {
      bind_param(s, p, c.kind, false, &c.doubles[lo], 0, 0, &c.ind[lo]);
      continue;
    }
    const bool wide = c.kind == bind_as::text && !utf8_;
    const std::size_t unit = wide ? sizeof(char16_t) : 1;
    std::size_t longest = 1;
    for (std::size_t r = lo; r < lo + n; ++r) longest = std::max(longest, c.spans[r].second);
    c.width = longest * unit;
    c.packed.resize(c.width * n);
    for (std::size_t r = 0; r < n; ++r) {
      const auto [off, len] = c.spans[lo + r];
      const void* src = wide ? static_cast<const void*>(c.text.data() + off)
                             : static_cast<const void*>(c.bytes.data() + off);
      if (len) std::memcpy(c.packed.data() + r * c.width, src, len * unit);
    }
    bind_param(s, p, c.kind, utf8_, c.packed.data(), longest, static_cast<SQLLEN>(c.width), &c.ind[lo]);
  }
}

std::int64_t param_array::execute(statement& s, std::size_t max_chunk_bytes) {
  failed_row_.reset();
  if (rows_ == 0) return 0;
  std::size_t row_bytes = 0;
  for (const auto& c : cols_) {
    if (c.kind == bind_as::int64 || c.kind == bind_as::float64) {
      row_bytes += 8;
      continue;
    }
    std::size_t longest = 1;
    for (const auto& sp : c.spans) longest = std::max(longest, sp.second);
    row_bytes += longest * (c.kind == bind_as::text && !utf8_ ? 2 : 1);
  }
  std::size_t chunk = std::clamp<std::size_t>(max_chunk_bytes / std::max<std::size_t>(row_bytes, 1), 1, rows_);
  // The SQLite ODBC driver (0.9998) takes the length of every binary cell of an array from its
  // first row; one row per execute keeps bytes exact (SQLite steps row by row anyway).
  if (s.conn().family() == config::dialect::sqlite &&
      std::any_of(cols_.begin(), cols_.end(), [](const column& c) { return c.kind == bind_as::binary; }))
    chunk = 1;
  std::int64_t affected = 0;
  for (std::size_t lo = 0; lo < rows_; lo += chunk) {
    const std::size_t n = std::min(chunk, rows_ - lo);
    s.reset_params();
    bind_chunk(s, lo, n);
    status_.assign(n, SQL_PARAM_UNUSED);
    processed_ = 0;
    SQLSetStmtAttr(s.raw(), SQL_ATTR_PARAM_BIND_TYPE, reinterpret_cast<SQLPOINTER>(SQL_PARAM_BIND_BY_COLUMN), 0);
    SQLSetStmtAttr(s.raw(), SQL_ATTR_PARAMSET_SIZE, reinterpret_cast<SQLPOINTER>(static_cast<SQLULEN>(n)), 0);
    SQLSetStmtAttr(s.raw(), SQL_ATTR_PARAM_STATUS_PTR, status_.data(), 0);
    SQLSetStmtAttr(s.raw(), SQL_ATTR_PARAMS_PROCESSED_PTR, &processed_, 0);
    auto failed = [&] {
      // Informative only when the driver marked some rows failed and not all of them.
      std::size_t errors = 0;
      std::optional<std::size_t> first;
      for (std::size_t r = 0; r < n; ++r)
        if (status_[r] == SQL_PARAM_ERROR) {
          ++errors;
          if (!first) first = r;
        }
      if (errors > 0 && errors < n) failed_row_ = lo + *first;
      fail_released(s);
    };
    SQLRETURN rc = SQLExecute(s.raw());
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) failed();
    SQLLEN count = 0;
    if (rc != SQL_NO_DATA && SQL_SUCCEEDED(SQLRowCount(s.raw(), &count)) && count > 0) affected += count;
    // Some drivers answer an array with one result per row; later rows report errors here.
    for (SQLRETURN more; (more = SQLMoreResults(s.raw())) != SQL_NO_DATA;) {
      if (!SQL_SUCCEEDED(more)) failed();
      if (SQL_SUCCEEDED(SQLRowCount(s.raw(), &count)) && count > 0) affected += count;
    }
    s.close_cursor();
  }
  s.reset_params();
  return affected;
}

std::int64_t param_array::execute_rows(statement& s, std::size_t lo, std::size_t n) {
  failed_row_.reset();
  if (n == 0) return 0;
  s.reset_params();  // one parameter set: reset_params also drops an earlier array's settings
  // One parameter per cell, pointing straight into the column storage: nothing is packed.
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t row = lo + r;
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      auto& c = cols_[i];
      const auto p = static_cast<SQLUSMALLINT>(r * cols_.size() + i + 1);
      switch (c.kind) {
        case bind_as::int64: bind_param(s, p, c.kind, false, &c.ints[row], 0, 0, &c.ind[row]); break;
        case bind_as::float64: bind_param(s, p, c.kind, false, &c.doubles[row], 0, 0, &c.ind[row]); break;
        case bind_as::text: {
          const auto [off, len] = c.spans[row];
          if (utf8_)
            bind_param(s, p, c.kind, true, c.bytes.data() + off, len, static_cast<SQLLEN>(len), &c.ind[row]);
          else
            bind_param(s, p, c.kind, false, c.text.data() + off, len,
                       static_cast<SQLLEN>(len * sizeof(char16_t)), &c.ind[row]);
          break;
        }
        case bind_as::binary: {
          const auto [off, len] = c.spans[row];
          bind_param(s, p, c.kind, false, c.bytes.data() + off, len, static_cast<SQLLEN>(len), &c.ind[row]);
          break;
        }
      }
    }
  }
  return execute_once(s);
}

bool param_array::render_json(std::size_t lo, std::size_t n) {
  if (rendered_ && rendered_->first == lo && rendered_->second == n) return true;
  rendered_.reset();
  if (!utf8_) return false;
  for (const auto& c : cols_)
    if (c.kind == bind_as::binary) return false;
  json_.clear();
  json_ += '[';
  char num[32];
  for (std::size_t r = lo; r < lo + n; ++r) {
    json_ += r > lo ? ",[" : "[";
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      const auto& c = cols_[i];
      if (i) json_ += ',';
      if (c.ind[r] == SQL_NULL_DATA) {
        json_ += "null";
        continue;
      }
      switch (c.kind) {
        case bind_as::int64: {
          auto end = fmt::format_to(num, "{}", c.ints[r]);
          json_.append(num, end);
          break;
        }
        case bind_as::float64: {
          const double d = c.doubles[r];
          if (!std::isfinite(d)) return false;
          auto end = fmt::format_to(num, "{}", d);  // shortest text that reads back the same
          json_.append(num, end);
          // "5" would come back an INTEGER; the bound double is a REAL.
          if (std::find_if(num, end, [](char ch) { return ch == '.' || ch == 'e'; }) == end) json_ += ".0";
          break;
        }
        case bind_as::text: {
          const auto [off, len] = c.spans[r];
          const std::string_view text(c.bytes.data() + off, len);
          // SQLite's JSON text would end at a NUL.
          if (text.find('\0') != std::string_view::npos) return false;
          convert::append_json_string(text, json_);
          break;
        }
        case bind_as::binary: return false;
      }
    }
    json_ += ']';
  }
  json_ += ']';
  rendered_.emplace(lo, n);
  return true;
}

std::optional<std::int64_t> param_array::execute_json(statement& s, std::size_t lo, std::size_t n) {
  failed_row_.reset();
  if (!render_json(lo, n)) return std::nullopt;
  s.reset_params();  // one parameter set: reset_params also drops an earlier array's settings
  SQLLEN ind = static_cast<SQLLEN>(json_.size());
  bind_param(s, 1, bind_as::text, true, json_.data(), json_.size(), ind, &ind);
  return execute_once(s);
}

}  // namespace sluice::odbc
