#pragma once
// Internal to core/convert: why one record cannot be converted. The decoders throw it deep inside
// a record with the field path in `why`; record_converter::convert turns it into a sluice::error
// with the record's topic/partition/offset, the one place that knows where the record came from.
// Thread-safety: a plain value.
#include <exception>
#include <string>

namespace sluice::convert::detail {

struct failure : std::exception {
  std::string why;
  std::string fix;
  failure(std::string w, std::string f) : why(std::move(w)), fix(std::move(f)) {}
  const char* what() const noexcept override { return why.c_str(); }
};

[[noreturn]] inline void fail(std::string why, std::string fix = {}) {
  throw failure(std::move(why), std::move(fix));
}

}  // namespace sluice::convert::detail
