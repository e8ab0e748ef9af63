#pragma once
// The one place where librdkafka's error codes and error objects become sluice::error.
// Fenced producers (a newer producer with the same transactional.id took over) get the code
// "FENCED" so callers can tell "stop, someone else owns this" from "try again".
#include <string>

#include <librdkafka/rdkafka.h>

#include "core/error.hpp"

namespace sluice::kafka {

// True for the codes that mean this producer was fenced by a newer one.
bool is_fenced(rd_kafka_resp_err_t err) noexcept;

// `what`/`where` as in sluice::error; `why` defaults to librdkafka's text for `err`.
sluice::error to_error(rd_kafka_resp_err_t err, std::string what, std::string where,
                       std::string why = {});

// Takes the flags (retriable, fatal, txn_requires_abort) from the error object. `rk` (may be
// null) is asked for the underlying cause when the object only says "fatal".
sluice::error to_error(const rd_kafka_error_t* err, rd_kafka_t* rk, std::string what,
                       std::string where);

}  // namespace sluice::kafka
